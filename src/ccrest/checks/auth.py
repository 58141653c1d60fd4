"""Rules on credentials: the configured scheme opens the API, nothing else does, and a
refusal says how to authenticate and gives nothing away."""

from __future__ import annotations

from collections.abc import Iterable

from ccrest.checks.common import fail, info, not_tested
from ccrest.checks.http import state_shown
from ccrest.exchange import Exchange
from ccrest.findings import Finding
from ccrest.spec import Catalogue

# RFC 9110 15.5.2 (no or failed authentication), 15.5.4 (refused), 15.5.5 (a server that
# hides that a forbidden resource exists MAY answer 404 instead of 403)
REFUSALS = (401, 403, 404)
PATH_SPELLINGS = {  # full_state's path spelled otherwise: the protection must cover each
    "trailing-slash": "/rest/full_state/",
    "upper-case": "/rest/FULL_STATE",
    "upper-case-prefix": "/REST/full_state",
    "encoded-character": "/rest/full%5Fstate",
    "dot-segment": "/rest/./full_state",
    "double-slash": "/rest//full_state",
    "query": "/rest/full_state?ccrest=1",
}


DOCUMENTED = "doc-headers"  # the specification's scheme (3.1): Username and Password headers


def scheme_works(
    exchange: Exchange, scheme: str, username: str, refused: Exchange | None = None
) -> list[Finding]:
    """The configured credentials open full_state. ``refused``: the configured scheme was
    refused while the other opened it with the same credentials (the run went on in that
    one): a deviation when the refused one is the specification's own headers."""
    if refused is not None:
        other = "basic" if scheme == DOCUMENTED else DOCUMENTED
        said = (
            f"the {scheme} scheme for {username!r} answered {refused.status}, while the "
            f"{other} scheme with the same credentials opened full_state (the run went on "
            f"with {other})"
        )
        if scheme != DOCUMENTED:
            return [
                info(
                    "auth.scheme-works",
                    said + "; the specification documents only the Username and Password headers",
                )
            ]
        return [
            fail(
                "auth.scheme-works",
                said + ": the specification's Username and Password headers must open it",
                observed=refused.status,
                allowed="200",
                exchange=refused,
            )
        ]
    if exchange.transport_failed:
        return [not_tested("auth.scheme-works", f"no answer: {exchange.error}", exchange=exchange)]
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


def refused(
    check_id: str, exchange: Exchange, attempt: str, allow_anonymous: bool, key: str | None = None
) -> list[Finding]:
    """A bad attempt must be refused: 401, or 403 (RFC 9110 15.5.4 lets a server refuse so
    when it will not say more), or 404 (15.5.5: a server that hides a forbidden resource may
    answer so); with anonymous access declared a 200 is information only."""
    if exchange.transport_failed:
        return [not_tested(check_id, f"no answer: {exchange.error}", key=key, exchange=exchange)]
    status = exchange.status
    if status in REFUSALS:
        return []
    if status == 200 and allow_anonymous:
        return [
            info(
                check_id,
                f"{attempt} was let in (200): the device is declared open to anonymous reads "
                "(--allow-anonymous, or allow_anonymous in the profile or inventory)",
                key=key,
            )
        ]
    if status == 200:
        why = (
            f"{attempt} was let in (200): anyone on the controller's network can read it; "
            "if the device is set up that way on purpose, declare it (--allow-anonymous, or "
            "allow_anonymous = true in its profile or inventory)"
        )
    else:
        why = f"{attempt} answered {status}, expected 401 (or 403, or 404 hiding the resource)"
    allowed = "401, 403 or 404"
    return [fail(check_id, why, key=key, observed=status, allowed=allowed, exchange=exchange)]


def variant_closed(
    cat: Catalogue, exchange: Exchange, attempt: str, allow_anonymous: bool
) -> list[Finding]:
    """Another spelling of a protected path (a trailing slash, other case, an encoded
    character) asked without credentials: refused, or not found, but never the state."""
    if exchange.transport_failed:
        return [
            not_tested(
                "auth.no-credentials-refused", f"no answer: {exchange.error}", exchange=exchange
            )
        ]
    shown = state_shown(cat, exchange)
    if not shown or exchange.status != 200 or allow_anonymous:
        return []
    return [
        fail(
            "auth.no-credentials-refused",
            f"{attempt} answered 200 with the controller's state ({', '.join(shown[:4])}"
            f"{', …' if len(shown) > 4 else ''}): the protection does not cover every spelling "
            "of the path",
            observed=exchange.status,
            allowed="401 or 403 (or 404)",
            exchange=exchange,
        )
    ]


def challenged(refusals: Iterable[Exchange]) -> list[Finding]:
    """Every 401 names how to authenticate: RFC 9110 15.5.2 (a server generating a 401 MUST
    send a WWW-Authenticate header field) and 11.6.1."""
    seen = [ex for ex in refusals if ex.status == 401]
    if not seen:
        return [not_tested("auth.challenge", "no 401 answer was seen (a 403 needs no challenge)")]
    bare = [
        ex for ex in seen if not any(k.lower() == "www-authenticate" for k in ex.response_headers)
    ]
    if not bare:
        return []
    return [
        fail(
            "auth.challenge",
            f"{len(bare)} of {len(seen)} answers 401 carry no WWW-Authenticate header, which "
            "tells a client how to authenticate",
            observed=f"{bare[0].method} {_path(bare[0])} -> 401 without WWW-Authenticate",
            allowed='401 with WWW-Authenticate (for example: Basic realm="...")',
            exchange=bare[0],
        )
    ]


def discloses_nothing(cat: Catalogue, refusals: Iterable[Exchange]) -> list[Finding]:
    """A refusal repeats no secret (the password it was sent) and shows none of the state it
    refused to show."""
    seen = [ex for ex in refusals if ex.status in REFUSALS]
    if not seen:
        return [not_tested("auth.refusal-discloses-nothing", "no refusal was seen")]
    findings = []
    echoed = [ex for ex in seen if ex.echoed]
    if echoed:
        findings.append(
            fail(
                "auth.refusal-discloses-nothing",
                f"{len(echoed)} refusals repeat the password they were sent (masked in this "
                "report)",
                observed=f"{echoed[0].method} {_path(echoed[0])} -> {echoed[0].status} with a "
                "password in its answer",
                allowed="a refusal without the credentials it was sent",
                exchange=echoed[0],
            )
        )
    leaking = [(ex, state_shown(cat, ex)) for ex in seen]
    leaking = [(ex, keys) for ex, keys in leaking if keys]
    if leaking:
        ex, keys = leaking[0]
        findings.append(
            fail(
                "auth.refusal-discloses-nothing",
                f"{len(leaking)} refusals show the state they refuse: {', '.join(keys[:4])}"
                f"{', …' if len(keys) > 4 else ''}",
                observed=f"{ex.method} {_path(ex)} -> {ex.status} with {len(keys)} keys",
                allowed="a refusal without the controller's state",
                exchange=ex,
            )
        )
    return findings


def _path(exchange: Exchange) -> str:
    return "/" + exchange.url.split("/", 3)[-1] if exchange.url.count("/") >= 3 else exchange.url
