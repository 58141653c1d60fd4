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

from ccrest.report.summary import COLUMNS, schema_problem

# worst first: the fleet's verdict and exit code are its worst controller's
RANK = ("does-not-conform", "not-testable", "partial", "not-tested", "conforms")
EXIT = {"does-not-conform": 1, "not-testable": 6, "partial": 0, "not-tested": 5, "conforms": 0}
MISSING = "no report"  # a controller of the inventory whose report is not there


class FleetError(ValueError):
    """A folder that holds no controller's report; the message names it and the fix."""


def read(folders: Iterable[Path]) -> dict[str, dict]:
    """name -> summary, from each folder's conformance.json (a folder without one is left
    out, to be named as missing by ``build``)."""
    out = {}
    for folder in folders:
        path = folder / "conformance.json"
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            raise FleetError(f"{path}: not a conformance summary ({exc}); run it again") from None
        problem = schema_problem(summary)
        if problem is not None:
            raise FleetError(
                f"{path}: not a ccrest conformance summary: {problem}; give the report folders "
                "of lab runs, as they wrote them"
            )
        name = (summary.get("device") or {}).get("name") or folder.name
        out[name] = summary
    return out


def collect(roots: Sequence[Path]) -> dict[str, dict]:
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


def _families(summary: Mapping) -> dict[str, str]:
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


def build(summaries: Mapping[str, Mapping], expected: Sequence[str] = ()) -> dict:
    names = sorted(set(expected) | set(summaries))  # by name: a merge of shards reads the same
    devices, keys, shared = [], {}, {}
    for name in names:
        summary = summaries.get(name)
        if summary is None:
            devices.append(
                {"name": name, "url": "", "verdict": "not-testable", "untestable": MISSING}
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
    worst = min((d["verdict"] for d in devices), key=RANK.index, default="not-tested")
    return {
        "verdict": worst,
        "exit_code": EXIT[worst],
        "devices": devices,
        "families": sorted({f for d in devices for f in d.get("families", {})}),
        "columns": list(COLUMNS),
        "keys": keys,
        "faults": faults,
    }


def render_md(fleet: Mapping) -> str:
    from ccrest.report.markdown import VERDICTS, cell

    lines = [
        f"# ccrest lab: {VERDICTS[fleet['verdict']]} ({len(fleet['devices'])} controllers)",
        "",
        "| controller | model | firmware | profile | verdict | faults | requests |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for d in fleet["devices"]:
        why = f" ({cell(d['untestable'])})" if d["untestable"] else ""
        verdict = VERDICTS[d["verdict"]] + why
        lines.append(
            f"| {cell(d['name'])} | {cell(d.get('model') or '-')} "
            f"| {cell(d.get('firmware') or '-')} | {cell(d.get('profile') or '-')} | {verdict} "
            f"| {d.get('counts', {}).get('faults', '-')} | {d['http_requests']} |"
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
                f"| {f['check']} | {cell(f['key'] or '-')} | {cell(f['observed'])[:200]} "
                f"| {cell(f['allowed'])[:160]} | {', '.join(f['devices'])} |"
            )
    return "\n".join(lines) + "\n"


def render_html(fleet: Mapping) -> str:
    from ccrest.report.html import LABELS, templates
    from ccrest.report.markdown import VERDICTS

    return (
        templates()
        .get_template("fleet.html.j2")
        .render(fleet=fleet, verdicts=VERDICTS, labels=LABELS)
    )


def write(folder: Path, fleet: Mapping) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fleet.json").write_text(json.dumps(fleet, indent=2, ensure_ascii=False) + "\n")
    (folder / "fleet.md").write_text(render_md(fleet), encoding="utf-8")
    (folder / "fleet.html").write_text(render_html(fleet), encoding="utf-8")
