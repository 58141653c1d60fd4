"""The interface record a run keeps (``ccrest.interface``) and the changes between two
(``ccrest.report.interface``), fed by hand: every kind of change is listed with whom it breaks
when two builds differ in it, and nothing is listed when they do not."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ccrest import interface
from ccrest.exchange import Exchange
from ccrest.report import diff
from ccrest.report.interface import compare
from ccrest.spec import Catalogue

BASE = "http://192.0.2.10"
AUTH = {"Username": "***", "Password": "***"}
TEXT = {"Content-Type": "text/plain"}


def answer(path: str, body: str | bytes, *, status: int = 200, headers=None, auth=AUTH):
    data = body.encode() if isinstance(body, str) else body
    return Exchange("GET", BASE + path, dict(auth), status, dict(headers or TEXT), data)


def record(body: str, *more: Exchange, cat: Catalogue) -> dict[str, Any]:
    first = answer("/rest/full_state", body)
    return interface.observe(first, [first, *more], cat, base_url=BASE, credential_headers=AUTH)


@pytest.mark.parametrize(
    "value, form",
    [
        ("+15.00", "+N.dd"),
        ("-3", "-N"),
        ("232,233,233", "N,N,N"),
        ("0.00,0.01,0.00", "N.dd,N.dd,N.dd"),
        ("0.0, 0.0", "N.d, N.d"),
        ("16", "N"),
        (16, "JSON number N"),
        (16.5, "JSON number N.d"),
        ("no_errors", None),
        ("", None),
        ("5.33.9-21459", None),
        (True, None),
    ],
)
def test_a_number_format_says_sign_decimals_and_separators(value, form) -> None:
    assert interface.number_format(value) == form


def test_the_record_keeps_positions_values_formats_and_each_keys_answer(cat) -> None:
    body = "conn_state:no_vehicle_connected\n\npower_w:0\nwifi_password:hunter22\nerrors:\n"
    later = answer("/rest/full_state", body.replace("power_w:0", "power_w:7360"))
    slimmed = answer("/rest/full_state", body.replace("errors:", "errors:cut_off")).slim(5)
    rec = record(
        body,
        later,
        slimmed,
        answer("/rest/conn_state", "no_vehicle_connected", auth={}),  # a probe: not counted
        answer(
            "/rest/conn_state",
            '"no_vehicle_connected"',
            headers={"Content-Type": "application/json"},
        ),
        answer("/rest/power_w", "", status=404),
        answer("/rest/not_a_key", "x"),
        cat=cat,
    )
    fs = rec["full_state"]
    assert (fs["status"], fs["content_type"], fs["form"], fs["reads"]) == (
        200,
        "text/plain",
        "text",
        2,
    )
    keys = {k["key"]: k for k in fs["keys"]}
    assert [k["key"] for k in fs["keys"]] == ["conn_state", "power_w", "wifi_password", "errors"]
    assert [k["at"] for k in fs["keys"]] == [1, 3, 4, 5]  # line numbers, the blank line counted
    assert keys["power_w"]["values"] == ["0", "7360"] and keys["power_w"]["formats"] == ["N"]
    assert keys["errors"]["values"] == [""] and "formats" not in keys["errors"]
    assert keys["wifi_password"]["values"] == ["***"]  # named like a secret: never shown
    assert rec["per_key"] == {
        "conn_state": {"status": 200, "content_type": "application/json", "form": "json"},
        "power_w": {"status": 404, "content_type": "text/plain"},
    }


def test_the_record_is_bounded(cat) -> None:
    body = "\n".join(f"k{i}:v" for i in range(150))
    reads = [answer("/rest/full_state", body.replace("k0:v", f"k0:value {i}")) for i in range(30)]
    fs = record(body, *reads, cat=cat)["full_state"]
    assert len(fs["keys"]) == interface.KEYS_LISTED and fs["more_keys"] == 50
    k0 = fs["keys"][0]
    assert len(k0["values"]) == interface.VALUES_LISTED and k0["more_values"] == 11
    long = record("display_text:" + "x" * 5000, cat=cat)["full_state"]["keys"][0]
    assert len(long["values"][0]) == interface.VALUE_CHARS + 1
    named = record("k" * 5000 + ":1", cat=cat)["full_state"]["keys"][0]
    assert len(named["key"]) == interface.VALUE_CHARS + 1


def test_a_json_body_keeps_its_member_order_and_numbers(cat) -> None:
    rec = record('{"conn_state": "no_vehicle_connected", "power_w": 0}', cat=cat)
    fs = rec["full_state"]
    assert fs["form"] == "json" and [k["at"] for k in fs["keys"]] == [1, 2]
    assert fs["keys"][1]["values"] == [0] and fs["keys"][1]["formats"] == ["JSON number N"]


# -- changes between two builds ------------------------------------------------------------

V522 = """conn_state:no_vehicle_connected
meter_wh:16701
power_w:0
transaction_wh:0
ocpp_meter_cfg:modbus_meter_nzr
ambient_temp:+15.00
rcmb_max:0.0
errors:no_errors
display_text:Charging 7.4 kW
firmware_ver:5.22.1-13295
"""


def rec_of(cat: Catalogue, body: str = V522, **replace: str) -> dict[str, Any]:
    for old, new in replace.items():
        body = body.replace(old, new)
    return record(body, cat=cat)


def changes(old, new, cat) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(c["change"], c["key"], tuple(c["breaks"])) for c in compare(old, new, cat)["changes"]}


def test_the_same_interface_has_no_change(cat) -> None:
    """Values that differ without changing the interface: another reading, a documented
    value, a display text with other numbers, another firmware version, another card."""
    other = rec_of(
        cat,
        **{
            "meter_wh:16701": "meter_wh:17000",
            "conn_state:no_vehicle_connected": "conn_state:vehicle_charging_type2",
            "Charging 7.4 kW": "Charging 10.9 kW",
            "5.22.1-13295": "5.33.9-21459",
            "errors:": "auth_uid:04a3b2c1d2e3\nerrors:",
        },
    )
    before = rec_of(cat, **{"errors:": "auth_uid:\nerrors:"})
    assert changes(before, other, cat) == set()
    assert changes(rec_of(cat), copy.deepcopy(rec_of(cat)), cat) == set()


def test_an_inserted_key_moves_the_lines_after_it(cat) -> None:
    new = rec_of(cat, **{"power_w:0\n": "power_w:0\nvoltage_v:232,233,233\n"})
    assert changes(rec_of(cat), new, cat) == {
        ("added", "voltage_v", ("position",)),
        ("reordered", "voltage_v", ("position",)),
    }
    (moved,) = [c for c in compare(rec_of(cat), new, cat)["changes"] if c["change"] == "reordered"]
    assert "transaction_wh … firmware_ver (7 keys) 1 line later" in moved["detail"]
    assert "voltage_v was inserted at line 4" in moved["detail"]
    appended = rec_of(cat, body=V522 + "wlan_state:wlan_connected\n")
    assert changes(rec_of(cat), appended, cat) == {("added", "wlan_state", ())}


def test_keys_that_swap_places_are_reordered(cat) -> None:
    swapped = rec_of(cat, **{"meter_wh:16701\npower_w:0": "power_w:0\nmeter_wh:16701"})
    (change,) = compare(rec_of(cat), swapped, cat)["changes"]
    assert change["change"] == "reordered" and "the order of the keys changed" in change["detail"]


def test_a_removed_and_a_renamed_key(cat) -> None:
    renamed = rec_of(cat, **{"rcmb_max:": "rcmb_max_values:"})
    assert changes(rec_of(cat), renamed, cat) == {("renamed", "rcmb_max_values", ("name",))}
    # a similar name whose value the documented key refuses is no rename
    refused = rec_of(cat, **{"rcmb_max:0.0": "rcmb_max_values:high"})
    assert changes(rec_of(cat), refused, cat) == {
        ("removed", "rcmb_max", ("name",)),
        ("added", "rcmb_max_values", ("position",)),
    }
    gone = rec_of(cat, **{"ambient_temp:+15.00\n": ""})
    assert changes(rec_of(cat), gone, cat) == {
        ("removed", "ambient_temp", ("name",)),
        ("reordered", "ambient_temp", ("position",)),  # the lines after it moved up
    }


def test_values_never_seen_before(cat) -> None:
    localised = rec_of(cat, **{"no_errors": "keine_fehler"})
    assert changes(rec_of(cat), localised, cat) == {("new value", "errors", ("value",))}
    meter = rec_of(cat, **{"modbus_meter_nzr": "modbus_meter_nzr_ecocount_s85_or_sl85"})
    assert changes(rec_of(cat), meter, cat) == {("new value", "ocpp_meter_cfg", ("value",))}
    documented = rec_of(cat, **{"modbus_meter_nzr": "internal_meter"})
    assert changes(rec_of(cat), documented, cat) == set()


@pytest.mark.parametrize(
    "before, after",
    [("+15.00", "+15.0"), ("+15.00", "15.00"), ("+15.00", "+15,00"), ("+15.00", "warm")],
)
def test_a_number_written_another_way(cat, before, after) -> None:
    new = rec_of(cat, **{f"ambient_temp:{before}": f"ambient_temp:{after}"})
    assert changes(rec_of(cat), new, cat) == {("number format", "ambient_temp", ("value",))}


def test_body_form_content_type_and_status(cat) -> None:
    old = rec_of(cat)
    first = answer(
        "/rest/full_state",
        '{"conn_state": "no_vehicle_connected"}',
        headers={"Content-Type": "application/json"},
    )
    as_json = interface.observe(first, [first], cat, base_url=BASE, credential_headers=AUTH)
    got = changes(old, as_json, cat)
    assert ("body form", "full_state", ("position", "name", "value")) in got
    assert ("content type", "full_state", ("content-type",)) in got
    spelled = copy.deepcopy(old)
    spelled["full_state"]["content_type"] = "Text/Plain"
    assert changes(old, spelled, cat) == set()
    refused = copy.deepcopy(old)
    refused["full_state"] |= {"status": 401, "keys": [], "form": "none"}
    assert ("status", "full_state", ("position", "name", "value")) in changes(old, refused, cat)


def test_per_key_answers(cat) -> None:
    def with_keys(**answers: dict[str, Any]) -> dict[str, Any]:
        rec = rec_of(cat)
        rec["per_key"] = answers
        return rec

    text = {"status": 200, "content_type": "text/plain", "form": "text"}
    old = with_keys(
        conn_state=text, power_w=text, errors=text, meter_wh={"status": 404, "content_type": ""}
    )
    new = with_keys(
        conn_state={"status": 404, "content_type": "text/plain"},
        power_w=text | {"form": "json", "content_type": "application/json"},
        errors=text | {"content_type": "text/html"},
        meter_wh=text,
    )
    assert changes(old, new, cat) == {
        ("per-key status", "conn_state", ("name",)),
        ("per-key status", "meter_wh", ()),
        ("per-key form", "power_w", ("value",)),
        ("per-key content type", "errors", ("content-type",)),
        ("per-key content type", "power_w", ("content-type",)),
    }
    assert changes(old, copy.deepcopy(old), cat) == set()
    section = compare(old, with_keys(), cat)
    assert (
        section["changes"] == []
        and "per-key answers not recorded in the new run" in section["notes"][-1]
    )


def test_a_report_without_the_record_is_not_recorded(cat) -> None:
    section = compare(None, rec_of(cat), cat)
    assert section == {"recorded": False, "missing": ["old"], "changes": [], "notes": []}


def test_the_gates_are_one_model() -> None:
    quiet = {"regression": False, "interface": {"recorded": True, "changes": []}}
    changed = quiet | {"interface": {"recorded": True, "changes": [{"change": "added"}]}}
    unknown = quiet | {"interface": {"recorded": False, "changes": []}}
    assert diff.failed_gates(quiet, list(diff.GATES)) == []
    assert diff.failed_gates(changed) == []  # the default gate is a regression
    assert diff.failed_gates(changed, ["interface"]) == ["interface"]
    assert diff.failed_gates(unknown, ["interface"]) == ["interface"]
    assert diff.failed_gates(quiet | {"regression": True}, ["interface"]) == []


def reads(cat: Catalogue, *bodies: str) -> dict[str, Any]:
    return record(bodies[0], *(answer("/rest/full_state", b) for b in bodies[1:]), cat=cat)


def test_values_are_compared_in_the_states_both_runs_read(cat) -> None:
    """A run that reached more states (a live run beside a replay of its first read) shows
    those states' texts, which are not new; a text another build shows in a state both read
    is (the audit's record-versus-live pair said 'new value' for the same build)."""
    charging = V522.replace("conn_state:no_vehicle_connected", "conn_state:vehicle_charging_type2")
    replay = reads(cat, V522)
    live = reads(cat, V522, charging.replace("errors:no_errors", "errors:;rcd_triggered;"))
    assert changes(replay, live, cat) == set()
    other_build = reads(cat, V522.replace("no_errors", "keine_fehler"), charging)
    assert changes(live, other_build, cat) == {("new value", "errors", ("value",))}
    assert live["full_state"]["keys"][-3]["by_state"] == {
        "no_vehicle_connected": ["no_errors"],
        "vehicle_charging_type2": [";rcd_triggered;"],
    }


def test_an_error_token_the_specification_shows_is_no_new_value(cat) -> None:
    """errors is a list of tokens: plug_locking_failed (the specification's own example) on
    a device with a fault is its documented vocabulary, not an interface change."""
    fault = rec_of(cat, **{"errors:no_errors": "errors:plug_locking_failed;;no_errors"})
    assert changes(rec_of(cat), fault, cat) == set()
    unknown = rec_of(cat, **{"errors:no_errors": "errors:stecker_verriegelung"})
    assert changes(rec_of(cat), unknown, cat) == {("new value", "errors", ("value",))}


@pytest.mark.parametrize("before, after", [("+15.00", "-3.00"), ("15.00", "-3.00")])
def test_a_minus_is_no_new_number_format(cat, before, after) -> None:
    """A signed reading below zero on a colder day, an unsigned one going negative: the same
    format to a client that parses a number (an explicit + added or dropped is not)."""
    old = rec_of(cat, **{"ambient_temp:+15.00": f"ambient_temp:{before}"})
    new = rec_of(cat, **{"ambient_temp:+15.00": f"ambient_temp:{after}"})
    assert changes(old, new, cat) == set()


def test_a_per_key_answer_with_its_key_name_is_another_form(cat) -> None:
    bare = reads(cat, V522)
    bare_answer = record(V522, answer("/rest/conn_state", "no_vehicle_connected"), cat=cat)
    prefixed = record(V522, answer("/rest/conn_state", "conn_state:no_vehicle_connected"), cat=cat)
    assert prefixed["per_key"]["conn_state"]["form"] == "key:value"
    assert changes(bare_answer, prefixed, cat) == {("per-key form", "conn_state", ("value",))}
    assert "conn_state" not in bare["per_key"]


def test_keys_past_the_record_s_bound_are_said_to_be_uncompared(cat) -> None:
    many = "\n".join(f"k{i}:v" for i in range(150))
    old, new = record(many, cat=cat), record(many.replace("k140:v\n", ""), cat=cat)
    section = compare(old, new, cat)
    assert section["changes"] == []
    assert (
        "keys past the first 100 not recorded (50 in the old build, 49 in the new one): not "
        "compared" in section["notes"]
    )


def spaced(body: str) -> str:
    return "".join(f"{k}: {v}\n" for k, _, v in (line.partition(":") for line in body.splitlines()))


@pytest.mark.parametrize(
    ("body", "field", "breaks", "was", "now"),
    [
        (V522.replace("\n", "\r\n"), "ending", ("value",), "LF", "CR LF"),
        ("\ufeff" + V522, "bom", ("name",), "without one", "with a byte order mark"),
        (spaced(V522), "separator", ("name", "value"), "key:value", "key: value"),
    ],
    ids=["crlf", "bom", "space-after-colon"],
)
def test_lines_written_another_way(cat, body, field, breaks, was, now) -> None:
    """The same keys and values, their lines written otherwise: what a client that splits the
    body itself reads changes (a CR in each value, U+FEFF in the first key, a space)."""
    (found,) = compare(rec_of(cat), rec_of(cat, body=body), cat)["changes"]
    assert (found["change"], found["key"], tuple(found["breaks"])) == (
        "line form",
        f"full_state lines: {field}",
        breaks,
    )
    assert (found["before"], found["after"]) == (was, now)
    assert changes(rec_of(cat, body=body), copy.deepcopy(rec_of(cat, body=body)), cat) == set()


def test_lines_are_recorded_as_written(cat) -> None:
    mixed = "conn_state:no_vehicle_connected\r\nmeter_wh : 16701\npower_w:0\n"
    assert rec_of(cat, body=mixed)["full_state"]["lines"] == {
        "ending": "CR LF and LF",
        "bom": False,
        "separator": "key : value and key:value",
    }


def test_a_report_from_before_the_line_form_was_kept_is_not_compared_by_it(cat) -> None:
    old = rec_of(cat)
    del old["full_state"]["lines"]
    assert changes(old, rec_of(cat, body=V522.replace("\n", "\r\n")), cat) == set()
