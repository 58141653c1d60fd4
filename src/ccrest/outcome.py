"""From findings to a pytest outcome: four outcomes, never three.

Failing findings fail the test with one line each (check ID, observed versus allowed, the
exchange); failing findings a profile waives make it an expected failure with the waiver's
reason; advisory rules and information become warnings; a check that could not run is skipped
with its reason, never counted as a pass. The rules return findings; this module decides the
outcome (``Conclusion``), and only the plugin makes it pytest's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ccrest.findings import Finding, Outcome
from ccrest.spec import Catalogue
from ccrest.waivers import Scope


class CcrestAdvisory(UserWarning):
    """A rule the specification does not state was broken: worth a look, not a failure."""


class CcrestInformation(UserWarning):
    """Something worth reporting that is not a deviation (e.g. declared anonymous access)."""


class Kind(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WAIVED = "waived"  # an expected failure: the profile's waiver
    NOT_TESTED = "not-tested"


@dataclass
class Sorted:
    """Findings sorted by what they make of a check: the one fold ``ccrest check`` (per test)
    and ``ccrest watch`` (per sample) both use."""

    findings: list[Finding]  # as given, a waived one marked WAIVED
    failing: list[Finding] = field(default_factory=list)
    waived: list[str] = field(default_factory=list)  # each a line with the waiver's reason
    advisory: list[Finding] = field(default_factory=list)
    untested: list[Finding] = field(default_factory=list)
    information: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class Conclusion:
    """A check's outcome and its message; the plugin makes it pytest's."""

    kind: Kind
    message: str = ""
    warnings: tuple[UserWarning, ...] = ()


def _unsent(finding: Finding) -> Finding:
    """A check whose request was never sent (the client gave up on the device) did not run."""
    if finding.exchange is not None and not finding.exchange.sent:
        return replace(finding, outcome=Outcome.NOT_TESTED, message=finding.exchange.error or "")
    return finding


def sort(findings: Iterable[Finding], cat: Catalogue, waivers: Scope | None = None) -> Sorted:
    """Each finding where it belongs: a failure (unless a waiver covers it or the rule is
    advisory), waived, advisory, not tested, or information."""
    out = Sorted([_unsent(f) for f in findings])
    for i, f in enumerate(out.findings):
        advisory = cat.check(f.check_id).certainty == "advisory"
        waiver = waivers.waive(f) if waivers and f.outcome is Outcome.FAIL else None
        if waiver is not None:
            out.findings[i] = replace(f, outcome=Outcome.WAIVED)
            out.waived.append(f"{f.line()} [waived: {waiver.reason} ({waiver.where})]")
        elif f.outcome is Outcome.FAIL and advisory:
            out.advisory.append(f)
        elif f.outcome is Outcome.FAIL:
            out.failing.append(f)
        elif f.outcome is Outcome.NOT_TESTED:
            out.untested.append(f)
        elif f.outcome is Outcome.PASS:
            out.information.append(f)
    return out


def conclude(
    findings: Iterable[Finding],
    cat: Catalogue,
    record: list[Finding],
    waivers: Scope | None = None,
) -> Conclusion:
    """A test's outcome from its findings (kept in ``record``): failed, waived, not tested
    with the reasons, or passed; advisory findings and information as warnings."""
    s = sort(findings, cat, waivers)
    record.extend(s.findings)
    if waivers is not None and not (s.untested and not s.failing and not s.waived):
        waivers.ran()
    notes: tuple[UserWarning, ...] = (
        *(CcrestAdvisory(f"advisory: {f.line()}") for f in s.advisory),
        *(CcrestInformation(f"information: {f.line()}") for f in s.information),
    )
    if s.failing:
        return Conclusion(Kind.FAILED, "\n".join([f.line() for f in s.failing] + s.waived), notes)
    if s.waived:
        return Conclusion(Kind.WAIVED, "\n".join(s.waived), notes)
    if s.untested:
        reasons = list(dict.fromkeys(f.message for f in s.untested))  # each reason once
        return Conclusion(Kind.NOT_TESTED, "not tested: " + "; ".join(reasons), notes)
    return Conclusion(Kind.PASSED, "", notes)
