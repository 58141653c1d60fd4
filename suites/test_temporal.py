"""Values watched over --sample-seconds: counters never go down, the charging timer keeps time,
and the meter grows as the power says."""

import pytest

from ccrest.checks import temporal
from ccrest.spec import catalogue

pytestmark = pytest.mark.temporal
COUNTERS = [k.name for k in catalogue() if k.change == "counter"]
SESSION_COUNTERS = [k.name for k in catalogue() if k.change == "session-counter"]


@pytest.mark.check("temp.counter-monotonic")
@pytest.mark.parametrize("key", COUNTERS)
def test_counter_never_decreases(key, samples, verdict):
    verdict(temporal.counter_never_decreases(key, samples, session=False))


@pytest.mark.check("temp.session-counter-monotonic")
@pytest.mark.parametrize("key", SESSION_COUNTERS)
def test_session_counter_never_decreases(key, samples, verdict):
    verdict(temporal.counter_never_decreases(key, samples, session=True))


@pytest.mark.check("temp.timer-advances", keys=("time_since_charging_start",))
def test_charging_timer_keeps_time(samples, verdict):
    verdict(temporal.timer_advances(samples))


@pytest.mark.check("temp.energy-follows-power", keys=("meter_wh", "power_w"))
def test_energy_follows_power(cat, samples, verdict):
    verdict(temporal.energy_follows_power(cat, samples))


@pytest.mark.check("temp.transaction-follows-meter", keys=("transaction_wh", "meter_wh"))
def test_transaction_grows_with_the_meter(samples, verdict):
    verdict(temporal.transaction_within_meter_growth(samples))
