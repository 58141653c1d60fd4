"""The short Markdown summary, fit for a CI job's summary page."""

from __future__ import annotations

from collections.abc import Mapping

from ccrest.report.summary import where

VERDICTS = {
    "conforms": "CONFORMS",
    "partial": "PARTIAL RUN, WHAT RAN PASSED",
    "does-not-conform": "DOES NOT CONFORM",
    "not-tested": "NOT TESTED",
    "not-testable": "NOT TESTABLE",
}


def scope_words(summary: Mapping) -> str:
    """What part of the suite the verdict covers, in one sentence."""
    scope = summary["run"].get("scope") or {}
    if summary["verdict"] == "not-tested":
        return "No conformance test ran" + (
            f" ({scope['selection']})." if scope.get("selection") else "."
        )
    if scope.get("complete", True):
        return ""
    families = ", ".join(scope.get("families", ())) or "none"
    return (
        f"Partial run: {scope['tests']} tests of the families {families} were selected "
        f"({scope['selection']}); the device as a whole was not judged."
    )


MAX_ROWS = 50


def cell(text: object) -> str:
    """A table cell's text: a device's '|' or line break must not end the cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def identity(summary: Mapping) -> str:
    t = summary["target"]
    parts = [
        t.get("cp_vendor"),
        t.get("cp_model"),
        t.get("firmware_ver") and f"firmware {t['firmware_ver']}",
    ]
    return " ".join(p for p in parts if p) or t["url"]


def render(summary: Mapping) -> str:
    t, c, run = summary["target"], summary["counts"], summary["run"]
    lines = [
        f"# ccrest: {cell(identity(summary))}: {VERDICTS[summary['verdict']]}",
        "",
        *([scope_words(summary), ""] if scope_words(summary) else []),
        f"**{c['faults']} distinct faults** in {c['failed']} failed tests; {c['passed']} passed, "
        f"{c['skipped']} not tested, {c['xfailed']} waived, {c['error']} errors, "
        f"{c['advisories']} advisory warnings.",
    ]
    lines += _groups(
        "Faults",
        "one row per cause (check, key, observed value), with the tests it failed",
        summary.get("faults", ()),
    )
    lines += _groups(
        "Advisory warnings",
        "rules the specification does not state: worth a look, never a failure",
        summary.get("advisories", ()),
    )
    lines += [
        "",
        "## Controller and run",
        "",
        "| | |",
        "| --- | --- |",
        f"| Controller | {cell(where(t))} |",
        f"| Serials | {cell(t.get('cc_serial_n', '-'))} / {cell(t.get('manuf_serial_n', '-'))} |",
        f"| Profile | {cell(summary['profile']['name'])} |",
        f"| Auth scheme, REST mode | {summary['settings']['auth_scheme']}, "
        f"{summary['settings']['rest_mode']} |",
        f"| Started, duration | {run['started']}, {run['duration_s']:.1f} s |",
        f"| HTTP requests | {run['http_requests']} |",
        "",
    ]
    keys = summary["keys"]
    by_verdict: dict[str, list[str]] = {}
    for key, entry in keys.items():
        hint = f" (renamed? `{entry['renamed']}`)" if entry.get("renamed") else ""
        by_verdict.setdefault(entry["verdict"], []).append(cell(key + hint))
    lines.append(
        f"Keys: {len(by_verdict.get('pass', []))} of {len(keys)} pass"
        + "".join(
            f"; {v}: {', '.join(by_verdict[v])}"
            for v in ("fail", "missing", "not-tested")
            if by_verdict.get(v)
        )
        + "."
    )
    walk = summary.get("states_walk") or []
    if walk:
        lines.append(walked(walk))
    profile = summary["profile"]
    for d in profile.get("deviations", ()):
        lines.append(f"- deviation accepted by profile {profile['name']}: {cell(d['message'])}")
    for w in profile.get("waivers", ()):
        keys = f" on {', '.join(w['keys'])}" if w.get("keys") else ""
        lines.append(f"- waiver {w['check']}{keys} ({cell(w['reason'])}): **{w['status']}**")
    if summary["undocumented_keys"]:
        extra = ", ".join(f"`{cell(k)}`" for k in summary["undocumented_keys"])
        lines.append(f"Undocumented keys: {extra}.")
    failing = [t for t in summary["tests"] if t["outcome"] in ("failed", "error", "xpassed")]
    if failing:
        lines += [
            "",
            "## Failing checks",
            "",
            "| test | checks | what was seen |",
            "| --- | --- | --- |",
        ]
        for test in failing[:MAX_ROWS]:
            message = test["message"].splitlines()[0] if test["message"] else test["outcome"]
            lines.append(
                f"| `{cell(test['id'].split('::', 1)[-1])}` | {', '.join(test['checks'])} "
                f"| {_cut(cell(message), 300)} |"
            )
        if len(failing) > MAX_ROWS:
            lines.append(f"| … | | {len(failing) - MAX_ROWS} more in conformance.html |")
    return "\n".join(lines) + "\n"


def walked(walk) -> str:
    """Who walked the states scenarios: the simulator, a person, or nobody (not tested)."""
    done = [s for s in walk if s["outcome"] != "skipped"]
    by = {d: sum(s.get("driver", "simulator") == d for s in done) for d in ("simulator", "person")}
    skipped = [s["scenario"] for s in walk if s["outcome"] == "skipped"]
    parts = [
        f"{n} walked by the {d}" if d == "simulator" else f"{n} by a person"
        for d, n in by.items()
        if n
    ]
    if skipped:
        parts.append(f"not tested: {', '.join(skipped)}")
    return f"States scenarios: {'; '.join(parts) or 'none'}."


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _groups(title: str, what: str, groups) -> list[str]:
    if not groups:
        return []
    lines = [
        "",
        f"## {title}",
        "",
        f"{what[0].upper()}{what[1:]}.",
        "",
        "| check | key | observed | allowed | tests |",
        "| --- | --- | --- | --- | --- |",
    ]
    for g in list(groups)[:MAX_ROWS]:
        observed = g.get("observed", g["message"])
        lines.append(
            f"| {g['check']} | {cell(g.get('key', '-'))} | {_cut(cell(observed), 200)} "
            f"| {_cut(cell(g.get('allowed', '-')), 160)} | {g['count']} |"
        )
    if len(groups) > MAX_ROWS:
        lines.append(f"| … | | | | {len(groups) - MAX_ROWS} more in conformance.json |")
    return lines
