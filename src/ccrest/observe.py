"""Observations of a controller: an answer fetched and parsed, ready for the rules.

The client fetches, ``ccrest.wire`` parses; this module puts the two together in the shapes
the suites share (one full_state, the per-key answers bracketed by two full_states, samples
over time), so each is fetched once per run.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from ccrest.checks.temporal import Sample
from ccrest.client import Client
from ccrest.exchange import Exchange
from ccrest.wire import FullState, KeyValue, parse_full_state, parse_key_value

FULL_STATE = "/rest/full_state"


@dataclass(frozen=True)
class Observed:
    """One full_state answer and what the parser made of it."""

    exchange: Exchange
    state: FullState | None

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


def full_state(client: Client, exchange: Exchange | None = None) -> Observed:
    exchange = exchange or client.get(FULL_STATE)
    if exchange.transport_failed or not exchange.body:
        parsed = parse_full_state(exchange.body) if not exchange.transport_failed else None
        return Observed(exchange, parsed)
    return Observed(exchange, parse_full_state(exchange.body, exchange.content_type))


def key(client: Client, name: str) -> KeyAnswer:
    exchange = client.get(f"/rest/{name}")
    if exchange.transport_failed or exchange.status != 200:
        return KeyAnswer(exchange, None)
    return KeyAnswer(exchange, parse_key_value(exchange.body, exchange.content_type, key=name))


def per_key(client: Client, keys: tuple[str, ...]) -> PerKey:
    before = full_state(client)
    answers = {name: key(client, name) for name in keys}
    return PerKey(before, full_state(client), answers)


def bracketed(client: Client, name: str) -> tuple[Observed, KeyAnswer, Observed]:
    """full_state, the key, full_state again, back to back: the tightest bracket we can get."""
    return full_state(client), key(client, name), full_state(client)


def samples(client: Client, seconds: float, interval: float = 1.0) -> list[Sample]:
    """full_state every ``interval`` seconds for ``seconds`` (at least one reading)."""
    count = max(1, round(seconds / interval) + 1) if seconds > 0 else 1
    start = time.monotonic()
    taken = []
    for i in range(count):
        wait = start + i * interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        observed = full_state(client)
        ex = observed.exchange
        if observed.usable:
            taken.append(
                Sample(ex.started + ex.elapsed_s / 2, ex.elapsed_s / 2, observed.values, ex)
            )
        if client.gone:
            break
    return taken
