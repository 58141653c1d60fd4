"""Every run writes four reports; they say what the run found, for every key, and never a
credential; the diff of two runs finds a regression; a person can read the HTML."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from ccrest.coverage import requirements
from ccrest.report.__main__ import main as report_main
from ccrest.spec import Catalogue, default_schema_dir
from tests.artifacts import markdown
from tests.browser import VIEWPORT, browser_or_skip, chrome, requests_made
from tests.suites.conftest import PASSWORD, device

REPORTS = ("conformance.html", "conformance.xml", "conformance.json", "conformance.md")
SCHEMA = json.loads((default_schema_dir() / "report.schema.json").read_text())


def reports(pytester: pytest.Pytester) -> Path:
    return pytester.path / "reports"


def summary(pytester: pytest.Pytester) -> dict:
    data = json.loads((reports(pytester) / "conformance.json").read_text())
    errors = [e.message for e in Draft202012Validator(SCHEMA).iter_errors(data)]
    assert errors == [], errors
    return data


def test_a_run_writes_four_reports(run_suite, pytester, cat: Catalogue) -> None:
    result = run_suite("--sample-seconds", "3", reports=True)
    assert result.ret == 0
    for name in REPORTS:
        assert (reports(pytester) / name).stat().st_size > 0, name
    data = summary(pytester)
    assert data["verdict"] == "conforms"
    assert list(data["keys"]) == list(cat.keys)
    assert {e["verdict"] for e in data["keys"].values()} == {"pass"}
    assert data["target"]["cp_vendor"] == "Acme Inc." and data["target"]["embedded"] is True
    assert data["counts"]["passed"] == len(data["tests"]) > 250
    assert data["run"]["http_requests"] > 1000
    junit = ET.parse(reports(pytester) / "conformance.xml").getroot()
    assert int(junit.find("testsuite").get("tests")) == len(data["tests"])
    md = markdown((reports(pytester) / "conformance.md").read_text())
    assert md.h1 == ["ccrest: Acme Inc. CC612_2M3PR firmware 5.33.5-24813: CONFORMS"]
    page = (reports(pytester) / "conformance.html").read_text()
    assert 'id="ccrest-matrix"' in page and "<link" not in page, "one self-contained file"
    result.stdout.fnmatch_lines(["*reports: */reports/conformance.*"])


def test_a_failing_run_names_keys_and_checks(run_suite, pytester) -> None:
    with device("enum-unknown-value", "missing-key", "undocumented-key", "writes-accepted") as dev:
        result = run_suite("-m", "schema or per_key or http", *dev.args, reports=True)
    assert result.ret == 1
    data = summary(pytester)
    keys = data["keys"]
    assert data["verdict"] == "does-not-conform"
    assert keys["conn_state"]["verdict"] == "fail"
    assert keys["conn_state"]["columns"]["schema"] == {
        "state": "fail",
        "checks": ["fs.value-valid"],
    }
    assert keys["wlan_state"]["verdict"] == "missing"
    assert keys["meter_wh"]["verdict"] == "pass"
    assert keys["meter_wh"]["columns"]["temporal"] == {"state": "n/a"}
    assert data["undocumented_keys"] == {"debug_level": "3"}
    general = {f["check"] for f in data["general_findings"]}
    assert {"http.read-only", "fs.no-undocumented-key"} <= general
    finding = keys["conn_state"]["findings"][0]
    assert finding["message"].startswith("conn_state = 'charging': not one of")
    assert finding["exchange"].startswith("GET http://127.0.0.1:")
    md = markdown((reports(pytester) / "conformance.md").read_text())
    assert md.h1[0].endswith("DOES NOT CONFORM") and "missing: wlan_state" in md.html
    assert ["test_value_conforms[conn_state]", "fs.value-valid"] in [r[:2] for r in md.rows("test")]


def test_an_untestable_run_still_writes_its_reports(run_suite, pytester) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run_suite(
        "--controller-url", f"http://127.0.0.1:{port}", "--password", "x", reports=True
    )
    assert result.ret == 6
    data = summary(pytester)
    assert data["verdict"] == "not-testable"
    assert {e["verdict"] for e in data["keys"].values()} == {"not-tested"}
    assert "NOT TESTABLE" in (reports(pytester) / "conformance.md").read_text()


def test_report_paths_can_be_moved(run_suite, pytester) -> None:
    result = run_suite("-m", "auth", "--report-dir", "out/build-42", reports=True)
    assert result.ret == 0
    for name in REPORTS:
        assert (pytester.path / "out" / "build-42" / name).is_file()


def test_secrets_reach_no_report_and_no_terminal(run_suite, pytester) -> None:
    """A distinctive password, given on the command line, with checks failing on purpose: not
    the password, nor its Basic form, anywhere in reports/ or the terminal."""
    with device("enum-unknown-value", "no-credentials-needed", "uid-shown") as dev:
        for scheme in ("doc-headers", "basic"):
            result = run_suite("-v", *dev.args, "--auth-scheme", scheme, reports=True)
            assert result.ret == 1
            forms = (
                PASSWORD,
                base64.b64encode(f"operator:{PASSWORD}".encode()).decode(),
                base64.b64encode(f"operator:{PASSWORD}".encode()).decode()[:-4],
            )
            texts = {p.name: p.read_text(errors="replace") for p in reports(pytester).iterdir()}
            texts["terminal"] = result.stdout.str() + result.stderr.str()
            for where, text in texts.items():
                for form in forms:
                    assert form not in text, f"{form!r} leaked into {where} ({scheme})"
            masked = "Password: ***" if scheme == "doc-headers" else "Authorization: Basic ***"
            assert masked in texts["conformance.html"], "exchanges are shown, masked"


def test_diff_finds_the_regression(run_suite, pytester, tmp_path, capsys) -> None:
    run_suite("-m", "schema or per_key", reports=True)
    good = shutil.copy(reports(pytester) / "conformance.json", tmp_path / "good.json")
    with device("per-key-differs") as dev:
        run_suite("-m", "schema or per_key", *dev.args, reports=True)
    bad = shutil.copy(reports(pytester) / "conformance.json", tmp_path / "bad.json")

    assert report_main(["diff", str(good), str(bad), "--html", str(tmp_path / "d.html")]) == 1
    out = capsys.readouterr().out
    assert "REGRESSED (1)" in out
    assert "test_per_key_matches_full_state[cp_model]" in out and "passed -> failed" in out
    assert "cp_model" in out and "pass -> fail   (worse)" in out
    assert "REGRESSION" in (tmp_path / "d.html").read_text()

    assert report_main(["diff", str(bad), str(good)]) == 0
    assert "FIXED (1)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "says"),
    [(None, "cannot read"), ("{", "is not JSON"), ('{"verdict": "maybe"}', "is not a ccrest")],
)
def test_diff_refuses_what_is_not_a_summary(tmp_path, capsys, content, says) -> None:
    path = tmp_path / "x.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SystemExit) as exit_info:
        report_main(["diff", str(path), str(path)])
    assert exit_info.value.code == 4
    assert says in capsys.readouterr().err


def test_first_screen_shows_the_verdict_and_every_fault(run_suite, pytester, capsys) -> None:
    """A failing run (a value the spec does not list, the wrong Content-Type, a meter running
    backwards) opened at 1400x900, as an engineer first sees it: verdict and every distinct
    fault with key, observed and allowed without scrolling; the meter's chart with the failed
    samples marked; and not one request beyond the file itself (the page opens offline)."""
    browser_or_skip()
    from selenium.webdriver.common.by import By

    defects = ("enum-unknown-value", "wrong-content-type", "meter-runs-backwards")
    with device(*defects) as dev:
        run_suite(*dev.args, "--sample-seconds", "3", reports=True)
    faults = summary(pytester)["faults"]
    assert {(f["check"], f.get("key")) for f in faults} >= {
        ("fs.value-valid", "conn_state"),
        ("http.content-type", None),
        ("temp.counter-monotonic", "meter_wh"),
    }
    page = (reports(pytester) / "conformance.html").as_uri()
    driver = chrome(logs=True)
    try:
        driver.get(page)
        assert driver.execute_script("return [innerWidth, innerHeight]") == list(VIEWPORT)
        shot = pytester.path / "first-screen-1400x900.png"
        driver.save_screenshot(str(shot))
        with capsys.disabled():
            print(f"\nscreenshot of the first screen: {shot}")

        def on_first_screen(element) -> bool:
            top, bottom = driver.execute_script(
                "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom]",
                element,
            )
            return top >= 0 and bottom <= VIEWPORT[1]

        verdict = driver.find_element(By.ID, "ccrest-verdict")
        assert "DOES NOT CONFORM" in verdict.text and on_first_screen(verdict)
        rows = driver.find_elements(By.CSS_SELECTOR, "#ccrest-faults tbody tr")
        assert len(rows) == len(faults)
        for row, fault in zip(rows, faults, strict=True):
            cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
            assert on_first_screen(row), f"{fault['check']} is below the first screen"
            assert cells[0].startswith(fault["check"])
            assert cells[1] == fault.get("key", "(no key)")
            assert cells[2] == fault.get("observed", fault["message"])
            assert cells[3] == fault.get("allowed", "-")[:300]
        marked = driver.find_elements(
            By.CSS_SELECTOR, "svg.ccrest-chart circle.ccrest-failed-sample"
        )
        assert marked, "the chart marks the samples where the meter went down"
        named = [m.get_attribute("textContent") for m in marked]
        assert any("temp.counter-monotonic" in n for n in named), named
        # each mark names a temporal rule this run failed: on a slow machine the window runs
        # longer in the device's time, and a meter that runs back also grows less than its
        # power says (temp.energy-follows-power fails on the same samples, rightly)
        failed = {f["check"] for f in faults if f["check"].startswith("temp.")}
        assert all(any(check in n for check in failed) for n in named), (named, failed)
        link = driver.find_element(By.CSS_SELECTOR, 'tr[data-key="meter_wh"] a')
        target = link.get_attribute("href").rpartition("#")[2]
        assert driver.find_element(By.ID, target).get_attribute("data-key") == "meter_wh"
        no_key = driver.find_element(By.CSS_SELECTOR, 'tr[data-key="(no key)"]')
        assert "http.content-type" in no_key.text
        others = [u for u in requests_made(driver) if not u.startswith((page, "data:"))]
        assert others == [], "the report fetched something: it must open offline"
    finally:
        driver.quit()


def test_report_reads_well_in_a_browser(run_suite, pytester) -> None:
    """As a person sees it: the matrix and the failing test with its finding's passage, the
    exchange with the offending line marked, and no box that scrolls on its own."""
    browser_or_skip()
    from selenium.webdriver.common.by import By

    with device("enum-unknown-value") as dev:
        run_suite("-m", "schema", *dev.args, reports=True)
    driver = chrome()
    try:
        driver.get((reports(pytester) / "conformance.html").as_uri())
        matrix = driver.find_element(By.ID, "ccrest-matrix")
        assert matrix.is_displayed()
        rows = matrix.find_elements(By.CSS_SELECTOR, "tbody tr")
        assert len(rows) == 41
        bad = matrix.find_element(By.CSS_SELECTOR, 'tr[data-key="conn_state"]')
        assert bad.is_displayed() and "FAIL" in bad.text and "fs.value-valid" in bad.text
        color = bad.find_element(By.CSS_SELECTOR, "td.ccrest-fail").value_of_css_property(
            "background-color"
        )
        assert color != "rgba(0, 0, 0, 0)", "a failing cell is colour-coded"
        failed = [
            r
            for r in driver.find_elements(By.CSS_SELECTOR, "#results-table tbody")
            if "failed" in (r.get_attribute("class") or "")
        ]
        assert len(failed) == 1 and failed[0].is_displayed()
        text = failed[0].text
        assert "test_value_conforms[conn_state]" in text
        assert "[fs.value-valid] conn_state = 'charging': not one of" in text
        assert "Key name / Key values or example" in text, "the failed check's passage"
        assert "Password: ***" in text, "the exchange is shown, credentials masked"
        (mark,) = failed[0].find_elements(By.TAG_NAME, "mark")
        assert mark.text == "conn_state:charging", "the offending line is marked"
        scrolling = driver.execute_script(
            "return [...document.querySelectorAll('#results-table *')].filter(e => "
            "['auto', 'scroll'].includes(getComputedStyle(e).overflowY) && "
            "e.scrollHeight > e.clientHeight).length"
        )
        assert scrolling == 0, "a box inside the results scrolls on its own"
        coverage = driver.find_element(By.ID, "ccrest-coverage")
        coverage.find_element(By.TAG_NAME, "summary").click()
        rows = coverage.find_elements(By.CSS_SELECTOR, "tr")[1:]
        assert len(rows) == len(requirements()), "one row per requirement"
        by_id = {r.find_element(By.TAG_NAME, "td").text: r.text for r in rows}
        assert "none: the USB link is a transport under IP" in by_id["spec.3.2.usb"]
        assert "auth.challenge" in by_id["rfc9110.11.6.1"]
        per_key = next(r for r in rows if r.text.startswith("spec.4.per-key "))
        title = per_key.find_element(By.TAG_NAME, "td").get_attribute("title")
        assert "http://controller_ip/rest/<KEY>" in title, "the passage, as text"
        assert not coverage.find_elements(By.TAG_NAME, "key"), "no element made of a passage"
    finally:
        driver.quit()
