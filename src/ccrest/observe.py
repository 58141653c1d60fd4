"""Observations of a controller: an answer fetched and parsed, ready for the rules.

The client fetches, ``ccrest.wire`` parses; this module puts the two together in the shapes
the suites share (one full_state, the per-key answers bracketed by two full_states, samples
over time), so each is fetched once per run.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ccrest.checks.temporal import Sample
from ccrest.client import Client
from ccrest.exchange import Exchange
from ccrest.interrupts import checkpoint
from ccrest.masking import MASK, secret_named
from ccrest.spec import Catalogue, catalogue
from ccrest.wire import FullState, KeyValue, parse_full_state, parse_key_value

FULL_STATE = "/rest/full_state"


@dataclass(frozen=True)
class Observed:
    """One full_state answer and what the parser made of it (keys the profile aliases already
    under their documented names; ``aliased`` says which device name stood for which key)."""

    exchange: Exchange
    state: FullState | None
    aliased: Mapping[str, str] = field(default_factory=dict)

    @property
    def values(self) -> Mapping[str, object]:
        return self.state.values if self.state is not None else {}

    @property
    def usable(self) -> bool:
        return self.exchange.status == 200 and bool(self.values)


@dataclass(frozen=True)
class KeyAnswer:
    exchange: Exchange
    parsed: KeyValue | None


@dataclass
class PerKey:
    """Every documented key's answer, with full_state read just before and just after."""

    before: Observed
    after: Observed
    answers: dict[str, KeyAnswer] = field(default_factory=dict)


def full_state(client: Client, cat: Catalogue | None = None) -> Observed:
    exchange = client.get(FULL_STATE)
    if exchange.transport_failed:
        return Observed(exchange, None)
    state = parse_full_state(exchange.body, exchange.content_type if exchange.body else None)
    aliased = _apply_aliases(state, cat) if cat is not None else {}
    mask_secret_keys(state, cat or catalogue())
    return Observed(exchange, state, aliased)


def mask_secret_keys(state: FullState, cat: Catalogue) -> None:
    """An undocumented key named like a secret (``wifi_password``) keeps its place, but its
    value is never shown: every rule and report reads it masked."""
    masked = [k for k in state.values if k not in cat and secret_named(k)]
    for key in masked:
        state.values[key] = MASK
        state.occurrences[key] = [MASK for _ in state.occurrences.get(key, ())]
    if masked:  # what the parser found about such a key shows no value either
        state.findings[:] = [
            replace(f, message=f"{f.check_id} on {f.key} (its value masked)", observed=MASK)
            if f.key in masked
            else f
            for f in state.findings
        ]


def _apply_aliases(state: FullState, cat: Catalogue) -> dict[str, str]:
    """Where the device names a documented key by an alias the profile gives, read it as that
    key; a device sending both keeps the documented one (and the alias stays an extra key)."""
    used = {}
    for spec in cat:
        if spec.name in state.values:
            continue
        for alias in spec.aliases:
            if alias in state.values:
                state.values[spec.name] = state.values.pop(alias)
                state.occurrences[spec.name] = state.occurrences.pop(alias)
                used[spec.name] = alias
                break
    return used


def key(client: Client, name: str, cat: Catalogue | None = None) -> KeyAnswer:
    """/rest/<name>; where it is 404 and the profile gives aliases, the device's own name."""
    exchange = client.get(f"/rest/{name}")
    aliases = cat.key(name).aliases if cat is not None and name in cat else ()
    for alias in aliases:
        if exchange.status != 404:
            break
        exchange = client.get(f"/rest/{alias}")
    if exchange.transport_failed or exchange.status != 200:
        return KeyAnswer(exchange, None)
    return KeyAnswer(exchange, parse_key_value(exchange.body, exchange.content_type, key=name))


def per_key(client: Client, cat: Catalogue) -> PerKey:
    before = full_state(client, cat)
    answers = {name: key(client, name, cat) for name in cat.keys}
    return PerKey(before, full_state(client, cat), answers)


def bracketed(client: Client, name: str, cat: Catalogue) -> tuple[Observed, KeyAnswer, Observed]:
    """full_state, the key, full_state again, back to back: the tightest bracket we can get."""
    return full_state(client, cat), key(client, name, cat), full_state(client, cat)


def sample_count(seconds: float, interval: float = 1.0) -> int:
    """How many readings a watch of ``seconds`` takes: at least one; two or more only when it
    lasts half an interval or longer (a rule over time needs two)."""
    return max(1, round(seconds / interval) + 1) if seconds > 0 else 1


def samples(
    client: Client, seconds: float, interval: float = 1.0, rate: float = 1.0
) -> list[Sample]:
    """full_state every ``interval`` seconds for ``seconds`` (at least one reading), in the
    device's time: a device whose clock runs ``rate`` times ours (a simulator run fast) is
    read ``rate`` times as often, and each sample's time is its clock's."""
    count = sample_count(seconds, interval)
    start = time.monotonic()
    taken = []
    for i in range(count):
        wait = start + i * interval / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        checkpoint()  # a Ctrl-C lost in a finalizer ends the watching here
        observed = full_state(client)
        ex = observed.exchange
        if observed.usable:
            t = (ex.started + ex.elapsed_s / 2 - start) * rate
            taken.append(Sample(t, ex.elapsed_s / 2 * rate, observed.values, ex))
        if client.gone:
            break
    return taken
