"""From findings to a pytest outcome: four outcomes, never three.

Failing findings fail the test with one line each (check ID, observed versus allowed, the
exchange); advisory rules and information become warnings; a check that could not run is
skipped with its reason, never counted as a pass.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import replace

import pytest

from ccrest.findings import Finding, Outcome
from ccrest.spec import Catalogue


class CcrestAdvisory(UserWarning):
    """A rule the specification does not state was broken: worth a look, not a failure."""


class CcrestInformation(UserWarning):
    """Something worth reporting that is not a deviation (e.g. declared anonymous access)."""


def _unsent(finding: Finding) -> Finding:
    """A check whose request was never sent (the client gave up on the device) did not run."""
    if finding.exchange is not None and not finding.exchange.sent:
        return replace(finding, outcome=Outcome.NOT_TESTED, message=finding.exchange.error or "")
    return finding


def conclude(findings: Iterable[Finding], cat: Catalogue, record: list[Finding]) -> None:
    findings = [_unsent(f) for f in findings]
    record.extend(findings)
    failing, untested = [], []
    for f in findings:
        advisory = cat.check(f.check_id).certainty == "advisory"
        if f.outcome is Outcome.FAIL and advisory:
            warnings.warn(CcrestAdvisory(f"advisory: {f.line()}"), stacklevel=2)
        elif f.outcome is Outcome.FAIL:
            failing.append(f)
        elif f.outcome is Outcome.NOT_TESTED:
            untested.append(f)
        elif f.outcome is Outcome.PASS:
            warnings.warn(CcrestInformation(f"information: {f.line()}"), stacklevel=2)
    if failing:
        pytest.fail("\n".join(f.line() for f in failing), pytrace=False)
    if untested:
        pytest.skip("not tested: " + "; ".join(f.message for f in untested))
