"""Defective builds are deterministic: what a defect changes does not depend on when the suite
happens to read first (a slow start on a loaded machine must not change the kill table)."""

from __future__ import annotations

from ccrest.simulator.defects import fresh, named


def readings(conn_state: str, timer: int) -> list[tuple[str, str, object]]:
    return [
        ("conn_state", conn_state, conn_state),
        ("time_since_charging_start", str(timer), timer),
    ]


def test_timer_stands_still_only_while_charging() -> None:
    """The first read may come 0 or 2 s into the session (a loaded machine starts pytest
    slowly); either way the idle timer after unplugging reads 0, as the device's does."""
    for first in (0, 1, 2):
        (defect,) = named(["timer-stands-still"])
        hook = fresh(defect).readings
        assert hook is not None
        frozen = hook(readings("vehicle_charging_type2", first))
        later = hook(readings("vehicle_charging_type2", first + 30))
        assert frozen[1][1] == later[1][1] == str(first), "stands still while charging"
        idle = hook(readings("no_vehicle_connected", 0))
        assert idle[1][1] == "0", "after unplugging the device's own 0 shows"
