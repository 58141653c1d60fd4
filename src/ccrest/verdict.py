"""The verdict of a run and its exit code, decided in one place.

What ran (how many checks passed, failed, were waived or not tested), how much of the suite
was selected, whether the run deadline cut it short, whether a person or a signal interrupted
it, and why the device could not be tested, if it could not: ``decide`` turns these facts into
one verdict, its exit code and the reason in words. The terminal line, every report of
``ccrest check`` (JSON, Markdown, HTML, JUnit, the step summary), a lab's fleet and
``ccrest watch`` all state what this function decided; none decides on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    CONFORMS = "conforms"
    PARTIAL = "partial"
    DOES_NOT_CONFORM = "does-not-conform"
    INTERRUPTED = "interrupted"
    NOT_TESTED = "not-tested"
    NOT_TESTABLE = "not-testable"


WORDS = {
    Verdict.CONFORMS: "CONFORMS",
    Verdict.PARTIAL: "PARTIAL RUN, WHAT RAN PASSED",
    Verdict.DOES_NOT_CONFORM: "DOES NOT CONFORM",
    Verdict.INTERRUPTED: "INTERRUPTED",
    Verdict.NOT_TESTED: "NOT TESTED",
    Verdict.NOT_TESTABLE: "NOT TESTABLE",
}

EXIT_CONFORMS = 0
EXIT_FAILED = 1
EXIT_INTERRUPTED = 2  # pytest's own code for an interrupted session
EXIT_INTERNAL = 3
EXIT_USAGE = 4
EXIT_NOTHING = 5  # pytest's own code for a session that collected no test
EXIT_UNTESTABLE = 6
EXIT_DEADLINE = 7
EXIT_UNANSWERED = 8
EXIT_CODES = {  # the one table of exit codes: the README's is checked against it
    EXIT_CONFORMS: "conforms, or partial (what ran passed)",
    EXIT_FAILED: "does not conform (a check failed, or a waiver is no longer needed)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C or SIGTERM): what ran is reported, the rest not tested",
    EXIT_INTERNAL: "an internal error of ccrest or pytest",
    EXIT_USAGE: "a usage error (an option, profile, inventory or configuration file): no run",
    EXIT_NOTHING: "not tested: no check reached a verdict",
    EXIT_UNTESTABLE: "not testable: the device could not be tested (unreachable, credentials)",
    EXIT_DEADLINE: "the run deadline passed: what ran passed, the rest not tested",
    EXIT_UNANSWERED: (
        "the controller left requests unanswered: what it answered passed, the checks "
        "that needed the rest not tested"
    ),
}
# worst first: a lab's verdict is its worst controller's
SEVERITY = (
    Verdict.INTERRUPTED,
    Verdict.DOES_NOT_CONFORM,
    Verdict.NOT_TESTABLE,
    Verdict.NOT_TESTED,
    Verdict.PARTIAL,
    Verdict.CONFORMS,
)
FAILED = ("failed", "error", "xpassed")  # test outcomes that are failures of the device


@dataclass(frozen=True)
class Facts:
    """What a run did, as far as its verdict is concerned."""

    passed: int = 0
    failed: int = 0  # failed, errors and unexpected passes of waived checks
    waived: int = 0  # expected failures a profile's waiver turned the failure into
    not_tested: int = 0  # skipped with a reason, or never reached
    stale_waivers: int = 0  # waivers that waived nothing: their deviation is gone
    expired_waivers: int = 0  # waivers past their expires day: they waive nothing any more
    complete: bool = True  # the whole suite was selected (no -m, -k, file, deselection)
    selection: str = ""  # how the part was chosen, in words
    deadline: str = ""  # how the run deadline cut the run short, in words
    interrupted: str = ""  # what interrupted the run ("Ctrl-C", "SIGTERM")
    unfinished: int = 0  # tests the run ended before, whatever ended it
    stopped: str = ""  # why pytest stopped early, if it said (-x: a failure)
    lost: str = ""  # why the client stopped sending mid-run (the device stopped answering)
    unanswered: int = 0  # requests the device gave no usable answer (a check went without)
    unanswered_error: str = ""  # the first such request and what became of it
    untestable: str = ""  # why the device could not be tested at all
    unwalked: str = ""  # why nothing drove the states family (no simulator control, no person)
    unit: str = "checks"  # what was judged: a watch judges samples
    engine: str = ""  # why pytest could not run the suites (a collection or internal error)
    engine_exit: int = EXIT_INTERNAL

    @classmethod
    def of(cls, outcomes: Iterable[str], **facts: object) -> Facts:
        """Facts from the tests' outcomes (pytest's words) and the rest as given."""
        counts = {"passed": 0, "failed": 0, "waived": 0, "not_tested": 0}
        for outcome in outcomes:
            if outcome in FAILED:
                counts["failed"] += 1
            elif outcome == "xfailed":
                counts["waived"] += 1
            elif outcome == "passed":
                counts["passed"] += 1
            else:
                counts["not_tested"] += 1
        return cls(**counts, **facts)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    exit_code: int
    reason: str  # why, in one sentence; empty for a device that conforms

    @property
    def words(self) -> str:
        return WORDS[self.verdict]


def decide(f: Facts) -> Decision:
    """The verdict, its exit code and the reason. In order: a device that could not be tested
    at all; a suite that could not run; a run that was interrupted (never "conforms", whatever
    passed before); a failure; a device that stopped answering mid-run, or a run that ended
    early (interrupted too); nothing judged; requests the device left without a usable answer
    (never "conforms": a probe it resets is not one it passed); the deadline; a states family
    nothing could drive; a part of the suite; the whole."""
    judged = f.passed + f.waived
    if f.untestable:
        return Decision(Verdict.NOT_TESTABLE, EXIT_UNTESTABLE, f.untestable)
    if f.engine:
        return Decision(Verdict.NOT_TESTED, f.engine_exit, f.engine)
    if f.interrupted:
        return Decision(Verdict.INTERRUPTED, EXIT_INTERRUPTED, _stopped(f, f"({f.interrupted})"))
    if f.failed or f.stale_waivers or f.expired_waivers:
        parts = [f"{f.failed} failed" if f.failed else ""]
        if f.stale_waivers:
            many = "waivers are" if f.stale_waivers > 1 else "waiver is"
            parts.append(f"{f.stale_waivers} {many} no longer needed")
        if f.expired_waivers:
            many = "waivers have" if f.expired_waivers > 1 else "waiver has"
            parts.append(f"{f.expired_waivers} {many} expired")
        return Decision(Verdict.DOES_NOT_CONFORM, EXIT_FAILED, "; ".join(p for p in parts if p))
    if f.lost:  # a device that stops answering, or a network that fails: never a pass
        return Decision(
            Verdict.INTERRUPTED, EXIT_INTERRUPTED, _stopped(f, f"(the controller {f.lost})")
        )
    if f.unfinished:  # the run ended before its end, and no signal or failure says why
        why = f"({f.stopped})" if f.stopped else "(pytest ended the session early)"
        return Decision(Verdict.INTERRUPTED, EXIT_INTERRUPTED, _stopped(f, why))
    if not judged:
        why = f"all {f.not_tested} checks were not tested" if f.not_tested else "no check ran"
        if f.selection:
            why += f" ({f.selection})"
        return Decision(Verdict.NOT_TESTED, EXIT_NOTHING, why)
    if f.unanswered:
        many = f"{f.unanswered} requests" if f.unanswered > 1 else "1 request"
        return Decision(
            Verdict.PARTIAL,
            EXIT_UNANSWERED,
            f"the controller gave no usable answer to {many} of the run"
            + (f" (the first: {f.unanswered_error})" if f.unanswered_error else "")
            + "; the checks that needed an answer were not tested or judged on fewer reads",
        )
    if f.deadline:
        return Decision(Verdict.PARTIAL, EXIT_DEADLINE, f.deadline)
    if f.unwalked:  # as if the family were deselected: never "conforms"
        return Decision(
            Verdict.PARTIAL,
            EXIT_CONFORMS,
            f"the states family was not walked: {f.unwalked}; --guided walks it with a person "
            "at the bench",
        )
    if not f.complete:
        return Decision(Verdict.PARTIAL, EXIT_CONFORMS, f.selection or "a part of the suite ran")
    return Decision(Verdict.CONFORMS, EXIT_CONFORMS, "")


def _stopped(f: Facts, why: str) -> str:
    judged = f.passed + f.waived + f.failed
    found = f"; {f.failed} failed before it stopped" if f.failed else ""
    untested = f"; {f.not_tested} not tested" if f.not_tested else ""
    return (
        f"the run was interrupted {why} after {judged} {f.unit} reached a verdict{found}{untested}"
    )


def explain(verdict: str, reason: str, scope: Mapping[str, Any] | None = None) -> str:
    """The verdict's sentence, as every artifact words it: what part of the suite the verdict
    covers, or why there is none on the device; empty for a whole suite that passed."""
    verdict = Verdict(verdict)
    scope = scope or {}
    if verdict is Verdict.NOT_TESTABLE:
        return f"Not testable: {reason or 'the device could not be tested'}."
    if verdict is Verdict.INTERRUPTED:
        return f"Interrupted: {reason}. What ran is reported; the rest is not tested."
    if verdict is Verdict.NOT_TESTED:
        return f"Not tested: {reason or 'no check reached a verdict'}."
    if verdict is Verdict.PARTIAL and scope.get("complete") is True and reason:
        # the whole suite ran, and the controller left some of it unjudged
        return f"Partial verdict: {reason}; the device as a whole was not judged."
    if verdict is Verdict.DOES_NOT_CONFORM or scope.get("complete", True):
        return ""
    if "tests" not in scope:
        return f"Partial run: {reason}; the device as a whole was not judged."
    families = ", ".join(scope.get("families", ())) or "none"
    return (
        f"Partial run: {scope['tests']} tests of the families {families} were selected "
        f"({scope['selection']}); the device as a whole was not judged."
    )


def worst(verdicts: Iterable[str]) -> Verdict:
    """The worst of several verdicts (a lab's controllers); not tested when there are none."""
    return min((Verdict(v) for v in verdicts), key=SEVERITY.index, default=Verdict.NOT_TESTED)


def exit_code(verdict: Verdict) -> int:
    """The exit code a verdict stands for where no finer fact is known (a lab's fleet)."""
    return {
        Verdict.CONFORMS: EXIT_CONFORMS,
        Verdict.PARTIAL: EXIT_CONFORMS,
        Verdict.DOES_NOT_CONFORM: EXIT_FAILED,
        Verdict.INTERRUPTED: EXIT_INTERRUPTED,
        Verdict.NOT_TESTED: EXIT_NOTHING,
        Verdict.NOT_TESTABLE: EXIT_UNTESTABLE,
    }[verdict]
