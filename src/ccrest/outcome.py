"""From findings to a pytest outcome: four outcomes, never three.

Failing findings fail the test with one line each (check ID, observed versus allowed, the
exchange); failing findings a profile waives make it an expected failure with the waiver's
reason; advisory rules and information become warnings; a check that could not run is skipped
with its reason, never counted as a pass. The plugin's side: the rules return findings, and
only here do they become pytest outcomes.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import replace

import pytest

from ccrest.findings import Finding, Outcome
from ccrest.spec import Catalogue
from ccrest.waivers import Scope


class CcrestAdvisory(UserWarning):
    """A rule the specification does not state was broken: worth a look, not a failure."""


class CcrestInformation(UserWarning):
    """Something worth reporting that is not a deviation (e.g. declared anonymous access)."""


def _unsent(finding: Finding) -> Finding:
    """A check whose request was never sent (the client gave up on the device) did not run."""
    if finding.exchange is not None and not finding.exchange.sent:
        return replace(finding, outcome=Outcome.NOT_TESTED, message=finding.exchange.error or "")
    return finding


def conclude(
    findings: Iterable[Finding],
    cat: Catalogue,
    record: list[Finding],
    waivers: Scope | None = None,
) -> None:
    findings = [_unsent(f) for f in findings]
    failing, untested, waived = [], [], []
    for i, f in enumerate(findings):
        advisory = cat.check(f.check_id).certainty == "advisory"
        waiver = waivers.waive(f) if waivers and f.outcome is Outcome.FAIL else None
        if waiver is not None:
            findings[i] = replace(f, outcome=Outcome.WAIVED)
            waived.append(f"{f.line()} [waived: {waiver.reason} ({waiver.where})]")
        elif f.outcome is Outcome.FAIL and advisory:
            warnings.warn(CcrestAdvisory(f"advisory: {f.line()}"), stacklevel=2)
        elif f.outcome is Outcome.FAIL:
            failing.append(f)
        elif f.outcome is Outcome.NOT_TESTED:
            untested.append(f)
        elif f.outcome is Outcome.PASS:
            warnings.warn(CcrestInformation(f"information: {f.line()}"), stacklevel=2)
    record.extend(findings)
    if waivers is not None and not (untested and not failing and not waived):
        waivers.ran()
    if failing:
        pytest.fail("\n".join([f.line() for f in failing] + waived), pytrace=False)
    if waived:
        pytest.xfail("\n".join(waived))
    if untested:
        reasons = list(dict.fromkeys(f.message for f in untested))  # each reason once
        pytest.skip("not tested: " + "; ".join(reasons))
