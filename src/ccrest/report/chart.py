"""The temporal samples as two small charts, in numbers a template draws as inline SVG: the
meter against the band the power allows, and the charging timer against the clock; and a
model's builds in firmware order (``report history``): faults and interface changes per build.

Pure and without a plotting library: coordinates in, coordinates out; the page opens offline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT = 640, 190
LEFT, RIGHT, TOP, BOTTOM = 70, 12, 14, 30  # room for the axis labels
CHARGING = ("vehicle_charging_type2", "vehicle_charging_schuko")
# what a template needs to draw a panel's axes
GEOMETRY = {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": RIGHT, "bottom": BOTTOM}


@dataclass
class Point:
    x: float
    y: float
    label: str  # what a reader sees on hover: time, value, and what failed there
    failed: bool = False


@dataclass
class Panel:
    """One chart: an observed series as points on a line, and what was allowed."""

    title: str
    unit: str
    points: list[Point]
    band: str = ""  # SVG polygon points: the range the value was allowed to be in
    expected: str = ""  # SVG polyline points: the value a correct device shows
    ticks: list[tuple[float, str]] = field(default_factory=list)  # y, label
    t_max: float = 0.0
    second: list[Point] = field(default_factory=list)  # another series on the same axes
    x_ticks: list[tuple[float, str]] = field(default_factory=list)  # x, label (a build's)

    @property
    def second_line(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.second)

    @property
    def line(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def failed(self) -> list[Point]:
        return [p for p in self.points if p.failed]


class _Scale:
    def __init__(self, ts: Sequence[float], values: Sequence[float]) -> None:
        self.t0, self.t1 = min(ts), max(ts)
        lo, hi = min(values), max(values)
        pad = (hi - lo) * 0.08 or max(abs(hi) * 0.001, 1.0)
        self.v0, self.v1 = lo - pad, hi + pad

    def x(self, t: float) -> float:
        span = (self.t1 - self.t0) or 1.0
        return LEFT + (t - self.t0) / span * (WIDTH - LEFT - RIGHT)

    def y(self, v: float) -> float:
        return TOP + (self.v1 - v) / (self.v1 - self.v0) * (HEIGHT - TOP - BOTTOM)

    def ticks(self) -> list[tuple[float, str]]:
        return [(self.y(v), f"{v:,.0f}") for v in (self.v0, (self.v0 + self.v1) / 2, self.v1)]


def _failed(row: Mapping[str, Any], checks: tuple[str, ...]) -> bool:
    return any(c in checks for c in row.get("failed", ()))


def _points(
    rows: Sequence[Mapping[str, Any]], s: _Scale, key: str, unit: str, checks: tuple[str, ...]
) -> list[Point]:
    """Each reading of ``key``, flagged where one of ``checks`` (this chart's) failed."""
    return [
        Point(
            s.x(r["t"]),
            s.y(r[key]),
            f"t={r['t']:.1f} s: {key} {r[key]:g} {unit}, power_w {r.get('power_w')}"
            + (f"; failed {', '.join(r['failed'])}" if _failed(r, checks) else ""),
            _failed(r, checks),
        )
        for r in rows
    ]


def meter_panel(rows: Sequence[Mapping[str, Any]]) -> Panel | None:
    points = [r for r in rows if r.get("meter_wh") is not None]
    if len(points) < 2:
        return None
    bands = [r for r in points if "band" in r]
    values = [r["meter_wh"] for r in points] + [v for r in bands for v in r["band"]]
    s = _Scale([r["t"] for r in points], values)
    checks = ("temp.counter-monotonic", "temp.energy-follows-power")
    panel = Panel(
        "meter_wh as observed, against the band power_w allows",
        "Wh",
        _points(points, s, "meter_wh", "Wh", checks),
        ticks=s.ticks(),
        t_max=s.t1 - s.t0,
    )
    if bands:
        start = points[0]
        origin = (start["t"], start["meter_wh"])
        upper = [origin] + [(r["t"], r["band"][1]) for r in bands]
        lower = [(r["t"], r["band"][0]) for r in reversed(bands)] + [origin]
        panel.band = " ".join(f"{s.x(t):.1f},{s.y(v):.1f}" for t, v in upper + lower)
    return panel


def timer_panel(rows: Sequence[Mapping[str, Any]]) -> Panel | None:
    charging = [
        r
        for r in rows
        if r.get("conn_state") in CHARGING and r.get("time_since_charging_start") is not None
    ]
    if len(charging) < 2:
        return None
    first, last = charging[0], charging[-1]
    clock_end = first["time_since_charging_start"] + (last["t"] - first["t"])
    values = [r["time_since_charging_start"] for r in charging] + [clock_end]
    s = _Scale([r["t"] for r in charging], values)
    checks = ("temp.timer-advances", "temp.session-counter-monotonic")
    return Panel(
        "time_since_charging_start while charging, against the clock",
        "s",
        _points(charging, s, "time_since_charging_start", "s", checks),
        expected=(
            f"{s.x(first['t']):.1f},{s.y(first['time_since_charging_start']):.1f} "
            f"{s.x(last['t']):.1f},{s.y(clock_end):.1f}"
        ),
        ticks=s.ticks(),
        t_max=s.t1 - s.t0,
    )


def panels(samples: Mapping[str, Any] | None) -> list[Panel]:
    if not samples:
        return []
    rows = samples.get("rows", ())
    return [p for p in (meter_panel(rows), timer_panel(rows)) if p is not None]


def history_panel(builds: Sequence[Mapping[str, Any]], title: str) -> Panel:
    """One model's builds left to right in firmware order: its faults (a point per build,
    flagged where the verdict is not conforms) and its interface changes from the build
    before (a second series)."""
    xs = list(range(len(builds)))
    changes = [b["interface_changes"] or 0 for b in builds]
    s = _Scale(xs or [0], [0, *(b["faults"] for b in builds), *changes])
    s.v0 = 0  # counts start at zero
    panel = Panel(
        title,
        "faults",
        [
            Point(
                s.x(i),
                s.y(b["faults"]),
                f"{b['firmware']}: {b['verdict']}, {b['faults']} faults",
                b["verdict"] != "conforms",
            )
            for i, b in zip(xs, builds, strict=True)
        ],
        ticks=[(s.y(v), f"{v:,.0f}") for v in (0, (s.v1) / 2, s.v1)],
        t_max=len(builds),
    )
    panel.second = [
        Point(s.x(i), s.y(n), f"{b['firmware']}: {n} interface changes from the build before")
        for i, b, n in zip(xs, builds, changes, strict=True)
        if b["interface_changes"] is not None
    ]
    panel.x_ticks = [(s.x(i), str(b["firmware"])[:24]) for i, b in zip(xs, builds, strict=True)]
    return panel
