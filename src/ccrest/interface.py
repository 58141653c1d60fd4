"""What a run saw of the controller's interface, kept in ``conformance.json`` so that two builds
can be compared for the software that reads them (``ccrest report diff``'s interface section).

Conformance asks whether a build follows the specification; an integration breaks on what a
build *changes*, conformant or not: a key inserted before others moves every line after it for
a client that reads by line number, a localised value is new to one that matches values. So
this keeps, from the run's ordinary reads (no probe with other credentials, methods or paths):
full_state's status, Content-Type and body form (for text, how its lines are written: the line
ending, a byte order mark, the spacing around the colon), each key's position (the text form's line)
and the values and number formats it showed over every read, and each key's own answer
(status, form, Content-Type). Pure: exchanges in, a bounded JSON-ready dict out; every text
is a device's and was made display-safe where it entered (``ccrest.wire``, the client).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from ccrest.exchange import Exchange
from ccrest.observe import FULL_STATE, mask_secret_keys
from ccrest.spec import Catalogue
from ccrest.wire import parse_full_state, parse_key_value

KEYS_LISTED = 100  # keys of full_state kept (41 documented and room for many more)
VALUES_LISTED = 20  # distinct values kept per key; the rest are counted
FORMATS_LISTED = 10  # distinct number formats kept per key
STATES_LISTED = 8  # conn_states a key's values are kept by (the specification lists 6)
VALUE_CHARS = 80  # characters of a value kept
TEXT_CHARS = 200  # characters of a Content-Type kept

NUMBER = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?")
NUMBERS = re.compile(r"\s*[+-]?[0-9]+(?:\.[0-9]+)?(?:\s*[,;]\s*[+-]?[0-9]+(?:\.[0-9]+)?)*\s*")


def number_format(value: object) -> str | None:
    """How a number is written, for a client that parses it: ``+15.00`` is ``+N.dd`` (sign,
    two decimals), ``232,233,233`` is ``N,N,N``, ``0.0, 0.0`` is ``N.d, N.d``; a JSON number
    says so. None for a value that is not one or more numbers."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return "JSON number " + _template(json.dumps(value))
    if not isinstance(value, str) or not NUMBERS.fullmatch(value):
        return None
    return _template(value.strip())


def _template(text: str) -> str:
    return NUMBER.sub(lambda m: m[1] + "N" + ("." + "d" * len(m[3]) if m[3] else ""), text)


def kept_value(value: object) -> object:
    """A value as the record keeps it: a JSON scalar as it came, a text or anything nested
    cut to VALUE_CHARS (and said so)."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS] + "…"


def _content_type(exchange: Exchange) -> str:
    return (exchange.content_type or "")[:TEXT_CHARS]


def _whole(exchange: Exchange) -> bool:
    """A body kept whole: an excerpt (the client's history shrinks old ones) would show a cut
    line as a value the device never sent."""
    return not (exchange.slimmed or exchange.truncated)


def observe(
    first: Exchange | None,
    history: Iterable[Exchange],
    cat: Catalogue,
    *,
    base_url: str,
    credential_headers: Iterable[str],
) -> dict[str, Any]:
    """The interface record of one run: ``first`` is the first full_state answer (its form,
    Content-Type and key order), ``history`` every exchange of the run (the client's); only
    GETs that carried the run's own credential headers (by name: the values are masked) of
    full_state and of a key's endpoint (documented names and the profile's aliases) count."""
    history = list(history)
    own = {h.lower() for h in credential_headers}
    reads = [
        ex
        for ex in history
        if ex.method == "GET"
        and ex.url == base_url + FULL_STATE
        and ex.status == 200
        and _whole(ex)
        and ex is not first
    ]
    record: dict[str, Any] = {"full_state": _full_state(first, reads, cat)}
    names = {n for spec in cat for n in (spec.name, *spec.aliases)}
    per_key: dict[str, dict[str, Any]] = {}
    for ex in history:
        name = ex.url.removeprefix(base_url + "/rest/")
        if (
            ex.method != "GET"
            or name not in names
            or name in per_key
            or not ex.url.startswith(base_url + "/rest/")
            or {h.lower() for h in ex.request_headers} != own
        ):
            continue
        answer: dict[str, Any] = {"status": ex.status, "content_type": _content_type(ex)}
        if ex.status == 200:
            parsed = parse_key_value(ex.body, ex.content_type, key=name)
            prefixed = any(f.check_id == "wire.per-key-prefixed" for f in parsed.findings)
            answer["form"] = "key:value" if prefixed else str(parsed.form)
        per_key[name] = answer
    record["per_key"] = dict(sorted(per_key.items()))
    return record


def _full_state(first: Exchange | None, reads: list[Exchange], cat: Catalogue) -> dict[str, Any]:
    if first is None or first.transport_failed:
        return {"status": None, "content_type": "", "form": "none", "reads": 0, "keys": []}
    entry: dict[str, Any] = {
        "status": first.status,
        "content_type": _content_type(first),
        "form": "none",
        "reads": 0,
        "keys": [],
    }
    if first.status != 200:
        return entry
    seen: dict[str, dict[str, Any]] = {}  # the first KEYS_LISTED keys, in the device's order
    shown: dict[str, set[int]] = {}  # per key, the values seen (hashed: memory stays small)
    for number, ex in enumerate([first, *reads]):
        state = parse_full_state(ex.body, ex.content_type if ex.body else None)
        mask_secret_keys(state, cat)
        if number == 0:
            entry["form"] = str(state.form) if state.form is not None else "none"
            if entry["form"] == "text":
                entry["lines"] = _lines(ex.body)
            ordered = sorted(state.positions.items(), key=lambda item: item[1])
            for key, at in ordered[:KEYS_LISTED]:
                seen[key] = {"key": kept_value(key), "at": at, "values": [], "formats": []}
                shown[key] = set()
            if len(ordered) > KEYS_LISTED:
                entry["more_keys"] = len(ordered) - KEYS_LISTED
        entry["reads"] += 1
        where = str(kept_value(state.values.get("conn_state", "")))
        for key, value in state.values.items():
            _add_value(seen.get(key), shown.get(key), value, where)
    entry["keys"] = [_tidy(k) for k in seen.values()]
    return entry


def _lines(body: bytes) -> dict[str, Any]:
    """How the text form's lines are written, for a client that splits them itself: the line
    ending, a UTF-8 byte order mark, and the spacing around each line's first colon (of the
    first KEYS_LISTED lines)."""
    crlf = body.count(b"\r\n")
    lf = body.count(b"\n") - crlf
    ending = {(True, False): "CR LF", (False, True): "LF", (True, True): "CR LF and LF"}
    separators = set()
    for line in body.splitlines()[:KEYS_LISTED]:
        key, colon, value = line.partition(b":")
        if colon:
            before = "key " if key.endswith((b" ", b"\t")) else "key"
            after = " value" if value.startswith((b" ", b"\t")) else "value"
            separators.add(f"{before}:{after}")
    return {
        "ending": ending.get((bool(crlf), bool(lf)), "none"),
        "bom": body.startswith(b"\xef\xbb\xbf"),
        "separator": " and ".join(sorted(separators)) or "none",
    }


def _add_value(
    key: dict[str, Any] | None, shown: set[int] | None, value: object, where: str
) -> None:
    """One read's value of a key the first read had (a key appearing later keeps no place),
    also by the conn_state it was read in (``by_state``): two runs' values are compared state
    by state, so a state one run never reached shows no value as new."""
    if key is None or shown is None:
        return
    by_state = key.setdefault("by_state", {})
    if where in by_state or len(by_state) < STATES_LISTED:
        in_state = by_state.setdefault(where, [])
        kept = kept_value(value)
        if kept not in in_state and len(in_state) < VALUES_LISTED:
            in_state.append(kept)
    form = number_format(value)
    if form is None:
        key["text"] = True  # one value that is no number: the key is not compared by format
    elif form not in key["formats"] and len(key["formats"]) < FORMATS_LISTED:
        key["formats"].append(form)
    identity = hash(json.dumps(value, sort_keys=True, default=str))
    if identity in shown:
        return
    shown.add(identity)
    if len(key["values"]) < VALUES_LISTED:
        key["values"].append(kept_value(value))
    else:
        key["more_values"] = key.get("more_values", 0) + 1


def _tidy(key: dict[str, Any]) -> dict[str, Any]:
    """A key's entry as stored: number formats only for a key whose every value was a number."""
    out = {k: v for k, v in key.items() if k not in ("text", "formats")}
    if key["formats"] and not key.get("text"):
        out["formats"] = key["formats"]
    return out
