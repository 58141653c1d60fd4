"""In without-uid mode the card UID never shows, in any answer the suite has seen."""

import pytest

from ccrest import observe
from ccrest.checks import privacy
from ccrest.wire import parse_full_state, parse_key_value

pytestmark = pytest.mark.privacy


def _observations(client):
    """Every full_state and auth_uid answer of the run so far, and one fresh of each."""
    observe.full_state(client)
    observe.key(client, "auth_uid")
    for exchange in list(client.history):
        if exchange.status != 200 or exchange.method != "GET":
            continue
        if exchange.url.endswith("/rest/full_state"):
            values = parse_full_state(exchange.body, exchange.content_type).values
            yield "full_state", values, exchange
        elif exchange.url.endswith("/rest/auth_uid"):
            parsed = parse_key_value(exchange.body, exchange.content_type, key="auth_uid")
            yield "/rest/auth_uid", {"auth_uid": parsed.value}, exchange


@pytest.mark.check("privacy.uid-hidden", keys=("auth_uid",))
def test_card_uid_hidden(client, settings, verdict):
    if settings.rest_mode == "with-uid":
        pytest.skip(
            "not testable here because the device is declared --rest-mode with-uid, "
            "where auth_uid may show the card UID"
        )
    verdict(privacy.uid_hidden(_observations(client)))
