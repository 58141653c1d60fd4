"""A lab run: many controllers in one run, spread over pytest-xdist workers one controller per
worker, each with the reports a plain run writes, one fleet summary, and the same fleet from a
run split into shards and merged."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccrest.report.__main__ import main as report_main
from ccrest.report.junit import combine
from ccrest.selfcheck import failing_checks
from ccrest.simulator.defects import DEFECTS
from tests.artifacts import junit, junit_properties
from tests.suites.conftest import PASSWORD, device

DEFECT = "enum-unknown-value"
UNREACHABLE = "http://127.0.0.1:1"  # nothing listens on port 1: connection refused
NAMES = ("bench-1", "bench-2", "broken", "gone")


@contextlib.contextmanager
def lab(path: Path) -> Iterator[dict]:
    """Two conformant simulators, one with a catalogued defect, one address nobody answers."""
    with device() as a, device() as b, device(DEFECT) as c:
        sims = {"bench-1": a.sim, "bench-2": b.sim, "broken": c.sim}
        urls = {name: sim.url for name, sim in sims.items()} | {"gone": UNREACHABLE}
        path.write_text(
            "[defaults]\nusername = 'operator'\n\n"
            + "".join(
                f"[controllers.{name}]\nurl = '{url}'\npassword_env = 'LAB_PASSWORD'\n\n"
                for name, url in urls.items()
            )
        )
        yield sims


def fresh(sims: dict) -> None:
    """Every simulator as at the start: booted, a vehicle plugged, a card presented."""
    for sim in sims.values():
        sim.reset()
        sim.device.plug(max_current=16)
        sim.device.present_card("04a3b2c1d2e380")


def controller_of(nodeid: str) -> str:
    params = nodeid.split("[")[-1].rstrip("]")
    return next(n for n in NAMES if params == n or params.startswith(n + "-"))


def reports(root: Path, name: str) -> dict:
    return json.loads((root / name / "conformance.json").read_text())


def fleet_without_counts_of_requests(path: Path) -> dict:
    """A fleet summary, less what two runs never share: how many requests each made."""
    data = json.loads(path.read_text())
    for d in data["devices"]:
        d.pop("http_requests")
    return data


def test_a_lab_run_checks_every_controller_one_worker_each(
    run_suite, pytester, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("LAB_PASSWORD", PASSWORD)
    inventory = tmp_path / "lab.toml"
    with lab(inventory) as sims:
        fresh(sims)
        ci = tmp_path / "ci" / "lab.xml"  # one JUnit file for the CI system, all controllers
        result = run_suite(
            f"--inventory={inventory}",
            "-n",
            "2",
            "--sample-seconds",
            "2",
            f"--junitxml={ci}",
            reports=True,
        )
        peaks = {name: sim.peak_in_flight for name, sim in sims.items()}
        root = pytester.path / "reports"
        shards = []
        for k in (1, 2):
            fresh(sims)
            out = f"shard-{k}"
            args = (f"--shard={k}/2", f"--report-dir={out}", "--sample-seconds", "2")
            run_suite(f"--inventory={inventory}", *args, reports=True)
            shards.append(str(pytester.path / out))

    assert result.ret == 1, "the worst controller's exit code: a defect fails the run"
    workers: dict[str, set[str]] = {}
    for r in result.reprec.getreports("pytest_runtest_logreport"):
        workers.setdefault(controller_of(r.nodeid), set()).add(r.node.workerinput["workerid"])
    assert sorted(workers) == ["bench-1", "bench-2", "broken", "gone"]
    assert all(len(w) == 1 for w in workers.values()), f"one worker per controller: {workers}"
    assert peaks == {"bench-1": 1, "bench-2": 1, "broken": 1}, "never two requests at once"
    for name in ("bench-1", "bench-2"):
        summary = reports(root, name)
        assert summary["verdict"] == "conforms", name
        assert summary["device"] == {"name": name}
        assert {p.name for p in (root / name).iterdir()} == {
            "conformance.json",
            "conformance.md",
            "conformance.html",
            "conformance.xml",
        }
    broken = reports(root, "broken")
    assert broken["verdict"] == "does-not-conform"
    assert failing_checks(broken) == frozenset(DEFECTS[DEFECT].catches)
    walk = {s["scenario"]: s["outcome"] for s in broken["states_walk"]}
    assert walk["type2-charging"] == "failed" and walk["idle"] == "passed", "named as scenarios"
    gone = reports(root, "gone")
    assert gone["verdict"] == "not-testable"
    assert "cannot reach the controller at http://127.0.0.1:1" in gone["device"]["untestable"]
    assert (
        "test_value_conforms[broken-conn_state]"
        in (root / "broken" / "conformance.xml").read_text()
    )

    suites = junit(ci).findall("testsuite")
    assert [s.get("name", "").split(": ")[0] for s in suites] == list(NAMES), "inventory order"
    for name, suite in zip(NAMES, suites, strict=True):
        (own,) = junit(root / name / "conformance.xml").findall("testsuite")
        assert suite.get("name") == f"{name}: {own.get('name')}"
        assert [c.get("name") for c in suite.iter("testcase")] == [
            c.get("name") for c in own.iter("testcase")
        ], name
    assert junit_properties(suites[2])["ccrest.verdict"] == "does-not-conform"
    gone_case = [c for c in suites[3].iter("testcase") if c.get("name") == "ccrest.verdict"]
    assert gone_case and gone_case[0].find("error") is not None, "never shown green"

    fleet = json.loads((root / "fleet.json").read_text())
    assert [(d["name"], d["verdict"]) for d in fleet["devices"]] == [
        ("bench-1", "conforms"),
        ("bench-2", "conforms"),
        ("broken", "does-not-conform"),
        ("gone", "not-testable"),
    ]
    assert fleet["keys"]["conn_state"]["broken"] == "fail"
    (enum,) = [f for f in fleet["faults"] if f["check"] == "fs.value-valid"]
    assert enum["devices"] == ["broken"]
    assert "broken" in (root / "fleet.md").read_text()
    reason = {d["name"]: d["reason"] for d in fleet["devices"]}
    assert reason["broken"].endswith("failed") and reason["bench-1"] == ""
    assert f"DOES NOT CONFORM ({reason['broken']})" in (root / "fleet.md").read_text()
    assert "broken: http://127.0.0.1:" in result.stdout.str()

    basic = base64.b64encode(f"operator:{PASSWORD}".encode()).decode()
    for path in [p for p in root.rglob("*") if p.is_file()]:
        text = path.read_text(errors="replace")
        assert PASSWORD not in text and basic[:-4] not in text, f"a password in {path}"
    terminal = result.stdout.str() + result.stderr.str()
    assert PASSWORD not in terminal and basic[:-4] not in terminal

    merged = tmp_path / "merged"
    assert report_main(["merge", *shards, "--out", str(merged)]) == 1
    assert fleet_without_counts_of_requests(merged / "fleet.json") == (
        fleet_without_counts_of_requests(root / "fleet.json")
    )


def test_a_shard_holds_every_nth_controller(run_suite, pytester, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LAB_PASSWORD", PASSWORD)
    inventory = tmp_path / "lab.toml"
    with lab(inventory):
        result = run_suite(f"--inventory={inventory}", "--shard=2/3", "-m", "schema", "-q")
    ran = {controller_of(r.nodeid) for r in result.reprec.getreports("pytest_runtest_logreport")}
    assert ran == {"bench-2"}, "the 2nd of 3 shards: the 2nd controller of 4 (and the 5th)"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--shard=1/2",), "--shard splits an inventory: give --inventory too"),
        (("-n", "2"), "check several controllers at once with --inventory lab.toml -n N"),
    ],
)
def test_lab_options_alone_are_refused(run_suite, args, says) -> None:
    result = run_suite(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert says in result.stderr.str()


def test_a_page_path_is_refused_for_a_lab(run_suite, pytester, monkeypatch, tmp_path) -> None:
    """A lab has a page per controller and the fleet's: --html FILE would have been
    pytest-html's own page, without a verdict; refused before any request."""
    monkeypatch.setenv("LAB_PW", PASSWORD)
    inventory = tmp_path / "lab.toml"
    inventory.write_text(f"[controllers.a]\nurl = '{UNREACHABLE}'\npassword_env = 'LAB_PW'\n")
    result = run_suite(f"--inventory={inventory}", "--html=page.html", reports=True)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--html FILE names one controller's page; a lab writes" in result.stderr.str()
    assert not (pytester.path / "page.html").exists()
    assert not (pytester.path / "reports").exists()


def test_a_lab_junit_file_shows_a_controller_without_a_report_in_error(tmp_path) -> None:
    """A controller whose JUnit file is missing (a worker that died) or unreadable is a suite
    with the verdict case in error, in its inventory place: never left out, never green."""
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "conformance.xml").write_text("<testsuites><testsuite")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "conformance.xml").write_text(
        '<testsuites><testsuite name="ccrest: X" tests="1">'
        '<testcase classname="t" name="test_x" /></testsuite></testsuites>'
    )
    out = tmp_path / "lab.xml"
    out.write_text(combine(tmp_path, ["a", "b", "c"]))
    suites = junit(out).findall("testsuite")
    assert [s.get("name") for s in suites] == ["a: ccrest", "b: ccrest", "c: ccrest: X"]
    for suite, why in zip(suites[:2], ("no report", "unreadable"), strict=True):
        (case,) = suite.iter("testcase")
        error = case.find("error")
        assert case.get("name") == "ccrest.verdict" and error is not None
        assert why in error.get("message", "") and suite.get("errors") == "1"
    assert [c.get("name") for c in suites[2].iter("testcase")] == ["test_x"]


def test_merge_refuses_a_folder_without_reports(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        report_main(["merge", str(tmp_path)])
    assert exit_info.value.code == 4
    assert "no controller's report" in capsys.readouterr().err


def test_merge_refuses_a_report_that_is_not_a_summary(tmp_path, capsys) -> None:
    (tmp_path / "bench-1").mkdir()
    (tmp_path / "bench-1" / "conformance.json").write_text('{"verdict": "conforms"}')
    with pytest.raises(SystemExit) as exit_info:
        report_main(["merge", str(tmp_path)])
    assert exit_info.value.code == 4
    err = capsys.readouterr().err
    assert "bench-1/conformance.json: not a ccrest conformance summary" in err
