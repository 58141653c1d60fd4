"""The plugin's contract: check IDs on every test, every check used, scenarios that cover the
documented states, and exit codes that say what happened."""

from __future__ import annotations

import json
import socket

import pytest

from ccrest.spec import Catalogue
from ccrest.verdict import EXIT_UNTESTABLE
from tests.suites.conftest import SUITES, assert_all_passed, device
from tests.test_declare import GOOD

SCENARIOS = json.loads((SUITES / "scenarios.json").read_text())["scenarios"]


@pytest.fixture
def items(pytester: pytest.Pytester, run_suite) -> list[pytest.Item]:
    """The suites' items in their final order (after pytest_collection_modifyitems), for a
    declared model (undeclared, the decl.* tests are not collected)."""
    declared = pytester.path / "model.toml"
    declared.write_text(GOOD)
    recorder = pytester.inline_run("--collect-only", "suites", f"--declaration={declared}")
    return recorder.getcall("pytest_collection_finish").session.items


def test_every_suite_test_names_catalogued_checks(items, cat: Catalogue) -> None:
    assert len(items) > 200
    for item in items:
        marks = [m for m in item.iter_markers("check")]
        assert marks, f"{item.nodeid} has no check marker"
        for check_id in (i for m in marks for i in m.args):
            assert check_id in cat.checks, f"{item.nodeid}: {check_id} is not catalogued"


def test_every_catalogued_check_is_used(items, cat: Catalogue) -> None:
    used = {i for item in items for m in item.iter_markers("check") for i in m.args}
    assert set(cat.checks) - used == set()


def test_every_test_belongs_to_one_family(items) -> None:
    families = {"schema", "per_key", "http", "auth", "privacy", "consistency", "temporal", "states"}
    for item in items:
        assert len(families & {m.name for m in item.iter_markers()}) == 1, item.nodeid


def test_test_ids_come_from_the_data(items, cat: Catalogue) -> None:
    names = {item.name for item in items}
    assert {f"test_value_conforms[{k}]" for k in cat.keys} <= names
    assert {f"test_scenario[{s['id']}]" for s in SCENARIOS} <= names


def test_states_run_last(items) -> None:
    kinds = [item.get_closest_marker("states") is not None for item in items]
    assert kinds == sorted(kinds)


@pytest.mark.parametrize("key", ["conn_state", "auth_state"])
def test_scenarios_reach_every_documented_value(cat: Catalogue, key: str) -> None:
    reached = {s["expect"].get(key) for s in SCENARIOS}
    assert set(cat.key(key).enum) - reached == set()


def test_unreachable_controller_exits_6(run_suite) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens
    result = run_suite("--controller-url", f"http://127.0.0.1:{port}", "--password", "x")
    assert result.ret == EXIT_UNTESTABLE
    result.stdout.fnmatch_lines(
        [
            f"ccrest: not testable: cannot reach the controller at http://127.0.0.1:{port}: "
            "connection refused*"
        ]
    )
    assert "passed" not in result.stdout.str() and "failed" not in result.stdout.str()


def test_refused_credentials_exit_6(run_suite) -> None:
    with device() as dev:
        result = run_suite("--controller-url", dev.url, "--password", "not-it")
    assert result.ret == EXIT_UNTESTABLE
    result.stdout.fnmatch_lines(["*refused the credentials of 'operator' (401)*--password*"])
    assert "not-it" not in result.stdout.str()


def test_rest_interface_switched_off_exits_6(run_suite) -> None:
    with device(charging=False, rest_mode="disabled") as dev:
        result = run_suite(*dev.args)
    assert result.ret == EXIT_UNTESTABLE
    result.stdout.fnmatch_lines(["*answered 404: the REST interface looks switched off*"])


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--controller-url", "ftp://x"], "*must look like http://HOST[[]:PORT[]]*"),
        (["--controller-url", "http://u:pw@127.0.0.1"], "*must not carry credentials*"),
        (["--controller-url", "http://127.0.0.1/rest"], "*must not have a path*"),
        (["--controller-url", "http://127.0.0.1:1"], "*needs a password*CC_PASSWORD*"),
        (["--timeout", "0"], "*--timeout 0.0: give a finite number of seconds, more than 0*"),
        (
            ["--sample-seconds", "-1"],
            "*--sample-seconds -1.0: give a finite number of seconds, 0 or more*",
        ),
        (["--username", "root"], "*the bundled simulator knows the roles operator and manuf*"),
        (["--auth-scheme", "digest"], "*invalid choice: 'digest'*"),
    ],
)
def test_bad_option_is_a_usage_error(run_suite, args, says) -> None:
    result = run_suite(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([says])
    assert "pw@" not in result.stderr.str()


def test_environment_variables_stand_for_options(run_suite, monkeypatch) -> None:
    with device() as dev:
        monkeypatch.setenv("CC_URL", dev.url)
        monkeypatch.setenv("CC_PASSWORD", dev.args[-1])
        result = run_suite("-m", "auth")
    assert_all_passed(result)
    result.stdout.fnmatch_lines([f"*target: {dev.url} (controller)*"])


def test_manufacturer_role_and_basic_scheme(run_suite) -> None:
    with device() as dev:
        password = "other-" + dev.args[-1]
        result = run_suite(
            "-m",
            "auth",
            "--controller-url",
            dev.url,
            "--username",
            "manufacturer",
            "--password",
            password,
            "--auth-scheme",
            "basic",
        )
    assert_all_passed(result)


def test_the_request_count_is_printed(run_suite) -> None:
    result = run_suite("-m", "schema")
    result.stdout.fnmatch_lines(["*HTTP requests to the controller: 3"])  # the first 3 reads


def test_simulator_in_another_process(run_suite) -> None:
    """As a manufacturer's CI does it: ccrest-sim started on its own, the suite pointed at it."""
    import re
    import subprocess
    import sys

    sim = subprocess.Popen(
        [sys.executable, "-m", "ccrest.simulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", sim.stdout.readline()).group(0)
        result = run_suite(
            "-m",
            "schema or per_key or states",
            "--controller-url",
            url,
            "--password",
            "operator-pw",
        )
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    assert_all_passed(result)
    result.stdout.fnmatch_lines([f"*target: {url} (controller)*"])


def test_an_interrupt_on_an_instruction_without_a_line_is_still_reported() -> None:
    """Python 3.11 gives a traceback entry no line number when the signal lands on an
    instruction without one; pytest's report of the interrupt then crashed (exit 1, not 2).
    The plugin drops such entries before pytest renders the traceback."""
    import sys
    import types

    from ccrest.plugin import _without_lineless

    def interrupt() -> pytest.ExceptionInfo[BaseException]:
        """A KeyboardInterrupt whose middle traceback entry has no line number."""
        frame = sys._getframe()
        tail = types.TracebackType(None, frame, 0, 5)
        lineless = types.TracebackType(tail, frame, 10_000, -1)
        assert lineless.tb_lineno is None
        head = types.TracebackType(lineless, frame, 0, 3)
        return pytest.ExceptionInfo.from_exception(KeyboardInterrupt().with_traceback(head))

    with pytest.raises(TypeError):
        interrupt().getrepr()  # what pytest's terminal reporter met
    info = interrupt()
    _without_lineless(info.tb)  # as the plugin's hook does, before the reporter's
    assert info.tb.tb_next is not None and info.tb.tb_next.tb_lineno == 5
    assert "KeyboardInterrupt" in str(info.getrepr())
