"""Every rule that judges one full_state read on its own: the schema family's (it answers, is
well formed, no key twice, each documented key present and valid, nothing undocumented), the
consistency rules and, in without-uid mode, the card UID hidden.

The suites run each of these as a test of its own on the first read; ``ccrest watch`` runs all
of them on every sample, so a value the suite fails, the watch fails too.
"""

from __future__ import annotations

from ccrest.checks import consistency, fullstate, privacy
from ccrest.exchange import Exchange
from ccrest.findings import Finding, Outcome
from ccrest.spec import Catalogue
from ccrest.wire import FullState


def every_check(
    cat: Catalogue, exchange: Exchange, state: FullState | None, rest_mode: str = "without-uid"
) -> list[Finding]:
    """The findings of every per-sample rule (not-tested ones left out: a sample that cannot
    be judged is counted as unreadable by the caller)."""
    findings = fullstate.answers(exchange, state)
    findings += fullstate.well_formed(exchange, state)
    findings += fullstate.no_duplicates(exchange, state)
    for key in cat.keys:
        findings += fullstate.key_present(cat, key, exchange, state)
        findings += fullstate.value_valid(cat, key, exchange, state)
    findings += fullstate.no_undocumented(cat, exchange, state)
    if fullstate.unusable(exchange, state) is None and state is not None:
        findings += consistency.check_all(state.values, cat)
        if rest_mode == "without-uid":
            findings += privacy.uid_hidden([("full_state", state.values, exchange)])
    return [f for f in findings if f.outcome is not Outcome.NOT_TESTED]
