"""Many builds on one page (``ccrest report history``): per model, each build in firmware order
with its verdict, its faults, the faults that appeared and disappeared since the build before
and the interface changes from it (``ccrest.report.interface``), as a table and a chart.

Pure apart from the renderers' templates: (path, summary) pairs in, the history out. The
summaries were read back by ``ccrest.report.__main__`` (checked against the report schema and
made display-safe there).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ccrest.report import chart, interface
from ccrest.report.diff import fault_rows
from ccrest.report.markdown import text as md
from ccrest.spec import catalogue
from ccrest.verdict import WORDS, Verdict

SHOWN = 5  # faults or changes named per build; the rest are counted


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """A natural sort: 5.9 before 5.22 before 5.33.9-21459 (numbers compared as numbers)."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.split(r"([0-9]+)", version)
        if part
    )


def model_of(summary: Mapping[str, Any]) -> str:
    """What a build is a build of: a lab controller's name, else vendor and model."""
    device = (summary.get("device") or {}).get("name")
    if device:
        return str(device)
    t = summary["target"]
    return " ".join(str(t[k]) for k in ("cp_vendor", "cp_model") if t.get(k)) or "unknown model"


def _cause(cause: tuple[str, str, str]) -> str:
    check, key, observed = cause
    return f"{check} [{key}] {observed}"[:160] if key else f"{check} {observed}"[:160]


def build(summaries: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The history: models in name order, each with its builds in firmware order."""
    cat = catalogue()
    groups: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for path, summary in summaries:
        groups.setdefault(model_of(summary), []).append((path, summary))
    models = []
    for model in sorted(groups):
        runs = sorted(
            groups[model],
            key=lambda r: (
                "firmware_ver" not in r[1]["target"],
                version_key(str(r[1]["target"].get("firmware_ver", ""))),
                r[0],
            ),
        )
        builds = []
        previous: Mapping[str, Any] | None = None
        for path, summary in runs:
            faults = fault_rows(summary)
            row: dict[str, Any] = {
                "path": path,
                "firmware": summary["target"].get("firmware_ver", "-"),
                "verdict": summary["verdict"],
                "verdict_words": WORDS[Verdict(summary["verdict"])],
                "faults": len(faults),
                "appeared": [],
                "disappeared": [],
                "interface_changes": None,  # the first build has none to compare with
                "interface": None,
            }
            if previous is not None:
                before = fault_rows(previous)
                row["appeared"] = [_cause(c) for c in faults if c not in before]
                row["disappeared"] = [_cause(c) for c in before if c not in faults]
                section = interface.compare(
                    previous.get("interface"), summary.get("interface"), cat
                )
                row["interface"] = section
                row["interface_changes"] = len(section["changes"]) if section["recorded"] else None
            builds.append(row)
            previous = summary
        models.append({"model": model, "builds": builds})
    return {"models": models, "builds": sum(len(m["builds"]) for m in models)}


def _interface_words(row: Mapping[str, Any]) -> str:
    section = row["interface"]
    if section is None:
        return "-"
    if not section["recorded"]:
        return "not recorded"
    changes = section["changes"]
    named = [f"{c['change']} {c['key']}" for c in changes[:SHOWN]]
    more = f" and {len(changes) - SHOWN} more" if len(changes) > SHOWN else ""
    return f"{len(changes)}: " + "; ".join(named) + more if changes else "none"


def _listed(items: Sequence[str]) -> str:
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return "; ".join(items[:SHOWN]) + more if items else "-"


def render_text(history: Mapping[str, Any]) -> str:
    out = [f"ccrest history: {history['builds']} builds of {len(history['models'])} model(s)"]
    for m in history["models"]:
        out.append(f"\n{m['model']}")
        for b in m["builds"]:
            out.append(
                f"  {b['firmware']!s:<20} {b['verdict']:<17} faults {b['faults']:>3}  "
                f"+{len(b['appeared'])} -{len(b['disappeared'])}  "
                f"interface {_interface_words(b)}"
            )
    return "\n".join(out) + "\n"


def render_markdown(history: Mapping[str, Any]) -> str:
    """The history for a CI job's summary; every text not ccrest's own escaped."""
    out = [f"# ccrest history: {history['builds']} builds", ""]
    for m in history["models"]:
        out += [
            f"## {md(m['model'])}",
            "",
            "| firmware | verdict | faults | appeared | disappeared | interface changes |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        out += [
            f"| {md(b['firmware'])} | {b['verdict_words']} | {b['faults']} | "
            f"{md(_listed(b['appeared']))} | {md(_listed(b['disappeared']))} | "
            f"{md(_interface_words(b))} |"
            for b in m["builds"]
        ]
        out.append("")
    return "\n".join(out)


def render_html(history: Mapping[str, Any]) -> str:
    from ccrest.report.html import templates

    charts = [chart.history_panel(m["builds"], m["model"]) for m in history["models"]]
    return (
        templates()
        .get_template("history.html.j2")
        .render(
            history=history,
            models=list(zip(history["models"], charts, strict=True)),
            interface_words=_interface_words,
            listed=_listed,
            readers=interface.READERS,
            **chart.GEOMETRY,
        )
    )
