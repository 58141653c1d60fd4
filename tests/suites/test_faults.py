"""A misbehaving device: the suite finishes within a bound set by --timeout, writes its
reports, exits non-zero, gives each affected check a one-line reason (no traceback from inside
the suite), never reads an unbounded body, and stops sending once the device is gone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccrest.selfcheck import PASSWORD, charging_simulator
from ccrest.simulator.defects import FAULTS
from tests.suites.conftest import SUITES

BOUND_S = 120  # a hang, not a speed limit: with --timeout 1 every run takes seconds


REPORT_LIMIT = 5 << 20  # bytes: a report holds excerpts of a device's garbage, never all of it


def run(fault: str, tmp_path: Path, *extra: str) -> tuple[int, str, dict]:
    sim = charging_simulator(fault)
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(SUITES),
                "-q",
                "-p",
                "no:cacheprovider",
                "--controller-url",
                sim.url,
                "--timeout",
                "1",
                "--sample-seconds",
                "0",
                f"--report-dir={tmp_path}",
                *extra,
            ],
            cwd=SUITES.parent,
            capture_output=True,
            text=True,
            timeout=BOUND_S,
            env={**os.environ, "CC_PASSWORD": PASSWORD},
        )
    finally:
        sim.stop()
    summary = json.loads((tmp_path / "conformance.json").read_text())
    return result.returncode, result.stdout + result.stderr, summary


BEGAN = "*the controller at * answered full_state, but not usably:"


@pytest.mark.parametrize(
    ("fault", "exit_code", "says"),
    [
        ("refuse-connections", 6, "*cannot reach the controller at * connection refused*"),
        ("never-answers", 6, "*cannot reach the controller at * no answer within 1 s*"),
        # a device that began its answer is reached: it answered, but not usably
        ("drip", 6, f"{BEGAN} no complete answer within 2 s*"),
        ("reset-midway", 6, f"{BEGAN} connection broke while reading*"),
        ("truncated-body", 6, f"{BEGAN} connection broke while reading*"),
        ("status-500", 1, "*[[]fs.answers[]] full_state answered 500, expected 200*"),
        ("status-503", 1, "*[[]fs.answers[]] full_state answered 503, expected 200*"),
        ("binary-body", 1, "*[[]wire.not-utf8[]] body is not UTF-8*"),
        ("html-error-page", 1, "*[[]http.content-type[]]*the answer has Content-Type 'text/html'*"),
        ("huge-body", 1, "*[[]fs.answers[]] body is larger than the 1048576 B the suite reads*"),
        ("dies-after-30", 2, "*stopped sending: the controller stopped answering (3 transport*"),
        ("drip-headers", 6, f"{BEGAN} no complete answer within 2 s*"),
        (
            "endless-control",
            0,
            "*the target has no simulator control interface (GET /sim/ -> 200)*",
        ),
        ("gzip-bomb", 1, "*[[]fs.answers[]] body is larger than the 1048576 B the suite reads*"),
        (
            "echo-password",
            1,
            "*[[]fs.answers[]] body is larger than the 1048576 B the suite reads*",
        ),
    ],
)
def test_misbehaving_device(fault: str, exit_code: int, says: str, tmp_path: Path) -> None:
    code, output, summary = run(fault, tmp_path, "-rs")
    assert code == exit_code, output[-3000:]
    assert summary["verdict"] != "conforms" or fault == "endless-control"
    for name in ("conformance.html", "conformance.xml", "conformance.json", "conformance.md"):
        assert (tmp_path / name).is_file(), f"{name} not written"
        assert (tmp_path / name).stat().st_size < REPORT_LIMIT, f"{name} grew with the garbage"
    assert len(output) < REPORT_LIMIT, "the terminal too"
    assert "Traceback" not in output
    assert pytest.LineMatcher(output.splitlines()).fnmatch_lines([says]) is None
    for test in summary["tests"]:
        if test["outcome"] in ("failed", "error"):
            assert test["message"].startswith("["), f"{test['id']}: {test['message'][:300]}"


def test_a_device_that_dies_leaves_the_rest_not_tested(tmp_path: Path) -> None:
    _code, _output, summary = run("dies-after-30", tmp_path)
    outcomes = [t["outcome"] for t in summary["tests"]]
    assert outcomes.count("failed") <= 5, "the checks that met the transport errors, no more"
    unsent = [
        t for t in summary["tests"] if "not sent: the controller stopped answering" in t["message"]
    ]
    assert len(unsent) > 50, "the rest is reported as not tested, with the reason"
    assert all(t["outcome"] == "skipped" for t in unsent)
    assert summary["run"]["http_requests"] < 40


def test_every_fault_mode_has_a_test() -> None:
    names = {p[0] for p in test_misbehaving_device.pytestmark[0].args[1]}
    assert names == set(FAULTS)
