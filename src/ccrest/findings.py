"""The one shape in which every rule reports what it saw, from parser to report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

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

    def line(self) -> str:
        """The finding as one line of a failure message: check ID first, then what was seen."""
        where = f" (seen in {self.exchange.summary()})" if self.exchange else ""
        return f"[{self.check_id}] {self.message}{where}"


def show(value: object) -> str:
    """Render an observed value as a reader should see it: strings quoted, JSON values as JSON."""
    if isinstance(value, str):
        return repr(value)
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)
