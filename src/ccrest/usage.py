"""One command line that behaves the same in every ``ccrest`` subcommand: a usage error prints
the subcommand's own usage line (``usage: ccrest sim ...``), says what was wrong with the
nearest known word ("did you mean --profile?", the standard library's ``difflib``), and exits
4, the suite's usage-error code (argparse's own is 2, which ccrest uses for an interrupted
run)."""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Iterable
from typing import NoReturn

from ccrest.verdict import EXIT_USAGE


def suggestion(word: str, known: Iterable[str]) -> str:
    """' (did you mean X?)' for the closest known word, or ''."""
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


class Parser(argparse.ArgumentParser):
    """argparse, with ccrest's usage errors."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("allow_abbrev", False)  # --prof is no --profile: a typo is named
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}{self.hint(message)}", file=sys.stderr)
        sys.exit(EXIT_USAGE)

    def known_options(self) -> list[str]:
        return [s for action in self._actions for s in action.option_strings]

    def hint(self, message: str) -> str:
        """A "did you mean" for an unknown option or an invalid choice."""
        match = re.match(r"unrecognized arguments: (.+)", message)
        if match:
            words = [w.split("=", 1)[0] for w in match.group(1).split() if w.startswith("-")]
            close = [
                c for w in words for c in difflib.get_close_matches(w, self.known_options(), 1)
            ]
            return f" (did you mean {', '.join(close)}?)" if close else ""
        match = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if match:
            known = [c.strip().strip("'") for c in match.group(2).split(",")]
            close = difflib.get_close_matches(match.group(1), known, 1)
            return f" (did you mean {close[0]}?)" if close else ""
        return ""


def subcommand_prog(prog: str | None, own: str) -> str:
    """The usage line's program: ``ccrest sim`` when called as a subcommand, else ``own``."""
    return prog or own
