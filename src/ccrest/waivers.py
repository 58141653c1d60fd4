"""A profile's waivers and what became of them during a run: a waiver that a test covered
(exercised) but that waived nothing is no longer needed, and fails the run; a waiver past its
``expires`` day waives nothing and fails the run too, named."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ccrest.findings import Finding
from ccrest.profiles import Waiver


class WaiverLedger:
    """The profile's waivers and what became of them during the run: a waiver that a test
    covered (exercised) but that waived nothing is no longer needed, and fails the run."""

    def __init__(self, waivers: Sequence[Waiver], today: datetime.date | None = None) -> None:
        self.waivers = tuple(waivers)
        self.today = today or datetime.date.today()
        self.used: set[int] = set()
        self.exercised: set[int] = set()

    def scope(self, checks: Sequence[str], keys: Sequence[str]) -> Scope:
        return Scope(self, tuple(checks), frozenset(keys))

    def stale(self) -> list[Waiver]:
        return [
            w
            for i, w in enumerate(self.waivers)
            if i in self.exercised - self.used and not w.expired(self.today)
        ]

    def expired(self) -> list[Waiver]:
        """The waivers past their day: they waive nothing, and the run fails naming them."""
        return [w for w in self.waivers if w.expired(self.today)]

    def status(self) -> list[dict[str, Any]]:
        def state(i: int) -> str:
            if self.waivers[i].expired(self.today):
                return "expired"
            if i in self.used:
                return "in use"
            return "no longer needed" if i in self.exercised else "not exercised"

        return [
            {
                "check": w.check,
                "keys": list(w.keys),
                "reason": w.reason,
                "where": w.where,
                "status": state(i),
                **({"expires": w.expires.isoformat()} if w.expires else {}),
                **({"days_left": (w.expires - self.today).days} if w.expires else {}),
                **({"ticket": w.ticket} if w.ticket else {}),
                **({"ticket_url": w.ticket_url} if w.ticket_url else {}),
            }
            for i, w in enumerate(self.waivers)
        ]


@dataclass(frozen=True)
class Scope:
    """The waivers as one test sees them: its check IDs and subject keys."""

    ledger: WaiverLedger
    checks: tuple[str, ...]
    keys: frozenset[str]

    def waive(self, finding: Finding) -> Waiver | None:
        keys = set(self.keys) | ({finding.key} if finding.key else set())
        for i, w in enumerate(self.ledger.waivers):
            if w.covers(finding.check_id, keys) and not w.expired(self.ledger.today):
                self.ledger.used.add(i)
                return w
        return None

    def ran(self) -> None:
        """The test reached a verdict: every waiver covering it was exercised."""
        for i, w in enumerate(self.ledger.waivers):
            if any(w.covers(c, set(self.keys)) for c in self.checks):
                self.ledger.exercised.add(i)
