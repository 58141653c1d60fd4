"""A model of the charge controller: sockets, vehicle, authorization, faults, meter.

It produces the 41 REST keys from its own state, the way firmware does, and never looks at the
schemas: a suite that validates the simulator must be able to catch the simulator's mistakes.

Physics: between two events the vehicle's draw is constant, so the meter integrates power exactly
(energy = power x time) whenever the state is read or changed. Every read is one snapshot taken
under the device lock, so a reader never sees keys from two different moments.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from dataclasses import dataclass, field
from typing import Any

from ccrest.simulator.clock import SimClock

MIN_PWM_CURRENT = 6  # IEC 61851-1: below 6 A the pilot cannot offer charging
SCHUKO_MAX_CURRENT = 16.0
CABLE_RATINGS = (13, 20, 32, 63)
PHASE_IMBALANCE = (1.0, 0.985, 0.992)  # an EV's phases are never balanced; none exceeds its limit
VOLTAGE_OFFSET = (1.2, -0.8, 0.4)  # volts off nominal, per phase, at no load
LINE_DROP = 0.05  # volts lost per ampere drawn on a phase
REST_MODES = ("disabled", "with-uid", "without-uid")
OCPP_VERSIONS = ("1.5", "1.6")
IN_USE_16 = ("preparing", "charging", "suspendedev", "suspendedevse", "finishing")
BACKEND_STATES = (
    "not_connected",
    "connecting",
    "connecting_proxy_ok",
    "connected",
    "not_reacheable",
    "rejected",
    "pending",
)

# Fault name -> (error token, slot in the errors list, stops charging).
# The errors value lists three slots separated by ';' (plug and connector; protective devices;
# peripherals), as in the specification's "plug_locking_failed;;rfid_reader_not_communicating".
FAULTS: dict[str, tuple[str, int, bool]] = {
    "locking": ("plug_locking_failed", 0, True),
    "connector": ("connector_error", 0, True),
    "proximity_short": ("proximity_short_circuit", 0, True),
    "rcd": ("rcd_triggered", 1, True),
    "rcmb": ("rcmb_triggered", 1, True),
    "mcb_type2": ("mcb_type2_triggered", 1, True),
    "mcb_schuko": ("mcb_schuko_triggered", 1, True),
    "meter": ("meter_not_communicating", 2, True),
    "rfid": ("rfid_reader_not_communicating", 2, False),
}


class DeviceError(Exception):
    """An operation the device refuses in its current state (the control API answers 409)."""


@dataclass
class DeviceConfig:
    """Identity and installation settings, as set in the controller's Config UI."""

    cp_vendor: str = "Acme Inc."
    cp_model: str = "CC612_2M3PR"
    firmware_ver: str = "5.33.5-24813"
    cc_serial_n: str = "1703512493/b94060007"
    manuf_serial_n: str = "1703512493"
    cp_id: str = "+4983900000000001"
    ocpp_meter_cfg: str = "internal_meter"
    ocpp_meter_serial: str = "65465484ds"
    rest_mode: str = "without-uid"
    ocpp_version: str = "1.6"  # the OCPP version whose status names ocpp_state uses
    phases: int = 3
    nominal_voltage: float = 230.0
    max_current: int = 32
    energy_man_current: int = 32
    schuko: bool = False
    fixed_cable: bool = False
    fixed_cable_rating: int = 32
    free_charging: bool = False
    rcd_fitted: bool = True
    mcb_type2_fitted: bool = True
    mcb_schuko_fitted: bool = True
    wlan_connected: bool = True
    backend_state: str = "connected"
    slave_state: str = "available"
    auth_timeout_s: float = 60.0
    rejected_uids: tuple[str, ...] = ()
    meter_wh: int = 426416
    meter_resolution_wh: int = 1  # the register's step: real meters step in 1, 10 or 100 Wh
    # 0: the controller shows the meter as it is; else it reads the meter out every so many
    # seconds (a polled Modbus or SML meter), and meter_wh and transaction_wh move in steps
    meter_refresh_s: float = 0.0
    con_cycles_type2: int = 1450
    con_cycles_schuko: int = 560
    ambient_temp: float = 25.3
    schuko_load_a: float = 8.0
    display_idle: str = ""

    def __post_init__(self) -> None:
        problems = []
        if self.rest_mode not in REST_MODES:
            problems.append(f"rest_mode must be one of {', '.join(REST_MODES)}")
        if self.ocpp_version not in OCPP_VERSIONS:
            problems.append(f"ocpp_version must be one of {', '.join(OCPP_VERSIONS)}")
        if self.phases not in (1, 3):
            problems.append("phases must be 1 or 3")
        if self.max_current < 0 or self.energy_man_current < 0:
            problems.append("currents must be 0 or more")
        if self.fixed_cable_rating not in CABLE_RATINGS:
            problems.append(f"fixed_cable_rating must be one of {CABLE_RATINGS}")
        if self.meter_resolution_wh < 1:
            problems.append("meter_resolution_wh must be 1 or more")
        if not 0 <= self.meter_refresh_s <= 3600:
            problems.append("meter_refresh_s must be 0 to 3600")
        if self.backend_state not in BACKEND_STATES:
            problems.append(f"backend_state must be one of {', '.join(BACKEND_STATES)}")
        if problems:
            raise ValueError("; ".join(problems))

    def replace(self, **changes: object) -> DeviceConfig:
        """A copy with some settings changed; a wrong name or type raises ValueError saying so."""
        known = {f.name: f.default for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known.keys())
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown}; known: {', '.join(sorted(known))}")
        typed: dict[str, Any] = {
            name: _typed(name, value, known[name]) for name, value in changes.items()
        }
        return dataclasses.replace(self, **typed)

    @classmethod
    def parse(cls, name: str, text: str) -> object:
        """A setting's value from command-line text (``phases=1``, ``schuko=true``)."""
        default = next((f.default for f in dataclasses.fields(cls) if f.name == name), None)
        if default is None:
            known = ", ".join(sorted(f.name for f in dataclasses.fields(cls)))
            raise ValueError(f"unknown setting {name!r}; known: {known}")
        if isinstance(default, bool):
            if text.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                raise ValueError(f"{name} takes true or false, not {text!r}")
            return text.lower() in ("true", "1", "yes", "on")
        if isinstance(default, tuple):
            return tuple(item for item in text.split(",") if item)
        kind: type[Any] = type(default)  # str, int or float: each reads its own text
        try:
            return kind(text)
        except ValueError:
            raise ValueError(f"{name} takes a {type(default).__name__}, not {text!r}") from None


def _typed(name: str, value: object, default: object) -> object:
    kind = type(default)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is tuple and isinstance(value, list | tuple):
        if all(isinstance(item, str) for item in value):
            return tuple(value)
    elif isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    raise ValueError(f"{name} takes a {kind.__name__}, not {value!r}")


@dataclass
class Vehicle:
    """What is plugged in and how it behaves."""

    connector: str  # "type2" or "schuko"
    cable_rating: int | None = 32  # proximity rating of a loose Type 2 cable
    phases: int = 3
    max_current: float = 32.0
    paused: bool = False  # the EV stops drawing (battery full, its own schedule)
    ventilation: bool = False  # the EV asks for ventilation (IEC 61851 state D)


@dataclass
class _State:
    vehicle: Vehicle | None = None
    authorized: bool = False
    auth_uid: str = ""
    auth_result: str = ""  # "" | "timeout" | "rejected"
    waiting_since: float | None = None
    in_transaction: bool = False
    finished: bool = False
    tx_start: float = 0.0
    tx_end: float | None = None
    tx_energy: float = 0.0
    meter_energy: float = 0.0
    read_out: tuple[float, float, float] | None = None  # a polled meter's last: at, meter, tx
    con_cycles_type2: int = 0
    con_cycles_schuko: int = 0
    faults: set[str] = field(default_factory=set)
    reserved: bool = False
    unavailable: bool = False
    rcmb_now: tuple[float, float] = (0.0, 0.0)
    rcmb_max: tuple[float, float] = (0.0, 0.0)


Reading = tuple[str, str, object]  # key, text form, JSON form


TICK_S = 0.01  # device seconds: the readings are computed at most once per tick (a burst of
# per-key reads shares one computation, as a firmware's values are refreshed at its own tick)


class _Changes:
    """The device lock; leaving it marks the readings stale (every change goes through it)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.version = 0

    def __enter__(self) -> None:
        self.lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.version += 1
        self.lock.release()


class Device:
    """The controller. Every public method is one atomic step under the device lock."""

    def __init__(self, config: DeviceConfig | None = None, clock: SimClock | None = None) -> None:
        self.clock = clock or SimClock()
        self._lock = _Changes()
        self._cached: tuple[tuple[int, int], tuple[Reading, ...]] | None = None
        self._initial = config or DeviceConfig()
        self.reset()

    # -- life cycle -----------------------------------------------------------------------
    def reset(self, config: DeviceConfig | None = None) -> None:
        """Back to the state of a freshly booted controller (optionally with new settings)."""
        with self._lock:
            if config is not None:
                self._initial = config
            self.config = self._initial
            self._s = _State(
                meter_energy=float(self.config.meter_wh),
                con_cycles_type2=self.config.con_cycles_type2,
                con_cycles_schuko=self.config.con_cycles_schuko,
            )
            self._last = self.clock.now()

    def configure(self, **changes: object) -> None:
        """Change settings at run time, as an operator would in the Config UI."""
        with self._lock:
            self._advance()
            config = self.config.replace(**changes)
            if not config.schuko and self._s.vehicle and self._s.vehicle.connector == "schuko":
                raise DeviceError("unplug the Schuko vehicle before disabling the Schuko socket")
            self.config = config

    # -- the vehicle ----------------------------------------------------------------------
    def plug(
        self,
        connector: str = "type2",
        cable_rating: int | None = 32,
        phases: int = 3,
        max_current: float = 32.0,
    ) -> None:
        with self._lock:
            self._advance()
            if self._s.vehicle is not None:
                raise DeviceError(f"a vehicle is already connected ({self._s.vehicle.connector})")
            if connector == "schuko" and not self.config.schuko:
                raise DeviceError("the Schuko socket is disabled (schuko_cfg)")
            if connector not in ("type2", "schuko"):
                raise DeviceError(f"connector must be type2 or schuko, not {connector!r}")
            loose_cable = connector == "type2" and not self.config.fixed_cable
            if loose_cable and cable_rating not in CABLE_RATINGS:
                raise DeviceError(f"cable_rating must be one of {CABLE_RATINGS}")
            if phases not in (1, 2, 3) or max_current < 0:
                raise DeviceError("phases must be 1, 2 or 3 and max_current 0 or more")
            self._s.vehicle = Vehicle(connector, cable_rating, phases, float(max_current))
            if connector == "type2":
                self._s.con_cycles_type2 += 1
            else:
                self._s.con_cycles_schuko += 1
            self._s.finished = False
            self._s.auth_result = ""
            if self.config.free_charging:
                self._s.authorized = True
            if self._s.authorized:
                self._start_transaction()
            else:
                self._s.waiting_since = self._last

    def unplug(self) -> None:
        with self._lock:
            self._advance()
            if self._s.vehicle is None:
                raise DeviceError("no vehicle is connected")
            self._stop_transaction()
            self._s.tx_end = None  # transaction_wh keeps the last session's energy; time resets
            self._s.vehicle = None
            self._s.authorized = False
            self._s.auth_uid = ""
            self._s.auth_result = ""
            self._s.waiting_since = None
            self._s.finished = False

    def set_vehicle(
        self,
        *,
        paused: bool | None = None,
        max_current: float | None = None,
        phases: int | None = None,
        ventilation: bool | None = None,
    ) -> None:
        """Change what the connected EV does: pause, limit its current, ask for ventilation."""
        with self._lock:
            self._advance()
            vehicle = self._s.vehicle
            if vehicle is None:
                raise DeviceError("no vehicle is connected")
            if paused is not None:
                vehicle.paused = bool(paused)
            if max_current is not None:
                if max_current < 0:
                    raise DeviceError("max_current must be 0 or more")
                vehicle.max_current = float(max_current)
            if phases is not None:
                if phases not in (1, 2, 3):
                    raise DeviceError("phases must be 1, 2 or 3")
                vehicle.phases = phases
            if ventilation is not None:
                vehicle.ventilation = bool(ventilation)

    # -- authorization --------------------------------------------------------------------
    def present_card(self, uid: str) -> str:
        """An RFID card at the reader; answers what the controller did with it."""
        with self._lock:
            self._advance()
            if "rfid" in self._s.faults:
                raise DeviceError("the RFID reader is not communicating")
            if not uid:
                raise DeviceError("a card has a UID")
            s = self._s
            if s.in_transaction and uid.lower() == s.auth_uid.lower():
                self._stop_transaction()
                s.finished = True
                s.authorized = False
                return "stopped"
            if uid.lower() in (u.lower() for u in self.config.rejected_uids):
                s.authorized = False
                s.auth_result = "rejected"
                return "rejected"
            s.authorized, s.auth_uid, s.auth_result = True, uid, ""
            s.waiting_since = None
            if s.vehicle is not None and not s.in_transaction:
                s.finished = False
                self._start_transaction()
            return "accepted"

    # -- faults and operator actions ------------------------------------------------------
    def trip(self, fault: str) -> None:
        with self._lock:
            self._advance()
            if fault not in FAULTS:
                raise DeviceError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
            if fault == "rcd" and not self.config.rcd_fitted:
                raise DeviceError("no RCD is fitted (rcd_fitted)")
            if fault == "mcb_type2" and not self.config.mcb_type2_fitted:
                raise DeviceError("no Type 2 MCB is fitted (mcb_type2_fitted)")
            if fault == "mcb_schuko" and not (self.config.schuko and self.config.mcb_schuko_fitted):
                raise DeviceError("no Schuko MCB is fitted (schuko, mcb_schuko_fitted)")
            self._s.faults.add(fault)
            if fault == "rcmb":
                self._s.rcmb_now = (6.4, 0.0)
                (a, b), (c, d) = self._s.rcmb_max, self._s.rcmb_now
                self._s.rcmb_max = (max(a, c), max(b, d))

    def clear(self, fault: str) -> None:
        with self._lock:
            self._advance()
            if fault not in FAULTS:
                raise DeviceError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
            self._s.faults.discard(fault)
            if fault == "rcmb":
                self._s.rcmb_now = (0.0, 0.0)

    def set_reserved(self, reserved: bool) -> None:
        with self._lock:
            self._advance()
            self._s.reserved = bool(reserved)

    def set_available(self, available: bool) -> None:
        with self._lock:
            self._advance()
            self._s.unavailable = not available

    def advance(self, seconds: float) -> None:
        """Move the simulated clock forward; the meter integrates over the step."""
        with self._lock:
            self.clock.advance(seconds)
            self._advance()

    # -- what the controller computes -----------------------------------------------------
    def _start_transaction(self) -> None:
        s = self._s
        s.in_transaction = True
        s.tx_start, s.tx_end, s.tx_energy = self._last, None, 0.0

    def _stop_transaction(self) -> None:
        if self._s.in_transaction:
            self._s.in_transaction = False
            self._s.tx_end = self._last

    def _stopping_fault(self) -> bool:
        return any(FAULTS[f][2] for f in self._s.faults)

    def _offered_current(self) -> int:
        """The Type 2 pilot's offer: the lowest of installation, cable and energy manager."""
        s, c = self._s, self.config
        v = s.vehicle
        if v is None or v.connector != "type2" or not s.in_transaction or self._stopping_fault():
            return 0
        if s.unavailable:
            return 0
        cable = c.fixed_cable_rating if c.fixed_cable else (v.cable_rating or 0)
        offer = min(c.max_current, cable, c.energy_man_current)
        return offer if offer >= MIN_PWM_CURRENT else 0

    def _phase_currents(self) -> list[float]:
        """What the vehicle draws on each of the controller's phases, in amperes."""
        s, c = self._s, self.config
        currents = [0.0] * c.phases
        v = s.vehicle
        if v is None or v.paused or not s.in_transaction or self._stopping_fault():
            return currents
        if v.connector == "type2":
            draw = min(float(self._offered_current()), v.max_current)
            if draw <= 0:
                return currents
            for i in range(min(v.phases, c.phases)):
                currents[i] = round(draw * PHASE_IMBALANCE[i], 1)
        elif not s.unavailable:
            currents[0] = round(min(c.schuko_load_a, SCHUKO_MAX_CURRENT, v.max_current), 1)
        return currents

    def _voltages(self, currents: list[float]) -> list[float]:
        nominal = self.config.nominal_voltage
        return [nominal + VOLTAGE_OFFSET[i] - LINE_DROP * currents[i] for i in range(len(currents))]

    def _power(self) -> float:
        currents = self._phase_currents()
        return sum(u * i for u, i in zip(self._voltages(currents), currents, strict=True))

    def _advance(self) -> None:
        """Bring the model up to the clock: integrate energy, expire the authorization wait."""
        now = self.clock.now()
        dt = now - self._last
        if dt > 0:
            s = self._s
            if "meter" not in s.faults:
                energy = self._power() * dt / 3600.0
                s.meter_energy += energy
                if s.in_transaction:
                    s.tx_energy += energy
            if (
                s.waiting_since is not None
                and not s.authorized
                and now - s.waiting_since >= self.config.auth_timeout_s
            ):
                s.auth_result, s.waiting_since = "timeout", None
            self._last = now

    # -- the REST keys --------------------------------------------------------------------
    def snapshot(self) -> list[Reading]:
        """All keys at one instant, in the order the firmware prints them."""
        return list(self.readings_at()[1])

    def readings_at(self) -> tuple[tuple[int, int], tuple[Reading, ...]]:
        """The instant (a change of state and a tick of the clock) and the readings at it:
        computed once per instant and shared, unchanged, by every read in it."""
        with self._lock.lock:  # a read: the readings stay valid
            instant = (self._lock.version, math.floor(self.clock.now() / TICK_S))
            if self._cached is None or self._cached[0] != instant:
                self._advance()
                self._cached = (instant, tuple(self._readings()))
            return self._cached

    def internal_state(self) -> dict[str, object]:
        """The model's own view, for the control API and for debugging a test."""
        with self._lock:
            self._advance()
            s = self._s
            return {
                "time_s": round(self._last, 3),
                "clock_speed": self.clock.speed,
                "vehicle": dataclasses.asdict(s.vehicle) if s.vehicle else None,
                "authorized": s.authorized,
                "auth_uid": s.auth_uid,
                "auth_result": s.auth_result,
                "in_transaction": s.in_transaction,
                "finished": s.finished,
                "faults": sorted(s.faults),
                "reserved": s.reserved,
                "available": not s.unavailable,
                "meter_energy_wh": round(s.meter_energy, 3),
                "transaction_energy_wh": round(s.tx_energy, 3),
                "power_w": round(self._power(), 1),
                "config": {
                    k: (list(v) if isinstance(v, tuple) else v)
                    for k, v in dataclasses.asdict(self.config).items()
                },
            }

    def _readings(self) -> list[Reading]:
        s, c = self._s, self.config
        currents = self._phase_currents()
        volts = self._voltages(currents)
        power = round(sum(u * i for u, i in zip(volts, currents, strict=True)))
        tx_seconds = 0
        if s.in_transaction:
            tx_seconds = int(self._last - s.tx_start)
        elif s.tx_end is not None:
            tx_seconds = int(s.tx_end - s.tx_start)
        temp = c.ambient_temp + 1.5 * power / 22000.0
        uid = s.auth_uid if c.rest_mode == "with-uid" else ""
        errors = self._errors()
        meter, tx = self._read_out()

        def text(key: str, value: str) -> Reading:
            return (key, value, value)

        def number(key: str, value: int | float, shown: str | None = None) -> Reading:
            return (key, shown if shown is not None else str(value), value)

        def onoff(flag: bool) -> str:
            return "on" if flag else "off"

        def device(fitted: bool, tripped: bool) -> str:
            return "disable" if not fitted else ("triggered" if tripped else "okay")

        return [
            text("conn_state", self._conn_state()),
            text("auth_state", self._auth_state()),
            text("auth_uid", uid),
            number("time_since_charging_start", tx_seconds),
            number("meter_wh", self._register(meter)),
            number("power_w", power),
            number("transaction_wh", self._register(tx)),
            text("display_text", self._display_text()),
            text("cp_id", c.cp_id),
            text("ocpp_state", self._ocpp_state()),
            text("type2_state", self._type2_state()),
            text("type2_proximity", self._proximity()),
            number("sig_current", self._offered_current()),
            text("schuko_state", self._schuko_state()),
            text("backend_conn_state", c.backend_state),
            text("free_charging", onoff(c.free_charging)),
            text("slave_state", c.slave_state),
            text("ocpp_meter_cfg", c.ocpp_meter_cfg),
            text("ocpp_meter_serial", c.ocpp_meter_serial),
            text("current_a", ",".join(f"{i:.1f}" for i in currents)),
            number("energy_man_current", c.energy_man_current),
            number("ambient_temp", round(temp, 2), f"{temp:+.2f}"),
            text("firmware_ver", c.firmware_ver),
            text("cc_serial_n", c.cc_serial_n),
            text("manuf_serial_n", c.manuf_serial_n),
            number("con_cycles_schuko", s.con_cycles_schuko),
            number("con_cycles_type2", s.con_cycles_type2),
            number("max_current", c.max_current),
            text("rcmb_state", "triggered" if "rcmb" in s.faults else "okay"),
            text("rcmb_max", ", ".join(f"{x:.1f}" for x in s.rcmb_max)),
            text("rcmb_values", ", ".join(f"{x:.1f}" for x in s.rcmb_now)),
            text("cable_attached", onoff(c.fixed_cable)),
            text("schuko_cfg", "enable" if c.schuko else "disable"),
            text("rcd_state", device(c.rcd_fitted, "rcd" in s.faults)),
            text("mcb_type2_state", device(c.mcb_type2_fitted, "mcb_type2" in s.faults)),
            text(
                "mcb_schuko_state",
                device(c.schuko and c.mcb_schuko_fitted, "mcb_schuko" in s.faults),
            ),
            text("cp_vendor", c.cp_vendor),
            text("errors", errors),
            text("cp_model", c.cp_model),
            text("voltage_v", ",".join(f"{u:.0f}" for u in volts)),
            text("wlan_state", "wlan_connected" if c.wlan_connected else "wlan_disconnected"),
        ]

    def _charging(self) -> bool:
        return any(i > 0 for i in self._phase_currents())

    def _conn_state(self) -> str:
        v = self._s.vehicle
        if v is None:
            return "no_vehicle_connected"
        if v.connector == "type2" and "connector" in self._s.faults:
            return "vehicle_connector_error"
        state = "charging" if self._charging() else "connected"
        return f"vehicle_{state}_{v.connector}"

    def _auth_state(self) -> str:
        s = self._s
        if s.authorized:
            return "authorized_for_charging"
        if s.auth_result == "timeout":
            return "auth_timeout"
        if s.vehicle is not None and not s.finished and s.auth_result != "rejected":
            return "wait_for_auth"
        return "not_authorized_for_charging"

    def _read_out(self) -> tuple[float, float]:
        """The meter and the transaction's energy as the controller last read the meter: now,
        or at its last refresh (``meter_refresh_s``); a transaction begun since counts from
        zero at once."""
        s, every = self._s, self.config.meter_refresh_s
        if every <= 0:
            return s.meter_energy, s.tx_energy
        now = self._last
        if s.read_out is None or now - s.read_out[0] >= every:
            at = now if s.read_out is None else now - (now - s.read_out[0]) % every
            s.read_out = (at, s.meter_energy, s.tx_energy)
        _, meter, tx = s.read_out
        return meter, min(tx, s.tx_energy)

    def _register(self, energy_wh: float) -> int:
        """An energy register as the meter shows it: whole steps of its resolution."""
        step = self.config.meter_resolution_wh
        return int(energy_wh // step) * step

    def _ocpp_state(self) -> str:
        status = self._ocpp_16_state()
        if self.config.ocpp_version == "1.5" and status in IN_USE_16:
            return "occupied"  # OCPP 1.5 names a connector in use Occupied, whatever its phase
        return status

    def _ocpp_16_state(self) -> str:
        s = self._s
        if self._stopping_fault():
            return "faulted"
        if s.unavailable:
            return "unavailable"
        if s.vehicle is None:
            return "reserved" if s.reserved else "available"
        if s.finished:
            return "finishing"
        if not s.in_transaction:
            return "preparing"
        if self._charging():
            return "charging"
        if s.vehicle.paused:
            return "suspendedev"
        return "suspendedevse"

    def _type2_state(self) -> str:
        v = self._s.vehicle
        if v is None or v.connector != "type2":
            return "a"
        if "connector" in self._s.faults:
            return "e"
        if self._charging():
            return "d" if v.ventilation else "c"
        return "b"

    def _proximity(self) -> str:
        if "proximity_short" in self._s.faults:
            return "short_circuit"
        if self.config.fixed_cable:
            return "cable_attached"
        v = self._s.vehicle
        if v is None or v.connector != "type2":
            return "no_cable"
        return str(v.cable_rating)

    def _schuko_state(self) -> str:
        v = self._s.vehicle
        if v is None or v.connector != "schuko":
            return "idle"
        return "power_on" if self._charging() else "connected"

    def _errors(self) -> str:
        slots: list[list[str]] = [[], [], []]
        for fault in sorted(self._s.faults):
            token, slot, _ = FAULTS[fault]
            slots[slot].append(token)
        if not any(slots):
            return ""
        return ";".join(";".join(tokens) for tokens in slots)

    def _display_text(self) -> str:
        s = self._s
        if self._s.faults:
            return "Out of order"
        if s.vehicle is None:
            return self.config.display_idle
        if self._charging():
            return f"Charging {self._power() / 1000:.1f} kW"
        if s.finished:
            return "Charging finished"
        if not s.authorized:
            return "Please present card"
        return "Connected"
