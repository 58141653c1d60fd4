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


def matrix(summary: Mapping) -> str:
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
    )


def checks_cell(checks: tuple[str, ...]) -> str:
    return f'<td class="col-checks">{escape(", ".join(checks))}</td>'


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
