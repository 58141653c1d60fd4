"""The short Markdown summary, fit for a CI job's summary page."""

from __future__ import annotations

from collections.abc import Mapping

from ccrest.report.summary import where

VERDICTS = {
    "conforms": "CONFORMS",
    "does-not-conform": "DOES NOT CONFORM",
    "not-testable": "NOT TESTABLE",
}
MAX_ROWS = 50


def _cell(text: object) -> str:
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
        f"# ccrest: {_cell(identity(summary))}: {VERDICTS[summary['verdict']]}",
        "",
        "| | |",
        "| --- | --- |",
        f"| Controller | {_cell(where(t))} |",
        f"| Serials | {_cell(t.get('cc_serial_n', '-'))} / {_cell(t.get('manuf_serial_n', '-'))} |",
        f"| Profile | {_cell(summary['profile']['name'])} |",
        f"| Auth scheme, REST mode | {summary['settings']['auth_scheme']}, "
        f"{summary['settings']['rest_mode']} |",
        f"| Started, duration | {run['started']}, {run['duration_s']:.1f} s |",
        f"| HTTP requests | {run['http_requests']} |",
        "",
        f"**{c['passed']} passed, {c['failed']} failed**, {c['skipped']} not tested, "
        f"{c['xfailed']} waived, {c['error']} errors, {c['advisories']} advisory warnings.",
        "",
    ]
    keys = summary["keys"]
    by_verdict: dict[str, list[str]] = {}
    for key, entry in keys.items():
        by_verdict.setdefault(entry["verdict"], []).append(key)
    lines.append(
        f"Keys: {len(by_verdict.get('pass', []))} of {len(keys)} pass"
        + "".join(
            f"; {v}: {', '.join(by_verdict[v])}"
            for v in ("fail", "missing", "not-tested")
            if by_verdict.get(v)
        )
        + "."
    )
    profile = summary["profile"]
    for d in profile.get("deviations", ()):
        lines.append(f"- deviation accepted by profile {profile['name']}: {_cell(d['message'])}")
    for w in profile.get("waivers", ()):
        keys = f" on {', '.join(w['keys'])}" if w.get("keys") else ""
        lines.append(f"- waiver {w['check']}{keys} ({_cell(w['reason'])}): **{w['status']}**")
    if summary["undocumented_keys"]:
        extra = ", ".join(f"`{k}`" for k in summary["undocumented_keys"])
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
                f"| `{_cell(test['id'].split('::', 1)[-1])}` | {', '.join(test['checks'])} "
                f"| {_cell(message)[:300]} |"
            )
        if len(failing) > MAX_ROWS:
            lines.append(f"| … | | {len(failing) - MAX_ROWS} more in conformance.html |")
    return "\n".join(lines) + "\n"
