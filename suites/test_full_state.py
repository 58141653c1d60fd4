"""GET /rest/full_state: it answers, every documented key is there and valid, nothing else is."""

import pytest

from ccrest.checks import fullstate
from ccrest.spec import catalogue

pytestmark = pytest.mark.schema
KEYS = catalogue().keys


@pytest.mark.check("fs.answers", "wire.empty-body", "wire.json-invalid", "wire.json-not-object")
def test_full_state_answers(full_state, verdict):
    verdict(fullstate.answers(full_state.exchange, full_state.state))


@pytest.mark.check(
    "wire.line-without-colon", "wire.empty-key", "wire.not-utf8", "wire.control-character"
)
def test_body_is_well_formed(full_state, verdict):
    verdict(fullstate.well_formed(full_state.exchange, full_state.state))


@pytest.mark.check("wire.duplicate-key")
def test_no_key_appears_twice(full_state, verdict):
    verdict(fullstate.no_duplicates(full_state.exchange, full_state.state))


@pytest.mark.check("fs.key-present")
@pytest.mark.parametrize("key", KEYS)
def test_key_present(key, cat, full_state_reads, verdict):
    """In every one of the first full_state reads, not only in the first."""
    reads = [(r.exchange, r.state) for r in full_state_reads]
    verdict(fullstate.present_in_every_read(cat, key, reads))


@pytest.mark.check("fs.value-valid")
@pytest.mark.parametrize("key", KEYS)
def test_value_conforms(key, cat, full_state, verdict):
    verdict(fullstate.value_valid(cat, key, full_state.exchange, full_state.state))


@pytest.mark.check("fs.no-undocumented-key")
def test_no_undocumented_keys(cat, full_state, verdict):
    verdict(fullstate.no_undocumented(cat, full_state.exchange, full_state.state))
