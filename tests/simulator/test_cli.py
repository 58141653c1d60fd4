"""``python -m ccrest.simulator`` as scripts and CI run it: a separate process on a free port."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from tests.simulator.conftest import doc_headers

STARTUP_S = 20


@contextmanager
def simulator_process(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start the simulator in its own process on a free port; yield its URL; stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ccrest.simulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        line = proc.stdout.readline()  # the simulator prints its URL first, flushed
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert match, f"no URL in {line!r}; stderr: {proc.stderr.read() if proc.poll() else ''}"
        yield match.group(0)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=STARTUP_S)
        assert proc.returncode == 0, proc.returncode
        assert "stopped" in out


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ccrest.simulator", *args],
        capture_output=True,
        text=True,
        timeout=STARTUP_S,
    )


def test_serves_41_lines_with_either_scheme() -> None:
    with simulator_process("--operator-password", "cli-op") as url:
        spec = requests.get(f"{url}/rest/full_state", headers=doc_headers("operator", "cli-op"))
        basic = requests.get(f"{url}/rest/full_state", auth=("operator", "cli-op"))
        assert spec.status_code == basic.status_code == 200
        for r in (spec, basic):
            body = r.text.splitlines()
            assert len(body) == 41 and all(":" in line for line in body)


def test_passwords_from_environment() -> None:
    env = {"CCREST_MANUFACTURER_PASSWORD": "env-mf"}
    with simulator_process(env=env) as url:
        r = requests.get(f"{url}/rest/conn_state", auth=("manufacturer", "env-mf"))
        assert r.status_code == 200


def test_format_settings_and_control(tmp_path) -> None:
    with simulator_process("--format", "json", "--set", "phases=1", "--speed", "0") as url:
        auth = ("operator", "operator-pw")
        assert requests.post(f"{url}/sim/plug", json={}).status_code == 200
        assert requests.post(f"{url}/sim/card", json={"uid": "aa"}).status_code == 200
        data = requests.get(f"{url}/rest/full_state", auth=auth).json()
        assert data["ocpp_state"] == "charging" and "," not in data["current_a"]


def test_replay(tmp_path) -> None:
    capture = tmp_path / "c.txt"
    capture.write_text("conn_state:no_vehicle_connected\n")
    with simulator_process("--replay", str(capture)) as url:
        r = requests.get(f"{url}/rest/full_state", auth=("operator", "operator-pw"))
        assert r.text == "conn_state:no_vehicle_connected\n"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--set", "phases=2"], "phases must be 1 or 3"),
        (["--set", "colour=red"], "unknown setting 'colour'"),
        (["--set", "phases"], "write NAME=VALUE"),
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--rest-mode", "open"], "invalid choice: 'open'"),
        (["--speed", "-1"], "must be 0 or more"),
        (["--port", "70000"], "a port is 0 to 65535"),
        (["--replay", "/nonexistent/capture.txt"], "cannot read capture /nonexistent/capture.txt"),
    ],
)
def test_bad_options_exit_4_with_the_reason(args: list[str], says: str) -> None:
    result = run("--port", "0", *args)
    assert result.returncode == 4
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run("--port", str(busy.getsockname()[1]))
    assert result.returncode == 4
    assert "cannot listen on 127.0.0.1" in result.stderr and "--port" in result.stderr


def test_simulator_does_not_know_the_schemas() -> None:
    """Two independent readings of the specification catch each other's mistakes."""
    code = (
        "import sys, ccrest.simulator, ccrest.simulator.cli; "
        "print(sorted(m for m in sys.modules if m in ('ccrest.spec', 'ccrest.checks', "
        "'jsonschema')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_defect_and_fault_options() -> None:
    with simulator_process("--defect", "missing-key", "--defect", "undocumented-key") as url:
        body = requests.get(f"{url}/rest/full_state", auth=("operator", "operator-pw")).text
        keys = [line.split(":", 1)[0] for line in body.splitlines()]
        assert "wlan_state" not in keys and "debug_level" in keys and len(keys) == 41
    with simulator_process("--fault", "status-503") as url:
        assert requests.get(f"{url}/rest/full_state", timeout=5).status_code == 503


def test_unknown_defect_is_refused() -> None:
    result = run("--port", "0", "--defect", "gremlins")
    assert result.returncode == 4 and "invalid choice: 'gremlins'" in result.stderr
