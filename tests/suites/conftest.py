"""Run the real suites/ in a pytester sandbox, against the bundled simulator or a device with
deliberate defects, and read back which checks failed and what they said."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from ccrest.simulator import Credentials, Simulator
from ccrest.simulator.defects import Defect

SUITES = Path(__file__).resolve().parents[2] / "suites"
PASSWORD = "Self-Test-Pw-7f3a"  # distinctive, so a leak would be found
NEVER = ("failed", "errors", "skipped", "xfailed", "xpassed")


@dataclass
class Device:
    url: str
    sim: Simulator

    @property
    def args(self) -> tuple[str, ...]:
        return ("--controller-url", self.url, "--password", PASSWORD)


@contextmanager
def device(*defects: Defect | str, charging: bool = True, **options: object) -> Iterator[Device]:
    """A simulator in this process with the given defects, a session in progress."""
    credentials = Credentials(operator=PASSWORD, manufacturer="other-" + PASSWORD)
    with Simulator(credentials=credentials, defects=defects, **options) as sim:
        if charging and sim.device is not None:
            sim.device.plug(max_current=16)
            sim.device.present_card("04a3b2c1d2e380")
        yield Device(sim.url, sim)


def watch_of(
    url: str,
    password: str,
    seconds: float,
    interval: float,
    folder: Path,
    profile: str | None = None,
    **options: object,
) -> dict[str, object]:
    """``ccrest watch``'s path without its command line: the controller opened and preflighted
    as ``ccrest check`` opens it, then watched."""
    from ccrest.configure import benches_from
    from ccrest.target import opened
    from ccrest.watch import run

    values = {"url": url, "password": password, "timeout": 5.0}
    bench = benches_from(values | ({"profile": profile} if profile else {}))[""]
    target, reason = opened(bench)
    try:
        return run(target, bench, seconds, interval, folder, untestable=reason, **options)
    finally:
        target.client.close()


def check_in_process(folder: Path, *args: str) -> tuple[int, str]:
    """One conformance run as ``ccrest check`` makes it, in this process (``ccrest.engine``),
    its reports in ``folder``: for the fuzz's many runs, which pytester would keep in memory."""
    from ccrest.engine import run_in_process

    return run_in_process(folder, ["--sample-seconds=0", *args])


@pytest.fixture
def run_suite(pytester: pytest.Pytester) -> Callable[..., pytest.RunResult]:
    pytester.makeconftest('pytest_plugins = ["ccrest.plugin"]')
    shutil.copytree(SUITES, pytester.path / "suites", ignore=shutil.ignore_patterns("__pycache__"))
    pytester.makeini(
        "[pytest]\naddopts = -p no:cacheprovider --strict-markers --strict-config -rfEs\n"
        "xfail_strict = true\n"
    )

    def run(*args: str, reports: bool = False) -> pytest.RunResult:
        quick = () if reports else ("--no-reports",)
        return pytester.runpytest("suites", "--sample-seconds", "0", *quick, *args)

    return run


def failures(result: pytest.RunResult) -> dict[str, str]:
    """Failed test id (without the file) -> the whole failure text pytest reported for it."""
    reports = result.reprec.getfailures()  # type: ignore[attr-defined]
    return {r.nodeid.split("::", 1)[1]: r.longreprtext for r in reports if r.when == "call"}


def matches(pattern: str, text: str) -> bool:
    """A glob in which only * is special (check IDs come in brackets, as in '[fs.answers]')."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, text, re.DOTALL) is not None


def assert_failures(result: pytest.RunResult, expected: dict[str, str]) -> None:
    """Exactly these tests failed, each with a text matching its pattern (fnmatch)."""
    found = failures(result)
    assert set(found) == set(expected), f"failed: {sorted(found)}\n{result.stdout.str()}"
    for test_id, pattern in expected.items():
        assert matches(pattern, found[test_id]), f"{test_id}: {found[test_id]!r}"
    assert result.ret == 1


def assert_all_passed(result: pytest.RunResult) -> None:
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) > 0, result.stdout.str()
    bad = {k: v for k, v in outcomes.items() if k in NEVER}
    assert not bad, f"{bad}\n{result.stdout.str()}"
    assert result.ret == 0
