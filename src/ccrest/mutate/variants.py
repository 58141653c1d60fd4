"""Allowed variants, generated: conformant devices made odd along every dimension the
specification and its standards leave open, combined so that every pair of choices of two
dimensions meets in some variant (a pairwise covering array, built greedily and
deterministically), then more combinations drawn with a fixed seed up to ``COUNT``.

Each dimension names its choices and why each is allowed; a choice is a few pieces of
``ccrest.mutate.pieces`` and settings of the upstream (the bundled simulator). Choices that
cannot meet (a byte order mark on a JSON body, a masked UID in with-UID mode) are left out
by ``_fits``, never patched after.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from ccrest.mutate import Variant, pieces
from ccrest.mutate.proxy import Piece
from ccrest.spec import Catalogue, catalogue

COUNT = 120
SEED = 61851


@dataclass(frozen=True)
class Choice:
    name: str
    why: str
    pieces: tuple[Piece, ...] = field(default=(), repr=False)
    config: dict[str, object] = field(default_factory=dict)
    vehicle: dict[str, object] = field(default_factory=dict)
    form: str | None = None
    scheme: str | None = None
    charging: bool | None = None


def _c(name: str, why: str, *parts: Piece, **settings: object) -> Choice:
    return Choice(name, why, tuple(parts), **settings)  # type: ignore[arg-type]


DIMENSIONS: dict[str, tuple[Choice, ...]] = {
    "form": (
        _c("text", "key:value lines, as field firmware answers", form="text"),
        _c("json", "a JSON object, as the specification shows", form="json"),
    ),
    "order": (
        _c("order-as-is", "the keys in the table's order"),
        _c("order-shuffled", "a client reads by name, not by line", pieces.reordered(7)),
    ),
    "line-ends": (
        _c("lf", "lines end in LF"),
        _c("crlf", "lines end in CR LF (RFC 2046 4.1.1's canonical text)", pieces.crlf()),
    ),
    "bom": (
        _c("no-bom", "no byte order mark"),
        _c("bom", "a UTF-8 byte order mark (Unicode 3.10, D95)", pieces.bom()),
    ),
    "spacing": (
        _c("no-space", "no space after the colon"),
        _c("space-after-colon", "a space after the colon, trimmed", pieces.space_after_colon()),
    ),
    "scheme": (
        _c("doc-headers", "credentials in Username/Password headers", scheme="doc-headers"),
        _c("basic", "HTTP Basic beside the headers (RFC 7617)", scheme="basic"),
    ),
    "refusal": (
        _c("401", "wrong credentials refused with 401 and a challenge"),
        _c("403", "refused with 403 (RFC 9110 15.5.4)", pieces.refused_with(403)),
        _c(
            "404",
            "refused with 404, hiding that the resource exists (RFC 9110 15.5.5)",
            pieces.refused_with(404),
        ),
    ),
    "uid": (
        _c("uid-empty", "without-UID mode: auth_uid empty", config={"rest_mode": "without-uid"}),
        _c("uid-shown", "REST in with-UID mode shows the card", config={"rest_mode": "with-uid"}),
        _c(
            "uid-masked",
            "without-UID mode: auth_uid masked with asterisks",
            pieces.masked_uid(),
            config={"rest_mode": "without-uid"},
        ),
    ),
    "meter": (
        _c("meter-1wh", "the register steps in 1 Wh", config={"meter_resolution_wh": 1}),
        _c("meter-10wh", "the register steps in 10 Wh", config={"meter_resolution_wh": 10}),
        _c("meter-100wh", "the register steps in 100 Wh", config={"meter_resolution_wh": 100}),
        _c("meter-1kwh", "the register steps in 1 kWh", config={"meter_resolution_wh": 1000}),
    ),
    "phases": (
        _c("three-phase", "a three-phase controller and vehicle"),
        _c(
            "single-phase",
            "a single-phase controller (one current, one voltage)",
            config={"phases": 1},
            vehicle={"phases": 1},
        ),
        _c("vehicle-two-phase", "a vehicle that draws on two phases", vehicle={"phases": 2}),
    ),
    "ocpp": (
        _c("ocpp-1.6", "OCPP 1.6's status names"),
        _c("ocpp-1.5", "OCPP 1.5's status names (occupied)", pieces.ocpp_15()),
    ),
    "vehicle": (
        _c("charging", "a vehicle charges", charging=True),
        _c(
            "paused",
            "the vehicle pauses (IEC 61851-1 state B)",
            charging=True,
            vehicle={"paused": True},
        ),
        _c("idle", "no vehicle: everything at rest", charging=False),
    ),
    "http": (
        _c("http-1.1", "HTTP/1.1 with Content-Length"),
        _c("http-1.0", "HTTP/1.0, the body ends where the connection closes", pieces.http_10()),
    ),
    "connection": (
        _c("kept-alive", "one connection kept for every answer (RFC 9112 9.3)"),
        _c(
            "closed-after-each",
            "closed after each whole answer, unannounced (RFC 9112 9.6)",
            pieces.closes_after_answers(announced=False),
        ),
        _c(
            "close-announced",
            "Connection: close on each answer, then closed (RFC 9112 9.6)",
            pieces.closes_after_answers(announced=True),
        ),
        _c(
            "idle-closes",
            "a reused connection closed unanswered now and then, an idle timeout racing the "
            "request (RFC 9112 9.3.1.1: a client sends it again)",
            pieces.idle_closes(every=3),
        ),
    ),
    "charset": (
        _c("utf-8", "UTF-8 text"),
        _c(
            "latin-1",
            "display_text in Latin-1, as the Content-Type declares (RFC 2046 4.1.2)",
            pieces.latin1_declared("Ladestation Süd"),
        ),
    ),
    "writes": (
        _c("writes-refused", "a write refused (405)"),
        _c(
            "writes-like-reads",
            "a write answered like a read, changing nothing (advisory only)",
            pieces.writes_answered_like_reads(),
        ),
        _c(
            "writes-501",
            "a write answered 501 Not Implemented: the method is one the device supports for "
            "no resource (RFC 9110 15.6.2)",
            pieces.writes_answered(501),
        ),
    ),
    "supply": (
        _c("230v", "a 230 V supply", config={"nominal_voltage": 230.0}),
        _c("220v", "a 220 V supply (IEC 60038's older nominal)", config={"nominal_voltage": 220.0}),
        _c("240v", "a 240 V supply (IEC 60038)", config={"nominal_voltage": 240.0}),
    ),
    "climate": (
        _c("mild", "25 degrees in the housing"),
        _c("frost", "-20 degrees in the housing", config={"ambient_temp": -20.0}),
        _c("summer", "48 degrees in the housing", config={"ambient_temp": 48.0}),
    ),
    "noise": (
        _c("quiet", "an idle current of exactly zero"),
        _c("noise", "an idle current a hair below zero (-0.01 A)", pieces.idle_noise()),
    ),
    # last: the other pieces change a value, then the body is written KEY:value
    "per-key": (
        _c("bare-value", "/rest/<KEY> answers the bare value, as field firmware does"),
        _c(
            "key-value-pair",
            "/rest/<KEY> answers KEY:value, the specification's 'individual state for "
            "particular key/value pairs' (section 4; a warning only)",
            *(pieces.prefixed(key) for key in catalogue().keys),
        ),
    ),
}

# choices on the text form's bytes
TEXT_ONLY = {"crlf", "bom", "space-after-colon", "latin-1", "key-value-pair"}


def _fits(row: dict[str, Choice]) -> bool:
    names = {c.name for c in row.values()}
    if row["form"].name == "json" and names & TEXT_ONLY:
        return False
    if {"bom", "latin-1"} <= names:
        return False  # a UTF-8 byte order mark does not begin a Latin-1 body
    if row["vehicle"].name == "idle" and row["phases"].name == "vehicle-two-phase":
        return False  # no vehicle to draw on two phases
    # the noise is an idle current's
    return not (row["vehicle"].name != "idle" and row["noise"].name == "noise")


def _pairs(row: dict[str, Choice]) -> set[tuple[str, str, str, str]]:
    return {(a, row[a].name, b, row[b].name) for a, b in itertools.combinations(sorted(row), 2)}


def _rows() -> list[dict[str, Choice]]:
    """Greedy pairwise cover over the dimensions (each new row the one, of a seeded draw of
    candidates, that covers most pairs not yet met), then seeded rows up to ``COUNT``."""
    rng = random.Random(SEED)
    dims = list(DIMENSIONS)

    def draw() -> dict[str, Choice]:
        while True:
            row = {d: rng.choice(DIMENSIONS[d]) for d in dims}
            if _fits(row):
                return row

    wanted = pairs_to_cover()
    rows: list[dict[str, Choice]] = []
    while wanted:
        best = max((draw() for _ in range(60)), key=lambda r: len(_pairs(r) & wanted))
        if not _pairs(best) & wanted:
            break
        rows.append(best)
        wanted -= _pairs(best)
    seen = {_name(r) for r in rows}
    while len(rows) < COUNT:
        row = draw()
        if _name(row) not in seen:
            seen.add(_name(row))
            rows.append(row)
    return rows


def pairs_to_cover() -> set[tuple[str, str, str, str]]:
    """Every (dimension, choice, dimension, choice) two variants' choices can meet in."""
    wanted = set()
    for a, b in itertools.combinations(sorted(DIMENSIONS), 2):
        for x in DIMENSIONS[a]:
            for y in DIMENSIONS[b]:
                probe = {d: c[0] for d, c in DIMENSIONS.items()} | {a: x, b: y}
                if _fits(_settled(probe, a, b)):
                    wanted.add((a, x.name, b, y.name))
    return wanted


def chosen(variant: Variant) -> dict[str, str]:
    """The choice of each dimension a variant was made of (its name lists the odd ones)."""
    odd = set(variant.name.split(":", 1)[1].split("+"))
    return {
        d: next((c.name for c in choices if c.name in odd), choices[0].name)
        for d, choices in DIMENSIONS.items()
    }


def _settled(row: dict[str, Choice], *fixed: str) -> dict[str, Choice]:
    """``row`` with the dimensions not ``fixed`` moved to a choice that fits, if one does."""
    if _fits(row):
        return row
    for d in row:
        if d in fixed:
            continue
        for choice in DIMENSIONS[d]:
            trial = row | {d: choice}
            if _fits(trial):
                return trial
    return row


def _name(row: dict[str, Choice]) -> str:
    """What is odd about the variant (the first choice of each dimension is the plain one)."""
    odd = [c.name for d, c in row.items() if c is not DIMENSIONS[d][0]]
    return "+".join(odd) or "plain"


def _variant(row: dict[str, Choice], number: int) -> Variant:
    config: dict[str, object] = {}
    vehicle: dict[str, object] = {}
    parts: list[Piece] = []
    form, scheme, charging = "text", "doc-headers", True
    for choice in row.values():
        config |= choice.config
        vehicle |= choice.vehicle
        parts += choice.pieces
        form = choice.form or form
        scheme = choice.scheme or scheme
        charging = choice.charging if choice.charging is not None else charging
    why = "; ".join(c.why for d, c in row.items() if c is not DIMENSIONS[d][0])
    return Variant(
        f"v{number:03d}:{_name(row)}",
        why or "the plain device",
        tuple(parts),
        form,
        config,
        scheme,
        charging,
        vehicle,
    )


def generate(cat: Catalogue | None = None) -> list[Variant]:
    """Every allowed variant, in a stable order (the catalogue is not needed: the variants
    change how a device speaks, not what it documents)."""
    plain = {d: choices[0] for d, choices in DIMENSIONS.items()}
    return [_variant(row, n) for n, row in enumerate([plain, *_rows()])]


def dimensions() -> Sequence[tuple[str, str, str]]:
    """(dimension, choice, why) for the README and the self-tests."""
    return [(d, c.name, c.why) for d, choices in DIMENSIONS.items() for c in choices]
