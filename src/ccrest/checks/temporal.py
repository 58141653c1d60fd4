"""Rules on values watched over time (--sample-seconds): counters, timers, energy."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ccrest.checks.common import CHARGING, fail, not_tested, number, numbers, text
from ccrest.exchange import Exchange
from ccrest.findings import Finding
from ccrest.spec import Catalogue

CLOCK_RATE_SLACK = 0.02  # a device clock may run 2 % off ours
METER_SLACK = 0.05  # meters and power readings: 5 %
MAX_RESOLUTION_WH = 1000  # registers step in 1, 10, 100 Wh or a whole kWh (coarse meters)
UNIT_ERROR = 50.0  # power and meter disagree by more than this factor: a unit, not a meter
# A meter register may be read out more slowly than the suite reads full_state (a polled
# Modbus or SML meter: every 1 to 10 s); one still for longer while power flows has stopped.
# The specification states no refresh; this bound is ccrest's, and the temporal family
# watches longer than it by default (--sample-seconds 12).
MAX_REFRESH_S = 10.0


@dataclass(frozen=True)
class Sample:
    """One full_state reading at a time known to within its request's duration."""

    at: float  # the device's seconds since sampling began, at the middle of the request
    jitter: float  # half the request's duration: when in it the device read its values
    values: Mapping[str, object]
    exchange: Exchange | None = None


def _session_boundary(a: Sample, b: Sample) -> bool:
    """A new session may start between two readings: counters of a session may reset."""
    idle = "no_vehicle_connected"
    return (
        text(a.values, "conn_state") == idle
        or text(b.values, "conn_state") == idle
        or text(a.values, "auth_state") != text(b.values, "auth_state")
    )


def counter_never_decreases(key: str, samples: Sequence[Sample], session: bool) -> list[Finding]:
    check = "temp.session-counter-monotonic" if session else "temp.counter-monotonic"
    readings = [(s, n) for s in samples if (n := number(s.values, key)) is not None]
    if len(readings) < 2:
        return [not_tested(check, f"fewer than 2 readable samples of {key}", key=key)]
    drops = [
        (s1, n1, s2, n2)
        for (s1, n1), (s2, n2) in itertools.pairwise(readings)
        if n2 < n1 and not (session and _session_boundary(s1, s2))
    ]
    if not drops:
        return []
    s1, n1, s2, n2 = drops[0]
    first = f"from {n1:g} to {n2:g} within {s2.at - s1.at:.1f} s"
    times = "" if len(drops) == 1 else f" {len(drops)} times in {drops[-1][2].at - s1.at:.1f} s,"
    return [  # a register that runs backwards is one fault, however often it was seen
        fail(
            check,
            f"{key} went down{times} {'first ' if times else ''}{first}"
            + (" in one session" if session else ""),
            key=key,
            observed=[n1, n2],
            allowed=f"{n1:g} or more",
            exchange=s2.exchange,
            at=tuple(d[2].at for d in drops),
        )
    ]


def timer_advances(samples: Sequence[Sample]) -> list[Finding]:
    """Across the longest run of charging samples, the timer moves as our clock does."""
    run = _longest_charging_run(samples)
    if len(run) < 2:
        return [
            not_tested(
                "temp.timer-advances",
                "the controller was not charging for two samples in a row while the suite "
                "watched, so a charging timer cannot be judged",
                key="time_since_charging_start",
            )
        ]
    first, last = run[0], run[-1]
    t1 = number(first.values, "time_since_charging_start")
    t2 = number(last.values, "time_since_charging_start")
    if t1 is None or t2 is None:
        return [not_tested("temp.timer-advances", "time_since_charging_start unreadable")]
    elapsed = last.at - first.at
    slack = 1.0 + first.jitter + last.jitter + CLOCK_RATE_SLACK * elapsed
    if elapsed <= slack:
        return [
            not_tested(
                "temp.timer-advances",
                f"charging was watched for only {elapsed:.1f} s, too short to tell a timer "
                "that stands still (raise --sample-seconds)",
            )
        ]
    if abs((t2 - t1) - elapsed) <= slack:
        return []
    stepped = _timer_in_steps(run)
    if stepped is not None:
        return stepped
    return [
        fail(
            "temp.timer-advances",
            f"time_since_charging_start went from {t1:g} to {t2:g} s while {elapsed:.1f} s passed",
            key="time_since_charging_start",
            observed=t2 - t1,
            allowed=f"{elapsed:.1f} ± {slack:.1f} s",
            exchange=last.exchange,
            at=(last.at,),
        )
    ]


def _refreshes(values: Sequence[float], times: Sequence[float]) -> tuple[list[int], float]:
    """A value read out in steps: the reads that show a refresh (it changed since the read
    before), and the longest time it surely did not refresh (from a read to the last read
    before it changed, or to the end of the watch)."""
    n = len(values)
    changes = [i for i in range(1, n) if values[i] != values[i - 1]]
    edges = [0, *changes, n]
    return changes, max(times[b - 1] - times[a] for a, b in itertools.pairwise(edges))


def _unjudged_refreshes(
    check: str,
    key: str,
    what: str,
    changes: Sequence[int],
    still: float,
    samples: Sequence[Sample],
    meanwhile: str,
) -> list[Finding] | None:
    """A value read out in steps that cannot be judged between two refreshes: still for longer
    than ``MAX_REFRESH_S`` ``meanwhile`` (it stopped: a failure), or seen to refresh fewer than
    twice (not tested: watch longer); None when two refreshes can be compared."""
    if still > MAX_REFRESH_S:
        return [
            fail(
                check,
                f"{key} held still for {still:.1f} s {meanwhile}: a {what} refreshes at least "
                f"every {MAX_REFRESH_S:g} s",
                key=key,
                observed=f"still for {still:.1f} s",
                allowed=f"a refresh within {MAX_REFRESH_S:g} s",
                exchange=samples[-1].exchange,
                at=(samples[-1].at,),
            )
        ]
    if len(changes) < 2:
        watched = samples[-1].at - samples[0].at
        return [
            not_tested(
                check,
                f"{key} refreshed {len(changes)} time(s) in {watched:.1f} s of watching: a "
                f"{what} read out in steps is judged between two of its refreshes; watch "
                f"longer (--sample-seconds {2 * MAX_REFRESH_S + 2:g})",
                key=key,
            )
        ]
    return None


def _timer_in_steps(run: Sequence[Sample]) -> list[Finding] | None:
    """A timer the controller refreshes every few seconds: it holds still between reads and
    jumps by more than a read's second when it moves. Judged between two of its refreshes, as
    a meter read out in steps is; None for a timer that does not move so (a slow or fast one
    is the rule's own fault)."""
    key, check = "time_since_charging_start", "temp.timer-advances"
    values = [number(s.values, key) for s in run]
    if any(v is None for v in values):
        return None
    timer = [float(v or 0.0) for v in values]
    times = [s.at for s in run]
    changes, still = _refreshes(timer, times)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    if not any(timer[i] - timer[i - 1] >= max(gaps) + 1.0 for i in changes):
        return None
    unjudged = _unjudged_refreshes(check, key, "timer", changes, still, run, "while charging")
    if unjudged is not None:
        return unjudged
    a, b = changes[0], changes[-1]
    grown = timer[b] - timer[a]
    shortest, longest = times[b - 1] - times[a], times[b] - times[a - 1]
    slack = 1.0 + run[a].jitter + run[b].jitter + CLOCK_RATE_SLACK * longest
    if shortest - slack <= grown <= longest + slack:
        return []
    return [
        fail(
            check,
            f"{key} moved by {grown:g} s between two of its refreshes, {shortest:.1f} to "
            f"{longest:.1f} s apart",
            key=key,
            observed=grown,
            allowed=f"{shortest:.1f} to {longest:.1f} ± {slack:.1f} s",
            exchange=run[b].exchange,
            at=(run[b].at,),
        )
    ]


def _longest_charging_run(samples: Sequence[Sample]) -> list[Sample]:
    best: list[Sample] = []
    current: list[Sample] = []
    for s in samples:
        charging = text(s.values, "conn_state") in CHARGING
        if charging and current and not _session_boundary(current[-1], s):
            current.append(s)
        else:
            current = [s] if charging else []
        if len(current) > len(best):
            best = list(current)
    return best


def register_resolution(readings: Sequence[float]) -> float:
    """The step an energy register moves in, as far as its readings show: the largest power of
    ten, up to 1 kWh, that divides every reading (a 100 Wh register reads 431800, 431900). The
    specification gives no resolution; meters step in 1, 10, 100 Wh or a whole kWh. A register
    that happens to read round numbers only widens the tolerance (never a false alarm), and
    more readings make that less likely."""
    whole = [int(r) for r in readings if r == int(r)]
    if len(whole) != len(readings) or not whole:
        return 1.0
    step = 1
    while step < MAX_RESOLUTION_WH and all(r % (step * 10) == 0 for r in whole):
        step *= 10
    return float(step)


def energy_band(
    cat: Catalogue, powers: Sequence[float], elapsed: float, jitter: float, step: float
) -> tuple[float, float]:
    """How much a register may grow in ``elapsed`` s while power read ``powers``: the lowest
    and highest power (each give or take its tolerance and the meter's 5 %) over the time,
    the requests' jitter, and one step of the register at each end."""
    tol = cat.key("power_w").tolerance
    low = max(0.0, min(powers) - tol) * (1 - METER_SLACK) * max(0.0, elapsed - jitter) / 3600
    high = (max(powers) + tol) * (1 + METER_SLACK) * (elapsed + jitter) / 3600
    return low - step, high + step


def energy_follows_power(cat: Catalogue, samples: Sequence[Sample]) -> list[Finding]:
    """meter_wh grows between the lowest and highest power seen times the time elapsed, give or
    take one step of the register at each end (its resolution, from the readings)."""
    usable = [
        s
        for s in samples
        if number(s.values, "meter_wh") is not None and number(s.values, "power_w") is not None
    ]
    if len(usable) < 2:
        return [not_tested("temp.energy-follows-power", "fewer than 2 readable samples")]
    first, last = usable[0], usable[-1]
    powers = [number(s.values, "power_w") or 0.0 for s in usable]
    meters = [number(s.values, "meter_wh") or 0.0 for s in usable]
    step = register_resolution(meters)
    grown = meters[-1] - meters[0]
    elapsed = last.at - first.at
    low, high = energy_band(cat, powers, elapsed, first.jitter + last.jitter, step)
    if low <= grown <= high:
        return []
    times = [s.at for s in usable]
    if any(a == b for a, b in itertools.pairwise(meters)):  # a meter read out in steps
        return _refreshed_in_steps(cat, usable, times, powers, meters, step)
    mean_power = sum(powers) / len(powers)
    implied = grown / elapsed * 3600 if elapsed > 0 else 0.0  # the power the meter says, in W
    apparent = _mean_apparent(usable)
    if (
        grown > 0
        and implied > UNIT_ERROR * max(mean_power, cat.key("power_w").tolerance)
        and apparent is not None
        and apparent / 5 <= implied <= apparent * 5
    ):
        # the meter grew as voltage x current says it should, but power_w says next to
        # nothing: power_w is the key in the wrong unit (kW), not the meter
        return [
            fail(
                "temp.energy-follows-power",
                f"power_w read {min(powers):g} to {max(powers):g} W while meter_wh grew by "
                f"{grown:g} Wh in {elapsed:.1f} s, which is {implied:.0f} W: power_w is "
                f"{implied / max(mean_power, 1e-9):.0f} times too low (power in kW?)",
                key="power_w",
                observed=mean_power,
                allowed=f"about {implied:.0f} W, as the meter grew",
                exchange=last.exchange,
                at=(last.at,),
            )
        ]
    return [
        fail(
            "temp.energy-follows-power",
            f"meter_wh grew by {grown:g} Wh in {elapsed:.1f} s while power_w read "
            f"{min(powers):g} to {max(powers):g} W, which allows {max(low, 0):.1f} to "
            f"{high:.1f} Wh (a register stepping in {step:g} Wh, as its readings show)",
            key="meter_wh",
            observed=grown,
            allowed=f"{max(low, 0):.1f} to {high:.1f} Wh",
            exchange=last.exchange,
            at=(last.at,),
        )
    ]


def _refreshed_in_steps(
    cat: Catalogue,
    usable: Sequence[Sample],
    times: Sequence[float],
    powers: Sequence[float],
    meters: Sequence[float],
    step: float,
) -> list[Finding]:
    """A register that held still between reads refreshes more slowly than it is read: each
    reading is its value at its last refresh, some time before. Judged between two refreshes
    (each between the read before the change and the read that shows it); still for longer
    than ``MAX_REFRESH_S`` while power flows, it has stopped; with fewer than two refreshes
    seen, it is not judged (watch longer)."""
    check = "temp.energy-follows-power"
    changes, still = _refreshes(meters, times)
    least = max(0.0, min(powers) - cat.key("power_w").tolerance) * (1 - METER_SLACK)
    if least * still / 3600 <= step:
        still = 0.0  # too little energy flowed meanwhile for a register step: no sign it stopped
    flowing = f"while power_w read {min(powers):g} to {max(powers):g} W"
    unjudged = _unjudged_refreshes(check, "meter_wh", "meter", changes, still, usable, flowing)
    if unjudged is not None:
        return unjudged
    a, b = changes[0], changes[-1]
    grown = meters[b] - meters[a]
    shortest = times[b - 1] - times[a]  # the refreshes were at least this far apart
    longest = times[b] - times[a - 1]  # and at most this far
    jitter = usable[a].jitter + usable[b].jitter
    low, _ = energy_band(cat, powers[a - 1 : b + 1], shortest, jitter, step)
    _, high = energy_band(cat, powers[a - 1 : b + 1], longest, jitter, step)
    if low <= grown <= high:
        return []
    return [
        fail(
            check,
            f"meter_wh grew by {grown:g} Wh between two of its refreshes, {shortest:.1f} to "
            f"{longest:.1f} s apart, while power_w read {min(powers):g} to {max(powers):g} W, "
            f"which allows {max(low, 0):.1f} to {high:.1f} Wh (a register stepping in "
            f"{step:g} Wh, read out in steps)",
            key="meter_wh",
            observed=grown,
            allowed=f"{max(low, 0):.1f} to {high:.1f} Wh",
            exchange=usable[b].exchange,
            at=(usable[b].at,),
        )
    ]


def _mean_apparent(samples: Sequence[Sample]) -> float | None:
    """The mean of voltage x current over the samples, where every one shows both."""
    totals = []
    for s in samples:
        volts, amps = numbers(s.values, "voltage_v"), numbers(s.values, "current_a")
        if volts is None or amps is None or len(volts) != len(amps):
            return None
        totals.append(sum(v * a for v, a in zip(volts, amps, strict=True)))
    return sum(totals) / len(totals) if totals else None


def transaction_within_meter_growth(samples: Sequence[Sample]) -> list[Finding]:
    """The transaction's energy is counted by the meter: over a session's readings it grows by
    no more than meter_wh does (give or take a step of each register), so it never grows while
    nothing charges. Judged from the first reading of a session to its last, so a counter
    that jumps back and forth (the counter rule's fault) is not blamed twice."""
    check = "temp.transaction-follows-meter"
    readings = [
        (s, number(s.values, "transaction_wh"), number(s.values, "meter_wh")) for s in samples
    ]
    usable = [(s, t, m) for s, t, m in readings if t is not None and m is not None]
    if len(usable) < 2:
        return [not_tested(check, "fewer than 2 readable samples", key="transaction_wh")]
    tx_step = register_resolution([t for _, t, _ in usable])
    meter_step = register_resolution([m for _, _, m in usable])
    sessions: list[list[tuple[Sample, float, float]]] = [[usable[0]]]
    for previous, current in itertools.pairwise(usable):
        if _session_boundary(previous[0], current[0]):
            sessions.append([])
        sessions[-1].append(current)
    for session in sessions:
        (s1, t1, m1), (s2, t2, m2) = session[0], session[-1]
        if len(session) < 2 or m2 < m1:
            continue  # one reading, or a meter running backwards (the counter rule's fault)
        if t2 - t1 > (m2 - m1) + tx_step + meter_step:
            return [
                fail(
                    check,
                    f"transaction_wh grew by {t2 - t1:g} Wh while meter_wh grew by "
                    f"{m2 - m1:g} Wh (in {s2.at - s1.at:.1f} s): a transaction's energy is "
                    "part of what the meter counts",
                    key="transaction_wh",
                    observed=[t1, t2],
                    allowed=f"at most {m2 - m1 + tx_step + meter_step:g} Wh more",
                    exchange=s2.exchange,
                    at=(s2.at,),
                )
            ]
    return []
