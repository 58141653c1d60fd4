"""One page for a lab: every controller's verdict, its keys and families side by side, and the
faults several controllers share, listed once with the controllers that show them.

Pure apart from ``read`` and ``write``: the per-controller summaries (``reports/<name>/
conformance.json``) in, the fleet out. A lab run writes it at its end; ``ccrest report merge
DIR...`` writes the same from the shards of a CI matrix, so both give one fleet summary.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ccrest import safe
from ccrest.inventory import NAME
from ccrest.report.files import write_json, write_text
from ccrest.report.summary import COLUMNS, schema_problem
from ccrest.verdict import WORDS, Verdict, exit_code, worst

MISSING = "no report"  # a controller of the inventory whose report is not there


class FleetError(ValueError):
    """A folder that holds no controller's report; the message names it and the fix."""


def read(folders: Iterable[Path]) -> dict[str, dict[str, Any]]:
    """name -> summary, from each folder's conformance.json (a folder without one is left
    out, to be named as missing by ``build``)."""
    out = {}
    for folder in folders:
        path = folder / "conformance.json"
        try:
            summary = safe.tree(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            continue
        except (OSError, ValueError, RecursionError) as exc:
            why = "nested too deep" if isinstance(exc, RecursionError) else safe.text(str(exc))
            raise FleetError(f"{path}: not a conformance summary ({why}); run it again") from None
        problem = schema_problem(summary)
        if problem is not None:
            raise FleetError(
                f"{path}: not a ccrest conformance summary: {problem}; give the report folders "
                "of lab runs, as they wrote them"
            )
        assert isinstance(summary, dict)
        name = (summary.get("device") or {}).get("name") or folder.name
        if not NAME.fullmatch(str(name)):
            raise FleetError(
                f"{path}: the controller name {name!r} is not one an inventory allows (1-40 "
                "letters, digits, '.', '_' or '-'); give the report folders of lab runs"
            )
        out[str(name)] = summary
    return out


def collect(roots: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """Every controller's summary under the given report folders (a shard's reports/)."""
    folders = [f for root in roots for f in sorted(root.iterdir()) if f.is_dir()]
    summaries = read(folders)
    if not summaries:
        named = ", ".join(str(r) for r in roots)
        raise FleetError(
            f"{named}: no controller's report (reports/<name>/conformance.json); give the "
            "report folders of lab runs (--inventory)"
        )
    return summaries


def _families(summary: Mapping[str, Any]) -> dict[str, str]:
    """Per family of tests: fail, pass, not-tested (nothing ran), as the tests say."""
    states: dict[str, set[str]] = {}
    for test in summary["tests"]:
        family = test.get("family") or "other"
        states.setdefault(family, set()).add(test["outcome"])
    out = {}
    for family, outcomes in states.items():
        if outcomes & {"failed", "error", "xpassed"}:
            out[family] = "fail"
        elif outcomes & {"passed", "xfailed"}:
            out[family] = "pass"
        else:
            out[family] = "not-tested"
    return out


def build(
    summaries: Mapping[str, Mapping[str, Any]],
    expected: Sequence[str] = (),
    interrupted: str = "",
) -> dict[str, Any]:
    """The fleet; a controller of ``expected`` without a report is not testable (``MISSING``),
    or, in a lab run that was ``interrupted`` (by "Ctrl-C", "SIGTERM"), interrupted before
    its checks began: never a verdict on a device nobody checked."""
    names = sorted(set(expected) | set(summaries))  # by name: a merge of shards reads the same
    devices: list[dict[str, Any]] = []
    keys: dict[str, dict[str, str]] = {}  # key -> controller -> verdict
    shared: dict[tuple[Any, Any, Any], dict[str, Any]] = {}  # (check, key, observed) -> row
    for name in names:
        summary = summaries.get(name)
        if summary is None:
            devices.append(
                {
                    "name": name,
                    "url": "",
                    "vendor": "",
                    "model": "",
                    "firmware": "",
                    "profile": "",
                    "verdict": "interrupted" if interrupted else "not-testable",
                    "untestable": "" if interrupted else MISSING,
                    "reason": (
                        f"the run was interrupted ({interrupted}) before this controller's "
                        "checks began; no report"
                        if interrupted
                        else ""
                    ),
                    "counts": None,
                    "http_requests": 0,
                    "families": {},
                }
            )
            continue
        target = summary["target"]
        devices.append(
            {
                "name": name,
                "url": target["url"],
                "vendor": target.get("cp_vendor", ""),
                "model": target.get("cp_model", ""),
                "firmware": target.get("firmware_ver", ""),
                "profile": summary["profile"]["name"],
                "verdict": summary["verdict"],
                "untestable": (summary.get("device") or {}).get("untestable", ""),
                "reason": summary.get("verdict_reason") or "",  # why not conforms, in words
                "counts": summary["counts"],
                "http_requests": summary["run"]["http_requests"],
                "families": _families(summary),
            }
        )
        for key, entry in summary["keys"].items():
            keys.setdefault(key, {})[name] = entry["verdict"]
        for g in summary.get("faults") or ():
            cause = (g["check"], g.get("key", ""), g.get("observed", g["message"]))
            row = shared.setdefault(
                cause,
                {
                    "check": g["check"],
                    "key": g.get("key", ""),
                    "observed": cause[2],
                    "allowed": (g.get("allowed") or "-")[:300],
                    "passage": g.get("passage", ""),
                    "devices": [],
                },
            )
            row["devices"].append(name)
    for d in devices:
        d.setdefault("http_requests", 0)
    faults = sorted(shared.values(), key=lambda r: (-len(r["devices"]), r["check"], r["key"]))
    verdict = worst(d["verdict"] for d in devices)
    codes = [
        s["run"]["exit_status"]
        for s in summaries.values()
        if s["verdict"] == verdict and isinstance(s["run"].get("exit_status"), int)
    ]
    return {
        "verdict": str(verdict),
        "exit_code": max(codes, default=exit_code(verdict)),
        "devices": devices,
        "families": sorted({f for d in devices for f in d.get("families", {})}),
        "columns": list(COLUMNS),
        "keys": keys,
        "faults": faults,
    }


def render_md(fleet: Mapping[str, Any]) -> str:
    from ccrest.report.markdown import text

    lines = [
        f"# ccrest lab: {WORDS[Verdict(fleet['verdict'])]} ({len(fleet['devices'])} controllers)",
        "",
        "| controller | model | firmware | profile | verdict | faults | requests |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for d in fleet["devices"]:
        said = d["untestable"] or d.get("reason")
        why = f" ({text(said)})" if said else ""
        verdict = WORDS[Verdict(d["verdict"])] + why
        lines.append(
            f"| {text(d['name'])} | {text(d.get('model') or '-')} "
            f"| {text(d.get('firmware') or '-')} | {text(d.get('profile') or '-')} | {verdict} "
            f"| {(d.get('counts') or {}).get('faults', '-')} | {d['http_requests']} |"
        )
    if fleet["faults"]:
        lines += [
            "",
            "## Faults, once each, with the controllers that show them",
            "",
            "| check | key | observed | allowed | controllers |",
            "| --- | --- | --- | --- | --- |",
        ]
        for f in fleet["faults"][:100]:
            lines.append(
                f"| {text(f['check'])} | {text(f['key'] or '-')} | {text(f['observed'][:200])} "
                f"| {text(f['allowed'][:160])} | {text(', '.join(f['devices']))} |"
            )
    return "\n".join(lines) + "\n"


def render_html(fleet: Mapping[str, Any]) -> str:
    from ccrest.report.html import LABELS, templates

    verdicts = {str(v): words for v, words in WORDS.items()}
    return (
        templates()
        .get_template("fleet.html.j2")
        .render(fleet=fleet, verdicts=verdicts, labels=LABELS)
    )


def write(folder: Path, fleet: Mapping[str, Any]) -> None:
    write_json(folder / "fleet.json", fleet)
    write_text(folder / "fleet.md", render_md(fleet))
    write_text(folder / "fleet.html", render_html(fleet))
