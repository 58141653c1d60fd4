"""A run stopped by Ctrl-C or SIGTERM, in each family: the real ``ccrest check`` process gets
the signal in a pseudo-terminal; the verdict is "interrupted" (exit 2) in the terminal and in
every report, what ran is reported and the rest is not tested. Never "conforms"."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest

from ccrest.verdict import EXIT_INTERRUPTED
from tests import terminal
from tests.artifacts import junit, junit_properties, markdown, strict_json
from tests.suites.conftest import PASSWORD, device

FILES = {  # family -> its module: the test ids the terminal shows
    "auth": "test_auth.py",
    "consistency": "test_consistency.py",
    "schema": "test_full_state.py",
    "http": "test_http.py",
    "per_key": "test_per_key.py",
    "privacy": "test_privacy.py",
    "temporal": "test_temporal.py",
    "states": "test_states.py",
}
CASES = [(f, signal.SIGINT, 1) for f in FILES] + [
    ("per_key", signal.SIGTERM, 1),
    ("states", signal.SIGTERM, 1),
    ("schema", signal.SIGINT, 2),  # Ctrl-C pressed twice: the second lands as the run stops
    ("temporal", signal.SIGINT, 3),
    ("states", signal.SIGTERM, 2),
]


@pytest.mark.parametrize(
    ("family", "sig", "times"),
    CASES,
    ids=[f"{f}-{signal.Signals(s).name}{f'x{n}' if n > 1 else ''}" for f, s, n in CASES],
)
def test_an_interrupted_run_says_so_everywhere(
    tmp_path: Path, family: str, sig: int, times: int
) -> None:
    began = re.compile(rf"{re.escape(FILES[family])}::".encode())
    with device(latency_ms=15) as dev:  # a controller slow enough to be stopped mid-family
        session = terminal.run(
            ["check", dev.url, "--sample-seconds", "2", "--report-dir", "reports", "--", "-v"],
            tmp_path,
            {"CC_PASSWORD": PASSWORD},
            when=lambda out: began.search(out) is not None,
            send=sig,
            times=times,
        )
    why = "Ctrl-C" if sig == signal.SIGINT else "SIGTERM"
    assert session.code == EXIT_INTERRUPTED, session.text[-2000:]
    assert "Traceback" not in session.text, session.text[-2000:]
    last = session.text.strip().splitlines()[-1]
    assert last.startswith("ccrest: INTERRUPTED: ") and f"({why})" in last, last
    assert "CONFORMS" not in session.text.replace("DOES NOT CONFORM", "")
    folder = tmp_path / "reports"
    data = strict_json(folder / "conformance.json")
    assert isinstance(data, dict)
    assert (data["verdict"], data["run"]["exit_status"]) == ("interrupted", EXIT_INTERRUPTED)
    assert why in data["verdict_reason"]
    outcomes = [t["outcome"] for t in data["tests"]]
    assert len(outcomes) == data["run"]["scope"]["tests"] > 300, "every collected test reported"
    assert "skipped" in outcomes, "what did not run is not tested"
    assert family == "auth" or "passed" in outcomes, "what ran before is reported"
    # from the first check the interruption cut on, every check not run says so; one skipped
    # before it keeps its own reason (on a slow machine a charging timer watched too briefly)
    cut = [i for i, t in enumerate(data["tests"]) if f"interrupted ({why})" in t["message"]]
    assert cut, "the checks the interruption cut are not tested because of it"
    unrun = [t for t in data["tests"][cut[0] :] if t["outcome"] == "skipped"]
    assert all(f"interrupted ({why})" in t["message"] for t in unrun if t["family"] != "states")
    md = markdown((folder / "conformance.md").read_text())
    assert md.h1[0].endswith(": INTERRUPTED") and f"({why})" in md.html
    root = junit(folder / "conformance.xml")
    assert junit_properties(root)["ccrest.verdict"] == "interrupted"
    (case,) = [c for c in root.iter("testcase") if c.get("name") == "ccrest.verdict"]
    assert case.find("error") is not None, "a CI viewer shows the run red, not green"
    page = (folder / "conformance.html").read_text()
    assert re.search(r'id="ccrest-verdict"[^>]*>[^<]*: INTERRUPTED<', page)


@pytest.mark.parametrize(
    ("sig", "group"),
    [(signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c-to-the-job", "sigterm-to-the-controller-process-alone"],
)
def test_an_interrupted_lab_says_so_for_every_controller(
    tmp_path: Path, sig: int, group: bool
) -> None:
    """Ctrl-C to a lab run on two xdist workers (every process of the job gets it), or a
    SIGTERM to ccrest's process alone (a CI runner's, a service manager's; the workers ran
    on to the end and the lab said CONFORMS): each worker writes its controller's reports
    (interrupted, the rest not tested), and the fleet, written once both are done, says
    interrupted too. A third controller, not yet begun when the signal came, is interrupted
    in the fleet, never judged by an earlier run's report left in its folder."""
    began = re.compile(rb"test_per_key\.py")
    earlier = terminal.run(  # an earlier run's report (a conforming one), left in c's folder
        ["check", "--sample-seconds", "1", "--report-dir", "reports/c"], tmp_path
    )
    assert earlier.code == 0 and "ccrest: CONFORMS" in earlier.text, earlier.text[-1000:]
    with device(latency_ms=15) as a, device(latency_ms=15) as b, device(latency_ms=15) as c:
        (tmp_path / "lab.toml").write_text(
            "".join(
                f"[controllers.{n}]\nurl = '{d.url}'\npassword_env = 'LAB_PW'\n"
                for n, d in (("a", a), ("b", b), ("c", c))
            )
        )
        session = terminal.run(
            ["check", "--inventory", "lab.toml", "-n", "2", "--", "-v"],
            tmp_path,
            {"LAB_PW": PASSWORD},
            when=lambda out: began.search(out) is not None,
            send=sig,
            group=group,
        )
    why = "Ctrl-C" if sig == signal.SIGINT else "SIGTERM"
    assert session.code == EXIT_INTERRUPTED, session.text[-2000:]
    last = session.text.strip().splitlines()[-1]
    assert last.startswith("ccrest: INTERRUPTED: 3 controllers"), last
    for name in ("a", "b"):
        data = strict_json(tmp_path / "reports" / name / "conformance.json")
        assert isinstance(data, dict) and data["verdict"] == "interrupted", name
        assert why in data["verdict_reason"], name
        assert len(data["tests"]) == data["run"]["scope"]["tests"] > 300, name
        assert data["counts"]["skipped"] > 0, name
    c_report = tmp_path / "reports" / "c" / "conformance.json"
    if c_report.exists():  # c began: its report is this run's
        data = strict_json(c_report)
        assert isinstance(data, dict) and data["verdict"] == "interrupted", "an earlier run's"
    fleet = strict_json(tmp_path / "reports" / "fleet.json")
    assert isinstance(fleet, dict) and (fleet["verdict"], fleet["exit_code"]) == ("interrupted", 2)
    rows = {d["name"]: d for d in fleet["devices"]}
    assert {n: d["verdict"] for n, d in rows.items()} == dict.fromkeys("abc", "interrupted")
    if not c_report.exists():  # c never began: the fleet says so, in the run's words
        assert rows["c"]["reason"] == (
            f"the run was interrupted ({why}) before this controller's checks began; no report"
        )


INTERRUPTS_A_REPORT = """
import os
import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.when == "call" and "test_full_state" in item.nodeid and not os.environ.get("HIT"):
        os.environ["HIT"] = "1"
        raise KeyboardInterrupt  # a Ctrl-C that lands while a test's report is made
    return report
"""


def test_a_ctrl_c_while_a_report_is_made_adds_no_plugin_warning(tmp_path: Path) -> None:
    """The interrupt passes through pytest-html's old-style wrapper, which pluggy warns of; a
    second Ctrl-C as the run stopped printed that warning below the verdict (a CI run). The
    interrupt is the run's verdict: the last line says so, and no warning follows it."""
    (tmp_path / "interrupts_a_report.py").write_text(INTERRUPTS_A_REPORT)
    session = terminal.run(
        [
            "check",
            "--sample-seconds",
            "0",
            "--report-dir",
            "reports",
            "--",
            "-p",
            "interrupts_a_report",
        ],
        tmp_path,
        {"PYTHONPATH": str(tmp_path)},
    )
    assert session.code == EXIT_INTERRUPTED, session.text[-2000:]
    assert "PluggyTeardownRaisedWarning" not in session.text, session.text[-2000:]
    assert session.text.strip().splitlines()[-1].startswith("ccrest: INTERRUPTED: ")


LOSES_A_CTRL_C = """
import os
import signal

import pytest

from ccrest import observe


class Finalized:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, taken inside a finalizer
        for _ in range(10000):  # Python runs on: the handler raises here, and the raise is lost
            pass


def lose(where):
    if os.environ.get("LOSE") == where and not os.environ.get("LOST"):
        os.environ["LOST"] = "1"
        Finalized()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    if "test_per_key" in item.nodeid:
        lose("in-a-check")
    return (yield)


reading = observe.full_state


def full_state(*args, **kwargs):  # the temporal family's sampling reads full_state
    lose("while-sampling")
    return reading(*args, **kwargs)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    if "test_temporal" in item.nodeid:
        observe.full_state = full_state
    try:
        return (yield)
    finally:
        observe.full_state = reading
"""


@pytest.mark.parametrize("where", ["in-a-check", "while-sampling"])
def test_a_ctrl_c_lost_in_a_finalizer_still_stops_the_run(tmp_path: Path, where: str) -> None:
    """A signal that lands while Python runs a finalizer loses its KeyboardInterrupt (an
    unraisable exception); the run went on to its end (a CI run). The run stops at the next
    test, or the next sample of a watch, as if the interrupt had arrived: the rest is not
    tested because of it."""
    (tmp_path / "loses_a_ctrl_c.py").write_text(LOSES_A_CTRL_C)
    session = terminal.run(
        [
            "check",
            "--sample-seconds",
            "30",
            "--report-dir",
            "reports",
            "--",
            "-p",
            "loses_a_ctrl_c",
        ],
        tmp_path,
        {"PYTHONPATH": str(tmp_path), "LOSE": where},
    )
    assert session.code == EXIT_INTERRUPTED, session.text[-2000:]
    assert session.text.strip().splitlines()[-1].startswith("ccrest: INTERRUPTED: ")
    assert "Exception ignored" not in session.text, "the lost interrupt is no traceback"
    data = strict_json(tmp_path / "reports" / "conformance.json")
    assert isinstance(data, dict) and data["verdict"] == "interrupted"
    tests = data["tests"]
    family = "per_key" if where == "in-a-check" else "temporal"
    first = next(i for i, t in enumerate(tests) if t["family"] == family)
    cut = next(i for i, t in enumerate(tests) if "interrupted (Ctrl-C)" in t["message"])
    # lost in a check, that check ends as it would have (the next one does not begin); lost
    # while the temporal family samples, the sampling ends and no temporal check is judged
    assert cut == (first + 1 if where == "in-a-check" else first), tests[cut]["name"]
    assert all(t["outcome"] == "skipped" for t in tests[cut:]), "nothing ran after the interrupt"
    assert all(t["outcome"] != "skipped" for t in tests[:cut]), "what ran before is reported"


LOSES_A_WATCHS_CTRL_C = """
import os
import signal

from ccrest import observe


class Finalized:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, taken inside a finalizer
        for _ in range(10000):
            pass


reading, taken = observe.full_state, []


def full_state(*args, **kwargs):
    taken.append(1)
    if len(taken) == 3:
        Finalized()
    return reading(*args, **kwargs)


observe.full_state = full_state  # the watch reads its samples through this
"""


def test_a_ctrl_c_lost_in_a_finalizer_still_stops_a_watch(tmp_path: Path) -> None:
    """The watch went on to its end after a Ctrl-C lost in a finalizer, and called the watch
    complete; it stops at the next sample, interrupted (exit 2), with its reports."""
    (tmp_path / "sitecustomize.py").write_text(LOSES_A_WATCHS_CTRL_C)
    with device() as dev:
        session = terminal.run(
            ["watch", dev.url, "--for", "60s", "--interval", "0.2", "--report-dir", "reports"],
            tmp_path,
            {"CC_PASSWORD": PASSWORD, "PYTHONPATH": str(tmp_path)},
        )
    assert session.code == EXIT_INTERRUPTED, session.text[-2000:]
    assert "Exception ignored" not in session.text, "the lost interrupt is no traceback"
    data = strict_json(tmp_path / "reports" / "watch.json")
    assert isinstance(data, dict) and data["verdict"] == "interrupted", data["verdict_reason"]
    assert "Ctrl-C" in data["verdict_reason"]
    assert data["samples"] <= 3, "no sample is taken after the interrupt"


SIGNALS_WHILE_STARTING = {
    # the settings are checked (ccrest's own handlers, before pytest's run began)
    "settings": """
import os, signal
from ccrest import configure
checked = configure.benches_from
def benches_from(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)
    return checked(*args, **kwargs)
configure.benches_from = benches_from
""",
    # pytest is configuring the run: the run's handlers are in force, no session yet
    "pytest-configure": """
import os, signal, pytest
class Late:
    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config):
        os.kill(os.getpid(), signal.SIGTERM)
main = pytest.main
pytest.main = lambda args, plugins=(): main(args, plugins=[*plugins, Late()])
""",
}


@pytest.mark.parametrize("where", sorted(SIGNALS_WHILE_STARTING))
def test_a_signal_while_ccrest_starts_ends_it_in_one_line(tmp_path: Path, where: str) -> None:
    """A SIGTERM before the run's first check killed ccrest without a word (exit 143), or
    ended it in silence (exit 2), or in a traceback: now one line, exit 2, and no report,
    since no check ran."""
    (tmp_path / "sitecustomize.py").write_text(SIGNALS_WHILE_STARTING[where])
    session = terminal.run(
        ["check", "--report-dir", "reports"], tmp_path, {"PYTHONPATH": str(tmp_path)}
    )
    assert session.code == EXIT_INTERRUPTED, session.text[-2000:]
    assert "Traceback" not in session.text, session.text[-2000:]
    assert session.text.strip().splitlines()[-1] == (
        "ccrest: INTERRUPTED: stopped before the first check (SIGTERM); no report was written "
        "(exit 2)"
    )
    assert not (tmp_path / "reports" / "conformance.json").exists()


AFTER_THE_VERDICT = """
import os, signal, pytest
main = pytest.main
def after(*args, **kwargs):
    code = main(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGTERM)  # the run has ended; its verdict line follows
    return code
pytest.main = after
"""


def test_a_signal_after_the_run_leaves_its_verdict_and_exit_code(tmp_path: Path) -> None:
    """A SIGTERM once the run has ended killed ccrest after or before its verdict line (exit
    143, whatever the line said): the run's verdict and exit code stand."""
    (tmp_path / "sitecustomize.py").write_text(AFTER_THE_VERDICT)
    session = terminal.run(
        ["check", "--sample-seconds", "1", "--report-dir", "reports"],
        tmp_path,
        {"PYTHONPATH": str(tmp_path)},
    )
    last = session.text.strip().splitlines()[-1]
    assert last.startswith("ccrest: CONFORMS: ") and last.endswith("(exit 0)"), last
    assert session.code == 0, session.text[-2000:]
    data = strict_json(tmp_path / "reports" / "conformance.json")
    assert isinstance(data, dict) and data["verdict"] == "conforms"


def test_a_signal_as_the_verdict_line_is_printed_leaves_its_exit_code(tmp_path: Path) -> None:
    """A SIGTERM the moment the verdict line shows, while the process ends: the exit code is
    the one the line says (it was 143: the default handler was back)."""
    session = terminal.run(
        ["check", "--sample-seconds", "1", "--report-dir", "reports"],
        tmp_path,
        when=lambda out: b"(exit 0)" in out,
        send=signal.SIGTERM,
        group=False,
    )
    assert session.text.strip().splitlines()[-1].endswith("(exit 0)"), session.text[-500:]
    assert session.code == 0
