"""The HTML pieces added to pytest-html's report, from the Jinja2 templates beside this module:
the verdict and the faults first, the states strip, the matrix, the charts, the environment;
per test, its findings with their passages and the exchange, the offending line marked.

The templates autoescape: every string that came from the device is text, never markup. This
module turns the summary (the one source every report reads) into what the templates show.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from ccrest.exchange import Exchange
from ccrest.findings import Finding, show
from ccrest.report import chart
from ccrest.report.markdown import identity, scope_words, verdict_words
from ccrest.report.summary import COLUMNS, Record, where
from ccrest.spec import Catalogue

LABELS = {
    "pass": "pass",
    "fail": "FAIL",
    "warn": "advisory",
    "waived": "waived",
    "not-tested": "not tested",
    "n/a": "",
    "extra": "UNDOCUMENTED",
    "missing": "MISSING",
}
VERDICT_CLASS = {
    "conforms": "pass",
    "partial": "warn",
    "does-not-conform": "fail",
    "interrupted": "fail",
    "not-tested": "not-tested",
    "not-testable": "fail",
}
OUTCOME_STATE = {
    "passed": "pass",
    "failed": "fail",
    "error": "fail",
    "xpassed": "fail",
    "xfailed": "waived",
    "skipped": "not-tested",
}
MAX_FAULTS = 50  # fault rows the first screen lists; the JSON keeps all
DETAILS_LISTED = 20  # findings a test's details show; the JSON keeps all
ALLOWED_SHOWN = 300  # characters of an allowed-values list a fault row shows


@functools.cache
def templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ccrest.report", "templates"),
        autoescape=True,  # the .j2 files are HTML
        undefined=jinja2.StrictUndefined,  # a typo in a template fails the self-tests
        trim_blocks=True,
        lstrip_blocks=True,
    )


def title(summary: Mapping[str, Any]) -> str:
    return f"ccrest: {identity(summary)}: {verdict_words(summary)}"


def environment(summary: Mapping[str, Any]) -> dict[str, str]:
    t, run, s = summary["target"], summary["run"], summary["settings"]
    return {
        "Vendor": t.get("cp_vendor", "-"),
        "Model": t.get("cp_model", "-"),
        "Firmware": t.get("firmware_ver", "-"),
        "Serials (cc_serial_n / manuf_serial_n)": (
            f"{t.get('cc_serial_n', '-')} / {t.get('manuf_serial_n', '-')}"
        ),
        "Controller URL": where(t),
        "Auth scheme": f"{s['auth_scheme']} as {s['username']}",
        "REST mode": s["rest_mode"],
        "Profile": summary["profile"]["name"],
        "ccrest version": summary["versions"]["ccrest"],
        "Schema set": summary["versions"]["schema_set"],
        "Started": run["started"],
        "Duration": f"{run['duration_s']:.1f} s",
        "HTTP requests": str(run["http_requests"]),
    }


def curl(summary: Mapping[str, Any], request: str) -> str:
    """A command that repeats the request, the password as $CC_PASSWORD (never its value)."""
    method, _, url = request.partition(" ")
    user = summary["settings"]["username"]
    if summary["settings"]["auth_scheme"] == "basic":
        auth = f'-u "{user}:$CC_PASSWORD"'
    else:
        auth = f"-H 'Authorization: Basic Auth' -H 'Username: {user}' -H \"Password: $CC_PASSWORD\""
    verb = "" if method == "GET" else f" -X {method}"
    return f"curl -s -i{verb} {auth} '{url}'"


def _faults(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "anchor": f"fault-{i}",
            "check": g["check"],
            "key": g.get("key", ""),
            "observed": g.get("observed", g["message"]),
            "allowed": (g.get("allowed") or "-")[:ALLOWED_SHOWN],
            "passage": g["passage"],
            "count": g["count"],
            "curl": curl(summary, g["request"]) if g.get("request") else "",
        }
        for i, g in enumerate((summary.get("faults") or [])[:MAX_FAULTS], 1)
    ]


def _anchors(faults: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(check, key) -> the first fault row about it; (check, '') for any key."""
    anchors: dict[tuple[str, str], str] = {}
    for f in faults:
        anchors.setdefault((f["check"], f["key"]), f["anchor"])
        anchors.setdefault((f["check"], ""), f["anchor"])
    return anchors


def _cell(
    state: str,
    checks: Iterable[str],
    key: str,
    anchors: Mapping[tuple[str, str], str],
    span: int = 0,
) -> dict[str, Any]:
    linked = [(c, anchors.get((c, key)) or anchors.get((c, ""), "")) for c in checks]
    return {"state": state, "label": LABELS.get(state, state), "checks": linked, "span": span}


def _matrix(
    summary: Mapping[str, Any], anchors: Mapping[tuple[str, str], str]
) -> list[dict[str, Any]]:
    rows = []
    for key, entry in summary["keys"].items():
        cells = [_cell(entry["verdict"], (), key, anchors)]
        for column in COLUMNS:
            c = entry["columns"].get(column, {"state": "n/a"})
            cells.append(_cell(c["state"], c.get("checks", ()), key, anchors))
        renamed = entry.get("renamed")
        rows.append({"key": key, "verdict": entry["verdict"], "renamed": renamed, "cells": cells})
    for key in summary["undocumented_keys"]:
        cells = [
            _cell("extra", (), key, anchors),
            _cell("n/a", (), key, anchors),
            _cell("extra", ("fs.no-undocumented-key",), key, anchors),
        ] + [_cell("n/a", (), key, anchors) for _ in list(COLUMNS)[2:]]
        rows.append({"key": key, "verdict": "extra", "renamed": None, "cells": cells})
    general = _no_key(summary)
    if general:
        state = "fail" if any(s == "fail" for _, s in general) else "warn"
        checks = [c for c, _ in general]
        cells = [
            _cell(state, (), "", anchors),
            _cell(state, checks, "", anchors, span=len(COLUMNS)),
        ]
        rows.append({"key": "(no key)", "verdict": state, "renamed": None, "cells": cells})
    return rows


def _no_key(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Checks about the API as a whole (HTTP, auth, wire) that failed or warned, once each."""
    seen: dict[str, str] = {}
    for f in summary.get("general_findings", ()):
        if f["outcome"] in ("fail", "warn") and seen.get(f["check"]) != "fail":
            seen[f["check"]] = f["outcome"]
    return sorted(seen.items())


def _walk(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "scenario": s["scenario"],
            "state": OUTCOME_STATE.get(s["outcome"], "not-tested"),
            "label": LABELS[OUTCOME_STATE.get(s["outcome"], "not-tested")]
            + (" (by a person)" if s.get("driver") == "person" else ""),
            "checks": [*s.get("checks", ()), *([s["reason"]] if s.get("reason") else [])],
        }
        for s in summary.get("states_walk") or ()
    ]


def _declaration(summary: Mapping[str, Any]) -> dict[str, Any]:
    declared = dict(summary.get("declaration") or {"declared": False, "words": "undeclared"})
    declared.setdefault("model", "")
    declared["source_name"] = Path(declared.get("source", "")).name
    return declared


def _profile(summary: Mapping[str, Any]) -> dict[str, Any]:
    profile = summary["profile"]
    notes = [
        {"state": "na", "text": f"deviation accepted: {d['message']}"}
        for d in profile.get("deviations", ())
    ]
    notes += [
        {
            "state": "fail" if w["status"] in ("no longer needed", "expired") else "waived",
            "text": f"waiver {w['check']} ({w['reason']}"
            + (f", ticket {w['ticket']}" if w.get("ticket") else "")
            + (f" {w['ticket_url']}" if w.get("ticket_url") else "")
            + (f", expires {w['expires']}" if w.get("expires") else "")
            + f"): {w['status']}",
        }
        for w in profile.get("waivers", ())
    ]
    return {"name": profile["name"], "source": profile.get("source", ""), "notes": notes}


def matrix(summary: Mapping[str, Any], packages: Mapping[str, Any] | None = None) -> str:
    """The block above pytest-html's test list: everything a reader needs before the tests."""
    faults = _faults(summary)
    groups = summary.get("faults") or []
    return (
        templates()
        .get_template("summary.html.j2")
        .render(
            title=title(summary),
            verdict_class=VERDICT_CLASS[summary["verdict"]],
            scope=scope_words(summary),
            counts=summary["counts"] | {"faults": summary["counts"].get("faults", len(groups))},
            faults=faults,
            faults_more=max(0, len(groups) - MAX_FAULTS),
            profile=_profile(summary),
            declaration=_declaration(summary),
            walk=_walk(summary),
            columns=[c.replace("_", "-") for c in COLUMNS],
            matrix=_matrix(summary, _anchors(faults)),
            charts=chart.panels(summary.get("samples")),
            **chart.GEOMETRY,
            environment=environment(summary),
            coverage=requirement_coverage(),
            packages=packages or {},
        )
    )


def requirement_coverage() -> list[dict[str, Any]]:
    """The requirement coverage table's rows (ccrest.coverage), for the environment part."""
    from ccrest import coverage
    from ccrest.spec import catalogue

    return [
        {
            "id": row.requirement.id,
            "source": f"{row.requirement.source}, {row.requirement.where}",
            "text": row.requirement.text,
            "checks": ", ".join(row.requirement.checks),
            "uncovered": row.requirement.uncovered,
            "mutants": row.mutants,
        }
        for row in coverage.rows(catalogue(), coverage.requirements())
    ]


def checks_cell(checks: tuple[str, ...]) -> str:
    return f'<td class="col-checks">{markupsafe.escape(", ".join(checks))}</td>'


def details(checks: tuple[str, ...], findings: list[Finding], cat: Catalogue) -> str:
    """Each finding with the passage of the check that found it (which may be none of the
    test's declared checks), and each exchange once, its offending line marked."""
    shown: set[tuple[str, float]] = set()
    rows = []
    for f in findings[:DETAILS_LISTED]:
        spec = cat.checks.get(f.check_id)
        ex = None
        if f.exchange is not None:
            seen = (f.exchange.url, f.exchange.started)
            if seen not in shown:  # one exchange, shown once
                shown.add(seen)
                ex = exchange(f.exchange, f.key)
        rows.append(
            {
                "check": f.check_id,
                "message": f.message,
                "observed": show(f.observed, 500) if f.observed is not None else None,
                "allowed": f.allowed,
                "passage": spec.passage if spec else "",
                "certainty": spec.certainty if spec else "",
                "title": spec.title if spec else "",
                "section": spec.section if spec else "",
                "exchange": ex,
            }
        )
    found = {f.check_id for f in findings}
    untouched = [cat.check(c) for c in checks if c in cat.checks and c not in found]
    return (
        templates()
        .get_template("details.html.j2")
        .render(
            findings=rows,
            more=max(0, len(findings) - DETAILS_LISTED),
            untouched=[
                {"id": c.id, "certainty": c.certainty, "title": c.title, "section": c.section}
                | {"passage": c.passage}
                for c in untouched
            ],
        )
    )


def exchange(ex: Exchange, key: str | None = None) -> dict[str, Any]:
    """Request, answer head and body lines; the lines about ``key`` marked. Credentials were
    redacted when the exchange was recorded."""
    request = "\n".join(
        [f"{ex.method} {ex.url}", *(f"{k}: {v}" for k, v in ex.request_headers.items())]
    )
    if ex.error:
        return {"request": request, "head": ex.error, "lines": []}
    head = "\n".join([str(ex.status), *(f"{k}: {v}" for k, v in ex.response_headers.items())])
    whole = bool(key) and ex.url.split("?", 1)[0].endswith(f"/rest/{key}")  # the value itself
    about = _line_about(key) if key else None
    lines = [
        (line, (whole and bool(line)) or bool(about and about.search(line)))
        for line in ex.excerpt().split("\n")
    ]
    return {"request": request, "head": head + "\n", "lines": lines}


def _line_about(key: str) -> re.Pattern[str]:
    """A line of full_state about the key: ``key:value`` as firmware sends it, or JSON."""
    return re.compile(rf'^\s*{re.escape(key)}\s*:|"{re.escape(key)}"\s*:')


def page(summary: Mapping[str, Any], records: list[Record], cat: Catalogue) -> str:
    """A lab controller's whole page, as pytest-html's for a plain run: the same block on
    top, then every test with its details (pytest-html writes one page per session)."""
    tests = [
        {
            "id": r.nodeid.partition("::")[2] or r.nodeid,
            "outcome": r.outcome,
            "state": OUTCOME_STATE.get(r.outcome, "not-tested"),
            "checks": r.checks,
            "duration": r.duration_s,
            "details": markupsafe.Markup(details(r.checks, r.findings, cat))
            if r.outcome in ("failed", "error", "xpassed", "xfailed") and r.findings
            else "",
            "message": r.message if r.outcome != "passed" else "",
        }
        for r in records
    ]
    return (
        templates()
        .get_template("device.html.j2")
        .render(
            title=title(summary),
            device=(summary.get("device") or {}).get("name", ""),
            summary_block=markupsafe.Markup(matrix(summary)),
            tests=tests,
        )
    )
