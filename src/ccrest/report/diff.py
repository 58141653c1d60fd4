"""What changed between two runs (two firmware builds): regressions, fixes, identity.

Pure: two summaries in, a diff out, rendered as a terminal table or an HTML page. A regression
is a test that did not fail before and fails now (new tests included) or a key whose verdict
got worse; ``python -m ccrest.report diff`` exits 1 when there is one, so a pipeline can gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccrest.report.summary import IDENTITY

BAD = ("failed", "error", "xpassed")
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
    }


def _fault_rows(summary: Mapping[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
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
    before, after = _fault_rows(old), _fault_rows(new)
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
    out.append("\n" + ("REGRESSION" if diff["regression"] else "no regression"))
    return "\n".join(out) + "\n"


def _all_rows(diff: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [r for n in ("regressed", "fixed", "still_failing", "newly_not_tested") for r in diff[n]]


def render_html(diff: Mapping[str, Any]) -> str:
    from ccrest.report.html import templates

    return (
        templates()
        .get_template("diff.html.j2")
        .render(
            diff=diff,
            sections=(
                ("Regressed", "regressed"),
                ("Fixed", "fixed"),
                ("Still failing", "still_failing"),
                ("Now not tested", "newly_not_tested"),
            ),
        )
    )
