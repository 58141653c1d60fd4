"""Each consistency rule: silent on a conformant charging controller, and on its own broken by
one change, with a message that names the keys and what they showed."""

from __future__ import annotations

import pytest

from ccrest.checks.consistency import RULES, check_all
from ccrest.findings import Outcome
from ccrest.spec import Catalogue

CHARGING = {
    "conn_state": "vehicle_charging_type2",
    "auth_state": "authorized_for_charging",
    "auth_uid": "",
    "time_since_charging_start": "120",
    "meter_wh": "426416",
    "power_w": "11040",
    "transaction_wh": "368",
    "display_text": "",
    "ocpp_state": "charging",
    "type2_state": "c",
    "type2_proximity": "32",
    "sig_current": "16",
    "schuko_state": "idle",
    "free_charging": "off",
    "current_a": "16.0,16.0,16.0",
    "energy_man_current": "32",
    "voltage_v": "230,230,230",
    "max_current": "32",
    "cc_serial_n": "1703512493/b94060007",
    "manuf_serial_n": "1703512493",
    "rcmb_state": "okay",
    "rcd_state": "okay",
    "mcb_type2_state": "okay",
    "mcb_schuko_state": "disable",
    "schuko_cfg": "disable",
}
IDLE = CHARGING | {
    "conn_state": "no_vehicle_connected",
    "auth_state": "not_authorized_for_charging",
    "ocpp_state": "available",
    "type2_state": "a",
    "type2_proximity": "no_cable",
    "sig_current": "0",
    "power_w": "0",
    "current_a": "0.0,0.0,0.0",
}


def failing(values: dict, cat: Catalogue) -> dict[str, str]:
    return {f.check_id: f.message for f in check_all(values, cat) if f.outcome is Outcome.FAIL}


def test_every_catalogued_rule_has_code_and_back(cat: Catalogue) -> None:
    """The consistency family: rules between keys, and the device against its declaration."""
    from ccrest.checks import declared

    coded = sorted([*RULES, *declared.RULES])
    assert coded == sorted(c.id for c in cat.checks.values() if c.family == "consistency")


@pytest.mark.parametrize("values", [CHARGING, IDLE], ids=["charging", "idle"])
def test_conformant_controller_breaks_no_rule(values: dict, cat: Catalogue) -> None:
    assert failing(values, cat) == {}


@pytest.mark.parametrize(
    ("rule", "base", "changes", "says"),
    [
        ("cons.conn-vs-type2", CHARGING, {"type2_state": "b"}, "needs pilot state c or d"),
        ("cons.conn-vs-type2", IDLE, {"type2_state": "b"}, "pilot must be in state a"),
        ("cons.conn-vs-type2", CHARGING, {"type2_state": "e"}, "needs pilot state c or d"),
        ("cons.conn-vs-ocpp", CHARGING, {"ocpp_state": "preparing"}, "no OCPP version allows"),
        ("cons.conn-vs-ocpp", CHARGING, {"ocpp_state": "available"}, "ocpp-1.5 allows occupied"),
        ("cons.conn-vs-ocpp", IDLE, {"ocpp_state": "suspendedevse"}, "no OCPP version allows"),
        ("cons.conn-vs-ocpp", IDLE, {"ocpp_state": "charging"}, "no OCPP version allows"),
        ("cons.no-flow-without-charging", IDLE, {"power_w": "1500"}, "power or current flows"),
        ("cons.no-flow-without-charging", IDLE, {"current_a": "0.0,6.0,0.0"}, "flows"),
        ("cons.phase-count", CHARGING, {"voltage_v": "230"}, "3 current(s) but 1 voltage(s)"),
        ("cons.power-within-apparent", CHARGING, {"power_w": "13000"}, "more than voltage x"),
        ("cons.power-factor", CHARGING, {"power_w": "5000"}, "power factor 0.45"),
        ("cons.sig-current-bounds", CHARGING, {"sig_current": "40"}, "above max_current (32 A)"),
        ("cons.sig-current-bounds", CHARGING, {"type2_proximity": "13"}, "above the cable rating"),
        ("cons.sig-current-bounds", CHARGING, {"energy_man_current": "10"}, "energy_man_current"),
        ("cons.sig-current-bounds", CHARGING, {"sig_current": "3"}, "outside 0 or 6-80 A"),
        ("cons.ev-within-offer", CHARGING, {"sig_current": "10"}, "draws more than offered"),
        ("cons.transaction-within-meter", CHARGING, {"transaction_wh": "500000"}, "more energy"),
        ("cons.serial-numbers", CHARGING, {"manuf_serial_n": "999"}, "serial parts differ"),
        ("cons.schuko-disabled-idle", CHARGING, {"schuko_state": "connected"}, "disabled but"),
        ("cons.charging-authorized", CHARGING, {"auth_state": "wait_for_auth"}, "without auth"),
        ("cons.tripped-no-charging", CHARGING, {"rcd_state": "triggered"}, "has tripped"),
        ("cons.tripped-no-charging", CHARGING, {"mcb_type2_state": "triggered"}, "has tripped"),
        ("cons.display-markup", CHARGING, {"display_text": "<a><b></a>"}, "not well-formed"),
        ("cons.display-markup", CHARGING, {"display_text": "<!DOCTYPE x><x/>"}, "DTD"),
        # units: a key in the wrong unit is blamed on that key
        ("cons.current-plausible", CHARGING, {"current_a": "16000.0,16000.0,16000.0"}, "80 A"),
        ("cons.current-plausible", CHARGING, {"current_a": "160.0,160.0,160.0"}, "unit error"),
        ("cons.current-plausible", IDLE, {"current_a": "0.0,-4.0,0.0"}, "below zero"),
        ("cons.current-plausible", CHARGING, {"max_current": "320"}, "installation limit"),
        ("cons.voltage-plausible", CHARGING, {"voltage_v": "400,400,400"}, "between two phases"),
        ("cons.voltage-plausible", CHARGING, {"voltage_v": "2300,2300,2300"}, "300 V"),
        ("cons.voltage-nominal", CHARGING, {"voltage_v": "260,230,230"}, "outside 195.5"),
        ("cons.temperature-plausible", CHARGING, {"ambient_temp": "298.45"}, "kelvin"),
        ("cons.temperature-plausible", CHARGING, {"ambient_temp": "+253"}, "tenths"),
        ("cons.temperature-plausible", CHARGING, {"ambient_temp": "-80.0"}, "no working"),
        ("cons.temperature-in-service", CHARGING, {"ambient_temp": "+71.00"}, "outside -30"),
        ("cons.power-plausible", CHARGING, {"power_w": "11"}, "power in kW"),
        (
            "cons.rcmb-max-not-below-values",
            CHARGING,
            {"rcmb_max": "0.0, 0.0", "rcmb_values": "0.0, 6.5"},
            "below",
        ),
        (
            "cons.conn-vs-schuko",
            CHARGING | {"schuko_cfg": "enable"},
            {"conn_state": "vehicle_charging_schuko", "type2_state": "a", "schuko_state": "idle"},
            "must then be powered",
        ),
        (
            "cons.conn-vs-schuko",
            IDLE | {"schuko_cfg": "enable"},
            {"schuko_state": "power_on"},
            "without a vehicle",
        ),
    ],
)
def test_rule_broken_on_its_own(rule, base, changes, says, cat: Catalogue) -> None:
    found = failing(base | changes, cat)
    assert rule in found, found
    assert says in found[rule]
    for value in changes.values():
        assert value[:20] in found[rule], "the message shows what was observed"


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        (
            {
                "sig_current": "0",
                "ocpp_state": "suspendedevse",
                "conn_state": "vehicle_connected_type2",
                "power_w": "0",
                "current_a": "0.0,0.0,0.0",
                "type2_state": "b",
            },
            "EVSE suspended",
        ),
        ({"energy_man_current": "0"}, "0 may mean the energy manager is not in use"),
        ({"free_charging": "on", "auth_state": "not_authorized_for_charging"}, "free charging"),
        (
            {"power_w": "11000", "current_a": "16.0,16.0,16.0", "voltage_v": "229.6,230.4,230.1"},
            "decimal voltages",
        ),
        ({"power_w": "11100"}, "within rounding and reading skew"),
        ({"current_a": "17.5,16.0,16.0", "power_w": "11400"}, "EV briefly above the offer"),
        ({"display_text": "Charging 11.0 kW"}, "plain text"),
        (
            {
                "display_text": "<tariffInfoResponse><tariffEntry><hourPrice>60</hourPrice>"
                "</tariffEntry></tariffInfoResponse>"
            },
            "well-formed markup",
        ),
        (
            {
                "conn_state": "vehicle_connector_error",
                "type2_state": "e",
                "ocpp_state": "faulted",
                "power_w": "0",
                "current_a": "0.0,0.0,0.0",
            },
            "connector error",
        ),
        (
            {
                "rcd_state": "triggered",
                "conn_state": "vehicle_connected_type2",
                "type2_state": "b",
                "ocpp_state": "faulted",
                "power_w": "0",
                "current_a": "0.0,0.0,0.0",
            },
            "tripped, stopped",
        ),
    ],
)
def test_conformant_variations_break_no_rule(changes, why, cat: Catalogue) -> None:
    assert failing(CHARGING | changes, cat) == {}, why


@pytest.mark.parametrize(
    ("base", "changes", "why"),
    [
        (IDLE, {"current_a": "0.00,-0.01,0.00"}, "idle noise of a measuring transformer"),
        (IDLE, {"current_a": "0.0", "voltage_v": "230"}, "a single-phase controller"),
        (CHARGING, {"current_a": "16.0,16.0,0.0", "power_w": "7360"}, "two phases in use"),
        (
            CHARGING,
            {
                "current_a": "63.0,63.0,63.0",
                "power_w": "43000",
                "sig_current": "63",
                "max_current": "63",
                "type2_proximity": "63",
                "energy_man_current": "63",
            },
            "a 63 A installation",
        ),
        (
            CHARGING,
            {"voltage_v": "0,230,231", "current_a": "0.0,16.0,16.0", "power_w": "7360"},
            "a phase not supplied",
        ),
        (
            CHARGING,
            {"voltage_v": "3,230,231", "current_a": "0.0,16.0,16.0", "power_w": "7360"},
            "a few volts induced on a free phase",
        ),
        (CHARGING, {"ambient_temp": "-20.5"}, "a cold winter"),
        (CHARGING, {"ambient_temp": "+52.00"}, "a controller in its housing in the sun"),
        (
            CHARGING,
            {"power_w": "200", "current_a": "1.0,0.0,0.0", "voltage_v": "230,230,230"},
            "a vehicle waking up: too little to judge a power factor",
        ),
        (CHARGING, {"rcmb_max": "0.0, 6.5", "rcmb_values": "0.0, 0.1"}, "a maximum seen before"),
        (
            CHARGING | {"schuko_cfg": "enable"},
            {
                "conn_state": "vehicle_connected_schuko",
                "schuko_state": "connected",
                "type2_state": "a",
                "power_w": "0",
                "current_a": "0.0,0.0,0.0",
                "ocpp_state": "preparing",
            },
            "a vehicle on Schuko, not charging yet",
        ),
        (
            IDLE,
            {"ocpp_state": "suspendedev"},
            "OCPP 1.6 StopTransactionOnEVSideDisconnect = false: the transaction goes on unplugged",
        ),
    ],
)
def test_what_the_standards_allow_breaks_no_rule(base, changes, why, cat: Catalogue) -> None:
    """Each new rule's other side: a controller the specification or its standards allow to
    look odd passes."""
    assert failing(base | changes, cat) == {}, why


# Pairs the standards allow, written out by hand from OCPP 1.5 (occupied: a connector in use,
# charging included) and OCPP 1.6 sections 4.9 and 7.7, independent of the rule table.
CONNECTED = IDLE | {"conn_state": "vehicle_connected_type2", "type2_state": "b"}
OCPP_ALLOWED = [
    (CHARGING, "occupied", "OCPP 1.5: a vehicle charging occupies the connector"),
    (CHARGING, "suspendedev", "OCPP 1.6: the EV takes no energy, the pilot may still be c"),
    (CHARGING, "suspendedevse", "OCPP 1.6: the EVSE offers none for a moment"),
    (CONNECTED, "occupied", "OCPP 1.5: a connected vehicle occupies the connector"),
    (CONNECTED, "preparing", "OCPP 1.6: plugged in, no transaction yet"),
    (CONNECTED, "finishing", "OCPP 1.6: the transaction ended, the cable is still in"),
    (IDLE, "preparing", "OCPP 1.6: a card presented before the plug"),
    (IDLE, "finishing", "OCPP 1.6: the EV side unplugged, the cable still in the socket"),
    (IDLE, "occupied", "OCPP 1.5: authorized before the plug"),
    (
        IDLE,
        "suspendedev",
        "OCPP 1.6 StopTransactionOnEVSideDisconnect=false: unplugged, the transaction goes on",
    ),
]


@pytest.mark.parametrize(
    ("base", "ocpp", "why"),
    OCPP_ALLOWED,
    ids=[f"{b['conn_state']}-{o}" for b, o, _ in OCPP_ALLOWED],
)
def test_ocpp_pair_a_standard_allows_passes(base, ocpp, why, cat: Catalogue) -> None:
    assert failing(base | {"ocpp_state": ocpp}, cat) == {}, why


def test_ocpp_table_rows_cover_every_conn_state_and_name_their_sources(cat: Catalogue) -> None:
    table = cat.rule("conn-vs-ocpp")
    assert set(table.allowed) == set(cat.key("conn_state").enum or ())
    for row in table.allowed.values():
        for sources in row.values():
            assert sources and set(sources) <= set(table.sources)
    # nothing charges without a vehicle that charges, in any version
    for conn, row in table.allowed.items():
        assert ("charging" in row) == conn.startswith("vehicle_charging_")


def test_missing_key_makes_a_rule_not_tested(cat: Catalogue) -> None:
    values = {k: v for k, v in CHARGING.items() if k != "type2_state"}
    (finding,) = RULES["cons.conn-vs-type2"](values, cat)
    assert finding.outcome is Outcome.NOT_TESTED and "type2_state missing" in finding.message


def test_unreadable_number_makes_a_rule_not_tested(cat: Catalogue) -> None:
    (finding,) = RULES["cons.no-flow-without-charging"](IDLE | {"power_w": "lots"}, cat)
    assert finding.outcome is Outcome.NOT_TESTED


def test_undocumented_value_makes_rules_not_tested(cat: Catalogue) -> None:
    """conn_state = 'charging' fails the schema check; the rules reading it must not echo that
    as failures of their own (and so blame keys that are fine)."""
    values = CHARGING | {"conn_state": "charging"}
    assert failing(values, cat) == {}
    (finding,) = RULES["cons.conn-vs-type2"](values, cat)
    assert finding.outcome is Outcome.NOT_TESTED
    assert finding.message == "conn_state not a documented value"


@pytest.mark.parametrize(
    ("changes", "rule", "keys"),
    [
        ({"power_w": "11"}, "cons.power-plausible", {"power_w"}),  # a unit error: its key's
        ({"type2_state": "a"}, "cons.conn-vs-type2", {"conn_state", "type2_state"}),  # either
    ],
)
def test_who_carries_the_finding(changes, rule, keys, cat: Catalogue) -> None:
    """A unit error is blamed on the key that carries it; a disagreement between two keys is
    on both (which one is wrong, no client can tell)."""
    from ccrest.report.summary import finding_keys

    (found,) = [f for f in check_all(CHARGING | changes, cat) if f.check_id == rule]
    assert finding_keys(found, cat) == keys
