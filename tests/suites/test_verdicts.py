"""Honest verdicts: a run that selected part of the suite says partial, a run that ran nothing
says not tested, one fault is counted once however many tests it fails, and advisories are
listed by check and key (Markdown, JUnit), not only counted."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from ccrest.simulator import DeviceConfig
from ccrest.spec import default_schema_dir
from tests.artifacts import Markdown, junit_properties, markdown, strict_json
from tests.suites.conftest import device

SCHEMA = json.loads((default_schema_dir() / "report.schema.json").read_text())


def read(pytester: pytest.Pytester) -> tuple[dict, Markdown, str, ET.Element]:
    """The four reports as their readers see them (the Markdown rendered)."""
    folder = Path(pytester.path) / "reports"
    data = strict_json(folder / "conformance.json")
    assert isinstance(data, dict)
    assert [e.message for e in Draft202012Validator(SCHEMA).iter_errors(data)] == []
    md = markdown((folder / "conformance.md").read_text())
    page = (folder / "conformance.html").read_text()
    junit = ET.parse(folder / "conformance.xml").getroot()
    return data, md, page, junit


properties = junit_properties


@pytest.mark.parametrize(
    ("selection", "says"),
    [
        (("-m", "auth"), "-m 'auth'"),
        (("-k", "conn_state"), "-k 'conn_state'"),
        (("suites/test_auth.py",), "families not run: schema"),
    ],
    ids=["marker", "keyword", "one-file"],
)
def test_part_of_the_suite_is_a_partial_verdict(run_suite, pytester, selection, says) -> None:
    if selection[0].startswith("suites/"):  # a file instead of the suites folder
        run_suite  # noqa: B018 - the fixture lays out the sandbox
        result = pytester.runpytest(*selection, "--sample-seconds=0", "-p", "no:cacheprovider")
    else:
        result = run_suite(*selection, reports=True)
    assert result.ret == 0, "everything that ran passed"
    result.stdout.fnmatch_lines([f"verdict: PARTIAL RUN, WHAT RAN PASSED - Partial run:*{says}*"])
    assert "CONFORMS" not in result.stdout.str().replace("DOES NOT CONFORM", "")
    data, md, page, junit = read(pytester)
    assert data["verdict"] == "partial"
    assert data["run"]["scope"]["complete"] is False and says in data["run"]["scope"]["selection"]
    assert md.h1[0].endswith(": PARTIAL RUN, WHAT RAN PASSED") and "not judged" in md.html
    assert "PARTIAL RUN" in page and 'id="ccrest-scope"' in page
    assert properties(junit)["ccrest.verdict"] == "partial"


def test_an_empty_collection_is_not_tested(run_suite, pytester) -> None:
    result = run_suite("-k", "no_such_test", reports=True)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(["verdict: NOT TESTED - Not tested: no check ran (-k*"])
    data, md, _, junit = read(pytester)
    assert data["verdict"] == "not-tested" and data["tests"] == []
    assert md.h1 == ["ccrest: bundled simulator: NOT TESTED"], "no device was read"
    assert properties(junit)["ccrest.verdict"] == "not-tested"


def test_the_whole_suite_is_needed_to_conform(run_suite, pytester) -> None:
    result = run_suite("--sample-seconds", "1", reports=True)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["verdict: CONFORMS"])
    data, *_ = read(pytester)
    assert data["verdict"] == "conforms" and data["run"]["scope"]["complete"] is True


def test_a_temporal_family_that_watched_one_reading_is_a_partial_run(run_suite, pytester) -> None:
    """--sample-seconds 0 (or under half a second) takes one reading: no rule over time is
    judged, as with the family deselected (-m 'not temporal'), so the device as a whole is
    not: partial, exit 0, never "conforms"."""
    result = run_suite(reports=True)  # run_suite's own --sample-seconds 0
    assert result.ret == 0
    result.stdout.fnmatch_lines(["verdict: PARTIAL RUN, WHAT RAN PASSED*"])
    data, *_ = read(pytester)
    assert data["verdict"] == "partial" and data["run"]["scope"]["complete"] is False
    assert "--sample-seconds 0: the temporal family watched one reading" in data["verdict_reason"]


def test_a_states_family_nothing_could_drive_is_a_partial_run(run_suite, pytester) -> None:
    """A controller without a control API the suite can use (a real one; here a simulator
    whose control API wants a token) and no --guided person: the 25 scenarios are not tested,
    as with the family deselected, so the device as a whole is not judged: partial, exit 0,
    never "conforms" (the same simulator driven conforms: the test above)."""
    with device(control_token="not-given-to-the-suite") as dev:
        result = run_suite(*dev.args, "--sample-seconds", "1", reports=True)
    assert result.ret == 0
    data, *_ = read(pytester)
    assert data["verdict"] == "partial", data["verdict_reason"]
    assert data["verdict_reason"].startswith(
        "the states family was not walked: the control interface wants a token"
    )
    assert "--guided walks it with a person at the bench" in data["verdict_reason"]
    states = [t for t in data["tests"] if t["family"] == "states"]
    assert len(states) == 25 and {t["outcome"] for t in states} == {"skipped"}
    assert {t["outcome"] for t in data["tests"] if t["family"] != "states"} <= {
        "passed",
        "skipped",
    }


def test_one_renamed_key_is_one_fault(run_suite, pytester) -> None:
    """The renamed key fails its schema test and every states scenario; the summary counts the
    fault once and says how many tests it affected."""
    with device("renamed-key") as dev:
        result = run_suite(*dev.args, "-m", "schema or states", reports=True)
    assert result.ret == 1
    data, md, _, _ = read(pytester)
    by_cause = {(f["check"], f.get("key")): f for f in data["faults"]}
    missing = by_cause[("fs.key-present", "rcmb_max")]
    assert missing["count"] > 20, "the schema test and every states scenario"
    assert missing["count"] == len(missing["tests"])
    assert data["counts"]["faults"] == len(data["faults"]) < 6
    assert data["counts"]["failed"] > data["counts"]["faults"]
    row = next(r for r in md.rows("check") if r[:2] == ["fs.key-present", "rcmb_max"])
    assert row[-1] == str(missing["count"])


def test_advisories_are_listed_by_check_and_key(run_suite, pytester) -> None:
    with device(config=DeviceConfig(manuf_serial_n="999")) as dev:
        result = run_suite(*dev.args, reports=True)
    assert result.ret == 0, "an advisory warns, never fails"
    data, md, _, junit = read(pytester)
    (advice,) = data["advisories"]
    assert (advice["check"], advice["key"]) == ("cons.serial-numbers", "cc_serial_n")
    assert (2, "Advisory warnings") in md.headings
    assert ["cons.serial-numbers", "cc_serial_n"] in [r[:2] for r in md.rows("check")]
    value = properties(junit)["ccrest.advisory.cons.serial-numbers[cc_serial_n]"]
    assert "manuf_serial_n = '999': the serial parts differ" in value


def test_junit_and_the_ci_job_summary_name_the_target(run_suite, pytester, monkeypatch) -> None:
    """The JUnit test suite is named after the controller and carries firmware, profile and,
    per test case, its check IDs; a GitHub Actions job summary gets the Markdown."""
    step_summary = Path(pytester.path) / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    run_suite("-m", "auth", reports=True)
    _, md, _, junit = read(pytester)
    suite = junit.find("testsuite")
    assert suite.get("name") == "ccrest: Acme Inc. CC612_2M3PR 5.33.5-24813"
    assert properties(junit)["ccrest.firmware_ver"] == "5.33.5-24813"
    assert properties(junit)["ccrest.profile"] == "doc-5.33.5"
    case = suite.find("testcase")
    assert case.find("properties/property").get("name") == "ccrest.checks"
    assert markdown(step_summary.read_text()).h1 == md.h1


def test_the_html_shows_the_faults_first_with_a_curl_line(run_suite, pytester) -> None:
    """Right under the verdict: one row per fault, with observed, allowed, how many tests it
    failed and a curl line that repeats the request; the password only as $CC_PASSWORD."""
    with device("enum-unknown-value", "wrong-content-type") as dev:
        run_suite(*dev.args, "-m", "schema or per_key or http or states", reports=True)
    data, _, page, _ = read(pytester)
    assert page.index('id="ccrest-verdict"') < page.index('id="ccrest-faults"')
    assert page.index('id="ccrest-faults"') < page.index('id="ccrest-matrix"')
    rows = page.count('class="ccrest-fault"')
    assert rows == len(data["faults"]) >= 2
    shown = html.unescape(page)
    assert "curl -s -i -H 'Authorization: Basic Auth'" in shown
    assert '"Password: $CC_PASSWORD"' in shown
    assert "<th>states</th>" in page
    enum = next(f for f in data["faults"] if f["check"] == "fs.value-valid")
    assert enum["count"] > 1 and enum["request"].startswith("GET http://127.0.0.1:")
    assert data["keys"][enum["key"]]["columns"]["states"]["state"] == "fail"


def test_a_refused_password_says_why_in_every_report(run_suite, pytester) -> None:
    """Not testable carries its reason into every report, and the JUnit file holds an error,
    so no CI viewer shows the run green."""
    with device() as dev:
        result = run_suite("--controller-url", dev.url, "--password", "not-it", reports=True)
    assert result.ret == 6
    why = "refused the credentials of 'operator' (401)"
    result.stdout.fnmatch_lines([f"ccrest: not testable: *{why}*"])
    data, md, page, junit = read(pytester)
    assert data["verdict"] == "not-testable" and why in data["verdict_reason"]
    assert md.h1[0].endswith(": NOT TESTABLE") and why in html.unescape(md.html)
    first_screen = page[: page.index('id="ccrest-matrix"')]
    assert why in html.unescape(first_screen)
    (case,) = [c for c in junit.iter("testcase") if c.get("name") == "ccrest.verdict"]
    assert why in case.find("error").get("message")
    assert int(junit.find("testsuite").get("errors")) >= 1


def test_a_watch_of_an_invalid_value_does_not_conform(tmp_path, monkeypatch, capsys) -> None:
    """The watch judges every sample with the suite's value checks: a controller that answers
    conn_state: charging on every sample does not conform, in the terminal and every file."""
    from ccrest.cli import main

    monkeypatch.setenv("CC_PASSWORD", "Self-Test-Pw-7f3a")
    with device("enum-unknown-value") as dev:
        code = main(
            ["watch", dev.url, "--for", "1s", "--interval", "0.2", "--report-dir", str(tmp_path)]
        )
    out = capsys.readouterr().out
    assert code == 1 and "ccrest watch: DOES NOT CONFORM" in out
    summary = strict_json(tmp_path / "watch.json")
    assert isinstance(summary, dict) and summary["verdict"] == "does-not-conform"
    (fault,) = [f for f in summary["faults"] if f["check"] == "fs.value-valid"]
    assert fault["key"] == "conn_state" and fault["count"] == summary["samples"]
    assert markdown((tmp_path / "watch.md").read_text()).h1[0].endswith("DOES NOT CONFORM")
    assert 'class="does-not-conform"' in (tmp_path / "watch.html").read_text()
