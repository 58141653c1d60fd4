"""A small client for the simulator's control interface (/sim/), for the states family.

The suite drives a simulator only through this HTTP interface, so it works the same for the
embedded simulator and for one in another process; a target without it is reported as such.
Every request goes through the suite's one bounded client (``ccrest.client``): a target that
answers ``/sim/`` with an endless or dripping body is cut like any other answer.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ccrest.client import Client
from ccrest.exchange import Exchange

TOKEN_ENV = "CCREST_SIM_TOKEN"


class ControlError(RuntimeError):
    """The control interface refused an operation; the message says which and why."""


class ControlUnavailable(ControlError):
    """The operation could not be sent or got no answer (the client gave up on the target, or
    the run deadline passed): what depends on it is not tested, not failed."""


def _json(exchange: Exchange) -> dict[str, Any] | None:
    if exchange.transport_failed or exchange.truncated:
        return None
    try:
        document = json.loads(exchange.body)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


@dataclass
class SimControl:
    client: Client
    token: str | None = None

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        return headers | ({"X-Sim-Token": self.token} if self.token else {})

    def state(self) -> dict[str, Any]:
        """The model's own view (GET /sim/state): its clock speed, vehicle, faults."""
        ex = self.client.request("GET", "/sim/state", credentials=None, headers=self._headers())
        document = _json(ex) if ex.status == 200 else None
        if document is None:
            raise ControlUnavailable(f"/sim/state: {ex.error or ex.status}")
        return document

    def call(self, operation: str, **arguments: object) -> object:
        ex = self.client.request(
            "POST",
            f"/sim/{operation}",
            credentials=None,
            data=json.dumps(arguments).encode(),
            headers=self._headers(),
        )
        if ex.transport_failed:
            raise ControlUnavailable(f"/sim/{operation}: {ex.error}")
        document = _json(ex)
        if ex.status != 200 or document is None:
            reason = ex.error or (document or {}).get("error") or ex.excerpt(200)
            raise ControlError(f"/sim/{operation} {arguments} answered {ex.status}: {reason}")
        return document.get("result")


FAST = 25.0  # the clock speed the temporal family samples a simulator at (device s per s)


def clock_speed(control: SimControl | None) -> float | None:
    """How many device seconds a simulator's clock runs per second of ours (/sim/state);
    None without one, or for a stopped or unreadable clock."""
    if control is None:
        return None
    try:
        speed = float(control.state()["clock_speed"])
    except (ControlError, ValueError, KeyError, TypeError):
        return None
    return speed if math.isfinite(speed) and speed > 0 else None


@contextlib.contextmanager
def device_time(control: SimControl | None) -> Iterator[float]:
    """A simulator's clock run fast while the block runs, then set back; yields how many
    device seconds pass per second of ours (1 for a device without a clock of its own: a
    real controller's time is ours)."""
    before = clock_speed(control)  # a stopped clock is the test's own business
    if control is None or before is None:
        yield 1.0
        return
    try:
        control.call("clock", speed=max(before, FAST))
    except ControlError:
        yield 1.0
        return
    try:
        yield max(before, FAST)
    finally:
        with contextlib.suppress(ControlError):
            control.call("clock", speed=before)


def find_control(client: Client) -> tuple[SimControl | None, str]:
    """The control interface if the target has one, else None and why not."""
    control = SimControl(client, os.environ.get(TOKEN_ENV) or None)
    ex = client.request("GET", "/sim/", credentials=None, headers=control._headers())
    if ex.transport_failed:
        return None, f"GET /sim/ failed ({ex.error})"
    if ex.status == 403:
        return None, f"the control interface wants a token: set {TOKEN_ENV}"
    document = _json(ex) if ex.status == 200 else None
    if not document or not document.get("routes"):
        return None, f"the target has no simulator control interface (GET /sim/ -> {ex.status})"
    if document.get("replay"):
        return None, "the simulator replays a capture, whose state cannot be driven"
    return control, "ok"
