"""Rules on /rest/<KEY>: it answers, the value is valid, and it agrees with full_state."""

from __future__ import annotations

from collections.abc import Mapping

from ccrest.checks.common import fail, info, not_tested, number, numbers
from ccrest.exchange import Exchange
from ccrest.findings import Finding, show
from ccrest.spec import KeySpec
from ccrest.wire import KeyValue

WIRE = ("wire.per-key-not-scalar", "wire.per-key-prefixed", "wire.not-utf8", "wire.json-invalid")
OWN = ("wire.per-key-not-scalar", "wire.per-key-prefixed", "wire.control-character")


def answers(
    key: str, exchange: Exchange, parsed: KeyValue | None, required: bool = True
) -> list[Finding]:
    if exchange.transport_failed:
        return [fail("pk.answers", f"no answer: {exchange.error}", key=key, exchange=exchange)]
    if exchange.status == 404 and not required:
        return [
            info("pk.answers", f"/rest/{key} is absent (404), which the profile allows", key=key)
        ]
    if exchange.status != 200:
        return [
            fail(
                "pk.answers",
                f"/rest/{key} answered {exchange.status}, expected 200",
                key=key,
                observed=exchange.status,
                allowed="200",
                exchange=exchange,
            )
        ]
    findings = []
    if parsed is not None:
        for f in parsed.findings:
            if f.check_id in OWN:  # reported under its own ID, as full_state's is
                findings.append(
                    fail(
                        f.check_id,
                        f.message,
                        key=key,
                        observed=f.observed,
                        allowed=f.allowed,
                        exchange=exchange,
                    )
                )
            elif f.check_id in WIRE:
                findings.append(fail("pk.answers", f.message, key=key, exchange=exchange))
    return findings


def value_valid(
    spec: KeySpec,
    exchange: Exchange,
    parsed: KeyValue | None,
    full_state: Mapping[str, object] | None = None,
) -> list[Finding]:
    """The per-key value is one the specification allows. The same invalid value as full_state
    shows is reported once, by fs.value-valid: one fault, one finding (and one waiver)."""
    if exchange.transport_failed:
        return [
            not_tested(
                "pk.value-valid", exchange.error or "no answer", key=spec.name, exchange=exchange
            )
        ]
    if exchange.status != 200 or parsed is None:
        return [not_tested("pk.value-valid", f"/rest/{spec.name} gave no value", key=spec.name)]
    if parsed.value is None:
        return [not_tested("pk.value-valid", "the body holds no single value", key=spec.name)]
    problem = spec.violation(parsed.value)
    if problem is None:
        return []
    if full_state and _same_fault(spec, full_state.get(spec.name), parsed.value):
        return [
            not_tested(
                "pk.value-valid",
                f"/rest/{spec.name} answers the same value as full_state; fs.value-valid judges it",
                key=spec.name,
            )
        ]
    return [
        fail(
            "pk.value-valid",
            f"/rest/{problem}",
            key=spec.name,
            observed=parsed.value,
            allowed=spec.allowed,
            exchange=exchange,
        )
    ]


def _same_fault(spec: KeySpec, in_full_state: object, value: object) -> bool:
    """A live value (a meter, a timer) moves between the full_state read and the per-key read:
    -426416 then -426420 is one fault, not two. A fixed value must be the very same."""
    if same_value(in_full_state, value):
        return True
    return spec.dynamic and in_full_state is not None and spec.violation(in_full_state) is not None


def matches_full_state(
    spec: KeySpec,
    before: Mapping[str, object],
    value: object,
    after: Mapping[str, object],
    exchange: Exchange | None = None,
) -> list[Finding]:
    """Does the per-key value agree with full_state read just before and just after it?

    Static keys must be equal. A state must be one of the two readings; a counter lies between
    them (from 0 if it was reset in between); a measurement lies within the two readings widened
    by the key's tolerance, since two honest readings of a live quantity differ.
    """
    key = spec.name
    if key not in before or key not in after:
        return [not_tested("pk.matches-full-state", f"full_state lacks {key}", key=key)]
    if value is None:
        return [not_tested("pk.matches-full-state", f"/rest/{key} gave no value", key=key)]
    b, a, v = _norm(before[key]), _norm(after[key]), _norm(value)
    ok = same_value(v, b)
    allowed = show(b)
    if not ok and spec.change == "state":
        ok = same_value(v, a)
        allowed = show(b) if a == b else f"{show(b)} or {show(a)} (read before and after)"
    elif not ok and spec.change in ("counter", "session-counter"):
        nb, na, nv = number(before, key), number(after, key), number({key: value}, key)
        if nb is not None and na is not None and nv is not None:
            low = min(nb, na) if na >= nb else 0.0  # reset in between: anything from 0 up
            high = max(nb, na)
            ok = low <= nv <= high
            allowed = f"between {low:g} and {high:g} (read before and after)"
    elif not ok and spec.change == "measurement":
        ok, allowed = _within(spec, before, value, after)
    if ok:
        return []
    return [
        fail(
            "pk.matches-full-state",
            f"/rest/{key} = {show(v)} but full_state says {allowed}",
            key=key,
            observed=v,
            allowed=allowed,
            exchange=exchange,
        )
    ]


def _norm(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def same_value(a: object, b: object) -> bool:
    """Equal as values: the JSON number 16 in a JSON full_state is the bare text 16 a per-key
    endpoint answers. Two texts compare as texts ('+49' is not '49' in an identifier)."""
    a, b = _norm(a), _norm(b)
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str):
        return False
    na, nb = number({"v": a}, "v"), number({"v": b}, "v")
    return na is not None and na == nb


def _within(
    spec: KeySpec, before: Mapping[str, object], value: object, after: Mapping[str, object]
) -> tuple[bool, str]:
    key = spec.name
    nb, nv, na = (numbers(d, key) or _single(d, key) for d in (before, {key: value}, after))
    if not (nb and na and nv) or not len(nb) == len(na) == len(nv):
        return False, "the same number of values as full_state"
    for b, v, a in zip(nb, nv, na, strict=True):
        slack = spec.tolerance + 0.05 * max(abs(b), abs(a))
        if not min(b, a) - slack <= v <= max(b, a) + slack:
            return False, (
                f"{show(_norm(before[key]))}..{show(_norm(after[key]))} "
                f"within {spec.tolerance:g} {spec.unit or ''} and 5 %".replace("  ", " ")
            )
    return True, ""


def _single(values: Mapping[str, object], key: str) -> list[float] | None:
    n = number(values, key)
    return None if n is None else [n]


def unknown_key(probe: str, exchange: Exchange) -> list[Finding]:
    if exchange.transport_failed:
        return [not_tested("pk.unknown-key-404", f"no answer: {exchange.error}", exchange=exchange)]
    if exchange.status == 404:
        return []
    what = "an empty body" if not exchange.body else f"{exchange.body_size} B"
    return [
        fail(
            "pk.unknown-key-404",
            f"/rest/{probe} (no such key) answered {exchange.status} with {what}, expected 404",
            observed=exchange.status,
            allowed="404",
            exchange=exchange,
        )
    ]
