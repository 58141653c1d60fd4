"""The JUnit file of a run (a plain run's, or each lab controller's): a test suite named after
the controller, its verdict and identity as properties, a test case per test with its check IDs,
failures and skips with their messages.

A lab given ``--junitxml FILE`` gets one file there with every controller's suite
(``combine``), as a CI system reads one path; each controller's own file stays in its folder.

A CI system shows a JUnit file green when no test case failed, so a verdict that is not a pass
(not testable, interrupted, nothing judged, the deadline passed) without any failing test gets
a test case of its own, ``ccrest.verdict``, in error with the reason: no CI viewer shows such a
run green. Every text is made fit for XML 1.0 here, whatever it holds.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ccrest.report.summary import Record, where
from ccrest.verdict import WORDS, Verdict

ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: object) -> str:
    """Characters XML 1.0 cannot carry (NUL, ESC, a lone surrogate, U+FFFE) shown as escapes."""
    return ILLEGAL.sub(lambda m: f"\\x{ord(m[0]):02x}", str(text))


def suite_name(summary: Mapping[str, Any]) -> str:
    target = summary["target"]
    identity = " ".join(
        str(target[k]) for k in ("cp_vendor", "cp_model", "firmware_ver") if k in target
    )
    return f"ccrest: {identity or where(target)}"


def _properties(summary: Mapping[str, Any]) -> list[tuple[str, object]]:
    """The declaration (first), the verdict, the profile, the controller's identity, the
    selection of a partial run, the number of faults and each advisory by check and key."""
    c, target = summary["counts"], summary["target"]
    declared = summary.get("declaration") or {"declared": False, "words": "undeclared"}
    facts: list[tuple[str, object]] = [("ccrest.declaration", declared["words"])]
    if declared["declared"]:  # first, as a certification submission states the model
        facts.append(("ccrest.declaration.source", declared.get("source", "")))
        facts += [(f"ccrest.declaration.{f['field']}", f["value"]) for f in declared["fields"]]
    facts += [
        ("ccrest.verdict", summary["verdict"]),
        ("ccrest.profile", summary["profile"]["name"]),
    ]
    if summary.get("verdict_reason"):
        facts.append(("ccrest.verdict_reason", summary["verdict_reason"]))
    facts += [
        (f"ccrest.{k}", target[k])
        for k in ("firmware_ver", "cp_model", "cc_serial_n")
        if k in target
    ]
    if summary.get("device"):
        facts.append(("ccrest.device", summary["device"]["name"]))
    scope = summary["run"].get("scope") or {}
    if scope.get("selection"):
        facts.append(("ccrest.scope", scope["selection"]))
    facts.append(("ccrest.faults", c.get("faults", 0)))
    for group in summary.get("advisories") or ():
        about = f"[{group['key']}]" if group.get("key") else ""
        facts.append(
            (
                f"ccrest.advisory.{group['check']}{about}",
                f"{group['message']} ({group['count']} tests)",
            )
        )
    return facts


def render(summary: Mapping[str, Any], records: Sequence[Record]) -> str:
    c = summary["counts"]
    verdict = Verdict(summary["verdict"])
    failing = c["failed"] + c["xpassed"] + c["error"]
    shown = verdict not in (Verdict.CONFORMS, Verdict.PARTIAL) or summary["run"].get(
        "exit_status", 0
    )
    verdict_case = bool(shown) and not failing  # else a CI viewer would show it green
    suite = ET.Element(
        "testsuite",
        name=_xml(suite_name(summary)),
        tests=str(len(records) + verdict_case),
        failures=str(c["failed"] + c["xpassed"]),
        errors=str(c["error"] + verdict_case),
        skipped=str(c["skipped"] + c["xfailed"]),
        time=f"{sum(r.duration_s for r in records):.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in _properties(summary):
        ET.SubElement(props, "property", name=_xml(name), value=_xml(value))
    if verdict_case:
        case = ET.SubElement(suite, "testcase", classname="ccrest", name="ccrest.verdict")
        why = f"{WORDS[verdict]}: {summary.get('verdict_reason') or verdict.value}"
        ET.SubElement(case, "error", message=_xml(why)[:500], type=verdict.value).text = _xml(why)
    for r in records:
        module, _, name = r.nodeid.partition("::")
        case = ET.SubElement(
            suite,
            "testcase",
            classname=_xml(module.removesuffix(".py").replace("/", ".")),
            name=_xml(name or r.name),
            time=f"{r.duration_s:.3f}",
        )
        if r.checks:
            checks = ET.SubElement(case, "properties")
            ET.SubElement(checks, "property", name="ccrest.checks", value=", ".join(r.checks))
        first = _xml(r.message.splitlines()[0] if r.message else r.outcome)[:500]
        if r.outcome in ("failed", "xpassed"):
            ET.SubElement(case, "failure", message=first).text = _xml(r.message)
        elif r.outcome == "error":
            ET.SubElement(case, "error", message=first).text = _xml(r.message)
        elif r.outcome in ("skipped", "xfailed"):
            ET.SubElement(case, "skipped", message=first)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def combine(folder: Path, names: Sequence[str], interrupted: str = "") -> str:
    """One JUnit file of a lab: each controller's suite from ``folder/<name>/conformance.xml``,
    in inventory order; a controller whose file is missing or unreadable is a suite of its own
    with the ``ccrest.verdict`` case in error (never a controller left out, shown green): not
    testable, or interrupted before its checks began when the run was ``interrupted``."""
    root = ET.Element("testsuites")
    for name in names:
        path = folder / name / "conformance.xml"
        try:
            suites = ET.parse(path).getroot().findall("testsuite")
        except (OSError, ET.ParseError) as exc:
            why = "no report" if isinstance(exc, FileNotFoundError) else f"unreadable ({exc})"
            verdict = Verdict.INTERRUPTED if interrupted else Verdict.NOT_TESTABLE
            if interrupted:
                why = f"the run was interrupted ({interrupted}) before its checks began; {why}"
            suites = [_missing(verdict, f"{WORDS[verdict]}: {why}: {path}")]
        for suite in suites:
            suite.set("name", _xml(f"{name}: {suite.get('name', '')}"))  # which controller
            root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _missing(verdict: Verdict, why: str) -> ET.Element:
    suite = ET.Element("testsuite", name="ccrest", tests="1", failures="0", errors="1")
    suite.set("skipped", "0")
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="ccrest.verdict", value=verdict.value)
    case = ET.SubElement(suite, "testcase", classname="ccrest", name="ccrest.verdict")
    ET.SubElement(case, "error", message=_xml(why)[:500], type=verdict.value).text = _xml(why)
    return suite
