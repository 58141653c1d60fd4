"""In without-uid mode the card UID never shows, in any answer the suite has seen."""

import json
from pathlib import Path

import pytest

from ccrest import observe
from ccrest.checks import privacy
from ccrest.wire import parse_full_state, parse_key_value

pytestmark = pytest.mark.privacy


# the card UIDs the states family presents: no key may show one in without-uid mode
CARDS = {
    str(args["uid"])
    for scenario in json.loads((Path(__file__).parent / "scenarios.json").read_text())["scenarios"]
    for op, args in scenario["steps"]
    if op == "card" and "uid" in args
}


def _observations(client, cat):
    """Every full_state and per-key answer of the run so far, and one fresh of each."""
    observe.full_state(client)
    observe.key(client, "auth_uid")
    for exchange in list(client.history):
        if exchange.status != 200 or exchange.method != "GET" or "/rest/" not in exchange.url:
            continue
        name = exchange.url.rsplit("/rest/", 1)[1]
        if name == "full_state":
            values = parse_full_state(exchange.body, exchange.content_type).values
            yield "full_state", values, exchange
        elif name in cat:
            parsed = parse_key_value(exchange.body, exchange.content_type, key=name)
            yield f"/rest/{name}", {name: parsed.value}, exchange


@pytest.mark.check("privacy.uid-hidden", keys=("auth_uid",))
def test_card_uid_hidden(client, cat, settings, verdict):
    if settings.rest_mode == "with-uid":
        pytest.skip(
            "not testable here because the device is declared --rest-mode with-uid, "
            "where auth_uid may show the card UID"
        )
    verdict(privacy.uid_hidden(_observations(client, cat), CARDS))
