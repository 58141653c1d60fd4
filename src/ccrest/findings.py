"""The one shape in which every rule reports what it saw, from parser to report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from ccrest import safe
from ccrest.exchange import Exchange


class Outcome(StrEnum):
    """Four outcomes, never three: a check that could not run is not a pass."""

    PASS = "pass"
    FAIL = "fail"
    NOT_TESTED = "not-tested"
    WAIVED = "waived"


@dataclass(frozen=True)
class Finding:
    """One observation a check made: which check, about which key, observed versus allowed."""

    check_id: str
    message: str
    key: str | None = None
    observed: object = None
    allowed: str | None = None
    outcome: Outcome = Outcome.FAIL
    exchange: Exchange | None = None
    at: tuple[float, ...] = ()  # the samples (monotonic s) a rule over time saw it in: charted

    def line(self) -> str:
        """The finding as one line of a failure message: check ID first, then what was seen."""
        where = f" (seen in {self.exchange.summary()})" if self.exchange else ""
        return f"[{self.check_id}] {self.message}{where}"


SHOWN = 200  # characters of a device's value a message shows


def quoted(text: str) -> str:
    """A text in quotes, as Python shows a string, but display-safe rather than escaped: a
    device's text was made safe where it entered (``ccrest.safe``), so a backslash it sent is
    shown as sent, and ``\\x1b`` is how an ESC it sent reads."""
    text = safe.text(text)
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "\\'") + "'"


def show(value: object, limit: int = SHOWN) -> str:
    """Render an observed value as a reader should see it: strings quoted, JSON values as JSON,
    at most ``limit`` characters of it (a device's value may be a megabyte of garbage)."""
    if isinstance(value, str):
        shown = value if len(value) <= limit else value[:limit]
        text = quoted(shown)
        return text if shown is value else f"{text}… ({len(value)} characters in all)"
    try:
        text = safe.text(json.dumps(value, ensure_ascii=False))
    except (TypeError, ValueError, RecursionError):
        text = safe.text(repr(value))
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters in all)"
