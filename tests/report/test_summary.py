"""The summary's judgement per key and cell, from hand-made records."""

from __future__ import annotations

from ccrest.checks.common import fail, info
from ccrest.report.markdown import render
from ccrest.report.summary import Record, build
from ccrest.spec import Catalogue
from tests.artifacts import markdown


def summarise(
    records: list[Record], cat: Catalogue, exit_status: object = 1, scope: dict | None = None
) -> dict:
    return build(
        records,
        cat,
        target={"url": "http://127.0.0.1:1", "embedded": False},
        observed={"cp_model": "X1", "extra_key": 5},
        settings={
            "auth_scheme": "basic",
            "username": "operator",
            "rest_mode": "without-uid",
            "timeout_s": 5,
            "sample_seconds": 3,
            "allow_anonymous": False,
            "markers": "",
        },
        profile={"name": "doc-5.33.5"},
        run={
            "started": "2026-11-23T00:00:00+00:00",
            "duration_s": 1.0,
            "http_requests": 3,
            "exit_status": exit_status,
            **({"scope": scope} if scope else {}),
        },
        versions={"ccrest": "0", "schema_set": "5.33.5"},
    )


def rec(name: str, checks: tuple[str, ...], keys: tuple[str, ...], outcome="passed", findings=()):
    return Record(f"suites/t.py::{name}", name, "x", checks, keys, outcome, "", 0.0, list(findings))


def test_cells_and_verdicts(cat: Catalogue) -> None:
    records = [
        rec("present[conn_state]", ("fs.key-present",), ("conn_state",)),
        rec(
            "valid[conn_state]",
            ("fs.value-valid",),
            ("conn_state",),
            "failed",
            [fail("fs.value-valid", "bad", key="conn_state")],
        ),
        rec("present[power_w]", ("fs.key-present",), ("power_w",)),
        rec(
            "rule",
            ("cons.power-factor",),
            ("power_w", "current_a"),
            "passed",
            [fail("cons.power-factor", "low", key="power_w", observed={"power_w": "1"})],
        ),
        rec("timer", ("temp.timer-advances",), ("time_since_charging_start",), "skipped"),
        rec("waived[meter_wh]", ("fs.value-valid",), ("meter_wh",), "xfailed"),
        rec(
            "anon",
            ("auth.no-credentials-refused",),
            (),
            "passed",
            [info("auth.no-credentials-refused", "let in, declared")],
        ),
    ]
    s = summarise(records, cat)
    keys = s["keys"]
    assert keys["conn_state"]["verdict"] == "fail"
    assert keys["conn_state"]["columns"]["schema"] == {
        "state": "fail",
        "checks": ["fs.value-valid"],
    }
    assert keys["power_w"]["columns"]["consistency"] == {
        "state": "warn",
        "checks": ["cons.power-factor"],
    }
    assert keys["power_w"]["verdict"] == "pass", "an advisory warning is no failure"
    assert keys["time_since_charging_start"]["columns"]["temporal"] == {"state": "not-tested"}
    assert keys["conn_state"]["columns"]["temporal"] == {"state": "n/a"}
    assert keys["meter_wh"]["columns"]["schema"]["state"] == "waived"
    assert keys["wlan_state"]["verdict"] == "not-tested"
    assert s["undocumented_keys"] == {"extra_key": "5"}
    assert s["target"]["cp_model"] == "X1"
    assert s["general_findings"] == [
        {
            "check": "auth.no-credentials-refused",
            "outcome": "info",
            "message": "let in, declared",
            "test": "suites/t.py::anon",
        }
    ]
    assert s["counts"]["advisories"] == 1 and s["verdict"] == "does-not-conform"


def test_missing_key(cat: Catalogue) -> None:
    records = [
        rec(
            "present[wlan_state]",
            ("fs.key-present",),
            ("wlan_state",),
            "failed",
            [fail("fs.key-present", "missing", key="wlan_state")],
        )
    ]
    assert summarise(records, cat)["keys"]["wlan_state"]["verdict"] == "missing"


def test_verdicts(cat: Catalogue) -> None:
    passing = [rec("a", ("fs.answers",), ())]
    assert summarise(passing, cat, 0)["verdict"] == "conforms"
    assert summarise(passing, cat, "not-testable")["verdict"] == "not-testable"
    assert summarise([], cat, 5)["verdict"] == "not-tested", "nothing ran: no verdict either way"
    part = {"complete": False, "tests": 1, "families": ["schema"], "selection": "-m 'schema'"}
    assert summarise(passing, cat, 0, part)["verdict"] == "partial"
    failing = [rec("b", ("fs.answers",), (), "failed", [fail("fs.answers", "no")])]
    assert summarise(failing, cat, 1, part)["verdict"] == "does-not-conform", "a fault is one"


def test_faults_fold_by_check_key_and_observed_value(cat: Catalogue) -> None:
    same = fail("fs.value-valid", "conn_state = 'charging'", key="conn_state", observed="charging")
    other = fail("fs.value-valid", "conn_state = 'x'", key="conn_state", observed="x")
    records = [rec(f"t{i}", ("fs.value-valid",), (), "failed", [same]) for i in range(5)]
    records.append(rec("t9", ("fs.value-valid",), (), "failed", [other]))
    s = summarise(records, cat)
    assert s["counts"]["faults"] == 2 and s["counts"]["failed"] == 6
    first = s["faults"][0]
    assert (first["check"], first["key"], first["observed"], first["count"]) == (
        "fs.value-valid",
        "conn_state",
        "'charging'",
        5,
    )
    assert first["passage"] == cat.check("fs.value-valid").passage


def test_observed_values_are_excerpted(cat: Catalogue) -> None:
    huge = fail("fs.value-valid", "display_text too long", key="display_text", observed="x" * 5000)
    s = summarise([rec("t", ("fs.value-valid",), (), "failed", [huge])], cat)
    (fault,) = s["faults"]
    assert len(fault["observed"]) < 260 and fault["observed"].endswith("(5000 characters in all)")


def test_markdown_escapes_table_cells(cat: Catalogue) -> None:
    records = [rec("x", ("fs.answers",), (), "failed")]
    records[0].message = "a | b\nsecond line"
    md = markdown(render(summarise(records, cat)))
    assert md.rows("test") == [["x", "fs.answers", "a | b"]]


def test_a_summary_of_an_earlier_version_is_still_one(cat: Catalogue) -> None:
    """`report diff` compares builds across ccrest versions: what this version added (faults,
    advisories, the states column, the run's scope) is optional in the schema."""
    import json

    from jsonschema import Draft202012Validator

    from ccrest.spec import default_schema_dir

    schema = json.loads((default_schema_dir() / "report.schema.json").read_text())
    s = summarise([rec("a", ("fs.answers",), ())], cat, 0)
    for key in ("faults", "advisories"):
        del s[key]
    del s["counts"]["faults"]
    for entry in s["keys"].values():
        del entry["columns"]["states"]
    assert list(Draft202012Validator(schema).iter_errors(s)) == []
