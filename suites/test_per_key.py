"""GET /rest/<KEY>: every documented key answers a valid value that agrees with full_state."""

import pytest

from ccrest import observe
from ccrest.checks import perkey
from ccrest.checks.common import not_tested
from ccrest.spec import catalogue

pytestmark = pytest.mark.per_key
KEYS = catalogue().keys
PROBE = "ccrest_undocumented_probe"


@pytest.mark.check(
    "pk.answers", "wire.per-key-not-scalar", "wire.per-key-prefixed", "wire.control-character"
)
@pytest.mark.parametrize("key", KEYS)
def test_per_key_answers(key, cat, per_key, verdict):
    answer = per_key.answers[key]
    verdict(perkey.answers(key, answer.exchange, answer.parsed, cat.key(key).required))


@pytest.mark.check("pk.value-valid")
@pytest.mark.parametrize("key", KEYS)
def test_per_key_value_conforms(key, cat, per_key, verdict):
    answer = per_key.answers[key]
    verdict(perkey.value_valid(cat.key(key), answer.exchange, answer.parsed, per_key.before.values))


@pytest.mark.check("pk.matches-full-state")
@pytest.mark.parametrize("key", KEYS)
def test_per_key_matches_full_state(key, cat, per_key, client, verdict):
    spec = cat.key(key)
    answer = per_key.answers[key]
    unread = next((r for r in (per_key.before, per_key.after) if not r.usable), None)
    if unread is not None:  # not "full_state lacks the key": the read around it failed
        why = f"full_state around the per-key reads could not be read: {unread.exchange.summary()}"
        verdict([not_tested("pk.matches-full-state", why, key=key, exchange=unread.exchange)])
    value = answer.parsed.value if answer.parsed else None
    findings = perkey.matches_full_state(
        spec, per_key.before.values, value, per_key.after.values, answer.exchange
    )
    if findings and spec.dynamic:
        # A live value may have moved during the 41 reads: judge again, bracketed tightly.
        before, again, after = observe.bracketed(client, key, cat)
        value = again.parsed.value if again.parsed else None
        findings = perkey.matches_full_state(
            spec, before.values, value, after.values, again.exchange
        )
    verdict(findings)


@pytest.mark.check("pk.unknown-key-404")
def test_unknown_key_is_404(cat, client, verdict):
    assert PROBE not in cat
    verdict(perkey.unknown_key(PROBE, client.get(f"/rest/{PROBE}")))
