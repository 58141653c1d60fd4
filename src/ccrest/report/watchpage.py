"""A watch's reports: ``watch.json`` (the summary), ``watch.md`` and ``watch.html``, whose
timeline draws, over the whole watch, the states as a strip, power, current per phase, energy
and the charging timer, each fault marked where it happened (inline SVG; opens offline)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ccrest.report.files import write_json, write_text
from ccrest.report.html import templates
from ccrest.report.markdown import text, verdict_words
from ccrest.verdict import explain

WIDTH, LEFT, RIGHT = 1100, 150, 20
LANE, GAP = 70, 16
STATE_COLOURS = {
    "no_vehicle_connected": "#e0e0e0",
    "vehicle_connected_type2": "#bbdefb",
    "vehicle_connected_schuko": "#bbdefb",
    "vehicle_charging_type2": "#a5d6a7",
    "vehicle_charging_schuko": "#a5d6a7",
    "vehicle_connector_error": "#ef9a9a",
}


def _x(t: float, t_max: float) -> float:
    return LEFT + (t / (t_max or 1.0)) * (WIDTH - LEFT - RIGHT)


def _phases(value: object) -> list[float] | None:
    if not isinstance(value, str):
        return None
    try:
        return [float(p) for p in value.split(",")]
    except ValueError:
        return None


def lanes(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Coordinates for the template: the state strip and one polyline per series."""
    rows = [r for r in rows if "error" not in r]
    t_max = max((r["t"] for r in rows), default=0.0)
    strip, start = [], None
    for i, r in enumerate(rows):
        state = str(r.get("conn_state"))
        if start is None:
            start = (r["t"], state)
        end = rows[i + 1]["t"] if i + 1 < len(rows) else r["t"]
        nxt = str(rows[i + 1].get("conn_state")) if i + 1 < len(rows) else None
        if nxt != state:
            x0, x1 = _x(start[0], t_max), _x(end, t_max)
            colour = STATE_COLOURS.get(state, "#ffcc80")
            strip.append({"x": x0, "w": max(x1 - x0, 1.0), "colour": colour, "state": state})
            start = None
    phases = [_phases(r.get("current_a")) for r in rows]
    # in the order drawn, under the state strip
    shown: list[tuple[str, list[list[tuple[float, object]]]]] = [
        ("power_w (W)", [_series(rows, "power_w")]),
        (
            "current_a per phase (A)",
            [[(r["t"], _nth(ph, p)) for r, ph in zip(rows, phases, strict=True)] for p in range(3)],
        ),
        ("meter_wh since start (Wh)", [_since_start(rows, "meter_wh")]),
        (
            "time_since_charging_start (s)",
            [[(r["t"], r.get("time_since_charging_start")) for r in rows]],
        ),
    ]
    out_lanes, top = [], LANE + GAP
    for title, lines in shown:
        out_lanes.append(_lane(title, lines, top, t_max))
        top += LANE + GAP
    faults = [
        {"x": _x(r["t"], t_max), "title": f"t={r['t']:.1f} s: {', '.join(r['failed'])}"}
        for r in rows
        if r.get("failed")
    ]
    return {
        "strip": strip,
        "lanes": out_lanes,
        "faults": faults,
        "height": top,
        "width": WIDTH,
        "left": LEFT,
        "t_max": t_max,
    }


def _since_start(rows: Sequence[Mapping[str, Any]], key: str) -> list[tuple[float, object]]:
    first = next((r[key] for r in rows if isinstance(r.get(key), int | float)), None)
    if first is None:
        return []
    return [(t, v - first if isinstance(v, int | float) else None) for t, v in _series(rows, key)]


def _series(rows: Sequence[Mapping[str, Any]], key: str) -> list[tuple[float, object]]:
    return [(r["t"], r.get(key)) for r in rows]


def _nth(values: list[float] | None, n: int) -> float | None:
    return values[n] if values and len(values) > n else None


def _lane(
    title: str, lines: Sequence[Sequence[tuple[float, object]]], top: float, t_max: float
) -> dict[str, Any]:
    values = [v for line in lines for _, v in line if isinstance(v, int | float)]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    span = (hi - lo) or 1.0
    drawn = [
        " ".join(
            f"{_x(t, t_max):.1f},{top + LANE - (v - lo) / span * (LANE - 8) - 4:.1f}"
            for t, v in line
            if isinstance(v, int | float)
        )
        for line in lines
    ]
    return {"title": title, "lo": lo, "hi": hi, "lines": drawn, "top": top}


def render_md(summary: Mapping[str, Any]) -> str:
    lines = [
        f"# ccrest watch: {text(summary['target']['url'])}: {verdict_words(summary)}",
        "",
        *([text(sentence(summary)), ""] if sentence(summary) else []),
        f"Watched {summary['watched_s']:.0f} s of {summary['planned_s']:.0f} s"
        + (" (interrupted)" if summary["interrupted"] else "")
        + (f" (stopped sending: {text(summary['stopped'])})" if summary.get("stopped") else "")
        + f", one full_state every {summary['interval_s']:g} s: {summary['samples']} samples, "
        f"{summary['unreadable']} unreadable, {len(summary['transitions'])} transitions, "
        f"{summary['http_requests']} requests.",
    ]
    if summary["faults"]:
        lines += [
            "",
            "| check | key | first seen | last seen | samples | what |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for f in summary["faults"]:
            what = text(f["message"][:200])
            lines.append(
                f"| {text(f['check'])} | {text(f['key'] or '-')} | {f['first_t']:.1f} s "
                f"| {f['last_t']:.1f} s | {f['count']} | {what} |"
            )
    if summary["transitions"]:
        lines += ["", "Transitions:", ""]
        for tr in summary["transitions"][:50]:
            moves = "; ".join(f"{k} {a} -> {b}" for k, (a, b) in tr["changed"].items())
            lines.append(f"- {tr['t']:.1f} s: {text(moves)}")
    return "\n".join(lines) + "\n"


def write(folder: Path, summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> None:
    write_json(folder / "watch.json", summary)
    write_text(folder / "watch.md", render_md(summary))
    page = (
        templates()
        .get_template("watch.html.j2")
        .render(
            summary=summary,
            verdict=verdict_words(summary),
            sentence=sentence(summary),
            timeline=lanes(rows),
        )
    )
    write_text(folder / "watch.html", page)


def sentence(summary: Mapping[str, Any]) -> str:
    """The verdict's sentence, as ``ccrest check``'s reports word theirs."""
    return explain(summary["verdict"], summary.get("verdict_reason") or "")


def last_line(summary: Mapping[str, Any], folder: Path) -> str:
    reason = f" ({summary['verdict_reason']})" if summary.get("verdict_reason") else ""
    stopped = f" (stopped sending: {summary['stopped']})" if summary.get("stopped") else ""
    return (
        f"ccrest watch: {verdict_words(summary)}: {summary['target']['url']}; "
        f"{summary['samples']} samples, {len(summary['faults'])} faults{reason}{stopped}; "
        f"reports in {folder} (exit {summary['exit_code']})"
    )
