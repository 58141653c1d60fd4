"""The summary of a run: what every report shows, computed once from the test records.

Pure: records, the target's identity and the settings in; a JSON-ready dict out (its shape is
``schemas/report.schema.json``). Each of the 41 documented keys gets a verdict and a cell per
matrix column; findings that belong to no key are kept apart.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from ccrest.declare import undeclared
from ccrest.findings import Finding, Outcome, show
from ccrest.spec import Catalogue, KeySpec, default_schema_dir
from ccrest.verdict import Decision, Facts, decide

COLUMNS: dict[str, tuple[str, ...]] = {
    "presence": ("fs.key-present",),
    "schema": ("fs.value-valid",),
    "per_key": ("pk.", "wire.per-key-"),
    "consistency": ("cons.",),
    "temporal": ("temp.",),
    "states": ("states.",),  # a states test judges the whole full_state in each driven state
}
IDENTITY = ("cp_vendor", "cp_model", "firmware_ver", "cc_serial_n", "manuf_serial_n", "cp_id")
OUTCOMES = ("passed", "failed", "skipped", "xfailed", "xpassed", "error")
EXCERPT = 200  # characters of a device's value a report keeps
UNDOCUMENTED_LISTED = 50  # undocumented keys a report lists (the findings count them all)


@dataclass
class Record:
    """One test as it ended, with what its checks found."""

    nodeid: str
    name: str
    family: str | None
    checks: tuple[str, ...]
    keys: tuple[str, ...]
    outcome: str = "passed"  # one of OUTCOMES
    message: str = ""  # the failure text or the reason it was skipped
    duration_s: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    bench: str = ""  # the lab controller it judged ("" in a plain run)
    driver: str = ""  # a states test: who walked it, "simulator" or "person"


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads((default_schema_dir() / "report.schema.json").read_text())
    return Draft202012Validator(schema)


def schema_problem(data: object) -> str | None:
    """Where ``data`` is not a summary as ``schemas/report.schema.json`` shapes it, in words;
    None when it is one (for ``report diff`` and ``report merge``, which read files)."""
    error = next(iter(_validator().iter_errors(data)), None)
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "(top)"
    return f"at {where}: {error.message[:200]}"


def _in_column(check_id: str, column: str) -> bool:
    return check_id.startswith(COLUMNS[column])


def where(target: Mapping[str, Any]) -> str:
    """The target in words: its URL, and what it was if not a controller."""
    if target.get("replay"):
        return f"{target['url']} (replaying {target['replay']})"
    url: str = target["url"]
    embedded = target.get("embedded") and "bundled simulator" not in url
    return url + (" (bundled simulator)" if embedded else "")


def finding_keys(finding: Finding, cat: Catalogue) -> set[str]:
    """The documented keys a finding is about: its key, or the keys a rule showed."""
    keys = {finding.key} if finding.key is not None and finding.key in cat else set()
    if isinstance(finding.observed, Mapping) and finding.check_id.startswith("cons."):
        keys |= {k for k in finding.observed if k in cat}
    return keys


def _state(finding: Finding, cat: Catalogue) -> str:
    if finding.outcome is Outcome.FAIL:
        return "warn" if cat.check(finding.check_id).certainty == "advisory" else "fail"
    if finding.outcome is Outcome.WAIVED:
        return "waived"
    return "info" if finding.outcome is Outcome.PASS else "not-tested"


def finding_json(finding: Finding, cat: Catalogue, test: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "check": finding.check_id,
        "outcome": _state(finding, cat),
        "message": finding.message,
    }
    if finding.key:
        entry["key"] = finding.key
    keys = finding_keys(finding, cat)
    if keys - {finding.key}:
        entry["keys"] = sorted(keys)
    if finding.observed is not None:
        entry["observed"] = show(finding.observed)
    if finding.allowed is not None:
        entry["allowed"] = finding.allowed
    if finding.exchange is not None:
        entry["exchange"] = finding.exchange.summary()
    if test is not None:
        entry["test"] = test
    return entry


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """A device's value as a report keeps it: at most ``limit`` characters, and how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters in all)"


def _grouped(records: Sequence[Record], cat: Catalogue, state: str) -> list[dict[str, Any]]:
    """Findings of one state folded by cause: one entry per check, key and observed value (or
    message, when nothing was observed), with the tests it showed in. A renamed key that fails
    25 states scenarios is one fault that affected 26 tests, not 26 faults."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for record in records:
        for f in record.findings:
            if _state(f, cat) != state:
                continue
            observed = show(f.observed) if f.observed is not None else None
            cause = (f.check_id, f.key or "", observed if observed is not None else f.message)
            entry = groups.get(cause)
            if entry is None:
                entry = groups[cause] = {
                    "check": f.check_id,
                    "message": excerpt(f.message, 3 * EXCERPT),
                    "tests": [],
                }
                if f.key:
                    entry["key"] = f.key
                if observed is not None:
                    entry["observed"] = observed
                if f.allowed is not None:
                    entry["allowed"] = f.allowed
                entry["passage"] = cat.check(f.check_id).passage
                if f.exchange is not None:  # the request that showed it, to reproduce it
                    entry["request"] = f"{f.exchange.method} {f.exchange.url}"
            if record.nodeid not in entry["tests"]:
                entry["tests"].append(record.nodeid)
    for entry in groups.values():
        entry["count"] = len(entry["tests"])
    return sorted(groups.values(), key=lambda e: (-e["count"], e["check"], e.get("key", "")))


Mine = Sequence[tuple[Record, list[str]]]  # a column's records, each with its checks there


def _by_column(records: Sequence[Record]) -> dict[str, Mine]:
    """Each column's records with their checks in it, found once for all 41 keys."""
    out: dict[str, list[tuple[Record, list[str]]]] = {column: [] for column in COLUMNS}
    for record in records:
        for column, found in out.items():
            mine = [c for c in record.checks if _in_column(c, column)]
            if mine:
                found.append((record, mine))
    return dict(out)


def _cell(key: str, column: str, records: Mine, cat: Catalogue) -> dict[str, Any]:
    """pass / fail / warn / waived / not-tested (a check applies but could not run) / n/a."""
    states, checks = set(), set()
    applies = False
    walks = column == "states"  # its findings carry the check IDs of the rules they broke
    for record, mine in records:
        applies |= key in record.keys or walks
        for f in record.findings:
            if (walks or _in_column(f.check_id, column)) and key in finding_keys(f, cat):
                state = _state(f, cat)
                if state in ("fail", "warn", "waived"):
                    states.add(state)
                    checks.add(f.check_id)
        if key in record.keys or (walks and record.outcome in ("passed", "xfailed")):
            if record.outcome == "passed":
                states.add("pass")
            elif record.outcome in ("failed", "error") and not checks:
                states.add("fail")
                checks.update(mine)
            elif record.outcome == "xfailed":
                states.add("waived")
                checks.update(mine)
    for state in ("fail", "waived", "warn", "pass"):
        if state in states:
            return {"state": state, "checks": sorted(checks)} if checks else {"state": state}
    return {"state": "not-tested" if applies else "n/a"}


def _key_entry(
    key: str, records: Sequence[Record], columns_of: Mapping[str, Mine], cat: Catalogue
) -> dict[str, Any]:
    columns = {column: _cell(key, column, columns_of[column], cat) for column in COLUMNS}
    findings = [
        finding_json(f, cat, r.nodeid)
        for r in records
        for f in r.findings
        if key in finding_keys(f, cat) and _state(f, cat) not in ("not-tested",)
    ]
    failing = any(f["outcome"] == "fail" for f in findings)
    states = {cell["state"] for cell in columns.values()}
    if columns["presence"]["state"] == "fail":
        verdict = "missing"
    elif failing or "fail" in states:
        verdict = "fail"
    elif states & {"pass", "warn", "waived"}:
        verdict = "pass"
    else:
        verdict = "not-tested"
    return {"verdict": verdict, "columns": columns, "findings": findings}


def _param(record: Record) -> str:
    """The test's parameter as its id shows it, less a lab controller's name before it."""
    param = record.name.partition("[")[2].rstrip("]")
    return param.removeprefix(f"{record.bench}-") if record.bench else param


def renamed(
    cat: Catalogue, keys: Mapping[str, dict[str, Any]], observed: Mapping[str, object]
) -> dict[str, Any]:
    """Missing documented key -> the undocumented key it was probably renamed to: a similar
    name (rcmb_max, rcmb_max_values) and a value the documented key would accept."""
    extra = [k for k in observed if k not in cat]
    hints = {}
    for key, entry in keys.items():
        if entry["verdict"] != "missing" or not extra:
            continue
        spec = cat.key(key)

        def fits(name: str, spec: KeySpec = spec) -> bool:
            return spec.violation(observed[name]) is None

        candidate = rename_of(key, extra, fits)
        if candidate is not None:
            hints[key] = excerpt(candidate, 60)
    return hints


def rename_of(name: str, candidates: Sequence[str], fits: Callable[[str], bool]) -> str | None:
    """The key ``name`` was probably renamed to: the closest similar name among ``candidates``
    whose value ``fits`` what ``name`` carried (the run's rename hint, and ``report diff``'s
    renamed keys between two builds)."""
    for candidate in difflib.get_close_matches(name, candidates, n=3, cutoff=0.6):
        if fits(candidate):
            return candidate
    return None


def build(
    records: Iterable[Record],
    cat: Catalogue,
    *,
    target: Mapping[str, object],
    observed: Mapping[str, object],
    settings: Mapping[str, object],
    profile: Mapping[str, Any],
    run: Mapping[str, Any],
    versions: Mapping[str, str],
    samples: Mapping[str, object] | None = None,
    decision: Decision | None = None,
    interface: Mapping[str, Any] | None = None,
    declaration: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole summary. ``observed`` is the first full_state the run read (may be empty);
    ``samples`` the temporal readings as ``ccrest.report.timeline`` keeps them; ``decision``
    the run's verdict (``ccrest.verdict``), decided from the records here when not given;
    ``interface`` what the run saw of the interface (``ccrest.interface``), for the diff."""
    records = list(records)
    counts = {outcome: sum(r.outcome == outcome for r in records) for outcome in OUTCOMES}
    counts["advisories"] = sum(_state(f, cat) == "warn" for r in records for f in r.findings)
    faults, advisories = _grouped(records, cat, "fail"), _grouped(records, cat, "warn")
    counts["faults"] = len(faults)
    if decision is None:
        scope = run.get("scope") or {}
        stale = [w for w in profile.get("waivers", ()) if w["status"] == "no longer needed"]
        expired = [w for w in profile.get("waivers", ()) if w["status"] == "expired"]
        decision = decide(
            Facts.of(
                (r.outcome for r in records),
                stale_waivers=len(stale),
                expired_waivers=len(expired),
                complete=scope.get("complete", True),
                selection=scope.get("selection", ""),
                untestable="not testable" if run.get("exit_status") == "not-testable" else "",
            )
        )
    general = [
        finding_json(f, cat, r.nodeid)
        for r in records
        for f in r.findings
        if not finding_keys(f, cat) and _state(f, cat) in ("fail", "warn", "waived", "info")
    ]
    columns_of = _by_column(records)
    keys = {key: _key_entry(key, records, columns_of, cat) for key in cat.keys}
    for key, new_name in renamed(cat, keys, observed).items():
        keys[key]["renamed"] = new_name
    summary: dict[str, Any] = {
        "declaration": dict(declaration or undeclared()),
        "verdict": str(decision.verdict),
        "verdict_reason": decision.reason,
        "target": dict(target) | {k: excerpt(str(observed[k])) for k in IDENTITY if k in observed},
        "profile": dict(profile),
        "settings": dict(settings),
        "run": dict(run) | {"exit_status": decision.exit_code},
        "versions": dict(versions),
        "counts": counts,
        "keys": keys,
        "undocumented_keys": {
            excerpt(k, 60): excerpt(str(v))
            for k, v in [(k, v) for k, v in observed.items() if k not in cat][:UNDOCUMENTED_LISTED]
        },
        "general_findings": general,
        "faults": faults,
        "advisories": advisories,
        "samples": dict(samples) if samples else None,
        "states_walk": [
            {
                "scenario": _param(r) or r.name,
                "outcome": r.outcome,
                "checks": sorted({f.check_id for f in r.findings if _state(f, cat) == "fail"}),
                "driver": r.driver or "simulator",
                **({"reason": excerpt(r.message, 300)} if r.outcome == "skipped" else {}),
            }
            for r in records
            if r.family == "states"
        ],
        "tests": [
            {
                "id": r.nodeid,
                "outcome": r.outcome,
                "family": r.family,
                "checks": list(r.checks),
                "keys": list(r.keys),
                "message": r.message,
                "duration_s": round(r.duration_s, 4),
                "findings": [finding_json(f, cat) for f in r.findings],
            }
            for r in records
        ],
    }
    if interface is not None:
        summary["interface"] = dict(interface)
    return summary
