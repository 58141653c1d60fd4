"""HTTP behaviour: read-only, an honest Content-Type, HEAD like GET, no state outside /rest/."""

import pytest

from ccrest import observe
from ccrest.checks import http

pytestmark = pytest.mark.http
WRITES = ("POST", "PUT", "PATCH", "DELETE")
# A write that a read-only API must refuse; were it accepted, the vendor name would show it.
WRITE_PROBE = {
    "/rest/full_state": b"cp_vendor:ccrest-write-probe",
    "/rest/cp_vendor": b"ccrest-write-probe",
}
OUTSIDE = ("/", "/rest", "/full_state", "/status")


@pytest.mark.check("http.read-only", "http.write-refused")
@pytest.mark.parametrize("path", list(WRITE_PROBE))
@pytest.mark.parametrize("method", WRITES)
def test_write_is_refused(method, path, cat, client, full_state, verdict):
    write = client.request(method, path, data=WRITE_PROBE[path])
    after = observe.full_state(client, cat)
    # a full_state that could not be read after the write shows no change: judge none
    verdict(
        http.write_refused(cat, write, full_state.values, after.values if after.usable else None)
    )


@pytest.mark.check("http.content-type")
def test_content_type_matches_full_state_body(full_state, verdict):
    form = full_state.state.form if full_state.state else None
    verdict(http.content_type_matches(full_state.exchange, form))


@pytest.mark.check("http.content-type")
def test_content_type_matches_per_key_body(client, verdict):
    answer = observe.key(client, "conn_state")
    verdict(
        http.content_type_matches(answer.exchange, answer.parsed.form if answer.parsed else None)
    )


@pytest.mark.check("http.head-agrees")
def test_head_agrees_with_get(client, full_state, verdict):
    """HEAD read on a connection of its own, so that a body after its head shows (a client
    library would discard it unseen)."""
    verdict(http.head_agrees(full_state.exchange, client.raw_head("/rest/full_state")))


@pytest.mark.check("http.outside-no-leak")
@pytest.mark.parametrize("path", OUTSIDE)
def test_no_state_outside_rest(path, cat, client, verdict):
    verdict(http.outside_no_leak(cat, client.get(path)))
