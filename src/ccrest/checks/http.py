"""Rules on HTTP: read-only, an honest Content-Type, HEAD like GET, nothing outside /rest/."""

from __future__ import annotations

import json
from collections.abc import Mapping

from ccrest.checks.common import fail, not_tested
from ccrest.exchange import Exchange
from ccrest.findings import Finding, show
from ccrest.spec import Catalogue
from ccrest.wire import BodyForm, parse_key_value

LEAK_THRESHOLD = 3  # this many documented keys in one body is the controller's state


def media_type(exchange: Exchange) -> str | None:
    ct = exchange.content_type
    return ct.split(";", 1)[0].strip().lower() if ct else None


def write_refused(
    cat: Catalogue,
    write: Exchange,
    before: Mapping[str, object] | None,
    after: Mapping[str, object] | None,
) -> list[Finding]:
    """A write changes nothing (the API is read-only) and is refused with a 4xx. A write
    answered as if it were a read (the same state a GET shows), that changed nothing, is
    read-only in effect: the specification says read-only, not how to refuse, so that answer
    is an advisory (RFC 9110 15.5.6 would answer 405 with Allow), not a failure."""
    if write.transport_failed:
        return [
            not_tested("http.read-only", f"the write got no answer: {write.error}", exchange=write)
        ]
    findings = []
    status = write.status or 0
    if status < 400 and answered_like_get(cat, write, before):
        findings.append(
            fail(
                "http.write-refused",
                f"{write.method} {_path(write)} answered {status} with what a GET shows: "
                "nothing was written, but a client is not told so (405 with Allow fits)",
                observed=status,
                allowed="405 (or another 4xx)",
                exchange=write,
            )
        )
    elif status < 400:
        findings.append(
            fail(
                "http.read-only",
                f"{write.method} {_path(write)} answered {status}: the API is read-only, "
                "a write must not be answered as accepted",
                observed=status,
                allowed="4xx (405 Method Not Allowed fits best)",
                exchange=write,
            )
        )
    elif status == 501:
        pass  # RFC 9110 15.6.2: the method is one the server supports for no resource
    elif status >= 500:
        findings.append(
            fail(
                "http.read-only",
                f"{write.method} {_path(write)} answered {status}: a refused write is the "
                "client's error (4xx), not a server failure",
                observed=status,
                allowed="4xx",
                exchange=write,
            )
        )
    if before is None or after is None:
        findings.append(
            not_tested(
                "http.read-only",
                "full_state could not be read before and after the write, so whether the "
                "write changed anything is not known",
            )
        )
    else:
        for spec in cat:
            if spec.change == "static" and before.get(spec.name) != after.get(spec.name):
                findings.append(
                    fail(
                        "http.read-only",
                        f"after {write.method} {_path(write)}, {spec.name} changed from "
                        f"{show(before.get(spec.name))} to {show(after.get(spec.name))}",
                        key=spec.name,
                        exchange=write,
                    )
                )
    return findings


def answered_like_get(cat: Catalogue, write: Exchange, before: Mapping[str, object] | None) -> bool:
    """Whether a write's answer is what a read of the same path shows: full_state's state,
    or the key's value."""
    path = _path(write).split("?", 1)[0]
    if path == "/rest/full_state":
        return bool(state_shown(cat, write))
    key = path.removeprefix("/rest/")
    if before is None or key not in cat or key not in before:
        return False
    value = parse_key_value(write.body, write.content_type, key=key).value
    return value is not None and str(value) == str(before[key])


def content_type_matches(exchange: Exchange, form: BodyForm | None) -> list[Finding]:
    if exchange.transport_failed or exchange.status != 200 or form is None:
        return [
            not_tested(
                "http.content-type",
                f"no body to compare ({exchange.summary()})",
                exchange=exchange,
            )
        ]
    media = media_type(exchange)
    expected = "application/json" if form is BodyForm.JSON else "text/plain"
    if media == expected or (form is BodyForm.JSON and media and media.endswith("+json")):
        return []
    said = f"Content-Type {exchange.content_type!r}" if media else "no Content-Type header"
    return [
        fail(
            "http.content-type",
            f"{_path(exchange)}: the body is {form.value} but the answer has {said}",
            observed=exchange.content_type,
            allowed=expected,
            exchange=exchange,
        )
    ]


def head_agrees(get: Exchange, head: Exchange) -> list[Finding]:
    if get.transport_failed:
        return [not_tested("http.head-agrees", f"GET got no answer: {get.error}", exchange=get)]
    if head.transport_failed:
        return [fail("http.head-agrees", f"HEAD got no answer: {head.error}", exchange=head)]
    findings = []
    if head.status != get.status:
        findings.append(
            fail(
                "http.head-agrees",
                f"HEAD {_path(head)} answered {head.status}, GET {get.status}",
                observed=head.status,
                allowed=str(get.status),
                exchange=head,
            )
        )
    elif media_type(head) != media_type(get):
        findings.append(
            fail(
                "http.head-agrees",
                f"HEAD says Content-Type {head.content_type!r}, GET {get.content_type!r}",
                exchange=head,
            )
        )
    if head.body:
        findings.append(
            fail("http.head-agrees", f"HEAD answered with a {len(head.body)} B body", exchange=head)
        )
    return findings


def state_shown(cat: Catalogue, exchange: Exchange) -> list[str]:
    """The documented keys an answer's body shows, when it shows the controller's state (at
    least three of them, as key:value lines or JSON members); else none."""
    text = exchange.body.decode("utf-8", errors="replace")
    found = {line.split(":", 1)[0].strip() for line in text.splitlines() if ":" in line}
    try:
        data = json.loads(text)
        if isinstance(data, dict):
            found |= set(data)
    except (ValueError, RecursionError):
        pass
    leaked = sorted(k for k in found if k in cat)
    return leaked if len(leaked) >= LEAK_THRESHOLD else []


def outside_no_leak(cat: Catalogue, exchange: Exchange) -> list[Finding]:
    if exchange.transport_failed:
        return [
            not_tested("http.outside-no-leak", f"no answer: {exchange.error}", exchange=exchange)
        ]
    if exchange.status != 200:
        return []
    leaked = state_shown(cat, exchange)
    if not leaked:
        return []
    return [
        fail(
            "http.outside-no-leak",
            f"{_path(exchange)} (outside /rest/) shows the controller's state: "
            f"{', '.join(leaked[:6])}{', …' if len(leaked) > 6 else ''}",
            observed=leaked,
            allowed="no state outside /rest/",
            exchange=exchange,
        )
    ]


def _path(exchange: Exchange) -> str:
    return "/" + exchange.url.split("/", 3)[-1] if exchange.url.count("/") >= 3 else exchange.url
