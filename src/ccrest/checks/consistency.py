"""Rules that tie keys together, from the specification and the standards it rests on.

Each rule is registered under its check ID; ``schemas/checks.json`` holds its source and how
certain it is (an advisory rule is reported as a warning, never as a failure). Measured values
carry noise and rounding, so rules on them allow for the resolution the device shows and for
readings that are not taken at the same instant.

A rule needs its keys present and readable; when they are not, it is not tested (the schema
checks already fail the missing or malformed key).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping

from ccrest.checks.common import CHARGING, fail, not_tested, number, numbers, resolution, text
from ccrest.findings import Finding, show
from ccrest.spec import Catalogue

Values = Mapping[str, object]
Rule = Callable[[Values, Catalogue], list[Finding]]
RULES: dict[str, Rule] = {}
RULE_KEYS: dict[str, tuple[str, ...]] = {}  # the keys each rule reads: its rows in the matrix

MIN_PWM_A, MAX_PWM_A = 6, 80  # IEC 61851-1 annex A: what a PWM pilot can offer
MAX_PHASE_V = 300.0  # above any phase-to-neutral supply (230 V + 10 %); 400 V is line to line
NOMINAL_PHASE_V = (195.5, 253.0)  # 230 V - 15 % / + 10 % (IEC 60038, EN 50160)
VOLTAGE_NOISE = 5.0  # a phase that is not supplied may read a few volts
SURVIVABLE_C = (-55.0, 125.0)  # outside it no electronics operates (IEC 60068-2-1, 60068-2-2)
SERVICE_C = (-30.0, 60.0)  # a charge point's ambient, with margin (IEC 61851-1: -25 to +40 °C)
IMPLAUSIBLE_POWER_FACTOR = 0.2  # a charging vehicle's load: far above this (on-board PFC)
MIN_APPARENT_VA = 1000.0  # below, a power factor says little (noise, a vehicle waking up)
CONNECTED_TYPE2 = ("vehicle_connected_type2", "vehicle_charging_type2", "vehicle_connector_error")
READING_SKEW = 0.05  # readings of V, I and P in one answer need not be taken at one instant
MIN_POWER_FACTOR = 0.8
EV_FOLLOW_SLACK = 0.1  # a vehicle may take seconds to follow a lower offer


def rule(check_id: str, *keys: str) -> Callable[[Callable[..., list[Finding]]], Rule]:
    """Register a rule; it runs only when all its keys are present in the values."""

    def register(fn: Callable[..., list[Finding]]) -> Rule:
        def guarded(values: Values, cat: Catalogue) -> list[Finding]:
            missing = [k for k in keys if values.get(k) is None]
            if missing:
                return [not_tested(check_id, f"{', '.join(missing)} missing from full_state")]
            invalid = [k for k in keys if cat.key(k).violation(values[k]) is not None]
            if invalid:  # the schema check fails those keys; a rule on them would only echo it
                return [not_tested(check_id, f"{', '.join(invalid)} not a documented value")]
            return fn(values, cat)

        guarded.__doc__ = fn.__doc__
        RULES[check_id] = guarded
        RULE_KEYS[check_id] = keys
        return guarded

    return register


def check_all(values: Values, cat: Catalogue) -> list[Finding]:
    return [f for rule_fn in RULES.values() for f in rule_fn(values, cat)]


def _short(value: object, limit: int = 60) -> object:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "…"
    return value


def _fail(check_id: str, problem: str, values: Values, *keys: str, blame: bool = False) -> Finding:
    """A failure that shows the keys it is about as observed: 'a = 'x', b = 'y': problem'.
    Each shown key shares the finding (which of two disagreeing keys is wrong is not known),
    unless ``blame``: then the first key alone carries it (a unit error is its key's)."""
    seen = ", ".join(f"{k} = {show(_short(values.get(k)))}" for k in keys)
    observed = values.get(keys[0]) if blame else {k: values.get(k) for k in keys}
    return fail(check_id, f"{seen}: {problem}", key=keys[0], observed=observed)


@rule("cons.conn-vs-type2", "conn_state", "type2_state")
def conn_vs_type2(values: Values, cat: Catalogue) -> list[Finding]:
    """IEC 61851-1: A no vehicle, B connected, C/D charging (D with ventilation), E error."""
    conn, pilot = text(values, "conn_state"), text(values, "type2_state")
    problem = None
    if conn == "no_vehicle_connected" and pilot != "a":
        problem = "no vehicle is connected, so the pilot must be in state a"
    elif conn == "vehicle_charging_type2" and pilot not in ("c", "d"):
        problem = "charging on Type 2 needs pilot state c or d"
    elif conn == "vehicle_connected_type2" and pilot not in ("b", "c", "d"):
        problem = "a vehicle connected on Type 2 puts the pilot in state b, c or d"
    elif pilot in ("b", "c", "d") and conn not in CONNECTED_TYPE2:
        problem = f"pilot state {pilot} means a vehicle on the Type 2 socket"
    elif pilot == "e" and conn in CHARGING:
        problem = "pilot state e is an error; nothing charges in it"
    if problem is None:
        return []
    return [_fail("cons.conn-vs-type2", problem, values, "conn_state", "type2_state")]


@rule("cons.conn-vs-ocpp", "conn_state", "ocpp_state")
def conn_vs_ocpp(values: Values, cat: Catalogue) -> list[Finding]:
    """OCPP 1.5 or 1.6: the pair is one some version allows (``schemas/rules/conn-vs-ocpp.json``,
    each pair with its source); a controller may speak either version, unless it declares one
    (then the catalogue's table holds that version's sources alone, ``PairTable.only``)."""
    table = cat.rule("conn-vs-ocpp")
    conn, ocpp = text(values, "conn_state") or "", text(values, "ocpp_state") or ""
    if table.sources_for(conn, ocpp):
        return []
    beside = "; ".join(
        f"{source} allows {', '.join(rights)}" for source, rights in table.partners(conn).items()
    )
    who = table.basis or "no OCPP version"
    return [
        _fail(
            "cons.conn-vs-ocpp",
            f"{who} allows this pair (beside {conn}: {beside or 'nothing'})",
            values,
            "conn_state",
            "ocpp_state",
        )
    ]


@rule("cons.no-flow-without-charging", "conn_state", "power_w", "current_a")
def no_flow_without_charging(values: Values, cat: Catalogue) -> list[Finding]:
    """Energy flows only into a charging vehicle; below the keys' tolerance is noise."""
    if text(values, "conn_state") in CHARGING:
        return []
    power, currents = number(values, "power_w"), numbers(values, "current_a")
    if power is None or currents is None:
        return [not_tested("cons.no-flow-without-charging", "power_w or current_a unreadable")]
    p_tol, i_tol = cat.key("power_w").tolerance, cat.key("current_a").tolerance
    if power <= p_tol and max(currents) <= i_tol:
        return []
    return [
        _fail(
            "cons.no-flow-without-charging",
            f"power or current flows (above {p_tol:g} W / {i_tol:g} A) although no vehicle "
            "is charging",
            values,
            "conn_state",
            "power_w",
            "current_a",
        )
    ]


@rule("cons.phase-count", "current_a", "voltage_v")
def phase_count(values: Values, cat: Catalogue) -> list[Finding]:
    """One value per phase in both lists: the same installation has the same phases."""
    currents, volts = numbers(values, "current_a"), numbers(values, "voltage_v")
    if currents is None or volts is None:
        return [not_tested("cons.phase-count", "current_a or voltage_v unreadable")]
    if len(currents) == len(volts):
        return []
    return [
        _fail(
            "cons.phase-count",
            f"{len(currents)} current(s) but {len(volts)} voltage(s)",
            values,
            "current_a",
            "voltage_v",
        )
    ]


def _apparent(values: Values) -> tuple[float, float] | None:
    """Sum of V x I over phases, and the slack the shown resolution and skew allow."""
    currents, volts = numbers(values, "current_a"), numbers(values, "voltage_v")
    if currents is None or volts is None or len(currents) != len(volts):
        return None
    di, du = resolution(values, "current_a") / 2, resolution(values, "voltage_v") / 2
    s = sum(u * i for u, i in zip(volts, currents, strict=True))
    rounding = sum(du * i + u * di + du * di for u, i in zip(volts, currents, strict=True))
    return s, rounding + READING_SKEW * s + 1.0  # +1 W: power_w is a whole number


@rule("cons.power-within-apparent", "power_w", "current_a", "voltage_v")
def power_within_apparent(values: Values, cat: Catalogue) -> list[Finding]:
    """Active power cannot exceed apparent power (P <= sum of V x I), within rounding."""
    power, apparent = number(values, "power_w"), _apparent(values)
    if power is None or apparent is None:
        return [not_tested("cons.power-within-apparent", "power, currents or voltages unusable")]
    s, slack = apparent
    if power <= s + slack:
        return []
    return [
        _fail(
            "cons.power-within-apparent",
            f"{power:g} W is more than voltage x current allows ({s:.0f} VA, "
            f"+{slack:.0f} for rounding and skew)",
            values,
            "power_w",
            "voltage_v",
            "current_a",
        )
    ]


@rule("cons.power-factor", "power_w", "current_a", "voltage_v", "conn_state")
def power_factor(values: Values, cat: Catalogue) -> list[Finding]:
    """Advisory: while charging, P is close to V x I (power factor at least 0.8)."""
    power, apparent = number(values, "power_w"), _apparent(values)
    if text(values, "conn_state") not in CHARGING:
        return []
    if power is None or apparent is None:
        return [not_tested("cons.power-factor", "power, currents or voltages unusable")]
    s, slack = apparent
    if s <= cat.key("power_w").tolerance or power >= MIN_POWER_FACTOR * s - slack:
        return []
    return [
        _fail(
            "cons.power-factor",
            f"power factor {power / s:.2f} is below {MIN_POWER_FACTOR}",
            values,
            "power_w",
            "voltage_v",
            "current_a",
        )
    ]


@rule("cons.sig-current-bounds", "sig_current", "max_current")
def sig_current_bounds(values: Values, cat: Catalogue) -> list[Finding]:
    """The pilot offers 0 or 6-80 A, never above the installation, the cable or the energy
    manager (the last only when it sets a usable limit: 0 may mean 'not in use')."""
    sig, most = number(values, "sig_current"), number(values, "max_current")
    if sig is None or most is None:
        return [not_tested("cons.sig-current-bounds", "sig_current or max_current unreadable")]
    limits = [("max_current", most)]
    cable = text(values, "type2_proximity")
    if cable and cable.isdigit():
        limits.append(("the cable rating (type2_proximity)", float(cable)))
    manager = number(values, "energy_man_current")
    if manager is not None and manager >= MIN_PWM_A:
        limits.append(("energy_man_current", manager))
    problems = []
    if sig and not MIN_PWM_A <= sig <= MAX_PWM_A:
        problems.append(f"outside 0 or {MIN_PWM_A}-{MAX_PWM_A} A")
    problems += [f"above {name} ({limit:g} A)" for name, limit in limits if sig > limit]
    if not problems:
        return []
    return [
        _fail(
            "cons.sig-current-bounds",
            "; ".join(problems),
            values,
            "sig_current",
            "max_current",
            "type2_proximity",
            "energy_man_current",
        )
    ]


@rule("cons.ev-within-offer", "conn_state", "current_a", "sig_current")
def ev_within_offer(values: Values, cat: Catalogue) -> list[Finding]:
    """Advisory: a charging Type 2 vehicle draws at most what the pilot offers."""
    if text(values, "conn_state") != "vehicle_charging_type2":
        return []
    currents, sig = numbers(values, "current_a"), number(values, "sig_current")
    if currents is None or sig is None:
        return [not_tested("cons.ev-within-offer", "current_a or sig_current unreadable")]
    limit = sig * (1 + EV_FOLLOW_SLACK) + cat.key("current_a").tolerance
    if max(currents) <= limit:
        return []
    return [
        _fail(
            "cons.ev-within-offer",
            "the vehicle draws more than offered",
            values,
            "current_a",
            "sig_current",
        )
    ]


@rule("cons.transaction-within-meter", "transaction_wh", "meter_wh")
def transaction_within_meter(values: Values, cat: Catalogue) -> list[Finding]:
    """A transaction's energy is part of the meter's lifetime register."""
    tx, meter = number(values, "transaction_wh"), number(values, "meter_wh")
    if tx is None or meter is None:
        return [not_tested("cons.transaction-within-meter", "a counter is unreadable")]
    if tx <= meter:
        return []
    return [
        _fail(
            "cons.transaction-within-meter",
            "the transaction holds more energy than the meter ever counted",
            values,
            "transaction_wh",
            "meter_wh",
        )
    ]


@rule("cons.serial-numbers", "cc_serial_n", "manuf_serial_n")
def serial_numbers(values: Values, cat: Catalogue) -> list[Finding]:
    """Advisory: the specification's examples give the same serial in both keys."""
    cc, manuf = text(values, "cc_serial_n") or "", text(values, "manuf_serial_n") or ""
    if cc.split("/", 1)[0] == manuf:
        return []
    return [
        _fail(
            "cons.serial-numbers",
            "the serial parts differ",
            values,
            "cc_serial_n",
            "manuf_serial_n",
        )
    ]


@rule("cons.schuko-disabled-idle", "schuko_cfg", "schuko_state", "conn_state")
def schuko_disabled_idle(values: Values, cat: Catalogue) -> list[Finding]:
    """A socket that is switched off has no vehicle on it."""
    if text(values, "schuko_cfg") != "disable":
        return []
    conn = text(values, "conn_state") or ""
    if text(values, "schuko_state") == "idle" and not conn.endswith("_schuko"):
        return []
    return [
        _fail(
            "cons.schuko-disabled-idle",
            "the Schuko socket is disabled but shows a vehicle",
            values,
            "schuko_cfg",
            "schuko_state",
            "conn_state",
        )
    ]


@rule("cons.charging-authorized", "conn_state", "auth_state", "free_charging")
def charging_authorized(values: Values, cat: Catalogue) -> list[Finding]:
    """A controller releases energy only after authorization, unless charging is free."""
    if text(values, "conn_state") not in CHARGING or text(values, "free_charging") == "on":
        return []
    if text(values, "auth_state") == "authorized_for_charging":
        return []
    return [
        _fail(
            "cons.charging-authorized",
            "a vehicle charges without authorization",
            values,
            "conn_state",
            "auth_state",
            "free_charging",
        )
    ]


@rule("cons.tripped-no-charging", "conn_state")
def tripped_no_charging(values: Values, cat: Catalogue) -> list[Finding]:
    """A tripped protective device cuts the supply of the socket it protects."""
    conn = text(values, "conn_state")
    guards = {
        "rcd_state": CHARGING,
        "rcmb_state": CHARGING,
        "mcb_type2_state": ("vehicle_charging_type2",),
        "mcb_schuko_state": ("vehicle_charging_schuko",),
    }
    tripped = [k for k, cuts in guards.items() if text(values, k) == "triggered" and conn in cuts]
    if not tripped:
        return []
    return [
        _fail(
            "cons.tripped-no-charging",
            "a vehicle charges although a protective device has tripped",
            values,
            "conn_state",
            *tripped,
        )
    ]


@rule("cons.display-markup", "display_text")
def display_markup(values: Values, cat: Catalogue) -> list[Finding]:
    """Markup on the display (the specification's example is tariff XML) must parse."""
    shown = text(values, "display_text") or ""
    if not (shown.startswith("<") and re.search(r"</?[A-Za-z]", shown)):
        return []
    if "<!DOCTYPE" in shown or "<!ENTITY" in shown:
        problem = "it declares a DTD or entities, which a display text has no use for"
    else:
        try:
            ET.fromstring(shown)
            return []
        except ET.ParseError as exc:
            problem = f"not well-formed XML ({exc})"
    return [
        _fail(
            "cons.display-markup",
            problem,
            values,
            "display_text",
        )
    ]


@rule("cons.current-plausible", "current_a")
def current_plausible(values: Values, cat: Catalogue) -> list[Finding]:
    """A phase current a charge point can carry: the pilot offers at most 80 A (IEC 61851-1
    annex A), so 16000 reads as milliamperes, 160 on a 16 A session as tenths; a current
    below zero beyond the meter's noise is no measurement. max_current is bounded alike."""
    currents = numbers(values, "current_a")
    if currents is None:
        return [not_tested("cons.current-plausible", "current_a unreadable")]
    tol = cat.key("current_a").tolerance
    problems = []
    if max(currents) > MAX_PWM_A + tol:
        problems.append(
            f"{max(currents):g} A on a phase: a charge point offers at most {MAX_PWM_A} A "
            "(IEC 61851-1), a unit error (mA, tenths of an ampere)?"
        )
    if min(currents) < -tol:
        problems.append(f"{min(currents):g} A: a current below zero beyond the noise of {tol:g} A")
    findings = (
        [_fail("cons.current-plausible", "; ".join(problems), values, "current_a")]
        if problems
        else []
    )
    most = number(values, "max_current")
    if most is not None and most > MAX_PWM_A:
        findings.append(
            _fail(
                "cons.current-plausible",
                f"an installation limit of {most:g} A is beyond what a charge point can offer "
                f"({MAX_PWM_A} A, IEC 61851-1): a unit error?",
                values,
                "max_current",
            )
        )
    return findings


@rule("cons.voltage-plausible", "voltage_v")
def voltage_plausible(values: Values, cat: Catalogue) -> list[Finding]:
    """A phase-to-neutral voltage a supply can have: 230 V nominal (IEC 60038); above 300 V
    no supply is (400 V is line to line), and below zero none measures."""
    volts = numbers(values, "voltage_v")
    if volts is None:
        return [not_tested("cons.voltage-plausible", "voltage_v unreadable")]
    problems = []
    if max(volts) > MAX_PHASE_V:
        problems.append(
            f"{max(volts):g} V on a phase: no phase-to-neutral supply reaches {MAX_PHASE_V:g} V "
            "(400 V is the voltage between two phases of a 230/400 V supply)"
        )
    if min(volts) < -VOLTAGE_NOISE:
        problems.append(f"{min(volts):g} V: a voltage below zero")
    return (
        [_fail("cons.voltage-plausible", "; ".join(problems), values, "voltage_v")]
        if problems
        else []
    )


@rule("cons.voltage-nominal", "voltage_v")
def voltage_nominal(values: Values, cat: Catalogue) -> list[Finding]:
    """Advisory: a supplied phase within 230 V - 15 % / + 10 % (EN 50160, IEC 60038)."""
    volts = numbers(values, "voltage_v")
    if volts is None:
        return [not_tested("cons.voltage-nominal", "voltage_v unreadable")]
    low, high = NOMINAL_PHASE_V
    off = [v for v in volts if abs(v) > VOLTAGE_NOISE and not low <= v <= high]
    if not off or max(volts) > MAX_PHASE_V:
        return []  # nothing off, or cons.voltage-plausible says it louder
    return [
        _fail(
            "cons.voltage-nominal",
            f"{off[0]:g} V is outside {low:g} to {high:g} V, the range of a 230 V supply",
            values,
            "voltage_v",
        )
    ]


@rule("cons.temperature-plausible", "ambient_temp")
def temperature_plausible(values: Values, cat: Catalogue) -> list[Finding]:
    """A temperature a working controller can report: outside -55 to +125 °C no electronics
    operates (IEC 60068-2-1, 60068-2-2); 298 reads as kelvin, 253 as tenths of a degree."""
    temp = number(values, "ambient_temp")
    if temp is None:
        return [not_tested("cons.temperature-plausible", "ambient_temp unreadable")]
    low, high = SURVIVABLE_C
    if low <= temp <= high:
        return []
    return [
        _fail(
            "cons.temperature-plausible",
            f"{temp:g} °C is a temperature no working electronics reports ({low:g} to "
            f"{high:g} °C): a unit error (kelvin, tenths of a degree)?",
            values,
            "ambient_temp",
        )
    ]


@rule("cons.temperature-in-service", "ambient_temp")
def temperature_in_service(values: Values, cat: Catalogue) -> list[Finding]:
    """Advisory: the ambient of a charge point in service (IEC 61851-1: -25 to +40 °C; a
    controller in its housing runs warmer)."""
    temp = number(values, "ambient_temp")
    if temp is None:
        return [not_tested("cons.temperature-in-service", "ambient_temp unreadable")]
    low, high = SERVICE_C
    if low <= temp <= high or not SURVIVABLE_C[0] <= temp <= SURVIVABLE_C[1]:
        return []  # in service, or cons.temperature-plausible says it louder
    return [
        _fail(
            "cons.temperature-in-service",
            f"{temp:g} °C is outside {low:g} to {high:g} °C, where charge points work",
            values,
            "ambient_temp",
        )
    ]


@rule("cons.power-plausible", "power_w", "current_a", "voltage_v", "conn_state")
def power_plausible(values: Values, cat: Catalogue) -> list[Finding]:
    """While a vehicle charges, its power is most of voltage x current (an on-board charger
    corrects its power factor); a power_w of a few watts beside kilovolt-amperes is power in
    kW, and the fault is power_w's."""
    if text(values, "conn_state") not in CHARGING:
        return []
    power, apparent = number(values, "power_w"), _apparent(values)
    if power is None or apparent is None:
        return [not_tested("cons.power-plausible", "power, currents or voltages unusable")]
    s, slack = apparent
    if s < MIN_APPARENT_VA or power >= IMPLAUSIBLE_POWER_FACTOR * s - slack:
        return []
    return [
        _fail(
            "cons.power-plausible",
            f"{power:g} W beside {s:.0f} VA (a power factor of {power / s:.3f}): a charging "
            "vehicle draws most of that as active power; power in kW?",
            values,
            "power_w",
            "voltage_v",
            "current_a",
            blame=True,
        )
    ]


@rule("cons.rcmb-max-not-below-values", "rcmb_max", "rcmb_values")
def rcmb_max_not_below_values(values: Values, cat: Catalogue) -> list[Finding]:
    """The residual current monitor's maximum is never below what it reads now."""
    highs, now = numbers(values, "rcmb_max"), numbers(values, "rcmb_values")
    if highs is None or now is None:
        return [not_tested("cons.rcmb-max-not-below-values", "rcmb_max or rcmb_values unreadable")]
    if len(highs) != len(now):
        return [
            _fail(
                "cons.rcmb-max-not-below-values",
                f"{len(highs)} maxima for {len(now)} readings",
                values,
                "rcmb_max",
                "rcmb_values",
            )
        ]
    step = max(resolution(values, "rcmb_max"), resolution(values, "rcmb_values"))
    below = [(h, n) for h, n in zip(highs, now, strict=True) if h < n - step]
    if not below:
        return []
    return [
        _fail(
            "cons.rcmb-max-not-below-values",
            f"a maximum of {below[0][0]:g} below the reading {below[0][1]:g}",
            values,
            "rcmb_max",
            "rcmb_values",
        )
    ]


@rule("cons.conn-vs-schuko", "conn_state", "schuko_state")
def conn_vs_schuko(values: Values, cat: Catalogue) -> list[Finding]:
    """The Schuko socket agrees with conn_state: charging on it needs it powered, and a
    vehicle on it is not idle (as the Type 2 pilot agrees, cons.conn-vs-type2)."""
    conn, socket = text(values, "conn_state"), text(values, "schuko_state")
    problem = None
    if conn == "vehicle_charging_schuko" and socket != "power_on":
        problem = "a vehicle charges on the Schuko socket, which must then be powered (power_on)"
    elif conn == "vehicle_connected_schuko" and socket == "idle":
        problem = "a vehicle is on the Schuko socket, which then is not idle"
    elif socket == "power_on" and conn not in (
        "vehicle_charging_schuko",
        "vehicle_connected_schuko",
    ):
        problem = "the Schuko socket is powered without a vehicle on it"
    if problem is None:
        return []
    return [_fail("cons.conn-vs-schuko", problem, values, "conn_state", "schuko_state")]
