"""The schema files encode the specification's table: every key, every value, nothing more."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from ccrest.spec import Catalogue, default_schema_dir
from tests.spec_table import SHARED, VENDORED, read_table

SCHEMAS = default_schema_dir()
KEY_FILES = sorted((SCHEMAS / "keys").glob("*.json"))
TABLE = read_table()
ROWS = {row.key: row for row in TABLE}
VALUES = json.loads((Path(__file__).parent / "data" / "values.json").read_text(encoding="utf-8"))
UNITS = {
    "time_since_charging_start": "s",
    "meter_wh": "Wh",
    "power_w": "W",
    "transaction_wh": "Wh",
    "sig_current": "A",
    "current_a": "A",
    "energy_man_current": "A",
    "ambient_temp": "°C",
    "max_current": "A",
    "voltage_v": "V",
}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "-", text).strip("-")


def test_vendored_spec_is_the_shared_spec() -> None:
    if not SHARED.is_file():
        pytest.skip(f"not testable here because {SHARED} is absent (a clone without shared/)")
    assert VENDORED.read_bytes() == SHARED.read_bytes(), (
        f"{VENDORED} differs from {SHARED}: copy the shared specification over the vendored one"
    )


def test_spec_table_has_41_keys() -> None:
    assert len(TABLE) == 41, [row.key for row in TABLE]


def test_one_schema_file_per_documented_key() -> None:
    assert sorted(p.name.removesuffix(".schema.json") for p in KEY_FILES) == sorted(ROWS)
    assert len(KEY_FILES) == 41


@pytest.mark.parametrize("path", sorted(SCHEMAS.rglob("*.schema.json")), ids=lambda p: p.name)
def test_schema_file_is_valid_2020_12(path: Path) -> None:
    Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", KEY_FILES, ids=lambda p: p.name.removesuffix(".schema.json"))
def test_key_schema_carries_its_annotations(path: Path) -> None:
    key = path.name.removesuffix(".schema.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["$id"].endswith(f"/keys/{key}.schema.json")
    assert doc["title"] and doc["description"]
    assert doc["examples"], "examples must hold the specification's example"
    assert doc["x-change"] in ("static", "state", "counter", "session-counter", "measurement")
    assert doc["x-dynamic"] is (doc["x-change"] != "static")
    assert ("x-tolerance" in doc) is (doc["x-change"] == "measurement")
    assert doc["x-spec-section"].startswith("4.")
    assert doc.get("x-unit") == UNITS.get(key), f"{key}: unit {doc.get('x-unit')!r}"


def test_full_state_order_is_the_spec_order(cat: Catalogue) -> None:
    assert list(cat.keys) == [row.key for row in TABLE]


@pytest.mark.parametrize("key", [r.key for r in TABLE if r.values is not None])
def test_enum_is_exactly_the_documented_values(cat: Catalogue, key: str) -> None:
    assert cat.key(key).enum == ROWS[key].values


@pytest.mark.parametrize(
    ("key", "value"),
    [(r.key, v) for r in TABLE if r.values is not None for v in r.values],
    ids=lambda x: x,
)
def test_documented_value_validates(cat: Catalogue, key: str, value: str) -> None:
    assert cat.key(key).violation(value) is None


@pytest.mark.parametrize("key", [r.key for r in TABLE if r.example is not None])
def test_documented_example_validates(cat: Catalogue, key: str) -> None:
    spec = cat.key(key)
    assert spec.examples[0] == ROWS[key].example, "the first example is the specification's"
    for example in spec.examples:
        assert spec.violation(example) is None


@pytest.mark.parametrize("case", VALUES["valid"], ids=lambda c: f"{c['key']}-{_slug(c['reason'])}")
def test_conformant_corner_case_validates(cat: Catalogue, case: dict) -> None:
    assert cat.key(case["key"]).violation(case["value"]) is None, case["reason"]


@pytest.mark.parametrize(
    "case", VALUES["invalid"], ids=lambda c: f"{c['key']}-{_slug(c['reason'])}"
)
def test_wrong_value_is_rejected(cat: Catalogue, case: dict) -> None:
    message = cat.key(case["key"]).violation(case["value"])
    assert message is not None, f"{case['key']} = {case['value']!r} accepted: {case['reason']}"
    assert message.startswith(f"{case['key']} = ")


def test_enum_message_states_observed_and_allowed(cat: Catalogue) -> None:
    assert cat.key("conn_state").violation("charging") == (
        "conn_state = 'charging': not one of no_vehicle_connected, vehicle_connected_schuko, "
        "vehicle_charging_schuko, vehicle_connected_type2, vehicle_charging_type2, "
        "vehicle_connector_error"
    )


def test_long_enum_message_is_shortened(cat: Catalogue) -> None:
    message = cat.key("ocpp_meter_cfg").violation("x")
    assert message is not None
    assert message.endswith("… (54 values in all)")


def test_pattern_message_says_what_is_expected(cat: Catalogue) -> None:
    assert cat.key("meter_wh").violation("-5") == (
        "meter_wh = '-5': expected a non-negative whole number"
    )


def _documented_payload() -> dict[str, object]:
    return {r.key: (r.values[0] if r.values else r.example) for r in TABLE}


def test_full_state_accepts_documented_payload(cat: Catalogue) -> None:
    errors = [e.message for e in cat.full_state_validator.iter_errors(_documented_payload())]
    assert errors == []


def test_full_state_rejects_missing_key(cat: Catalogue) -> None:
    payload = _documented_payload()
    del payload["wlan_state"]
    assert not cat.full_state_validator.is_valid(payload)


def test_full_state_rejects_undocumented_key(cat: Catalogue) -> None:
    payload = _documented_payload() | {"rcmb_max_values": "0.0, 0.0"}
    assert not cat.full_state_validator.is_valid(payload)


def test_full_state_rejects_wrong_value(cat: Catalogue) -> None:
    payload = _documented_payload() | {"conn_state": "charging"}
    assert not cat.full_state_validator.is_valid(payload)
