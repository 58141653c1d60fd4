"""Rules on the full_state answer: it answers, every key is there and valid, nothing else is."""

from __future__ import annotations

from collections.abc import Sequence

from ccrest.checks.common import fail, info, not_tested
from ccrest.exchange import Exchange
from ccrest.findings import Finding, show
from ccrest.spec import Catalogue
from ccrest.wire import LISTED, FullState

UNREADABLE = ("wire.empty-body", "wire.json-invalid", "wire.json-not-object")
MALFORMED = ("wire.not-utf8", "wire.line-without-colon", "wire.empty-key", "wire.control-character")


def unusable(exchange: Exchange, state: FullState | None) -> str | None:
    """Why values cannot be judged from this answer, or None when they can."""
    if exchange.transport_failed:
        return f"full_state could not be read ({exchange.summary()})"
    if exchange.status != 200:
        return f"full_state answered {exchange.status}, so there are no values to judge"
    if state is None or not state.values:
        return "full_state holds no key:value pairs to judge"
    return None


def answers(exchange: Exchange, state: FullState | None) -> list[Finding]:
    if exchange.transport_failed:
        return [fail("fs.answers", f"no answer: {exchange.error}", exchange=exchange)]
    if exchange.status != 200:
        return [
            fail(
                "fs.answers",
                f"full_state answered {exchange.status}, expected 200",
                observed=exchange.status,
                allowed="200",
                exchange=exchange,
            )
        ]
    findings = []
    if exchange.truncated:
        findings.append(
            fail(
                "fs.answers",
                f"body is larger than the {exchange.body_size} B the suite reads; cut there",
                exchange=exchange,
            )
        )
    if state is not None:
        findings += [_with(f, exchange) for f in state.findings if f.check_id in UNREADABLE]
        if not state.values and not findings:
            findings.append(
                fail(
                    "fs.answers",
                    f"full_state answered 200 but holds no key:value pair ({exchange.body_size} B "
                    f"of {exchange.content_type or 'no stated type'})",
                    observed=exchange.body[:80],
                    allowed="one key:value line or JSON member per documented key",
                    exchange=exchange,
                )
            )
    return findings


def well_formed(exchange: Exchange, state: FullState | None) -> list[Finding]:
    if exchange.transport_failed or exchange.status != 200 or state is None:
        return [
            not_tested(
                "wire.line-without-colon",
                unusable(exchange, state) or "no body",
                exchange=exchange,
            )
        ]
    return [_with(f, exchange) for f in state.findings if f.check_id in MALFORMED]


def no_duplicates(exchange: Exchange, state: FullState | None) -> list[Finding]:
    reason = unusable(exchange, state)
    if reason or state is None:
        return [not_tested("wire.duplicate-key", reason or "no body")]
    return [_with(f, exchange) for f in state.findings if f.check_id == "wire.duplicate-key"]


def key_present(
    cat: Catalogue, key: str, exchange: Exchange, state: FullState | None
) -> list[Finding]:
    reason = unusable(exchange, state)
    if reason or state is None:
        return [not_tested("fs.key-present", reason or "no body", key=key)]
    if key in state.values:
        return []
    if not cat.key(key).required:
        return [info("fs.key-present", f"{key} is absent, which the profile allows", key=key)]
    return [
        fail(
            "fs.key-present",
            f"{key} is missing from full_state ({len(state.values)} keys present)",
            key=key,
            allowed=f"{key}:<value>",
            exchange=exchange,
        )
    ]


def present_in_every_read(
    cat: Catalogue, key: str, reads: Sequence[tuple[Exchange, FullState | None]]
) -> list[Finding]:
    """A documented key is in every full_state read, not only in the first: a key that is
    missing now and then leaves a client without it now and then."""
    judged = [(ex, st) for ex, st in reads if unusable(ex, st) is None]
    if not judged:
        ex, st = reads[0]
        return key_present(cat, key, ex, st)
    missing = [(ex, st) for ex, st in judged if st is not None and key not in st.values]
    if not missing:
        return []
    ex, st = missing[0]
    if len(missing) == len(judged):
        return key_present(cat, key, ex, st)
    if not cat.key(key).required:
        return []
    return [
        fail(
            "fs.key-present",
            f"{key} is missing from {len(missing)} of {len(judged)} full_state reads (there in "
            "the others)",
            key=key,
            observed=f"missing from {len(missing)} of {len(judged)} reads",
            allowed=f"{key}:<value> in every read",
            exchange=ex,
        )
    ]


def value_valid(
    cat: Catalogue, key: str, exchange: Exchange, state: FullState | None
) -> list[Finding]:
    reason = unusable(exchange, state)
    if reason or state is None:
        return [not_tested("fs.value-valid", reason or "no body", key=key)]
    if key not in state.values:
        return [not_tested("fs.value-valid", f"{key} is missing, so its value cannot be judged")]
    spec = cat.key(key)
    problem = spec.violation(state.values[key])
    if problem is None:
        return []
    return [
        fail(
            "fs.value-valid",
            problem,
            key=key,
            observed=state.values[key],
            allowed=spec.allowed,
            exchange=exchange,
        )
    ]


def no_undocumented(cat: Catalogue, exchange: Exchange, state: FullState | None) -> list[Finding]:
    reason = unusable(exchange, state)
    if reason or state is None:
        return [not_tested("fs.no-undocumented-key", reason or "no body")]
    extra = {k: v for k, v in state.values.items() if k not in cat}
    # one finding per key, so each deviation is named (and waived) by its key; a body of
    # garbage lines is listed in part and counted
    findings = [
        fail(
            "fs.no-undocumented-key",
            f"undocumented key {_name(k)} = {show(v)} ({len(extra)} undocumented in all)",
            key=_name(k),
            observed=v,
            allowed="only the 41 documented keys",
            exchange=exchange,
        )
        for k, v in list(extra.items())[:LISTED]
    ]
    if len(extra) > LISTED:
        findings.append(
            fail(
                "fs.no-undocumented-key",
                f"{len(extra) - LISTED} more undocumented keys ({len(extra)} in all)",
                observed=len(extra),
                allowed="only the 41 documented keys",
                exchange=exchange,
            )
        )
    return findings


def _name(key: str) -> str:
    return key if len(key) <= 60 else key[:60] + "…"


def _with(finding: Finding, exchange: Exchange) -> Finding:
    return fail(
        finding.check_id,
        finding.message,
        key=finding.key,
        observed=finding.observed,
        allowed=finding.allowed,
        exchange=exchange,
    )
