"""What changed between two runs (two firmware builds): regressions, fixes, identity, and the
interface the software reading the device sees (``ccrest.report.interface``).

Pure: two summaries in, a diff out, rendered as a terminal table, an HTML page or Markdown. A
regression is a test that did not fail before and fails now (new tests included) or a key whose
verdict got worse. What makes ``ccrest report diff`` exit 1 is chosen from GATES
(``--fail-on``; a regression by default), so a pipeline can gate on either or both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ccrest.report import interface
from ccrest.report.markdown import text as md
from ccrest.report.summary import IDENTITY
from ccrest.spec import catalogue

BAD = ("failed", "error", "xpassed")
# what may make the diff exit 1 (``--fail-on``): name -> (what it means, whether it holds)
GATES: dict[str, tuple[str, Callable[[Mapping[str, Any]], bool]]] = {
    "regression": (
        "a test that did not fail fails now, or a key's verdict got worse",
        lambda d: bool(d["regression"]),
    ),
    "interface": (
        "any interface change, or interface observations missing from a report",
        lambda d: bool(d["interface"]["changes"]) or not d["interface"]["recorded"],
    ),
}
DEFAULT_GATES = ("regression",)


def failed_gates(diff: Mapping[str, Any], gates: Sequence[str] = DEFAULT_GATES) -> list[str]:
    """The gates among ``gates`` that the diff trips (the diff exits 1 when there is one)."""
    return [name for name in gates if GATES[name][1](diff)]


KEY_RANK = {"pass": 0, "not-tested": 1, "fail": 2, "missing": 3}


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    before = {t["id"]: t for t in old["tests"]}
    after = {t["id"]: t for t in new["tests"]}
    regressed, fixed, still, untested = [], [], [], []
    for test_id, test in after.items():
        was = before.get(test_id, {}).get("outcome", "absent")
        row = {
            "test": test_id,
            "before": was,
            "after": test["outcome"],
            "message": _first_line(test["message"]),
        }
        if test["outcome"] in BAD and was not in BAD:
            regressed.append(row)
        elif test["outcome"] in BAD:
            still.append(row)
        elif was in BAD and test["outcome"] in ("passed", "xfailed"):
            fixed.append(row)
        elif was in ("passed", "xfailed") and test["outcome"] == "skipped":
            untested.append(row)
    gone = sorted(set(before) - set(after))
    keys = []
    for key, entry in new["keys"].items():
        was = old["keys"].get(key, {}).get("verdict", "not-tested")
        if was != entry["verdict"]:
            keys.append(
                {
                    "key": key,
                    "before": was,
                    "after": entry["verdict"],
                    "worse": KEY_RANK[entry["verdict"]] > KEY_RANK[was],
                }
            )
    identity = [
        {"field": f, "before": old["target"].get(f, "-"), "after": new["target"].get(f, "-")}
        for f in ("url", *IDENTITY)
        if old["target"].get(f) != new["target"].get(f)
    ]
    return {
        "old": _label(old),
        "new": _label(new),
        "faults": faults(old, new),
        "verdict": {"before": old["verdict"], "after": new["verdict"]},
        "identity": identity,
        "regressed": regressed,
        "fixed": fixed,
        "still_failing": still,
        "newly_not_tested": untested,
        "tests_gone": gone,
        "keys": keys,
        "regression": bool(regressed) or any(k["worse"] for k in keys),
        "interface": interface.compare(old.get("interface"), new.get("interface"), catalogue()),
    }


def fault_rows(summary: Mapping[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The run's faults by cause. A report older than the fault list gets one from its tests'
    findings, folded the same way (check, key, observed value or message)."""
    groups = summary.get("faults")
    if groups is None:
        folded: dict[tuple[str, str, str], dict[str, Any]] = {}
        for test in summary["tests"]:
            for f in test.get("findings", ()):
                if f["outcome"] == "fail":
                    cause = (f["check"], f.get("key", ""), f.get("observed", f["message"]))
                    entry = folded.setdefault(cause, dict(f, count=0))
                    entry["count"] += 1
        groups = list(folded.values())
    return {(g["check"], g.get("key", ""), g.get("observed", g["message"])): g for g in groups}


def faults(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every fault of either run, marked new, still failing or fixed (in that order)."""
    before, after = fault_rows(old), fault_rows(new)
    rows = []
    for cause in [*after, *(c for c in before if c not in after)]:
        g = after.get(cause) or before[cause]
        status = (
            "still failing"
            if cause in before and cause in after
            else "new"
            if cause in after
            else "fixed"
        )
        rows.append(
            {
                "status": status,
                "check": cause[0],
                "key": cause[1],
                "observed": cause[2],
                "allowed": (g.get("allowed") or "-")[:300],
                "before": before[cause]["count"] if cause in before else 0,
                "after": after[cause]["count"] if cause in after else 0,
            }
        )
    order = {"new": 0, "still failing": 1, "fixed": 2}
    return sorted(rows, key=lambda r: order[r["status"]])


def _label(summary: Mapping[str, Any]) -> str:
    t = summary["target"]
    return " ".join(str(t[k]) for k in ("cp_model", "firmware_ver") if k in t) or t["url"]


def render_text(diff: Mapping[str, Any]) -> str:
    out = [
        f"ccrest diff: {diff['old']} -> {diff['new']}",
        f"verdict: {diff['verdict']['before']} -> {diff['verdict']['after']}",
    ]
    for row in diff["identity"]:
        out.append(f"identity: {row['field']}: {row['before']} -> {row['after']}")
    if diff["faults"]:
        out.append(f"\nFAULTS ({len(diff['faults'])})")
        for f in diff["faults"]:
            where = f"{f['check']} [{f['key']}]" if f["key"] else f["check"]
            out.append(f"  {f['status']:<13} {where:<48} {str(f['observed'])[:80]}")
    width = max([len(r["test"].split("::", 1)[-1]) for r in _all_rows(diff)] + [10])
    for title, name in (
        ("REGRESSED", "regressed"),
        ("FIXED", "fixed"),
        ("STILL FAILING", "still_failing"),
        ("NOW NOT TESTED", "newly_not_tested"),
    ):
        rows = diff[name]
        out.append(f"\n{title} ({len(rows)})")
        for r in rows:
            test = r["test"].split("::", 1)[-1]
            out.append(
                f"  {test:<{width}}  {r['before']:>8} -> {r['after']:<8}  {r['message'][:120]}"
            )
    if diff["keys"]:
        out.append(f"\nKEYS ({len(diff['keys'])})")
        for k in diff["keys"]:
            out.append(
                f"  {k['key']:<28} {k['before']:>10} -> {k['after']}"
                + ("   (worse)" if k["worse"] else "")
            )
    if diff["tests_gone"]:
        out.append(
            f"\nTESTS NOT RUN NOW ({len(diff['tests_gone'])}): "
            + ", ".join(t.split("::", 1)[-1] for t in diff["tests_gone"][:20])
        )
    out += _interface_text(diff["interface"])
    out.append("\n" + ("REGRESSION" if diff["regression"] else "no regression"))
    changes = diff["interface"]["changes"]
    out.append(
        f"INTERFACE CHANGED ({len(changes)})"
        if changes
        else "interface unchanged"
        if diff["interface"]["recorded"]
        else "interface not recorded"
    )
    return "\n".join(out) + "\n"


def _not_recorded(section: Mapping[str, Any]) -> str:
    return (
        f"not recorded in the {' and '.join(section['missing'])} report (written before ccrest "
        "kept interface observations): run that build again to compare"
    )


def _interface_text(section: Mapping[str, Any]) -> list[str]:
    if not section["recorded"]:
        return [f"\nINTERFACE: {_not_recorded(section)}"]
    out = [f"\nINTERFACE ({len(section['changes'])} changes)"]
    for c in section["changes"]:
        out.append(
            f"  {c['change']:<20} {c['key']:<22} {c['before']} -> {c['after']}"
            + (f"  ({c['detail']})" if c["detail"] else "")
        )
        out.append(f"  {'':<20} breaks: {interface.breaks_words(c['breaks'])}")
    out += [f"  note: {n}" for n in section["notes"]]
    return out


def _all_rows(diff: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [r for n in ("regressed", "fixed", "still_failing", "newly_not_tested") for r in diff[n]]


def render_html(diff: Mapping[str, Any]) -> str:
    from ccrest.report.html import templates

    return (
        templates()
        .get_template("diff.html.j2")
        .render(
            diff=diff,
            readers=interface.READERS,
            not_recorded="" if diff["interface"]["recorded"] else _not_recorded(diff["interface"]),
            sections=(
                ("Regressed", "regressed"),
                ("Fixed", "fixed"),
                ("Still failing", "still_failing"),
                ("Now not tested", "newly_not_tested"),
            ),
        )
    )


def render_markdown(diff: Mapping[str, Any]) -> str:
    """The diff for a CI job's summary: the verdicts, the faults, the interface changes with
    whom each can break. Every text not ccrest's own is escaped (``markdown.text``)."""
    out = [
        f"# ccrest diff: {md(diff['old'])} → {md(diff['new'])}",
        "",
        f"**{'REGRESSION' if diff['regression'] else 'no regression'}**; verdict "
        f"{md(diff['verdict']['before'])} → {md(diff['verdict']['after'])}.",
        "",
    ]
    if diff["identity"]:
        out += ["| identity | before | after |", "| --- | --- | --- |"]
        out += [
            f"| {md(r['field'])} | {md(r['before'])} | {md(r['after'])} |" for r in diff["identity"]
        ]
        out.append("")
    if diff["faults"]:
        out += [f"## Faults ({len(diff['faults'])})", ""]
        out += ["| status | check | key | observed |", "| --- | --- | --- | --- |"]
        out += [
            f"| {f['status']} | {md(f['check'])} | {md(f['key'] or '-')} | "
            f"{md(str(f['observed'])[:120])} |"
            for f in diff["faults"]
        ]
        out.append("")
    section = diff["interface"]
    out += [f"## Interface ({len(section['changes'])} changes)", ""]
    if not section["recorded"]:
        out.append(md(_not_recorded(section)))
    elif not section["changes"]:
        out.append("No interface change.")
    else:
        out += [
            "| change | key | before | after | breaks | detail |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        out += [
            f"| {c['change']} | {md(c['key'])} | {md(c['before'])} | {md(c['after'])} | "
            f"{', '.join(c['breaks']) or 'no reader'} | {md(c['detail'])} |"
            for c in section["changes"]
        ]
    out.append("")
    out += [f"- {md(n)}" for n in section["notes"]]
    out.append("")
    out += ["Whom a change can break:", ""]
    out += [f"- **{name}**: {words}" for name, words in interface.READERS.items()]
    return "\n".join(out) + "\n"
