"""A request the controller leaves unanswered is never a pass, whichever request it is; a
connection closed as HTTP allows is never held against it.

A probe the device resets (the no-credentials probe, a write, an unknown key) leaves its check
not tested. Such a check is inconclusive, in the sense of TTCN-3's verdicts (ETSI ES 201 873-1
section 24: an inconclusive verdict keeps the whole from a pass). So the run is not
"conforms": a check fails, or the verdict is partial with exit 8 and says why. The kinds of
request are the ones a run of the suite sends (``tests/data/request_kinds.json``, held to a
recorded run); each is left unanswered in a device of its own.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from ccrest.mutate import pieces, variants
from ccrest.mutate.matrix import CONFIGURED, run_through
from ccrest.mutate.proxy import UNANSWERED as UNANSWERED_CONDUCTS
from ccrest.mutate.proxy import Conduct, Piece, Request
from ccrest.spec import catalogue
from ccrest.verdict import EXIT_UNANSWERED

KINDS_FILE = Path(__file__).resolve().parents[1] / "data" / "request_kinds.json"
KINDS: list[str] = json.loads(KINDS_FILE.read_text())["kinds"]
KEYS = frozenset(catalogue().keys)
CONNECTION = variants.DIMENSIONS["connection"]


def kind(req: Request) -> str:
    return pieces.kind_of(req, KEYS, CONFIGURED)


def recorded_kinds() -> list[str]:
    """Every kind of request a run of the whole suite sends."""
    seen: set[str] = set()
    lock = threading.Lock()

    def note(req: Request, turn: int) -> str:
        with lock:
            seen.add(kind(req))
        return Conduct.ANSWER

    summary = run_through([Piece(conduct=note)])
    assert summary["verdict"] == "conforms", summary["verdict_reason"]
    return sorted(seen)


def test_the_kinds_are_the_ones_a_run_sends() -> None:
    assert recorded_kinds() == KINDS, (
        f"the suite's requests changed: write them to {KINDS_FILE} "
        "(python -m tests.suites.test_unanswered)"
    )


# each kind once, reset (RST) and closed (FIN) in turn: both are no answer
UNANSWERED = [(left, UNANSWERED_CONDUCTS[i % 2]) for i, left in enumerate(KINDS)]


@pytest.mark.parametrize(("left", "conduct"), UNANSWERED, ids=[f"{k}-{c}" for k, c in UNANSWERED])
def test_a_request_left_unanswered_is_never_a_pass(left: str, conduct: str) -> None:
    summary = run_through([pieces.left_unanswered(lambda req: kind(req) == left, conduct)])
    verdict, code = summary["verdict"], summary["run"]["exit_status"]
    assert verdict != "conforms" and code != 0, f"{left} left unanswered: {verdict} ({code})"
    if verdict == "partial":
        reason = summary["verdict_reason"]
        assert code == EXIT_UNANSWERED and "no usable answer" in reason, (code, reason)


@pytest.mark.parametrize("choice", CONNECTION, ids=[c.name for c in CONNECTION])
def test_a_connection_closed_as_http_allows_conforms(choice: variants.Choice) -> None:
    summary = run_through(choice.pieces)
    assert (summary["verdict"], summary["run"]["exit_status"]) == ("conforms", 0), (
        f"{choice.why}: {summary['verdict_reason']}"
    )


if __name__ == "__main__":
    KINDS_FILE.write_text(json.dumps({"kinds": recorded_kinds()}, indent=2) + "\n")
