"""``python -m ccrest.report diff OLD.json NEW.json [--html FILE] [--markdown FILE]
[--fail-on GATE]...``, ``python -m ccrest.report merge DIR... [--out DIR]`` and
``python -m ccrest.report history PATH... [--html FILE] [--markdown FILE]`` (also as
``ccrest report``).

diff's exit codes: 0 no gate tripped, 1 a gate tripped (``--fail-on``: a regression by default,
any interface change with ``interface``), 4 a usage error or an unreadable summary. merge's: the
worst controller's, as the lab run's (0, 1, 5 or 6), 4 when a folder holds none. history's: 0,
or 4 for a path that is not a summary or a folder holding one.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ccrest import safe
from ccrest.report.diff import (
    DEFAULT_GATES,
    GATES,
    compare,
    failed_gates,
    render_html,
    render_markdown,
    render_text,
)
from ccrest.report.files import write_text
from ccrest.report.summary import schema_problem
from ccrest.usage import Parser
from ccrest.verdict import EXIT_USAGE


def _load(path: str, parser: argparse.ArgumentParser) -> dict[str, Any]:
    """A summary read back, refused (exit 4, with the reason) unless it is one, and every text
    in it made display-safe: a file may have been crafted, as a device's bytes may be."""
    try:
        data = safe.tree(json.loads(Path(path).read_text(encoding="utf-8")))
        problem = schema_problem(data)
    except OSError as exc:
        parser.exit(EXIT_USAGE, f"{parser.prog}: cannot read {path}: {exc.strerror}\n")
    except RecursionError:
        parser.exit(
            EXIT_USAGE, f"{parser.prog}: {path} is nested too deep to be a conformance summary\n"
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        why = safe.text(str(exc))
        parser.exit(
            EXIT_USAGE, f"{parser.prog}: {path} is not JSON ({why}); give a conformance.json\n"
        )
    if problem is not None:
        parser.exit(
            EXIT_USAGE, f"{parser.prog}: {path} is not a ccrest conformance summary: {problem}\n"
        )
    assert isinstance(data, dict)
    return data


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    parser = Parser(prog=prog or "ccrest report")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    diff = commands.add_parser("diff", help="what regressed, was fixed or changed between runs")
    diff.add_argument("old", help="conformance.json of the earlier run (the old build)")
    diff.add_argument("new", help="conformance.json of the later run (the new build)")
    diff.add_argument("--html", metavar="FILE", help="also write the diff as an HTML page")
    diff.add_argument("--markdown", metavar="FILE", help="also write the diff as Markdown")
    diff.add_argument(
        "--fail-on",
        action="append",
        choices=list(GATES),
        metavar="GATE",
        help="exit 1 when this holds (repeat for several; the ones given replace the default, "
        + "regression): "
        + "; ".join(f"{name}: {words}" for name, (words, _) in GATES.items()),
    )
    merge = commands.add_parser(
        "merge", help="one fleet summary from the report folders of a lab's shards"
    )
    merge.add_argument("dirs", nargs="+", metavar="DIR", help="a shard's report folder")
    merge.add_argument("--out", default=".", help="where fleet.{json,md,html} go (default .)")
    history = commands.add_parser(
        "history", help="one page of many builds: verdicts, faults and interface changes"
    )
    history.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="a conformance.json, a folder holding one, or a quoted glob of either",
    )
    history.add_argument(
        "--html", default="history.html", metavar="FILE", help="the page (default history.html)"
    )
    history.add_argument("--markdown", metavar="FILE", help="also write it as Markdown")
    args, rest = parser.parse_known_args(argv)
    if rest:  # named by the subcommand's own parser: its usage line, its options' hints
        {"diff": diff, "merge": merge, "history": history}[args.command].error(
            f"unrecognized arguments: {' '.join(rest)}"
        )
    if args.command == "merge":
        return _merge(args, parser)
    if args.command == "history":
        return _history(args, history)
    result = compare(_load(args.old, parser), _load(args.new, parser))
    sys.stdout.write(render_text(result))
    tripped = failed_gates(result, args.fail_on or DEFAULT_GATES)
    if tripped:
        sys.stdout.write(f"exit 1: --fail-on {', '.join(tripped)}\n")
    if args.html:
        write_text(Path(args.html), render_html(result))
    if args.markdown:
        write_text(Path(args.markdown), render_markdown(result))
    return 1 if tripped else 0


def _history(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from ccrest.report import history

    summaries = []
    for given in _expanded(args.paths, parser):
        path = Path(given)
        if path.is_dir():
            path = path / "conformance.json"
            if not path.is_file():
                parser.exit(
                    EXIT_USAGE,
                    f"{parser.prog}: {given} holds no conformance.json; give a run's report "
                    "folder or the file itself\n",
                )
        summaries.append((str(path), _load(str(path), parser)))
    result = history.build(summaries)
    sys.stdout.write(history.render_text(result))
    write_text(Path(args.html), history.render_html(result))
    if args.markdown:
        write_text(Path(args.markdown), history.render_markdown(result))
    return 0


def _expanded(paths: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """The paths, a quoted glob ('builds/*/conformance.json', as a CI step passes it) expanded
    here in name order; one that matches nothing is named."""
    out: list[str] = []
    for given in paths:
        if Path(given).exists() or not glob.has_magic(given):
            out.append(given)
            continue
        matched = sorted(glob.glob(given))
        if not matched:
            parser.exit(EXIT_USAGE, f"{parser.prog}: {given} matches no file or folder\n")
        out += matched
    return out


def _merge(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from ccrest.report import fleet

    roots = [Path(d) for d in args.dirs]
    for root in roots:
        if not root.is_dir():
            parser.exit(
                EXIT_USAGE, f"{parser.prog}: merge: {root} is not a folder; give report folders\n"
            )
    try:
        summaries = fleet.collect(roots)
    except fleet.FleetError as exc:
        parser.exit(EXIT_USAGE, f"{parser.prog}: merge: {exc}\n")
    result = fleet.build(summaries, expected=sorted(summaries))
    fleet.write(Path(args.out), result)
    sys.stdout.write(fleet.render_md(result))
    return int(result["exit_code"])


if __name__ == "__main__":
    sys.exit(main())
