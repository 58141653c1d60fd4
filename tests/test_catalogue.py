"""The catalogue reads the schema set once, cross-checks it, and names the broken file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ccrest.spec import Catalogue, SpecError, catalogue, default_schema_dir, load_catalogue


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    target = tmp_path / "schemas"
    shutil.copytree(default_schema_dir(), target)
    return target


def test_default_catalogue_is_built_once() -> None:
    assert catalogue() is catalogue()


def test_catalogue_knows_keys_units_and_volatility(cat: Catalogue) -> None:
    assert cat.keys[0] == "conn_state" and cat.keys[-1] == "wlan_state"
    assert cat.key("meter_wh").unit == "Wh"
    assert cat.key("meter_wh").dynamic is True
    assert cat.key("firmware_ver").dynamic is False
    assert "conn_state" in cat and "rcmb_max_values" not in cat


def test_every_check_has_a_passage(cat: Catalogue) -> None:
    for check in cat.checks.values():
        assert check.passage and check.section and check.title


def test_unknown_check_id_is_a_clear_error(cat: Catalogue) -> None:
    with pytest.raises(SpecError, match=r"'nope\.nope' is not in .*checks\.json"):
        cat.check("nope.nope")


def test_schemas_resolve_without_network(schema_copy: Path) -> None:
    """A $ref outside the registry must fail loudly, not be fetched from the web."""
    path = schema_copy / "keys" / "meter_wh.schema.json"
    doc = json.loads(path.read_text())
    doc["$ref"] = "https://example.invalid/elsewhere.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(
        SpecError, match=r"meter_wh\.schema\.json: \$ref .*elsewhere.* does not resolve"
    ):
        load_catalogue(schema_copy)


def test_missing_key_file_names_the_key(schema_copy: Path) -> None:
    (schema_copy / "keys" / "wlan_state.schema.json").unlink()
    with pytest.raises(SpecError, match=r"no file for \['wlan_state'\]"):
        load_catalogue(schema_copy)


def test_extra_key_file_names_the_key(schema_copy: Path) -> None:
    shutil.copy(
        schema_copy / "keys" / "rcmb_max.schema.json", schema_copy / "keys" / "x.schema.json"
    )
    with pytest.raises(SpecError, match=r"not required: \['x'\]"):
        load_catalogue(schema_copy)


def test_unreadable_schema_names_the_file(schema_copy: Path) -> None:
    (schema_copy / "keys" / "power_w.schema.json").write_text("{ not json")
    with pytest.raises(SpecError, match=r"power_w\.schema\.json: cannot be read as JSON"):
        load_catalogue(schema_copy)


def test_invalid_schema_names_the_file(schema_copy: Path) -> None:
    path = schema_copy / "keys" / "power_w.schema.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"type": "integr"}))
    with pytest.raises(SpecError, match=r"power_w\.schema\.json: not a valid JSON Schema"):
        load_catalogue(schema_copy)


def test_bad_check_entry_names_where(schema_copy: Path) -> None:
    path = schema_copy / "checks.json"
    data = json.loads(path.read_text())
    del data["checks"][1]["passage"]
    path.write_text(json.dumps(data))
    with pytest.raises(SpecError, match=r"checks\.json: at checks/1: 'passage' is a required"):
        load_catalogue(schema_copy)


def test_duplicate_check_id_is_refused(schema_copy: Path) -> None:
    path = schema_copy / "checks.json"
    data = json.loads(path.read_text())
    data["checks"].append(data["checks"][0])
    path.write_text(json.dumps(data))
    with pytest.raises(SpecError, match="listed twice"):
        load_catalogue(schema_copy)


def _undocumented_value(data: dict) -> None:
    data["allowed"]["no_vehicle_connected"]["Available"] = ["ocpp-1.6"]


def _missing_row(data: dict) -> None:
    del data["allowed"]["vehicle_connector_error"]


def _unknown_source(data: dict) -> None:
    data["allowed"]["no_vehicle_connected"]["available"] = ["ocpp-9"]


@pytest.mark.parametrize(
    ("breaks", "says"),
    [
        (_undocumented_value, r"allowed/no_vehicle_connected/Available: .* not a ocpp_state"),
        (_missing_row, r"one row per documented conn_state value"),
        (_unknown_source, r"source\(s\) \['ocpp-9'\] not in 'sources'"),
    ],
    ids=["undocumented-value", "missing-row", "unknown-source"],
)
def test_broken_rule_table_is_refused(schema_copy: Path, breaks, says) -> None:
    path = schema_copy / "rules" / "conn-vs-ocpp.json"
    data = json.loads(path.read_text())
    breaks(data)
    path.write_text(json.dumps(data))
    with pytest.raises(SpecError, match=says):
        load_catalogue(schema_copy)
