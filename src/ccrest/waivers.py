"""A profile's waivers and what became of them during a run: a waiver that a test covered
(exercised) but that waived nothing is no longer needed, and fails the run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ccrest.findings import Finding
from ccrest.profiles import Waiver


class WaiverLedger:
    """The profile's waivers and what became of them during the run: a waiver that a test
    covered (exercised) but that waived nothing is no longer needed, and fails the run."""

    def __init__(self, waivers: Sequence[Waiver]) -> None:
        self.waivers = tuple(waivers)
        self.used: set[int] = set()
        self.exercised: set[int] = set()

    def scope(self, checks: Sequence[str], keys: Sequence[str]) -> Scope:
        return Scope(self, tuple(checks), frozenset(keys))

    def stale(self) -> list[Waiver]:
        return [w for i, w in enumerate(self.waivers) if i in self.exercised - self.used]

    def status(self) -> list[dict[str, Any]]:
        def state(i: int) -> str:
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
            if w.covers(finding.check_id, keys):
                self.ledger.used.add(i)
                return w
        return None

    def ran(self) -> None:
        """The test reached a verdict: every waiver covering it was exercised."""
        for i, w in enumerate(self.ledger.waivers):
            if any(w.covers(c, set(self.keys)) for c in self.checks):
                self.ledger.exercised.add(i)
