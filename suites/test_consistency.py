"""Rules that tie keys together (IEC 61851, OCPP 1.6, physics), and the device against its
model's declaration (--declaration, or a profile's [device]), on the full_state read. Without
a declaration the declaration's tests are not collected: the device is judged by what it
reports of itself, and every report says so."""

import pytest

from ccrest.checks import declared
from ccrest.checks.common import not_tested
from ccrest.checks.consistency import RULE_KEYS, RULES
from ccrest.spec import catalogue

pytestmark = pytest.mark.consistency
RULE_IDS = [c.id for c in catalogue().checks.values() if c.id in RULES]


def params(ids, keys):
    return [pytest.param(r, id=r, marks=pytest.mark.check(r, keys=keys[r])) for r in ids]


def judged(rule_id, full_state, verdict, rule):
    if not full_state.usable:
        verdict(
            [
                not_tested(
                    rule_id,
                    f"full_state is unusable ({full_state.exchange.summary()})",
                    exchange=full_state.exchange,
                )
            ]
        )
    verdict(rule(full_state.values))


@pytest.mark.parametrize("rule_id", params(RULE_IDS, RULE_KEYS))
def test_rule_holds(rule_id, cat, full_state, verdict):
    judged(rule_id, full_state, verdict, lambda values: RULES[rule_id](values, cat))


@pytest.mark.parametrize("rule_id", params(declared.RULES, declared.RULE_KEYS))
def test_as_declared(rule_id, declaration, full_state, verdict):
    judged(
        rule_id, full_state, verdict, lambda values: declared.judge(rule_id, values, declaration)
    )
