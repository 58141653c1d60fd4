"""Interface changes between builds (``ccrest report diff``'s interface section and its gate)
and the history of many builds (``ccrest report history``), on real runs: the installed
``ccrest`` command checking the bundled simulator as it replays the field bodies of
``captures/``, then the reports read by their consumers (markdown-it-py, headless Chromium).

The two builds of the diff differ as 5.22 and 5.33 do: 5.33.9 inserted ``voltage_v`` after
``power_w`` (every line after it moved) and appended ``wlan_state``, localised ``errors``
(``no_errors`` became ``keine_fehler``) and reports a meter the specification does not list.
The two field bodies share their ``rcmb_*`` names, so the new build here also renames
``rcmb_current_values`` to ``rcmb_values``, a rename as a build makes it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import artifacts
from tests.browser import browser_or_skip, chrome

CCREST = str(Path(sys.executable).with_name("ccrest"))  # the installed command
CAPTURES = Path(__file__).resolve().parents[2] / "captures"


def ccrest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CCREST, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def run_build(folder: Path, body: Path, *options: str) -> Path:
    """One build checked: ``ccrest check`` replaying ``body``; its report folder."""
    done = ccrest("check", f"--replay={body}", "--report-dir", folder, *options, cwd=folder.parent)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert (folder / "conformance.json").is_file()
    return folder


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("builds")
    new_body = root / "5.33-build.txt"
    new_body.write_text(
        (CAPTURES / "field-5.33.9-idle.txt")
        .read_text()
        .replace("rcmb_current_values:", "rcmb_values:")
    )
    old = CAPTURES / "field-5.22.1-idle.txt"
    return {
        "old": run_build(root / "old", old, "--profile=field-5.22"),
        "old-again": run_build(root / "old-again", old, "--profile=field-5.22"),
        "new": run_build(root / "new", new_body, "--profile=field-5.33"),
    }


def interface_rows(page: artifacts.Markdown) -> set[tuple[str, str, str]]:
    return {(row[0], row[1], row[4]) for row in page.rows("change")}


def test_the_diff_lists_each_interface_change_with_whom_it_breaks(builds, tmp_path) -> None:
    old, new = builds["old"] / "conformance.json", builds["new"] / "conformance.json"
    done = ccrest(
        "report", "diff", old, new, "--fail-on", "interface",
        "--markdown", "d.md", "--html", "d.html", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.rstrip().endswith("exit 1: --fail-on interface")
    page = artifacts.markdown((tmp_path / "d.md").read_text())
    assert page.unsafe == []
    rows = interface_rows(page)
    assert rows == {
        ("renamed", "rcmb_values", "name"),
        ("added", "voltage_v", "position"),
        ("added", "wlan_state", "no reader"),
        ("reordered", "voltage_v", "position"),
        ("new value", "ocpp_meter_cfg", "value"),
        ("new value", "errors", "value"),
        ("per-key status", "rcmb_values, voltage_v, wlan_state", "no reader"),
    }, rows
    by_change = {(r[0], r[1]): r for r in page.rows("change")}
    assert by_change["new value", "errors"][2:4] == ["'no_errors'", "'keine_fehler'"]
    assert by_change["renamed", "rcmb_values"][2:4] == ["rcmb_current_values", "rcmb_values"]
    assert "inserted after power_w" in by_change["added", "voltage_v"][5]
    moved = by_change["reordered", "voltage_v"]
    assert "transaction_wh" in moved[5] and "1 line later" in moved[5], moved
    # the same changes on the HTML page, each with whom it breaks
    html = (tmp_path / "d.html").read_text()
    marks = re.findall(r'data-change="([^"]+)" data-breaks="([^"]*)"', html)
    assert ("reordered", "position") in marks and ("renamed", "name") in marks
    assert marks.count(("new value", "value")) == 2 and len(marks) == len(rows)
    # the terminal says whom each change breaks
    assert "breaks: a client that reads keys by line number" in done.stdout


def test_the_interface_gate_is_what_trips(builds, tmp_path) -> None:
    """Both builds conform under the profile naming their firmware: no regression, so the
    default gate passes; the interface gate fails the same diff."""
    old, new = builds["old"] / "conformance.json", builds["new"] / "conformance.json"
    assert json.loads(old.read_text())["verdict"] == "conforms"
    assert json.loads(new.read_text())["verdict"] == "conforms"
    done = ccrest("report", "diff", old, new, cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert "INTERFACE CHANGED (7)" in done.stdout
    both = ccrest(
        "report", "diff", old, new, "--fail-on", "regression", "--fail-on", "interface",
        cwd=tmp_path,
    )  # fmt: skip
    assert both.returncode == 1 and "exit 1: --fail-on interface" in both.stdout


def test_two_runs_of_one_build_have_no_interface_change(builds, tmp_path) -> None:
    done = ccrest(
        "report", "diff", builds["old"] / "conformance.json",
        builds["old-again"] / "conformance.json", "--fail-on", "interface",
        "--markdown", "d.md", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("interface unchanged")
    page = artifacts.markdown((tmp_path / "d.md").read_text())
    assert "No interface change." in page.html


def test_a_report_without_interface_observations_still_diffs(builds, tmp_path) -> None:
    """A conformance.json of a ccrest that kept no interface observations: the diff says so
    (and the interface gate, which cannot tell, fails)."""
    summary = json.loads((builds["old"] / "conformance.json").read_text())
    del summary["interface"]
    older = tmp_path / "older.json"
    older.write_text(json.dumps(summary))
    new = builds["new"] / "conformance.json"
    done = ccrest(
        "report", "diff", older, new, "--markdown", "d.md", "--html", "d.html", cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "INTERFACE: not recorded in the old report" in done.stdout
    assert "not recorded in the old report" in (tmp_path / "d.html").read_text()
    assert (
        "not recorded in the old report" in artifacts.markdown((tmp_path / "d.md").read_text()).html
    )
    gated = ccrest("report", "diff", older, new, "--fail-on", "interface", cwd=tmp_path)
    assert gated.returncode == 1 and "Traceback" not in gated.stderr


def test_a_gate_that_does_not_exist_is_a_usage_error(builds, tmp_path) -> None:
    old = builds["old"] / "conformance.json"
    done = ccrest("report", "diff", old, old, "--fail-on", "interfce", cwd=tmp_path)
    assert done.returncode == 4
    assert "did you mean interface?" in done.stderr and "usage: ccrest report diff" in done.stderr


HISTORY = [  # (capture, options): five builds of two models, given out of order
    ("field-5.33.9-idle.txt", ()),
    ("sim-idle.json", ()),
    ("field-5.22.1-idle.txt", ()),
    ("field-5.33-renamed-keys.txt", ("--profile=field-5.33",)),
    ("field-5.22.5-connected-occupied.txt", ("--profile=field-5.22",)),
]


def test_the_history_of_five_builds_renders_with_its_chart(tmp_path) -> None:
    browser_or_skip()
    given = []
    for i, (capture, options) in enumerate(HISTORY):
        folder = run_build(tmp_path / f"build-{i}", CAPTURES / capture, *options)
        given.append(folder if i % 2 else folder / "conformance.json")  # folders and files
    done = ccrest(
        "report", "history", *given, "--html", "history.html", "--markdown", "history.md",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    mennekes = ["5.22.1-13295", "5.22.5-13500", "5.33.9-21459"]  # firmware order
    page = artifacts.markdown((tmp_path / "history.md").read_text())
    assert page.unsafe == []
    assert [r[0] for r in page.tables[1]][1:] == mennekes or [r[0] for r in page.tables[0]][
        1:
    ] == mennekes
    driver = chrome()
    try:
        driver.get((tmp_path / "history.html").as_uri())
        sections = driver.find_elements("css selector", "section.ccrest-history-model")
        models = {s.get_attribute("data-model"): s for s in sections}
        assert set(models) == {"MENNEKES CC612_2S0R_CC", "Acme Inc. CC612_2M3PR"}, set(models)
        section = models["MENNEKES CC612_2S0R_CC"]
        rows = section.find_elements("css selector", "tr.ccrest-build")
        assert [r.get_attribute("data-firmware") for r in rows] == mennekes
        verdicts = [r.get_attribute("data-verdict") for r in rows]
        assert verdicts == ["does-not-conform", "conforms", "does-not-conform"]
        faults = [int(r.get_attribute("data-faults")) for r in rows]
        assert faults[0] > 0 and faults[1] == 0 and faults[2] > 0
        text = [r.get_attribute("textContent") for r in rows]
        assert "fs.key-present" in text[1]  # the faults that disappeared
        assert "reordered voltage_v" in text[2] and "breaks position" in text[2]
        (svg,) = section.find_elements("css selector", "svg.ccrest-history-chart")
        assert svg.is_displayed() and svg.size["width"] > 300
        points = svg.find_elements("css selector", "circle.ccrest-build-point")
        assert len(points) == 3
        failed = svg.find_elements("css selector", "circle.ccrest-failed-build")
        assert len(failed) == 2
        ys = [float(p.get_attribute("cy")) for p in points]
        assert ys[1] > ys[0] and ys[1] > ys[2]  # no fault is lower on the chart
        assert len(svg.find_elements("css selector", "rect.ccrest-interface-point")) == 2
        labels = [t.text for t in svg.find_elements("css selector", "text.ccrest-build-label")]
        assert labels == mennekes
        acme = models["Acme Inc. CC612_2M3PR"]
        assert len(acme.find_elements("css selector", "tr.ccrest-build")) == 2
        assert "body form" in acme.text  # the simulator's JSON after the field text
    finally:
        driver.quit()


MARK = "ccrest-mark"
HOSTILE = (  # a build whose new key and values carry markup of every output and a terminal escape
    f"<img src=//192.0.2.9/{MARK} onerror=alert(1)>|![x](//192.0.2.9/i.png):1\n"  # no colon
    f"errors:<script>{MARK}</script> [l](http://192.0.2.9) \x1b]0;owned\x07\x1b[31m| # x\n"
)


def test_a_builds_bytes_stay_text_in_the_diff_and_the_history(builds, tmp_path) -> None:
    """Key names and values are a device's bytes: the diff's terminal, HTML and Markdown and
    the history's page show them as text, and no escape sequence reaches the terminal."""
    body = tmp_path / "hostile.txt"
    body.write_bytes(
        (CAPTURES / "field-5.22.1-idle.txt").read_bytes().replace(b"errors:no_errors\n", b"")
        + HOSTILE.encode()
    )
    hostile = run_build(tmp_path / "hostile", body, "--profile=field-5.22")
    old = builds["old"] / "conformance.json"
    done = ccrest(
        "report", "diff", old, hostile / "conformance.json", "--html", "d.html",
        "--markdown", "d.md", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "\x1b" not in done.stdout and "\\x1b" in done.stdout
    page = artifacts.markdown((tmp_path / "d.md").read_text())
    assert page.unsafe == []
    rows = interface_rows(page)
    assert ("new value", "errors", "value") in rows
    assert any(r[0] == "added" and r[1].startswith("<img src=") for r in page.rows("change"))
    assert artifacts.html_injections((tmp_path / "d.html").read_text(), MARK) == []
    history = ccrest(
        "report", "history", builds["old"], hostile, "--markdown", "h.md", cwd=tmp_path
    )
    assert history.returncode == 0 and "\x1b" not in history.stdout, history.stderr
    assert artifacts.html_injections((tmp_path / "history.html").read_text(), MARK) == []
    assert artifacts.markdown((tmp_path / "h.md").read_text()).unsafe == []
