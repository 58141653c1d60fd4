"""A model's declaration through real runs: a simulator set up against its declaration in one
field each (Schuko reported on a declared Type-2-only model; OCPP 1.5's names from a declared
1.6 controller; three phases on a declared single-phase one) fails the right ``decl.*`` or
tailored check, and passes when it is what it declares; scenarios the model lacks are not
tested, with the declaration's line; every report shows the declaration first (or says the
device was judged undeclared); a broken declaration stops ``ccrest check`` with exit 4."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from ccrest.mutate import UPSTREAM_DECLARED, pieces
from ccrest.mutate.matrix import run_through
from ccrest.simulator import DeviceConfig
from ccrest.spec import catalogue
from tests import artifacts
from tests.browser import VIEWPORT, browser_or_skip, chrome
from tests.suites import operators
from tests.suites.conftest import assert_all_passed, assert_failures, device, failures, matches
from tests.test_declare import GOOD

SCHUKO = {"schuko-connected", "schuko-charging", "fault-mcb_schuko"}
CCREST = str(Path(sys.executable).with_name("ccrest"))


def declaration(folder: Path, *changes: tuple[str, str]) -> str:
    text = GOOD
    for old, new in changes:
        text = text.replace(old, new)
    path = folder / "model.toml"
    path.write_text(text)
    return f"--declaration={path}"


def assert_passed_as_declared(result: pytest.RunResult) -> None:
    """Nothing failed; the four scenarios of what the model lacks (Schuko, a fixed cable) are
    the only ones not tested."""
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) > 0 and outcomes.get("skipped") == 4, result.stdout.str()
    assert not {k for k in outcomes if k in ("failed", "errors", "xfailed", "xpassed")}
    assert result.ret == 0


def first_paragraph(text: str) -> str:
    """The Markdown page's first paragraph (under its verdict heading), as CommonMark reads it."""
    tokens = MarkdownIt("commonmark").parse(text)
    inline = next(tokens[i + 1] for i, t in enumerate(tokens) if t.type == "paragraph_open")
    return "".join(c.content for c in inline.children or () if c.type == "text")


def summary(pytester: pytest.Pytester) -> dict:
    return json.loads((pytester.path / "reports" / "conformance.json").read_text())


def test_schuko_reported_on_a_declared_type2_only_model_fails_decl_schuko(
    run_suite, pytester
) -> None:
    with device(config=DeviceConfig(schuko=True)) as dev:
        result = run_suite(*dev.args, declaration(pytester.path), "-m", "consistency")
    assert_failures(
        result,
        {
            "test_as_declared[decl.schuko]": "*[decl.schuko] schuko_cfg = 'enable': a Schuko "
            "socket declared absent is enabled (declared: schuko = false, model.toml:6)*"
        },
    )


def test_a_type2_only_model_as_declared_conforms_without_its_schuko_scenarios(
    run_suite, pytester
) -> None:
    """The consistent case, whole: every family passes, the declaration's eight checks ran,
    and the scenarios of what the model lacks are not tested, naming the declaration's line
    (never a pass); the same simulator undeclared walks them as today."""
    with device() as dev:
        result = run_suite(
            *dev.args, declaration(pytester.path), "--sample-seconds", "1", reports=True
        )
    assert result.ret == 0, result.stdout.str()
    run = summary(pytester)
    assert run["verdict"] == "conforms"
    tests = {t["id"].split("::")[-1]: t for t in run["tests"]}
    decl = {n for n in tests if n.startswith("test_as_declared[")}
    assert len(decl) == 8 and all(tests[n]["outcome"] == "passed" for n in decl)
    skipped = {
        n: t["message"]
        for n, t in tests.items()
        if t["outcome"] == "skipped" and n.startswith("test_scenario")
    }
    assert skipped == {
        **{
            f"test_scenario[{s}]": "not tested: declared absent (schuko = false, model.toml:6)"
            for s in SCHUKO
        },
        "test_scenario[fixed-cable]": "not tested: declared absent (tethered_cable = false, "
        "model.toml:5)",
    }
    with device() as dev:
        undeclared = run_suite(*dev.args, "-m", "states or consistency", reports=True)
    assert_all_passed(undeclared)
    tests = {t["id"].split("::")[-1]: t for t in summary(pytester)["tests"]}
    assert not any(n.startswith("test_as_declared[") for n in tests), "not collected"
    assert all(tests[f"test_scenario[{s}]"]["outcome"] == "passed" for s in SCHUKO)


def test_ocpp_15_names_from_a_declared_16_controller_fail_the_pair_rule(
    run_suite, pytester
) -> None:
    """OCPP 1.5's occupied while charging: any version allows it undeclared, 1.5 declared
    allows it, 1.6 declared fails it, on the first read and in every driven state it shows."""
    with device(config=DeviceConfig(ocpp_version="1.5")) as dev:
        result = run_suite(*dev.args, declaration(pytester.path), "-m", "consistency or states")
    found = failures(result)
    assert "test_rule_holds[cons.conn-vs-ocpp]" in found
    assert {"test_scenario[type2-charging]", "test_scenario[type2-connected]"} <= set(found)
    for test_id, text in found.items():
        assert test_id.startswith(("test_rule_holds[cons.conn-vs-ocpp]", "test_scenario[")), test_id
        assert (
            "ocpp_state = 'occupied': no source of OCPP 1.6, as declared (model.toml:8), allows "
            "this pair" in text
        ), text
    for declared in ((), (('ocpp = "1.6"', 'ocpp = "1.5"'),)):
        with device(config=DeviceConfig(ocpp_version="1.5")) as dev:
            args = [declaration(pytester.path, *declared)] if declared else []
            result = run_suite(*dev.args, *args, "-m", "consistency or states")
        (assert_passed_as_declared if declared else assert_all_passed)(result)


def test_three_phases_on_a_declared_single_phase_model_fail(run_suite, pytester) -> None:
    """Three live phases where one is declared fail decl.phases on the first read and in every
    driven state: the voltages always, the currents while charging (a device whose first read
    is idle, or that sends no voltage_v, shows its phases only there). A single-phase device
    as declared passes, and so does a three-phase model that lists one phase (as field build
    5.22.5 of a three-phase model does)."""
    one = ("phases = 3", "phases = 1")
    with device() as dev:
        result = run_suite(
            *dev.args, declaration(pytester.path, one), "-m", "consistency or states"
        )
    found = failures(result)
    said = "live phases where 1 is declared (declared: phases = 1, model.toml:7)"
    assert matches(f"*voltage_v = '*,*,*': 3 {said}*", found.pop("test_as_declared[decl.phases]"))
    assert matches(f"*current_a = '*,*,*': 3 {said}*", found["test_scenario[type2-charging]"])
    assert found and all(t.startswith("test_scenario[") for t in found), sorted(found)
    for text in found.values():  # no other check: the device is otherwise as declared
        assert set(re.findall(r"^\[([\w.-]+)\]", text, re.M)) == {"decl.phases"}, text
    for declared in ((one,), ()):
        with device(config=DeviceConfig(phases=1)) as dev:
            result = run_suite(
                *dev.args, declaration(pytester.path, *declared), "-m", "consistency or states"
            )
        assert_passed_as_declared(result)


def test_every_report_shows_the_declaration_first(run_suite, pytester) -> None:
    with device() as dev:
        run_suite(*dev.args, declaration(pytester.path), "-m", "consistency", reports=True)
    folder = pytester.path / "reports"
    run = artifacts.strict_json(folder / "conformance.json")
    assert isinstance(run, dict) and next(iter(run)) == "declaration"
    assert run["declaration"]["declared"] and run["declaration"]["source"].endswith("model.toml")
    assert {"field": "phases", "value": 3, "line": 7} in run["declaration"]["fields"]
    words = run["declaration"]["words"]
    page = (folder / "conformance.md").read_text()
    assert first_paragraph(page) == f"Declared model CC612_2M3PR (model.toml): {words}."
    assert not artifacts.markdown(page).unsafe
    properties = list(artifacts.junit_properties(artifacts.junit(folder / "conformance.xml")))
    assert properties[:3] == [
        "ccrest.declaration",
        "ccrest.declaration.source",
        "ccrest.declaration.model",
    ]
    assert (
        artifacts.junit_properties(artifacts.junit(folder / "conformance.xml"))[
            "ccrest.declaration.ocpp"
        ]
        == "1.6"
    )
    browser_or_skip()
    from selenium.webdriver.common.by import By

    driver = chrome()
    try:  # the page as Chromium builds it: the declaration above the verdict, on first sight
        driver.get((folder / "conformance.html").as_uri())
        shown = driver.find_element(By.ID, "ccrest-declaration")
        verdict = driver.find_element(By.ID, "ccrest-verdict")
        assert shown.text == f"Declared model CC612_2M3PR (model.toml): {words}"
        top, bottom = driver.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom]", shown
        )
        assert top >= 0 and bottom <= verdict.location["y"] and bottom <= VIEWPORT[1]
    finally:
        driver.quit()


def test_every_report_says_an_undeclared_device_was_judged_undeclared(run_suite, pytester) -> None:
    with device() as dev:
        run_suite(*dev.args, "-m", "consistency", reports=True)
    folder = pytester.path / "reports"
    run = artifacts.strict_json(folder / "conformance.json")
    assert isinstance(run, dict) and run["declaration"]["declared"] is False
    assert first_paragraph((folder / "conformance.md").read_text()).startswith(
        "Model: undeclared: judged by what the device reports of itself"
    )
    junit = artifacts.junit_properties(artifacts.junit(folder / "conformance.xml"))
    assert junit["ccrest.declaration"].startswith("undeclared: judged by what the device reports")
    assert "<b>Model</b>: undeclared" in (folder / "conformance.html").read_text()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            ("phases = 3", "phase = 3"),
            "model.toml:7: [device] phase: not a field of a declaration (did you mean phases?)",
        ),
        (
            ('ocpp = "1.6"', 'ocpp = "1.7"'),
            "model.toml:8: [device] ocpp: '1.7' is not an OCPP "
            "version ccrest judges by; give one of '1.5', '1.6'",
        ),
    ],
    ids=["typo", "bad-value"],
)
def test_a_broken_declaration_stops_ccrest_check_with_exit_4(tmp_path, change, says) -> None:
    option = declaration(tmp_path, change)
    done = subprocess.run(
        [CCREST, "check", option], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 4, done.stdout + done.stderr
    assert says in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "reports").exists(), "a usage error runs nothing"


def test_a_profiles_declaration_with_a_typo_stops_the_run(run_suite, pytester) -> None:
    head = '[profile]\nname = "acme"\nextends = "doc-5.33.5"\n'
    bad = pytester.path / "acme.toml"
    bad.write_text(head + GOOD.split("\n", 1)[1].replace("slave =", "slaves ="))
    result = run_suite(f"--profile={bad}")
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        ["*acme.toml:16: [[]device[]] slaves: not a field of a declaration (did you mean slave?)*"]
    )
    assert "Traceback" not in result.stderr.str()


def test_the_guided_walk_asks_only_for_what_the_model_has(run_suite, pytester, monkeypatch) -> None:
    """A person at a Type-2-only model: told nothing of Schuko or a fixed cable, each of those
    scenarios not tested as declared absent, the rest walked."""
    from ccrest import guided

    monkeypatch.setattr(guided, "POLL_S", 0.02)
    monkeypatch.setattr(guided, "ADVANCE_CAP_S", 0.2)
    with device(charging=False, speed=20) as dev:
        person = operators.Scripted(dev.sim.device, lacks={"schuko"})
        operators.RIG["operator"] = person
        try:
            result = run_suite(
                *dev.args,
                declaration(pytester.path),
                "-m",
                "states",
                "--guided",
                "-p",
                "tests.suites.operators",
                "--step-timeout",
                "5",
                reports=True,
            )
        finally:
            operators.RIG["operator"] = None
    result.assert_outcomes(passed=21, skipped=4)
    walked = {s["scenario"]: s for s in summary(pytester)["states_walk"]}
    assert walked["schuko-charging"]["reason"] == (
        "not tested: declared absent (schuko = false, model.toml:6)"
    )
    assert not [t for t in person.told if "Schuko" in t or "fixed cable" in t.lower()]


TETHERED = (
    ("type2_socket = true", "type2_socket = false"),
    ("tethered_cable = false", "tethered_cable = 32"),
)


def test_a_tethered_cable_bounds_proximity_and_the_offered_current(run_suite, pytester) -> None:
    """A model with a fixed 32 A cable as declared conforms: a vehicle charges on its cable as
    on a socket, so every Type 2 scenario is walked (only Schuko's are not tested), its idle
    state reads cable_attached where a socket reads no_cable; declared with a 13 A cable, the
    16 A it offers fails decl.type2."""
    fixed = DeviceConfig(fixed_cable=True, fixed_cable_rating=32, max_current=32)
    with device(config=fixed) as dev:
        result = run_suite(
            *dev.args, declaration(pytester.path, *TETHERED), "-m", "consistency or states"
        )
    outcomes = result.parseoutcomes()
    assert result.ret == 0 and "failed" not in outcomes, result.stdout.str()
    result.stdout.fnmatch_lines(["*not tested: declared absent (schuko = false, model.toml:6)*"])
    assert "type2_socket = false" not in result.stdout.str()
    assert result.parseoutcomes().get("skipped") == 3, "Schuko's three scenarios alone"
    thin = (*TETHERED[:1], ("tethered_cable = false", "tethered_cable = 13"))
    with device(config=fixed) as dev:
        result = run_suite(*dev.args, declaration(pytester.path, *thin), "-m", "consistency")
    assert_failures(
        result,
        {
            "test_as_declared[decl.type2]": "*[decl.type2] sig_current = '32': more than the "
            "tethered cable's 13 A offered (declared: tethered_cable = 13, model.toml:5)*"
        },
    )


def test_a_model_declared_anonymous_that_answers_without_credentials_conforms() -> None:
    """The other side of decl.credentials (the declared-anonymous mutant fails it): every
    endpoint open without credentials, as declared, is information, never a failure."""
    paths = [f"/rest/{k}" for k in ("full_state", *catalogue().keys)]
    opened = [pieces.open_without_credentials(path) for path in paths]
    result = run_through(opened, declaration=UPSTREAM_DECLARED | {"credentials": "anonymous"})
    assert (result["verdict"], result["run"]["exit_status"]) == ("conforms", 0), result[
        "verdict_reason"
    ]
    judged = [t for t in result["tests"] if "test_as_declared_without_credentials" in t["id"]]
    assert [t["outcome"] for t in judged] == ["passed"]
    opened_ones = [t for t in result["tests"] if "test_no_credentials_refused[" in t["id"]]
    assert len(opened_ones) == 42 and {t["outcome"] for t in opened_ones} == {"passed"}
    let_in = [f for t in opened_ones for f in t["findings"] if "was let in (200)" in f["message"]]
    assert len(let_in) == 42 and {f["outcome"] for f in let_in} == {"info"}
