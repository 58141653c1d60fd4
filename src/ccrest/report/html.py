"""The HTML pieces added to pytest-html's report: the conformance matrix at the top, the
environment, and per test its checks, their passages and what failed, with the exchange.

Every string that came from the device is escaped: a report must not run a controller's markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from ccrest.exchange import Exchange
from ccrest.findings import Finding, show
from ccrest.report.markdown import scope_words
from ccrest.report.summary import COLUMNS, where
from ccrest.spec import Catalogue

LABELS = {
    "pass": "pass",
    "fail": "FAIL",
    "warn": "advisory",
    "waived": "waived",
    "not-tested": "not tested",
    "n/a": "",
    "extra": "UNDOCUMENTED",
}
STYLE = """
<style>
#environment-header, #environment { display: none; } /* the ccrest facts follow the matrix */
#ccrest-environment { border-collapse: collapse; font-size: 13px; }
#ccrest-environment td { border: 1px solid #ddd; padding: 2px 8px; }
#ccrest-matrix { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
#ccrest-matrix th, #ccrest-matrix td { border: 1px solid #bbb; padding: 3px 8px; text-align: left; }
#ccrest-matrix th { background: #eee; }
.ccrest-pass { background: #c8e6c9; color: #1b5e20; }
.ccrest-fail, .ccrest-extra, .ccrest-missing {
  background: #ffcdd2; color: #b71c1c; font-weight: bold;
}
.ccrest-warn { background: #fff3cd; color: #7a5b00; }
.ccrest-waived { background: #e1d5f0; color: #4a148c; }
.ccrest-not-tested { background: #f2f2f2; color: #555; }
.ccrest-na { background: #fff; }
.ccrest-verdict { font-size: 18px; font-weight: bold; padding: 6px 10px; display: inline-block; }
.ccrest-details { font-size: 13px; margin: 4px 0; }
.ccrest-details pre { white-space: pre-wrap; background: #f7f7f7; padding: 4px; }
</style>
"""
VERDICT_CLASS = {
    "conforms": "pass",
    "partial": "warn",
    "does-not-conform": "fail",
    "not-tested": "not-tested",
    "not-testable": "not-tested",
}


def title(summary: Mapping) -> str:
    from ccrest.report.markdown import VERDICTS, identity

    return f"ccrest: {identity(summary)}: {VERDICTS[summary['verdict']]}"


def environment(summary: Mapping) -> dict[str, str]:
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


def _td(state: str, checks: list[str] | None = None) -> str:
    text = LABELS.get(state, state)
    if checks:
        text += "<br>" + "<br>".join(escape(c) for c in checks)
    return f'<td class="ccrest-{escape(state.replace("/", ""))}">{text}</td>'


def _environment_html(summary: Mapping, packages: Mapping | None) -> str:
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td>{escape(str(v))}</td></tr>"
        for k, v in environment(summary).items()
    )
    folded = ""
    if packages:
        inner = "".join(
            f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))[:2000]}</td></tr>"
            for k, v in packages.items()
        )
        folded = (
            "<details><summary>Python, packages and plugins</summary>"
            f'<table id="ccrest-packages">{inner}</table></details>'
        )
    return f'<h2>Environment</h2><table id="ccrest-environment">{rows}</table>{folded}'


def matrix(summary: Mapping, packages: Mapping | None = None) -> str:
    """One row per documented key (and per undocumented key found), a column per family."""
    verdict = summary["verdict"]
    rows = []
    for key, entry in summary["keys"].items():
        cells = "".join(
            _td(entry["columns"][c]["state"], entry["columns"][c].get("checks")) for c in COLUMNS
        )
        rows.append(
            f'<tr data-key="{escape(key)}" class="ccrest-row-{escape(entry["verdict"])}">'
            f"<th>{escape(key)}</th>{_td(entry['verdict'])}{cells}</tr>"
        )
    for key, value in summary["undocumented_keys"].items():
        rest = "".join('<td class="ccrest-not-tested">-</td>' for _ in list(COLUMNS)[1:])
        rows.append(
            f'<tr data-key="{escape(key)}" class="ccrest-row-extra"><th>{escape(key)}</th>'
            f"{_td('extra')}{_td('extra', ['fs.no-undocumented-key'])}{rest}</tr>"
            f"<!-- value: {escape(value)[:80]} -->"
        )
    head = "".join(f"<th>{escape(c.replace('_', '-'))}</th>" for c in COLUMNS)
    c = summary["counts"]
    profile = summary["profile"]
    notes = [
        f"<li>deviation accepted: {escape(d['message'])}</li>"
        for d in profile.get("deviations", ())
    ]
    notes += [
        f'<li class="ccrest-{"fail" if w["status"] == "no longer needed" else "waived"}">'
        f"waiver {escape(w['check'])} ({escape(w['reason'])}): {escape(w['status'])}</li>"
        for w in profile.get("waivers", ())
    ]
    profile_html = (
        f"<p>Profile <b>{escape(profile['name'])}</b> ({escape(profile.get('source', ''))})</p>"
        + (f'<ul id="ccrest-profile">{"".join(notes)}</ul>' if notes else "")
    )
    return (
        STYLE
        + f'<div id="ccrest-verdict" class="ccrest-verdict ccrest-{VERDICT_CLASS[verdict]}">'
        + f"{escape(title(summary))}</div>"
        + faults(summary)
        + (
            f'<p id="ccrest-scope">{escape(scope_words(summary))}</p>'
            if scope_words(summary)
            else ""
        )
        + f"<p>{c['passed']} passed, {c['failed']} failed, {c['skipped']} not tested, "
        + f"{c['xfailed']} waived, {c['advisories']} advisory warnings.</p>"
        + profile_html
        + '<h2>Conformance matrix</h2><table id="ccrest-matrix"><thead><tr><th>key</th>'
        + f"<th>verdict</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        + _environment_html(summary, packages)
    )


def curl(summary: Mapping, request: str) -> str:
    """A command that repeats the request, the password as $CC_PASSWORD (never its value)."""
    method, _, url = request.partition(" ")
    user = summary["settings"]["username"]
    if summary["settings"]["auth_scheme"] == "basic":
        auth = f'-u "{user}:$CC_PASSWORD"'
    else:
        auth = f"-H 'Authorization: Basic Auth' -H 'Username: {user}' -H \"Password: $CC_PASSWORD\""
    verb = "" if method == "GET" else f" -X {method}"
    return f"curl -s -i{verb} {auth} '{url}'"


def faults(summary: Mapping) -> str:
    """What to fix, first: one row per distinct fault (check, key, observed value), with what
    is allowed, the passage, how many tests it failed, and a curl line that shows it again."""
    groups = summary.get("faults") or []
    if not groups:
        return ""
    rows = []
    for g in groups[:MAX_FAULTS]:
        command = f"<code>{escape(curl(summary, g['request']))}</code>" if g.get("request") else ""
        rows.append(
            f'<tr class="ccrest-fault"><td title="{escape(g["passage"])}">'
            f"<b>{escape(g['check'])}</b></td><td>{escape(g.get('key', '-'))}</td>"
            f"<td><code>{escape(g.get('observed', g['message']))}</code></td>"
            f"<td>{escape(g.get('allowed', '-'))[:200]}</td><td>{g['count']}</td>"
            f"<td>{command}</td></tr>"
        )
    more = len(groups) - MAX_FAULTS
    tail = f"<p>… {more} more faults in conformance.json</p>" if more > 0 else ""
    return (
        f'<h2>Faults ({len(groups)})</h2><table id="ccrest-faults"><thead><tr><th>check</th>'
        "<th>key</th><th>observed</th><th>allowed</th><th>tests</th><th>reproduce</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>{tail}"
    )


def checks_cell(checks: tuple[str, ...]) -> str:
    return f'<td class="col-checks">{escape(", ".join(checks))}</td>'


MAX_FAULTS = 50  # fault rows the first screen lists; the JSON keeps all
DETAILS_LISTED = 20  # findings a test's details show; the JSON keeps all


def details(checks: tuple[str, ...], findings: list[Finding], cat: Catalogue) -> str:
    """The passage behind each check, and for each finding observed, allowed and the exchange."""
    parts = ['<div class="ccrest-details">']
    for check_id in checks:
        if check_id in cat.checks:
            spec = cat.check(check_id)
            parts.append(
                f"<p><b>{escape(check_id)}</b> ({escape(spec.certainty)}): {escape(spec.title)}. "
                f"<i>§ {escape(spec.section)}:</i> “{escape(spec.passage)}”</p>"
            )
    shown: set[tuple[str, float]] = set()
    for f in findings[:DETAILS_LISTED]:
        parts.append(
            f"<p><b>[{escape(f.check_id)}]</b> {escape(f.message)}</p><ul>"
            + (
                f"<li>observed: <code>{escape(show(f.observed))[:500]}</code></li>"
                if f.observed is not None
                else ""
            )
            + (f"<li>allowed: {escape(f.allowed)}</li>" if f.allowed else "")
            + "</ul>"
        )
        seen = (f.exchange.url, f.exchange.started) if f.exchange is not None else None
        if f.exchange is not None and seen not in shown:  # one exchange, shown once
            shown.add(seen)
            parts.append(exchange(f.exchange))
    if len(findings) > DETAILS_LISTED:
        more = len(findings) - DETAILS_LISTED
        parts.append(f"<p>… {more} more findings (all of them in conformance.json)</p>")
    parts.append("</div>")
    return "".join(parts)


def exchange(ex: Exchange) -> str:
    """Method, URL, status, headers and a body excerpt; credentials were redacted on record."""
    request = "\n".join(f"{k}: {v}" for k, v in ex.request_headers.items())
    if ex.error:
        answer = ex.error
    else:
        headers = "\n".join(f"{k}: {v}" for k, v in ex.response_headers.items())
        answer = f"{ex.status}\n{headers}\n\n{ex.excerpt()}"
    return (
        f"<pre>{escape(ex.method)} {escape(ex.url)}\n{escape(request)}\n\n-> {escape(answer)}</pre>"
    )
