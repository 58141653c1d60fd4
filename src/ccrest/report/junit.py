"""A lab controller's JUnit file, as pytest's junitxml writes one for a plain run: a test
suite named after the controller, its verdict and identity as properties, a test case per
test with its check IDs, failures and skips with their messages.

pytest writes one JUnit file per session; a lab run has one per controller, so this module
writes those from the same records the other reports read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from ccrest.report.summary import Record, where

ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: object) -> str:
    """A device's bytes may hold what XML 1.0 cannot carry (NUL, ESC, a lone surrogate)."""
    return ILLEGAL.sub(lambda m: f"\\x{ord(m[0]):02x}", str(text))


def suite_name(summary: Mapping) -> str:
    target = summary["target"]
    identity = " ".join(
        str(target[k]) for k in ("cp_vendor", "cp_model", "firmware_ver") if k in target
    )
    return f"ccrest: {identity or where(target)}"


def render(summary: Mapping, records: Sequence[Record]) -> str:
    c = summary["counts"]
    suite = ET.Element(
        "testsuite",
        name=_xml(suite_name(summary)),
        tests=str(len(records)),
        failures=str(c["failed"] + c["xpassed"]),
        errors=str(c["error"]),
        skipped=str(c["skipped"] + c["xfailed"]),
        time=f"{sum(r.duration_s for r in records):.3f}",
    )
    props = ET.SubElement(suite, "properties")
    target = summary["target"]
    facts = [("ccrest.verdict", summary["verdict"]), ("ccrest.profile", summary["profile"]["name"])]
    identity = ("firmware_ver", "cp_model", "cc_serial_n")
    facts += [(f"ccrest.{k}", target[k]) for k in identity if k in target]
    if summary.get("device"):
        facts.append(("ccrest.device", summary["device"]["name"]))
    facts.append(("ccrest.faults", str(c.get("faults", 0))))
    for name, value in facts:
        ET.SubElement(props, "property", name=name, value=_xml(value))
    for r in records:
        module, _, name = r.nodeid.partition("::")
        case = ET.SubElement(
            suite,
            "testcase",
            classname=module.removesuffix(".py").replace("/", "."),
            name=name or r.name,
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
