"""A model's declaration: read and checked like a profile (every mistake named with its file,
line and fix), each ``decl.*`` rule proven both ways on values given by hand, and the OCPP
version it declares narrowing the pair rule to that version's sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ccrest import declare, profiles
from ccrest.checks import consistency, declared
from ccrest.exchange import Exchange
from ccrest.findings import Outcome
from ccrest.spec import Catalogue

GOOD = """\
# a comment line first, so the lines below are not the file's first
[device]
model = "CC612_2M3PR"
type2_socket = true
tethered_cable = false
schuko = false
phases = 3
ocpp = "1.6"
meter = "internal_meter"
rcmb = true
rest_mode = "without-uid"
credentials = "required"
max_current = 32
slave = true
"""
# the values of a device that is what GOOD declares, charging (the bundled simulator's)
DEVICE = {
    "conn_state": "vehicle_charging_type2",
    "auth_state": "authorized_for_charging",
    "auth_uid": "",
    "free_charging": "off",
    "ocpp_state": "charging",
    "type2_proximity": "32",
    "sig_current": "16",
    "schuko_cfg": "disable",
    "cable_attached": "off",
    "current_a": "16.0,15.8,15.9",
    "voltage_v": "230,229,231",
    "ocpp_meter_cfg": "internal_meter",
    "rcmb_state": "okay",
    "rcmb_max": "0.0, 0.0",
    "rcmb_values": "0.0, 0.0",
    "max_current": "32",
    "slave_state": "available",
}


def written(tmp_path: Path, text: str, name: str = "model.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def decl(tmp_path: Path, cat: Catalogue) -> declare.Declaration:
    return declare.load(str(written(tmp_path, GOOD)), cat)


def test_a_declaration_is_read_with_the_line_of_each_field(decl) -> None:
    assert (decl.phases, decl.ocpp, decl.tethered_cable, decl.slave) == (3, "1.6", 0, True)
    assert decl.where("schuko") == "model.toml:6"
    assert decl.said("tethered_cable") == "tethered_cable = false, model.toml:5"
    summary = decl.summary()
    assert summary["declared"] and summary["fields"][0] == {
        "field": "model",
        "value": "CC612_2M3PR",
        "line": 3,
    }
    assert "Type 2 socket; 3 phases; OCPP 1.6" in summary["words"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            ("phases = 3", "phase = 3"),
            "model.toml:7: [device] phase: not a field of a declaration (did you mean phases?)",
        ),
        (("phases = 3", "phases = 2"), "model.toml:7: [device] phases: 2 is not one of [1, 3]"),
        (
            ('ocpp = "1.6"', 'ocpp = "1.7"'),
            "model.toml:8: [device] ocpp: '1.7' is not an OCPP "
            "version ccrest judges by; give one of '1.5', '1.6'",
        ),
        (
            ('meter = "internal_meter"', 'meter = "internal_metre"'),
            "model.toml:9: [device] "
            "meter: 'internal_metre' is not one of ocpp_meter_cfg's documented values (did you "
            "mean internal_meter?); give one, or add meter_documented = false",
        ),
        (
            ("tethered_cable = false", "tethered_cable = 30"),
            "model.toml:5: [device] "
            "tethered_cable: 30 is not a cable rating; give the fixed cable's rating in A (13, 20, "
            "32, 63, as type2_proximity lists them) or false for none",
        ),
        (
            ('rest_mode = "without-uid"', 'rest_mode = "without_uid"'),
            "model.toml:11: "
            "[device] rest_mode: 'without_uid': give one of without-uid, with-uid (did you mean "
            "without-uid?)",
        ),
        (
            ("max_current = 32", 'max_current = "32"'),
            "model.toml:13: [device] max_current: "
            "'32' is not of type 'integer'; give the installation's maximum current in A",
        ),
        (
            ("slave = true\n", ""),
            "model.toml:2: [device]: slave not declared; a declaration states every field",
        ),
        (
            ("type2_socket = true", "type2_socket = false"),
            "model.toml:4: [device] type2_socket: the model has no outlet; declare at least one",
        ),
        (
            ("[device]", "[devices]"),
            "model.toml:2: devices: a declaration file holds one [device] table",
        ),
        (("[device]", "[device"), "model.toml: not valid TOML"),
        (
            ("schuko = false", "schuko = 0"),
            "model.toml:6: [device] schuko: 0 is not of type 'boolean'; give true or false",
        ),
    ],
    ids=[
        "typo",
        "phases",
        "ocpp",
        "meter",
        "rating",
        "rest-mode",
        "type",
        "missing",
        "no-outlet",
        "table",
        "toml",
        "boolean",
    ],
)
def test_a_bad_declaration_is_named_with_file_line_and_fix(tmp_path, cat, change, says) -> None:
    path = written(tmp_path, GOOD.replace(*change))
    with pytest.raises(declare.DeclarationError) as raised:
        declare.load(str(path), cat)
    assert says in str(raised.value)
    assert str(raised.value).startswith(str(path)) or "--declaration" in str(raised.value)


def test_a_profile_carries_its_declaration_and_names_its_mistakes(tmp_path, cat) -> None:
    head = '[profile]\nname = "acme"\nextends = "doc-5.33.5"\n'
    good = written(tmp_path, head + GOOD.split("\n", 1)[1], "acme.toml")
    profile = profiles.load(str(good), cat)
    assert profile.declaration is not None and profile.declaration.where("ocpp") == "acme.toml:10"
    child = written(tmp_path, '[profile]\nname = "child"\nextends = "acme.toml"\n', "child.toml")
    assert profiles.load(str(child), cat).declaration == profile.declaration, "inherited"
    bad = written(tmp_path, head + GOOD.split("\n", 1)[1].replace("rcmb =", "rcbm ="), "bad.toml")
    with pytest.raises(profiles.ProfileError, match=re.escape("bad.toml:12: [device] rcbm: not a")):
        profiles.load(str(bad), cat)


def test_a_declared_ocpp_version_judges_by_its_sources_alone(decl, cat) -> None:
    occupied = {"conn_state": "vehicle_charging_type2", "ocpp_state": "occupied"}
    assert consistency.RULES["cons.conn-vs-ocpp"](occupied, cat) == [], "undeclared: either"
    found = consistency.RULES["cons.conn-vs-ocpp"](occupied, decl.apply(cat))
    assert [f.check_id for f in found] == ["cons.conn-vs-ocpp"]
    assert "no source of OCPP 1.6, as declared (model.toml:8), allows this pair" in found[0].message
    charging = occupied | {"ocpp_state": "charging"}
    assert consistency.RULES["cons.conn-vs-ocpp"](charging, decl.apply(cat)) == []
    as_15 = declare.Declaration(**{**decl.__dict__, "ocpp": "1.5"})
    assert consistency.RULES["cons.conn-vs-ocpp"](occupied, as_15.apply(cat)) == []
    assert consistency.RULES["cons.conn-vs-ocpp"](charging, as_15.apply(cat)) != []


def test_scenarios_are_selected_by_what_is_declared(decl) -> None:
    assert decl.absent({"type2_socket": True}) == ""
    assert decl.absent({"schuko": True}) == "declared absent (schuko = false, model.toml:6)"
    fixed = declare.Declaration(**{**decl.__dict__, "type2_socket": False, "tethered_cable": 32})
    assert fixed.absent({"type2_outlet": True}) == "", "a vehicle charges on the fixed cable"
    neither = declare.Declaration(**{**fixed.__dict__, "tethered_cable": 0, "schuko": True})
    assert neither.absent({"type2_outlet": True}).startswith(
        "declared absent (type2_socket = false, model.toml:"
    )
    assert decl.absent({"tethered_cable": True}).startswith("declared absent (tethered_cable")


def failing(values: dict, decl: declare.Declaration) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in declared.check_all(values, decl):
        if f.outcome is Outcome.FAIL:
            found.setdefault(f.check_id, []).append(f.message)
    return found


def test_a_device_as_declared_breaks_no_declared_rule(decl) -> None:
    assert failing(DEVICE, decl) == {}


@pytest.mark.parametrize(
    ("declared_change", "device_change"),
    [
        ({}, {"current_a": "16.0", "voltage_v": "231"}),  # a 3-phase model on one phase (5.22.5)
        ({"phases": 1}, {"current_a": "16.0,0.0,0.0", "voltage_v": "231,0,0"}),
        ({"phases": 1}, {"current_a": "0.00,0.01,0.00", "voltage_v": "230,0.4,0"}),
        ({}, {"max_current": "16", "sig_current": "16"}),  # the installer's lower limit
        ({"slave": False}, {"slave_state": "available"}),  # no value means "no slave"
        ({"slave": False}, {"slave_state": ""}),
        ({"phases": 1}, {"current_a": "0.00,15.60,0.00", "voltage_v": "0,231,0"}),  # on L2
        ({"schuko": True}, {"schuko_cfg": "disable"}),  # the installer switched it off
        ({"rest_mode": "with-uid"}, {"auth_uid": ""}),  # a backend's remote start: no card
    ],
    ids=[
        "fewer-phases",
        "single-phase-slots",
        "idle-offsets",
        "lower-limit",
        "no-slave",
        "empty",
        "single-phase-on-l2",
        "schuko-switched-off",
        "remote-start",
    ],
)
def test_what_a_declaration_leaves_open_passes(decl, declared_change, device_change) -> None:
    """Odd-looking, not contradicting: a declared three-phase model listing one phase (the
    same model does in field build 5.22.5), a single-phase one listing 0 for the phases it
    lacks or wired to L2, an installation maximum below the model's, a slave status on a model
    without a slave (the specification has no value for "none"), a declared Schuko socket the
    installer disabled, an authorization without a UID on a with-uid interface."""
    model = declare.Declaration(**{**decl.__dict__, **declared_change})
    assert failing(DEVICE | device_change, model) == {}


@pytest.mark.parametrize(
    ("declared_change", "device_change", "check", "says"),
    [
        (
            {},
            {"schuko_cfg": "enable"},
            "decl.schuko",
            "schuko_cfg = 'enable': a Schuko socket "
            "declared absent is enabled (declared: schuko = false, model.toml:6)",
        ),
        (
            {},
            {"cable_attached": "on"},
            "decl.type2",
            "cable_attached = 'on': a tethered cable declared absent",
        ),
        (
            {"tethered_cable": 20},
            {"cable_attached": "on"},
            "decl.type2",
            "type2_proximity = '32': a tethered 20 A cable reads cable_attached or 20",
        ),
        (
            {"tethered_cable": 13},
            {"cable_attached": "on", "type2_proximity": "cable_attached"},
            "decl.type2",
            "sig_current = '16': more than the tethered cable's 13 A offered",
        ),
        (
            {"tethered_cable": 32, "type2_socket": False},
            {},
            "decl.type2",
            "cable_attached = 'off': the declared tethered cable is not attached",
        ),
        (
            {"phases": 1},
            {},
            "decl.phases",
            "current_a = '16.0,15.8,15.9': 3 live phases where 1 is declared "
            "(declared: phases = 1, model.toml:7)",
        ),
        (
            {},
            {"ocpp_meter_cfg": "modbus_meter_abb"},
            "decl.meter",
            "ocpp_meter_cfg = 'modbus_meter_abb': another meter than the declared one",
        ),
        (
            {"rcmb": False},
            {"rcmb_max": "6.4, 0.0"},
            "decl.rcmb",
            "rcmb_max = '6.4, 0.0': a residual current from an RCMB declared absent",
        ),
        (
            {"rcmb": False},
            {"rcmb_state": "triggered"},
            "decl.rcmb",
            "an RCMB declared absent has tripped",
        ),
        ({}, {"auth_uid": "04a3b2c1d2e380"}, "decl.rest-mode", "a card's UID shown without UID"),
        (
            {},
            {"max_current": "40"},
            "decl.max-current",
            "max_current = '40': a maximum above the declared one",
        ),
        (
            {"max_current": 10},
            {"max_current": "10"},
            "decl.max-current",
            "sig_current = '16': more offered than the declared maximum",
        ),
        ({}, {"slave_state": ""}, "decl.slave", "no status of the declared slave"),
    ],
)
def test_a_device_against_its_declaration_fails_the_check(
    decl, declared_change, device_change, check, says
) -> None:
    model = declare.Declaration(**{**decl.__dict__, **declared_change})
    found = failing(DEVICE | device_change, model)
    assert set(found) == {check}, found
    assert any(says in message for message in found[check]), found[check]


def _full_state_without_credentials(status: int, body: str = "") -> Exchange:
    return Exchange("GET", "http://127.0.0.1:1/rest/full_state", status=status, body=body.encode())


STATE = "".join(f"{k}:{v}\n" for k, v in DEVICE.items())


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [(401, "", "answered 401"), (403, "", "answered 403"), (200, "welcome", "without the state")],
)
def test_a_refusal_contradicts_a_declared_anonymous_interface(
    decl, cat, status, body, says
) -> None:
    model = declare.Declaration(**{**decl.__dict__, "credentials": "anonymous"})
    found = declared.open_as_declared(cat, _full_state_without_credentials(status, body), model)
    assert [f.outcome for f in found] == [Outcome.FAIL] and found[0].check_id == "decl.credentials"
    assert says in found[0].message and 'credentials = "anonymous"' in found[0].message


def test_a_declared_anonymous_interface_that_answers_with_the_state_passes(decl, cat) -> None:
    model = declare.Declaration(**{**decl.__dict__, "credentials": "anonymous"})
    exchange = _full_state_without_credentials(200, STATE)
    assert declared.open_as_declared(cat, exchange, model) == []


def test_a_declared_required_interface_is_left_to_the_auth_family(decl, cat) -> None:
    found = declared.open_as_declared(cat, _full_state_without_credentials(200, STATE), decl)
    assert [f.outcome for f in found] == [Outcome.NOT_TESTED]
    assert "auth.no-credentials-refused" in found[0].message


def test_a_rule_without_its_keys_is_not_tested(decl) -> None:
    findings = declared.judge("decl.slave", {}, decl)
    assert [f.outcome for f in findings] == [Outcome.NOT_TESTED]


def test_the_shipped_example_is_a_declaration_and_is_printed(cat) -> None:
    import subprocess
    import sys

    example = Path(__file__).resolve().parents[1] / "examples" / "declaration.toml"
    shipped = declare.load(str(example), cat)
    assert shipped.words() == (
        "Type 2 socket; 3 phases; OCPP 1.6; meter internal_meter; RCMB; "
        "REST without-uid; credentials required; max 32 A; slave configured"
    )
    assert declared.check_all(DEVICE, shipped) == [], "the bundled simulator, as declared"
    printed = subprocess.run(
        [sys.executable, "-m", "ccrest.cli", "example", "declaration"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert printed.returncode == 0 and printed.stdout == example.read_text()


def test_a_lab_declares_each_model_in_its_profile_not_with_the_option(tmp_path) -> None:
    from ccrest.configure import benches_from
    from ccrest.options import SettingError

    given = {"inventory": str(tmp_path / "lab.toml"), "declaration": str(tmp_path / "m.toml")}
    with pytest.raises(SettingError, match="--declaration and --inventory exclude each other"):
        benches_from(given)


def test_a_tethered_cable_changes_what_a_scenario_expects_of_proximity(decl) -> None:
    idle = {"conn_state": "no_vehicle_connected", "type2_proximity": "no_cable"}
    assert decl.expected(idle) == idle, "a socket: as the scenario says"
    tethered = declare.Declaration(**{**decl.__dict__, "tethered_cable": 32})
    assert tethered.expected(idle) == {
        "conn_state": "no_vehicle_connected",
        "type2_proximity": {"one_of": ["cable_attached", "32"]},
    }


def test_a_declarations_text_is_made_display_safe(tmp_path, cat) -> None:
    text = GOOD.replace('model = "CC612_2M3PR"', 'model = "CC\\u001b[31m612"')
    model = declare.load(str(written(tmp_path, text)), cat)
    assert "\x1b" not in model.model and "\x1b" not in model.words() + str(model.summary())


def test_a_folder_is_no_declaration(tmp_path, cat) -> None:
    with pytest.raises(declare.DeclarationError, match="a folder; give a TOML file"):
        declare.load(str(tmp_path), cat)
