"""Rules on credentials: the configured scheme opens the API, nothing else does."""

from __future__ import annotations

from ccrest.checks.common import fail, info, not_tested
from ccrest.exchange import Exchange
from ccrest.findings import Finding


def scheme_works(exchange: Exchange, scheme: str, username: str) -> list[Finding]:
    if exchange.transport_failed:
        return [not_tested("auth.scheme-works", f"no answer: {exchange.error}")]
    if exchange.status == 200:
        return []
    return [
        fail(
            "auth.scheme-works",
            f"the {scheme} scheme for {username!r} answered {exchange.status}, expected 200",
            observed=exchange.status,
            allowed="200",
            exchange=exchange,
        )
    ]


def refused(check_id: str, exchange: Exchange, attempt: str, allow_anonymous: bool):
    """A bad attempt must get 401; with --allow-anonymous a 200 is information only."""
    if exchange.transport_failed:
        return [not_tested(check_id, f"no answer: {exchange.error}")]
    status = exchange.status
    if status == 401:
        return []
    if status == 200 and allow_anonymous:
        return [
            info(
                check_id,
                f"{attempt} was let in (200): the device is declared open with --allow-anonymous",
            )
        ]
    if status == 200:
        why = (
            f"{attempt} was let in (200): anyone on the controller's network can read it; "
            "if the device is set up that way on purpose, run with --allow-anonymous"
        )
    elif status == 403:
        why = (
            f"{attempt} was refused with 403, expected 401: failed authentication is 401 "
            "(RFC 9110 15.5.2); 403 means accepted credentials without permission"
        )
    else:
        why = f"{attempt} answered {status}, expected 401"
    return [fail(check_id, why, observed=status, allowed="401", exchange=exchange)]
