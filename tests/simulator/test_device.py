"""The device model: a charging session walked through, its physics, and each fault's effects."""

from __future__ import annotations

import pytest

from ccrest.simulator import Device, DeviceConfig, DeviceError, SimClock
from ccrest.simulator.device import FAULTS

CARD = "046e453af012ca3"


def values(device: Device) -> dict[str, str]:
    return {key: text for key, text, _ in device.snapshot()}


def currents(v: dict[str, str]) -> list[float]:
    return [float(x) for x in v["current_a"].split(",")]


@pytest.fixture
def device() -> Device:
    return Device(DeviceConfig(rest_mode="with-uid", schuko=True), SimClock(speed=0))


def charging(device: Device, **plug: object) -> Device:
    device.plug(**plug)
    device.present_card(CARD)
    return device


class TestKeys:
    def test_41_keys_each_once(self, device: Device) -> None:
        keys = [key for key, _, _ in device.snapshot()]
        assert len(keys) == 41 and len(set(keys)) == 41

    def test_text_and_json_forms(self, device: Device) -> None:
        forms = {key: (text, js) for key, text, js in device.snapshot()}
        assert forms["meter_wh"] == ("426416", 426416)
        assert forms["ambient_temp"] == ("+25.30", 25.3)
        assert forms["current_a"] == ("0.0,0.0,0.0", "0.0,0.0,0.0")

    def test_single_phase_controller(self) -> None:
        v = values(charging(Device(DeviceConfig(phases=1), SimClock(0))))
        assert len(v["current_a"].split(",")) == 1
        assert len(v["voltage_v"].split(",")) == 1


class TestSession:
    def test_idle(self, device: Device) -> None:
        v = values(device)
        assert (v["conn_state"], v["type2_state"], v["ocpp_state"]) == (
            "no_vehicle_connected",
            "a",
            "available",
        )
        assert (v["power_w"], v["sig_current"], v["type2_proximity"]) == ("0", "0", "no_cable")

    def test_walk_through_type2(self, device: Device) -> None:
        device.plug("type2", cable_rating=32, phases=3, max_current=16)
        v = values(device)
        assert (v["conn_state"], v["type2_state"], v["ocpp_state"], v["auth_state"]) == (
            "vehicle_connected_type2",
            "b",
            "preparing",
            "wait_for_auth",
        )
        assert v["type2_proximity"] == "32" and v["con_cycles_type2"] == "1451"

        assert device.present_card(CARD) == "accepted"
        v = values(device)
        assert (v["conn_state"], v["type2_state"], v["ocpp_state"], v["auth_state"]) == (
            "vehicle_charging_type2",
            "c",
            "charging",
            "authorized_for_charging",
        )
        assert v["auth_uid"] == CARD and v["sig_current"] == "32"
        assert max(currents(v)) <= 16.0

        device.advance(600)
        assert values(device)["time_since_charging_start"] == "600"

        device.set_vehicle(paused=True)
        v = values(device)
        assert (v["ocpp_state"], v["type2_state"], v["power_w"]) == ("suspendedev", "b", "0")

        device.set_vehicle(paused=False)
        assert device.present_card(CARD) == "stopped"
        v = values(device)
        assert (v["ocpp_state"], v["auth_state"], v["power_w"]) == (
            "finishing",
            "not_authorized_for_charging",
            "0",
        )
        energy = v["transaction_wh"]

        device.unplug()
        v = values(device)
        assert (v["conn_state"], v["ocpp_state"], v["auth_uid"]) == (
            "no_vehicle_connected",
            "available",
            "",
        )
        assert v["time_since_charging_start"] == "0"
        assert v["transaction_wh"] == energy, "the last transaction's energy stays readable"

    def test_walk_through_schuko(self, device: Device) -> None:
        device.plug("schuko")
        assert values(device)["schuko_state"] == "connected"
        device.present_card(CARD)
        v = values(device)
        assert (v["conn_state"], v["schuko_state"], v["type2_state"]) == (
            "vehicle_charging_schuko",
            "power_on",
            "a",
        )
        assert v["con_cycles_schuko"] == "561"
        assert currents(v)[1:] == [0.0, 0.0] and currents(v)[0] > 0

    def test_schuko_disabled_refuses_a_plug(self) -> None:
        with pytest.raises(DeviceError, match="Schuko socket is disabled"):
            Device(DeviceConfig(schuko=False), SimClock(0)).plug("schuko")

    def test_card_before_plug(self, device: Device) -> None:
        device.present_card(CARD)
        device.plug()
        assert values(device)["ocpp_state"] == "charging"

    def test_free_charging(self) -> None:
        device = Device(DeviceConfig(free_charging=True), SimClock(0))
        device.plug()
        v = values(device)
        assert (v["auth_state"], v["ocpp_state"], v["free_charging"]) == (
            "authorized_for_charging",
            "charging",
            "on",
        )

    def test_authorization_timeout(self, device: Device) -> None:
        device.plug()
        device.advance(59)
        assert values(device)["auth_state"] == "wait_for_auth"
        device.advance(1)
        assert values(device)["auth_state"] == "auth_timeout"
        device.present_card(CARD)
        assert values(device)["ocpp_state"] == "charging"

    def test_rejected_card(self) -> None:
        device = Device(DeviceConfig(rejected_uids=("deadbeef",)), SimClock(0))
        device.plug()
        assert device.present_card("DEADBEEF") == "rejected"
        v = values(device)
        assert (v["auth_state"], v["ocpp_state"]) == ("not_authorized_for_charging", "preparing")

    def test_without_uid_mode_hides_the_card(self) -> None:
        device = Device(DeviceConfig(rest_mode="without-uid"), SimClock(0))
        charging(device)
        assert values(device)["auth_uid"] == ""
        assert device.internal_state()["auth_uid"] == CARD

    def test_fixed_cable(self) -> None:
        device = Device(DeviceConfig(fixed_cable=True, fixed_cable_rating=20), SimClock(0))
        assert values(device)["type2_proximity"] == "cable_attached"
        charging(device, cable_rating=None)
        v = values(device)
        assert (v["cable_attached"], v["sig_current"]) == ("on", "20")

    def test_reserved_and_unavailable(self, device: Device) -> None:
        device.set_reserved(True)
        assert values(device)["ocpp_state"] == "reserved"
        device.set_available(False)
        assert values(device)["ocpp_state"] == "unavailable"

    def test_one_vehicle_at_a_time(self, device: Device) -> None:
        device.plug()
        with pytest.raises(DeviceError, match="already connected"):
            device.plug("schuko")

    def test_ventilation_is_state_d(self, device: Device) -> None:
        charging(device)
        device.set_vehicle(ventilation=True)
        assert values(device)["type2_state"] == "d"


class TestPhysics:
    def test_energy_is_the_integral_of_power(self, device: Device) -> None:
        charging(device, max_current=16)
        power = int(values(device)["power_w"])
        device.advance(3600)
        v = values(device)
        assert int(v["meter_wh"]) - 426416 in (power - 1, power, power + 1)
        assert int(v["transaction_wh"]) in (power - 1, power, power + 1)

    def test_energy_over_changing_power(self, device: Device) -> None:
        charging(device, max_current=32)
        p1 = device.internal_state()["power_w"]
        device.advance(1800)
        device.set_vehicle(max_current=10)
        p2 = device.internal_state()["power_w"]
        device.advance(1800)
        expected = (p1 + p2) / 2
        # internal_state rounds power to 0.1 W: half an hour at each adds at most 0.05 Wh
        assert abs(device.internal_state()["meter_energy_wh"] - 426416 - expected) < 0.06

    def test_power_is_voltage_times_current(self, device: Device) -> None:
        charging(device)
        v = values(device)
        volts = [float(x) for x in v["voltage_v"].split(",")]
        product = sum(u * i for u, i in zip(volts, currents(v), strict=True))
        assert abs(int(v["power_w"]) - product) <= 0.01 * product

    @pytest.mark.parametrize(
        ("installation", "cable", "manager", "offered"),
        [(32, 32, 32, 32), (16, 32, 32, 16), (32, 13, 32, 13), (32, 32, 10, 10), (32, 32, 5, 0)],
    )
    def test_offered_current_is_the_lowest_limit(
        self, installation: int, cable: int, manager: int, offered: int
    ) -> None:
        config = DeviceConfig(max_current=installation, energy_man_current=manager)
        device = charging(Device(config, SimClock(0)), cable_rating=cable)
        v = values(device)
        assert int(v["sig_current"]) == offered
        assert max(currents(v)) <= offered
        if offered == 0:
            assert v["ocpp_state"] == "suspendedevse"

    def test_ev_never_draws_more_than_its_limit(self, device: Device) -> None:
        charging(device, max_current=16)
        assert max(currents(values(device))) <= 16.0

    def test_ev_on_one_phase(self, device: Device) -> None:
        charging(device, phases=1)
        assert currents(values(device))[1:] == [0.0, 0.0]

    def test_meter_stands_still_when_not_charging(self, device: Device) -> None:
        device.advance(3600)
        assert values(device)["meter_wh"] == "426416"

    def test_counters_never_decrease_over_a_session(self, device: Device) -> None:
        seen = []
        charging(device)
        for _ in range(5):
            device.advance(300)
            seen.append(int(values(device)["meter_wh"]))
        assert seen == sorted(seen) and seen[0] < seen[-1]


class TestFaults:
    @pytest.mark.parametrize("fault", [f for f, (_, _, stops) in FAULTS.items() if stops])
    def test_stopping_fault_stops_charging(self, device: Device, fault: str) -> None:
        charging(device)
        device.trip(fault)
        v = values(device)
        assert v["ocpp_state"] == "faulted"
        assert (v["power_w"], v["sig_current"]) == ("0", "0")
        assert FAULTS[fault][0] in v["errors"].split(";")
        assert v["display_text"] == "Out of order"
        device.clear(fault)
        assert values(device)["ocpp_state"] == "charging"

    @pytest.mark.parametrize(
        ("fault", "key", "value"),
        [
            ("rcd", "rcd_state", "triggered"),
            ("rcmb", "rcmb_state", "triggered"),
            ("mcb_type2", "mcb_type2_state", "triggered"),
            ("mcb_schuko", "mcb_schuko_state", "triggered"),
            ("connector", "type2_state", "e"),
            ("connector", "conn_state", "vehicle_connector_error"),
            ("proximity_short", "type2_proximity", "short_circuit"),
        ],
    )
    def test_fault_shows_in_its_key(self, device: Device, fault: str, key: str, value: str) -> None:
        charging(device)
        device.trip(fault)
        assert values(device)[key] == value

    def test_rcmb_trip_records_the_residual_current(self, device: Device) -> None:
        device.trip("rcmb")
        v = values(device)
        assert v["rcmb_values"] != "0.0, 0.0" and v["rcmb_max"] == v["rcmb_values"]
        device.clear("rcmb")
        v = values(device)
        assert v["rcmb_values"] == "0.0, 0.0" and v["rcmb_max"] != "0.0, 0.0"

    def test_rfid_failure_refuses_cards_but_keeps_charging(self, device: Device) -> None:
        charging(device)
        device.trip("rfid")
        v = values(device)
        assert v["ocpp_state"] == "charging"
        assert v["errors"] == ";;rfid_reader_not_communicating"
        with pytest.raises(DeviceError, match="RFID reader"):
            device.present_card("aa")

    def test_errors_use_slots_like_the_specification(self, device: Device) -> None:
        device.trip("locking")
        device.trip("rfid")
        assert values(device)["errors"] == "plug_locking_failed;;rfid_reader_not_communicating"

    def test_meter_failure_freezes_the_meter(self, device: Device) -> None:
        charging(device)
        device.trip("meter")
        device.advance(3600)
        assert values(device)["meter_wh"] == "426416"

    def test_device_that_is_not_fitted_cannot_trip(self) -> None:
        device = Device(DeviceConfig(rcd_fitted=False), SimClock(0))
        assert values(device)["rcd_state"] == "disable"
        with pytest.raises(DeviceError, match="no RCD"):
            device.trip("rcd")

    def test_unknown_fault(self, device: Device) -> None:
        with pytest.raises(DeviceError, match="unknown fault 'fire'; known: locking"):
            device.trip("fire")


class TestConfig:
    def test_identity_is_settable(self) -> None:
        device = Device(DeviceConfig(cp_vendor="Ladestation GmbH", firmware_ver="5.22.1-1"))
        v = values(device)
        assert (v["cp_vendor"], v["firmware_ver"]) == ("Ladestation GmbH", "5.22.1-1")

    def test_reset_restores_a_fresh_device(self, device: Device) -> None:
        charging(device)
        device.advance(100)
        device.reset()
        assert values(device)["meter_wh"] == "426416"
        assert values(device)["conn_state"] == "no_vehicle_connected"

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"phases": 2}, "phases must be 1 or 3"),
            ({"rest_mode": "open"}, "rest_mode must be one of"),
            ({"colour": "red"}, r"unknown setting\(s\) \['colour'\]"),
            ({"max_current": "32"}, "max_current takes a int"),
            ({"schuko": 1}, "schuko takes a bool"),
        ],
    )
    def test_bad_settings_are_refused_with_the_reason(self, changes: dict, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            DeviceConfig().replace(**changes)

    @pytest.mark.parametrize(
        ("name", "text", "value"),
        [("phases", "1", 1), ("schuko", "true", True), ("rejected_uids", "aa,bb", ("aa", "bb"))],
    )
    def test_settings_from_text(self, name: str, text: str, value: object) -> None:
        assert DeviceConfig.parse(name, text) == value

    def test_setting_from_bad_text(self) -> None:
        with pytest.raises(ValueError, match="max_current takes a int, not 'lots'"):
            DeviceConfig.parse("max_current", "lots")
