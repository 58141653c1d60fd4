"""False alarms on devices the specification allows to look odd: each case runs the real
suites against a simulator set up the way field controllers are (a coarse meter, no slave
configured), and must not fail what the standards allow. JSON numbers and OCPP 1.5 statuses
are shown on captures (captures/index.json: json-numbers.json, field-5.22.*-occupied.txt)."""

from __future__ import annotations

from ccrest.simulator import DeviceConfig
from tests.suites.conftest import assert_all_passed, device, failures


def test_meter_stepping_in_100_wh_is_not_a_false_alarm(run_suite) -> None:
    """11 kW for 3 s is 9 Wh: a 100 Wh register shows no step, or one. Judged by its readings'
    resolution, the energy rule passes; a 1 Wh reading of the same window still must move."""
    with device(config=DeviceConfig(meter_resolution_wh=100)) as dev:
        result = run_suite(*dev.args, "-m", "temporal", "--sample-seconds", "3")
    assert_all_passed(result)


def test_no_slave_configured_passes_under_the_field_profiles(run_suite) -> None:
    for profile in ("field-5.22", "field-5.33"):
        with device(config=DeviceConfig(slave_state="")) as dev:
            result = run_suite(*dev.args, f"--profile={profile}", "-m", "schema or per_key")
        assert_all_passed(result)


def test_no_slave_configured_fails_the_text_with_what_empty_means(run_suite) -> None:
    with device(config=DeviceConfig(slave_state="")) as dev:
        result = run_suite(*dev.args, "-m", "schema or per_key")
    found = failures(result)
    assert set(found) == {"test_value_conforms[slave_state]"}
    assert (
        "slave_state = '': empty (the controller reports no slave status, as one with no slave "
        "configured does; profiles field-5.22 and field-5.33 accept it); the specification "
        "lists available, occupied" in found["test_value_conforms[slave_state]"]
    )


def test_meter_stepping_in_whole_kwh_is_not_a_false_alarm(run_suite) -> None:
    """The specification gives no meter resolution: a register in whole kWh (some OCPP meters
    report so) shows no step in seconds, and the energy and transaction rules pass."""
    with device(config=DeviceConfig(meter_resolution_wh=1000)) as dev:
        result = run_suite(*dev.args, "-m", "temporal", "--sample-seconds", "3")
    assert_all_passed(result)


def test_a_single_phase_controller_walks_every_state(run_suite) -> None:
    """A controller set to one phase shows one value per phase; the scenarios expect no three
    (the vehicle leaving leaves 0 on every phase it has)."""
    with device(config=DeviceConfig(phases=1), charging=False) as dev:
        result = run_suite(*dev.args, "-m", "states or schema or per_key or consistency")
    assert_all_passed(result)
