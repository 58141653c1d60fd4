"""Rules that tie keys together (IEC 61851, OCPP 1.6, physics), on the full_state read."""

import pytest

from ccrest.checks.common import not_tested
from ccrest.checks.consistency import RULE_KEYS, RULES
from ccrest.spec import catalogue

pytestmark = pytest.mark.consistency
RULE_IDS = [c.id for c in catalogue().checks.values() if c.family == "consistency"]


@pytest.mark.parametrize(
    "rule_id",
    [pytest.param(r, id=r, marks=pytest.mark.check(r, keys=RULE_KEYS[r])) for r in RULE_IDS],
)
def test_rule_holds(rule_id, cat, full_state, verdict):
    if not full_state.usable:
        verdict([not_tested(rule_id, f"full_state is unusable ({full_state.exchange.summary()})")])
    verdict(RULES[rule_id](full_state.values, cat))
