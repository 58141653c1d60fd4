"""A meter the controller reads out every few seconds (a polled Modbus or SML meter): meter_wh
and transaction_wh move in steps, each reading the energy at the last refresh. The energy
rule judges it between two refreshes, so it conforms (an outside audit's device, written from
the specification, failed here), and a meter that grows too fast or stops still fails."""

from __future__ import annotations

import json

import pytest

from ccrest.simulator import DeviceConfig
from tests.suites.conftest import device


def energy(pytester: pytest.Pytester) -> dict:
    data = json.loads((pytester.path / "reports" / "conformance.json").read_text())
    (test,) = [t for t in data["tests"] if "test_energy_follows_power" in t["id"]]
    return test


@pytest.mark.parametrize("refresh", [2.0, 5.0, 10.0])
def test_a_meter_read_out_every_few_seconds_conforms(run_suite, pytester, refresh) -> None:
    with device(config=DeviceConfig(meter_refresh_s=refresh)) as dev:
        result = run_suite(*dev.args, "-m", "temporal", "--sample-seconds", "22", reports=True)
    assert result.ret == 0, result.stdout.str()[-2000:]
    assert energy(pytester)["outcome"] == "passed", "judged between two refreshes, not skipped"


def test_a_polled_meter_that_grows_too_fast_fails(run_suite, pytester) -> None:
    """The other side: the same polled meter, 25 Wh more at every read, fails the rule (a
    stopped one: tests/checks/test_rules.py, still for longer than any refresh)."""
    with device("meter-runs-fast", config=DeviceConfig(meter_refresh_s=5.0)) as dev:
        result = run_suite(*dev.args, "-m", "temporal", "--sample-seconds", "22", reports=True)
    assert result.ret == 1
    test = energy(pytester)
    assert test["outcome"] == "failed" and "meter_wh grew by" in test["message"], test["message"]
