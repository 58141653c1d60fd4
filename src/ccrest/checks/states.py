"""Judging the controller in a state it was driven to: everything conforms, and the state is
the one the stimulus calls for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ccrest.checks import consistency, declared, fullstate, perkey, privacy
from ccrest.checks.common import fail, numbers, text
from ccrest.declare import Declaration
from ccrest.findings import Finding, Outcome, show
from ccrest.observe import KeyAnswer, Observed
from ccrest.spec import Catalogue


def expectation(
    expect: Mapping[str, object],
    values: Mapping[str, object],
    steps: str,
    cat: Catalogue | None = None,
    phases: int | None = None,
) -> list[Finding]:
    """'expect' holds: a string is the exact value, {"contains": token} a ';'-separated token,
    {"every": n} a comma-separated list whose every number is n (one per phase, however many
    phases the controller has: a single-phase one shows one; where the model's declaration
    says how many ``phases``, a slot beyond them may read 0 instead; within the key's
    tolerance of ``cat``, as a measuring transformer's offset reads a hair off zero),
    {"one_of": [...]} any of them
    (OCPP 1.6's status or the 1.5 status naming the same state)."""
    findings = []
    for key, wanted in expect.items():
        seen = text(values, key)
        if isinstance(wanted, dict) and "every" in wanted:
            listed = numbers(values, key)
            tol = cat.key(key).tolerance if cat is not None and key in cat else 0.0
            goal = float(wanted["every"])
            ok = listed is not None and all(abs(n - goal) <= tol for n in listed)
            allowed = f"{wanted['every']} on every phase" + (f" (within {tol:g})" if tol else "")
            if phases is not None and listed is not None and len(listed) > phases:
                # a slot beyond the declared phases may read 0, never the goal's other value
                ok = all(abs(n - goal) <= tol for n in listed[:phases]) and all(
                    abs(n) <= tol for n in listed[phases:]
                )
                allowed += f" of the {phases} declared, 0 beyond"
        elif isinstance(wanted, dict) and "one_of" in wanted:
            ok = seen in wanted["one_of"]
            allowed = "one of " + ", ".join(show(w) for w in wanted["one_of"])
        elif isinstance(wanted, dict):
            ok = seen is not None and wanted["contains"] in seen.split(";")
            allowed = f"a value listing {wanted['contains']!r}"
        else:
            ok, allowed = seen == wanted, show(wanted)
        if not ok:
            findings.append(
                fail(
                    "states.scenario-reached",
                    f"after {steps}: {key} = {show(seen)}, expected {allowed}",
                    key=key,
                    observed=seen,
                    allowed=allowed,
                )
            )
    return findings


def conforms(
    cat: Catalogue,
    before: Observed,
    answers: Mapping[str, KeyAnswer],
    after: Observed,
    rest_mode: str,
    cards: Iterable[str] = (),
    declaration: Declaration | None = None,
) -> list[Finding]:
    """In this state: full_state valid and complete, rules hold, every key agrees with it, and
    the device is what its ``declaration`` says (a single-phase model charging on three
    phases shows it only while charging)."""
    ex, state = before.exchange, before.state
    findings = fullstate.answers(ex, state) + fullstate.no_undocumented(cat, ex, state)
    for key in cat.keys:
        findings += fullstate.key_present(cat, key, ex, state)
        findings += fullstate.value_valid(cat, key, ex, state)
        answer = answers[key]
        findings += perkey.answers(key, answer.exchange, answer.parsed, cat.key(key).required)
        findings += perkey.value_valid(cat.key(key), answer.exchange, answer.parsed, before.values)
        value = answer.parsed.value if answer.parsed else None
        findings += perkey.matches_full_state(
            cat.key(key), before.values, value, after.values, answer.exchange
        )
    if before.usable:
        findings += consistency.check_all(before.values, cat)
        if declaration is not None:
            findings += declared.check_all(before.values, declaration)
        if rest_mode == "without-uid":
            seen = [("full_state", before.values, ex)] + [
                (f"/rest/{k}", {k: a.parsed.value}, a.exchange)
                for k, a in answers.items()
                if a.parsed is not None
            ]
            findings += privacy.uid_hidden(seen, cards)
    # what could not be judged in one state, or is information, is not a finding of this scenario
    return [f for f in findings if f.outcome not in (Outcome.NOT_TESTED, Outcome.PASS)]
