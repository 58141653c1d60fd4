"""The short Markdown summary, fit for a CI job's summary page.

Every text that is not ccrest's own (a device's values, key names and identity, a message
that quotes them, a profile's words) goes through ``text``: it is always one run of plain text
inside its line or table cell. No value can open a heading or a new row, become a link, an
image that fetches something when the page renders, raw HTML or emphasis: every character
CommonMark (and GitHub's extensions: tables, strikethrough, autolinks, emoji, mentions, math)
could read as markup is escaped, and no line ending reaches the page (``ccrest.safe`` made
them visible where the text entered).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ccrest import safe
from ccrest.report.summary import where
from ccrest.verdict import WORDS, Verdict, explain

# what CommonMark or GitHub may read as markup inside a line: escapes, code, emphasis,
# strikethrough, links and images, HTML and autolinks, entities, table cells, emoji
# shortcodes and URL schemes, mentions and e-mail autolinks, issue references, math; and
# the dot of a www. autolink (block markup needs a line start, which no text here has)
MARKUP = re.compile(r"([\\`*_~\[\]()!<>&|:@#$])|(?<=www)(\.)", re.IGNORECASE)
MAX_ROWS = 50


def text(value: object) -> str:
    """A text that is not ccrest's own, as one run of plain text in Markdown."""
    return MARKUP.sub(lambda m: "\\" + m.group(0), safe.text(str(value)))


def verdict_words(summary: Mapping[str, Any]) -> str:
    return WORDS[Verdict(summary["verdict"])]


def scope_words(summary: Mapping[str, Any]) -> str:
    """The verdict's sentence (``ccrest.verdict.explain``) for this summary."""
    return explain(
        summary["verdict"], summary.get("verdict_reason") or "", summary["run"].get("scope")
    )


def declaration(summary: Mapping[str, Any]) -> str:
    """What the model was declared to implement, in one line (or that it was undeclared)."""
    declared = summary.get("declaration") or {"declared": False, "words": "undeclared"}
    if not declared["declared"]:
        return f"**Model**: {text(declared['words'])}."
    model = f" {text(declared['model'])}" if declared.get("model") else ""
    source = text(Path(declared.get("source", "")).name)
    return f"**Declared model{model}** ({source}): {text(declared['words'])}."


def identity(summary: Mapping[str, Any]) -> str:
    t = summary["target"]
    parts = [
        t.get("cp_vendor"),
        t.get("cp_model"),
        t.get("firmware_ver") and f"firmware {t['firmware_ver']}",
    ]
    return " ".join(p for p in parts if p) or t["url"]


def render(summary: Mapping[str, Any]) -> str:
    t, c, run = summary["target"], summary["counts"], summary["run"]
    scope = scope_words(summary)
    lines = [
        f"# ccrest: {text(identity(summary))}: {verdict_words(summary)}",
        "",
        declaration(summary),
        "",
        *([text(scope), ""] if scope else []),
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
        f"| Controller | {text(where(t))} |",
        f"| Serials | {text(t.get('cc_serial_n', '-'))} / {text(t.get('manuf_serial_n', '-'))} |",
        f"| Profile | {text(summary['profile']['name'])} |",
        f"| Auth scheme, REST mode | {text(summary['settings']['auth_scheme'])}, "
        f"{text(summary['settings']['rest_mode'])} |",
        f"| Started, duration | {text(run['started'])}, {run['duration_s']:.1f} s |",
        f"| HTTP requests | {run['http_requests']} |",
        "",
    ]
    keys = summary["keys"]
    by_verdict: dict[str, list[str]] = {}
    for key, entry in keys.items():
        hint = f" (renamed? {text(entry['renamed'])})" if entry.get("renamed") else ""
        by_verdict.setdefault(entry["verdict"], []).append(text(key) + hint)
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
        lines.append(
            f"- deviation accepted by profile {text(profile['name'])}: {text(d['message'])}"
        )
    for w in profile.get("waivers", ()):
        on = f" on {text(', '.join(w['keys']))}" if w.get("keys") else ""
        ticket = f", ticket {text(w['ticket'])}" if w.get("ticket") else ""
        expires = f", expires {text(w['expires'])}" if w.get("expires") else ""
        lines.append(
            f"- waiver {text(w['check'])}{on} ({text(w['reason'])}{ticket}{expires}): "
            f"**{text(w['status'])}**"
        )
    if summary["undocumented_keys"]:
        extra = ", ".join(text(k) for k in summary["undocumented_keys"])
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
                f"| {text(test['id'].split('::', 1)[-1])} | {text(', '.join(test['checks']))} "
                f"| {text(_cut(message, 300))} |"
            )
        if len(failing) > MAX_ROWS:
            lines.append(f"| … | | {len(failing) - MAX_ROWS} more in conformance.html |")
    return "\n".join(lines) + "\n"


def walked(walk: Sequence[Mapping[str, Any]]) -> str:
    """Who walked the states scenarios: the simulator, a person, or nobody (not tested)."""
    done = [s for s in walk if s["outcome"] != "skipped"]
    by = {d: sum(s.get("driver", "simulator") == d for s in done) for d in ("simulator", "person")}
    skipped = [text(s["scenario"]) for s in walk if s["outcome"] == "skipped"]
    parts = [
        f"{n} walked by the {d}" if d == "simulator" else f"{n} by a person"
        for d, n in by.items()
        if n
    ]
    if skipped:
        parts.append(f"not tested: {', '.join(skipped)}")
    return f"States scenarios: {'; '.join(parts) or 'none'}."


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _groups(title: str, what: str, groups: Sequence[Mapping[str, Any]]) -> list[str]:
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
            f"| {text(g['check'])} | {text(g.get('key', '-'))} | {text(_cut(observed, 200))} "
            f"| {text(_cut(g.get('allowed', '-'), 160))} | {g['count']} |"
        )
    if len(groups) > MAX_ROWS:
        lines.append(f"| … | | | | {len(groups) - MAX_ROWS} more in conformance.json |")
    return lines
