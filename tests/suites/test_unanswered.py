"""A request the controller leaves unanswered is never a pass, whichever request it is; a
connection closed as HTTP allows is never held against it.

A request the device resets (a probe, a write, a sample, a read around the per-key reads)
leaves a check not tested, or judged on fewer reads. Such a run is inconclusive, in the sense
of TTCN-3's verdicts (ETSI ES 201 873-1: an inconclusive verdict keeps the whole from a pass).
So the run is not "conforms": a check fails, or the verdict is partial with exit 8 and names
the request. The kinds of request are the ones a run of the suite sends
(``tests/data/request_kinds.json``, held to a recorded run), each left unanswered in a device
of its own; so are requests at positions drawn over the whole run.
"""

from __future__ import annotations

import json
import random
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


def recorded() -> tuple[list[str], int]:
    """Every kind of request a run of the whole suite sends, and how many requests."""
    seen: list[str] = []
    lock = threading.Lock()

    def note(req: Request, turn: int) -> str:
        with lock:
            seen.append(kind(req))
        return Conduct.ANSWER

    summary = run_through([Piece(conduct=note)])
    assert summary["verdict"] == "conforms", summary["verdict_reason"]
    return sorted(set(seen)), len(seen)


def recorded_requests() -> int:
    return int(json.loads(KINDS_FILE.read_text())["requests"])


def test_the_kinds_are_the_ones_a_run_sends() -> None:
    kinds, requests = recorded()
    assert kinds == KINDS and abs(requests - recorded_requests()) < 0.1 * requests, (
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


def nth(k: int):
    """Picks the k-th request of the run, and the same request once more right after it (the
    client's one re-send, when the k-th came on a reused connection)."""
    count, picked = [0], [("", "")]

    def matches(req: Request) -> bool:
        count[0] += 1
        if count[0] == k:
            picked[0] = (req.method, req.path)
            return True
        return count[0] == k + 1 and picked[0] == (req.method, req.path)

    return matches


# positions over the whole run, drawn with a seed: whatever the k-th request is for (a probe,
# a sample, a read around the per-key reads, a privacy observation), it never passes unseen
POSITIONS = sorted(random.Random(20261202).sample(range(2, int(0.95 * recorded_requests())), 6))


@pytest.mark.parametrize("k", POSITIONS)
def test_the_kth_request_left_unanswered_is_never_a_pass(k: int) -> None:
    summary = run_through([pieces.left_unanswered(nth(k))])
    verdict, code = summary["verdict"], summary["run"]["exit_status"]
    assert verdict != "conforms" and code != 0, f"request {k} left unanswered: {verdict}"


@pytest.mark.parametrize("choice", CONNECTION, ids=[c.name for c in CONNECTION])
def test_a_connection_closed_as_http_allows_conforms(choice: variants.Choice) -> None:
    summary = run_through(choice.pieces)
    assert (summary["verdict"], summary["run"]["exit_status"]) == ("conforms", 0), (
        f"{choice.why}: {summary['verdict_reason']}"
    )


if __name__ == "__main__":
    kinds, requests = recorded()
    KINDS_FILE.write_text(json.dumps({"kinds": kinds, "requests": requests}, indent=2) + "\n")
