"""A small client for the simulator's control interface (/sim/), for the states family.

The suite drives a simulator only through this HTTP interface, so it works the same for the
embedded simulator and for one in another process; a target without it is reported as such.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import requests

TOKEN_ENV = "CCREST_SIM_TOKEN"


class ControlError(RuntimeError):
    """The control interface refused an operation; the message says which and why."""


@dataclass
class SimControl:
    base_url: str
    session: requests.Session
    timeout: float
    token: str | None = None

    def _headers(self) -> dict[str, str]:
        return {"X-Sim-Token": self.token} if self.token else {}

    def call(self, operation: str, **arguments: object) -> object:
        r = self.session.post(
            f"{self.base_url}/sim/{operation}",
            json=arguments,
            headers=self._headers(),
            timeout=self.timeout,
        )
        if r.status_code != 200:
            try:
                reason = r.json().get("error", r.text)
            except ValueError:
                reason = r.text[:200]
            raise ControlError(f"/sim/{operation} {arguments} answered {r.status_code}: {reason}")
        return r.json().get("result")


def find_control(
    base_url: str, session: requests.Session, timeout: float
) -> tuple[SimControl | None, str]:
    """The control interface if the target has one, else None and why not."""
    control = SimControl(base_url, session, timeout, os.environ.get(TOKEN_ENV))
    try:
        r = session.get(f"{base_url}/sim/", headers=control._headers(), timeout=timeout)
    except requests.RequestException as exc:
        return None, f"GET /sim/ failed ({type(exc).__name__})"
    if r.status_code == 403:
        return None, f"the control interface wants a token: set {TOKEN_ENV}"
    try:
        routes = r.json().get("routes") if r.status_code == 200 else None
    except ValueError:
        routes = None
    if not routes:
        return None, f"the target has no simulator control interface (GET /sim/ -> {r.status_code})"
    if r.json().get("replay"):
        return None, "the simulator replays a capture, whose state cannot be driven"
    return control, "ok"
