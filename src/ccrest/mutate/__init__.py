"""Mutants and variants of a device, generated: operators applied across the documented keys
and endpoints, outside any device's model (``ccrest.mutate.proxy`` changes what a conformant
device answers on its way to the suite).

A *mutant* is a defect: one operator on one key or endpoint (a value in another unit, a key
missing now and then, an endpoint open without credentials, ...). It declares what must catch
it (check ID and key), or that no client could tell it from a conformant device (equivalent,
with the reason). A *variant* is a conformant variation (key order, line ends, a coarse meter,
OCPP 1.5's status names, a refusal by 403, ...): the suite must find it conforms.

The catalogue is the only list of keys: what each operator applies to is read from the key
schemas (enumerated or not, a counter or a measurement, its unit), never from a list here.
``ccrest selfcheck --matrix`` runs them all (``ccrest.mutate.matrix``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ccrest.checks.auth import PATH_SPELLINGS
from ccrest.mutate import pieces
from ccrest.mutate.proxy import Answer, Piece, Request
from ccrest.spec import Catalogue

# past a meter's longest refresh (checks.temporal.MAX_REFRESH_S), in an even number of readings
# (one a second, both ends): a counter flickering on every other read differs first to last
TEMPORAL_SECONDS = 13.0
CARD = "04a3b2c1d2e380"  # the card the upstream's session was started with
OUTSIDE = ("/", "/rest", "/full_state", "/status")


@dataclass(frozen=True)
class Mutant:
    name: str  # operator:target, stable: the kill table and a rerun name it
    operator: str
    target: str  # the key or endpoint it changes ("-" for the API as a whole)
    description: str
    catches: tuple[tuple[str, str], ...] = ()  # (check ID, key or "-"): each must fail
    equivalent: str = ""  # why no client could tell it from a conformant device
    families: tuple[str, ...] = ()  # the families that run (the catching checks')
    seconds: float = 0.0  # how long the temporal checks watch
    pieces: tuple[Piece, ...] = field(default=(), repr=False)
    form: str = "text"  # the upstream's full_state form
    charging: bool = True  # whether a vehicle charges at the upstream
    config: dict[str, object] = field(default_factory=dict)  # the upstream's settings
    via: str = ""  # the umbrella check it is seen through (a state only driving reaches)
    declaration: dict[str, object] = field(default_factory=dict)  # the model declared, if any

    @property
    def proves(self) -> set[str]:
        """The check IDs this mutant shows to catch what they claim (for the coverage)."""
        return {c for c, _ in self.catches} | ({self.via} if self.via else set())


@dataclass(frozen=True)
class Variant:
    """A conformant device made odd in ways the specification and its standards allow."""

    name: str
    description: str
    pieces: tuple[Piece, ...] = field(default=(), repr=False)
    form: str = "text"
    config: dict[str, object] = field(default_factory=dict)  # the upstream's settings
    scheme: str = "doc-headers"
    charging: bool = True
    vehicle: dict[str, object] = field(default_factory=dict)  # what the EV does (pauses, phases)


def family_of(check: str) -> str:
    """The family (pytest marker) whose tests report ``check``, as checks.json says."""
    from ccrest.spec import catalogue

    return catalogue().check(check).family


def mutant(
    operator: str,
    target: str,
    description: str,
    catches: Sequence[tuple[str, str]] = (),
    *parts: Piece,
    equivalent: str = "",
    form: str = "text",
    charging: bool = True,
    config: dict[str, object] | None = None,
    families: Sequence[str] = (),
    via: str = "",
    declaration: dict[str, object] | None = None,
) -> Mutant:
    """A mutant whose families are its catching checks' (or ``families``, when only some
    family can reach the state it shows in)."""
    run = tuple(families) or tuple(dict.fromkeys(family_of(c) for c, _ in catches))
    return Mutant(
        f"{operator}:{target}",
        operator,
        target,
        description,
        tuple(catches),
        equivalent,
        run,
        TEMPORAL_SECONDS if "temporal" in run else 0.0,
        tuple(parts),
        form,
        charging,
        dict(config or {}),
        via,
        dict(declaration or {}),
    )


# -- the operators, each over what the catalogue says it applies to ----------------------------


def _scaled(factor: float, whole: bool = False) -> Callable[[object], object]:
    """Each number of a value times ``factor``, shown as the value shows its numbers (three
    decimals at least when it shrinks; a whole number stays one with ``whole``)."""

    def change(value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value * factor
        text = str(value)
        parts = []
        for part in text.split(","):
            stripped = part.strip()
            try:
                number = float(stripped)
            except ValueError:
                return value
            decimals = len(stripped.split(".", 1)[1]) if "." in stripped else 0
            shown = number * factor
            places = max(decimals, 3) if factor < 1 and not whole else decimals
            sign = "+" if stripped.startswith("+") and shown >= 0 else ""
            parts.append(part[: len(part) - len(part.lstrip())] + f"{sign}{shown:.{places}f}")
        return ",".join(parts)

    return change


def _appending(suffix: str) -> Callable[[object], object]:
    return lambda value: f"{value}{suffix}"


def _constant(new: object) -> Callable[[object], object]:
    return lambda value: new


def _keys(cat: Catalogue) -> Iterator[str]:
    return iter(cat.keys)


def per_key_mutants(cat: Catalogue) -> Iterator[Mutant]:
    """Operators every documented key can suffer."""
    for key in _keys(cat):
        spec = cat.key(key)
        yield mutant(
            "missing",
            key,
            f"{key} is not in full_state",
            [("fs.key-present", key)],
            pieces.missing(key),
        )
        yield mutant(
            "missing-now-and-then",
            key,
            f"{key} is missing from every second read",
            [("fs.key-present", key)],
            pieces.missing(key, every=2),
        )
        yield mutant(
            "renamed",
            key,
            f"{key} is sent as {key}_value",
            [("fs.key-present", key), ("fs.no-undocumented-key", f"{key}_value")],
            pieces.renamed(key, f"{key}_value"),
        )
        yield mutant(
            "key-case",
            key,
            f"{key} is sent in capitals",
            [("fs.key-present", key)],
            pieces.renamed(key, key.upper()),
        )
        yield mutant(
            "duplicated",
            key,
            f"{key} appears twice in full_state",
            [("wire.duplicate-key", key)],
            pieces.duplicated(key),
        )
        yield mutant(
            "control-character",
            key,
            f"{key}'s value ends in an ESC sequence",
            [("wire.control-character", key)],
            pieces.value(key, lambda v: f"{v}\x1b[0m"),
        )
        yield mutant(
            "per-key-404",
            key,
            f"/rest/{key} answers 404",
            [("pk.answers", key)],
            pieces.status(f"/rest/{key}", 404),
        )
        yield mutant(
            "per-key-500",
            key,
            f"/rest/{key} answers 500",
            [("pk.answers", key)],
            pieces.status(f"/rest/{key}", 500),
        )
        yield mutant(
            "per-key-prefixed",
            key,
            f"/rest/{key} answers {key}:value",
            [("wire.per-key-prefixed", key)],
            pieces.prefixed(key),
        )
        yield mutant(
            "open-without-credentials",
            key,
            f"/rest/{key} answers without credentials",
            [("auth.no-credentials-refused", key)],
            pieces.open_without_credentials(f"/rest/{key}"),
        )
        yield mutant(
            "type-list",
            key,
            f"{key}'s value is a JSON array",
            [("fs.value-valid", key)],
            pieces.value(key, lambda v: [v]),
            form="json",
        )
        if spec.violation("") is None:
            yield mutant(
                "empty",
                key,
                f"{key} is empty",
                (),
                pieces.value(key, lambda v: ""),
                equivalent=f"the specification allows {key} to be empty",
            )
        else:
            yield mutant(
                "empty",
                key,
                f"{key} is empty",
                [("fs.value-valid", key)],
                pieces.value(key, lambda v: ""),
            )


def value_mutants(cat: Catalogue) -> Iterator[Mutant]:
    """Wrong values, by what the catalogue says a key holds."""
    for spec in cat:
        key = spec.name
        if spec.enum is not None:
            yield mutant(
                "unknown-value",
                key,
                f"{key} = ccrest_mutant",
                [("fs.value-valid", key)],
                pieces.value(key, lambda v: "ccrest_mutant"),
            )
            if all(any(c.isalpha() for c in value) for value in spec.enum):
                yield mutant(
                    "upper-case",
                    key,
                    f"{key}'s value in capitals",
                    [("fs.value-valid", key)],
                    pieces.value(key, lambda v: str(v).upper()),
                )
        elif spec.change in ("counter", "session-counter", "measurement") or spec.unit:
            unit = spec.unit or "x"
            yield mutant(
                "unit-appended",
                key,
                f"{key}'s value with ' {unit}' after it",
                [("fs.value-valid", key)],
                pieces.value(key, _appending(f" {unit}")),
            )


PLAUSIBILITY: list[tuple[str, str, float, str]] = [  # key, operator, factor, catching check
    ("current_a", "in-milliamperes", 1000, "cons.current-plausible"),
    ("current_a", "in-tenths", 10, "cons.current-plausible"),
    ("max_current", "in-tenths", 10, "cons.current-plausible"),
    ("voltage_v", "in-decivolts", 10, "cons.voltage-plausible"),
    ("voltage_v", "in-millivolts", 1000, "cons.voltage-plausible"),
    ("voltage_v", "line-to-line", math.sqrt(3), "cons.voltage-plausible"),
    ("ambient_temp", "in-tenths", 10, "cons.temperature-plausible"),
    ("power_w", "in-kilowatts", 0.001, "cons.power-plausible"),
    ("power_w", "in-deciwatts", 10, "cons.power-within-apparent"),
    ("power_w", "in-milliwatts", 1000, "cons.power-within-apparent"),
    ("transaction_wh", "in-milliwatt-hours", 1000, "cons.transaction-within-meter"),
    ("sig_current", "in-tenths", 10, "cons.sig-current-bounds"),
    ("meter_wh", "in-kilowatt-hours", 0.001, "fs.value-valid"),
]


def physics_mutants(cat: Catalogue) -> Iterator[Mutant]:
    """Values in another unit, blamed on the key that carries them."""
    for key, operator, factor, check in PLAUSIBILITY:
        if key in cat:
            yield mutant(
                operator,
                key,
                f"{key} x {factor:g}",
                [(check, key)],
                # a unit error in the value's own form (power in kW: whole kilowatts)
                pieces.value(key, _scaled(factor, whole=check != "fs.value-valid")),
            )
    if "ambient_temp" in cat:
        yield mutant(
            "in-kelvin",
            "ambient_temp",
            "ambient_temp in kelvin",
            [("cons.temperature-plausible", "ambient_temp")],
            pieces.value("ambient_temp", lambda v: f"{float(str(v)) + 273.15:.2f}"),
        )


def temporal_mutants(cat: Catalogue) -> Iterator[Mutant]:
    """Counters that stop, run backwards or skip; watched over time."""
    for spec in cat:
        key = spec.name
        if spec.change == "counter":
            yield mutant(
                "backwards",
                key,
                f"{key} falls on every read",
                [("temp.counter-monotonic", key)],
                pieces.backwards(key),
            )
        elif spec.change == "session-counter":
            yield mutant(
                "backwards",
                key,
                f"{key} falls on every read",
                [("temp.session-counter-monotonic", key)],
                pieces.backwards(key),
            )
    yield mutant(
        "frozen",
        "meter_wh",
        "meter_wh stops (at a reading that is no multiple of 10) while a vehicle charges",
        [("temp.energy-follows-power", "meter_wh")],
        pieces.frozen("meter_wh", uneven=True),
    )
    yield mutant(
        "frozen",
        "time_since_charging_start",
        "the charging timer stops",
        [("temp.timer-advances", "time_since_charging_start")],
        pieces.frozen("time_since_charging_start"),
    )
    yield mutant(
        "jitter",
        "meter_wh",
        "meter_wh skips ahead now and then",
        [("temp.energy-follows-power", "meter_wh")],
        pieces.jitter("meter_wh", 7),
    )
    yield mutant(
        "in-milliwatt-hours",
        "meter_wh",
        "meter_wh x 1000: it grows a thousand times too fast",
        [("temp.energy-follows-power", "meter_wh")],
        pieces.value("meter_wh", _scaled(1000)),
    )
    yield mutant(
        "jitter",
        "transaction_wh",
        "transaction_wh skips ahead of the meter",
        [("temp.transaction-follows-meter", "transaction_wh")],
        pieces.jitter("transaction_wh", 11),
    )
    for key, why in (
        ("con_cycles_type2", "a cycle counter moves only when a vehicle is plugged"),
        ("con_cycles_schuko", "a cycle counter moves only when a vehicle is plugged"),
        ("power_w", "a steady draw is what a charging vehicle shows"),
        ("current_a", "a steady draw is what a charging vehicle shows"),
    ):
        yield mutant(
            "frozen",
            key,
            f"{key} stops",
            (),
            pieces.frozen(key),
            equivalent=f"{why}: a run without a change cannot tell it stopped",
        )


def per_key_agreement_mutants(cat: Catalogue) -> Iterator[Mutant]:
    """Per-key answers that disagree with full_state."""
    for spec in cat:
        key = spec.name
        if spec.enum is not None or (spec.change == "static" and spec.unit is None):
            continue
        if spec.change in ("counter", "session-counter", "measurement") or spec.unit:
            scale = _scaled(1000)
            at_rest = [e for e in spec.examples if scale(e) == e]
            yield mutant(
                "per-key-other-unit",
                key,
                f"/rest/{key} answers x 1000",
                () if at_rest else [("pk.matches-full-state", key)],
                pieces.per_key_only(key, scale),
                equivalent=(
                    f"the specification's example, {at_rest[0]!r}, reads the same in any unit: "
                    "a device whose value rests at zero cannot show it"
                    if at_rest
                    else ""
                ),
            )
        if spec.change in ("counter", "session-counter"):
            yield mutant(
                "per-key-stale",
                key,
                f"/rest/{key} answers an old reading",
                [("pk.matches-full-state", key)],
                pieces.per_key_only(key, _older),
            )


def _older(value: object) -> object:
    try:
        number = float(str(value))
    except ValueError:
        return value
    return str(int(max(0, number - 1000))) if number >= 1000 else str(int(number) + 5000)


def auth_mutants(cat: Catalogue) -> Iterator[Mutant]:
    yield mutant(
        "open-without-credentials",
        "full_state",
        "full_state answers without credentials",
        [("auth.no-credentials-refused", "-")],
        pieces.open_without_credentials("/rest/full_state"),
    )
    for name, spelling in PATH_SPELLINGS.items():
        yield mutant(
            "open-spelling",
            name,
            f"{spelling} answers full_state unprotected",
            [("auth.no-credentials-refused", "-")],
            pieces.open_spelling(spelling),
        )
    yield mutant(
        "any-password",
        "-",
        "the operator is let in with any password",
        [("auth.wrong-password-refused", "-")],
        pieces.let_in(lambda given, req: given[0] == "operator"),
    )
    yield mutant(
        "empty-password",
        "-",
        "the operator is let in with an empty password",
        [("auth.wrong-password-refused", "-")],
        pieces.let_in(lambda given, req: given == ("operator", "")),
    )
    yield mutant(
        "any-basic",
        "-",
        "any Basic credentials are let in",
        [("auth.wrong-password-refused", "-")],
        pieces.let_in(
            lambda given, req: (
                req.headers.get("authorization", "").startswith("Basic ")
                and req.headers["authorization"] != "Basic Auth"
            )
        ),
    )
    yield mutant(
        "any-user",
        "-",
        "any user with the password is let in",
        [("auth.unknown-user-refused", "-")],
        pieces.let_in(lambda given, req: given[0] not in ("operator", "manufacturer")),
    )
    yield mutant(
        "other-role",
        "-",
        "the manufacturer is let in with the operator's password",
        [("auth.other-role-refused", "-")],
        pieces.let_in(lambda given, req: given[0] == "manufacturer"),
    )
    yield mutant(
        "no-challenge",
        "-",
        "a 401 without WWW-Authenticate",
        [("auth.challenge", "-")],
        pieces.refusals(lambda req, got: got.with_header("WWW-Authenticate", None)),
    )

    def echo(req: Request, got: Answer) -> Answer:
        said = req.headers.get("password", "") or req.headers.get("authorization", "")
        return Answer(got.status, got.headers, f"wrong password {said}\n".encode(), got.reason)

    yield mutant(
        "refusal-echoes",
        "-",
        "a refusal repeats the password it was sent",
        [("auth.refusal-discloses-nothing", "-")],
        pieces.refusals(echo),
    )

    def state(req: Request, got: Answer) -> Answer:
        body = "".join(f"{k}:x\n" for k in list(cat.keys)[:5]).encode()
        return Answer(got.status, got.headers, body, got.reason)

    yield mutant(
        "refusal-shows-state",
        "-",
        "a refusal shows the state it refuses",
        [("auth.refusal-discloses-nothing", "-")],
        pieces.refusals(state),
    )


def http_mutants(cat: Catalogue) -> Iterator[Mutant]:
    yield mutant(
        "writes-answered-ok",
        "-",
        "a write answers 200 ok",
        [("http.read-only", "-")],
        pieces.writes_answered(200),
    )
    yield mutant(
        "writes-answered-500",
        "-",
        "a write answers 500",
        [("http.read-only", "-")],
        pieces.writes_answered(500),
    )
    yield mutant(
        "head-with-body",
        "-",
        "HEAD answers with a body",
        [("http.head-agrees", "-")],
        pieces.head_with_body(),
    )
    yield mutant(
        "head-refused",
        "-",
        "HEAD answers 405",
        [("http.head-agrees", "-")],
        pieces.head_status(405),
    )
    yield mutant(
        "content-type",
        "full_state",
        "full_state's text labelled application/json",
        [("http.content-type", "-")],
        pieces.content_type("/rest/full_state", "application/json"),
    )
    yield mutant(
        "content-type",
        "conn_state",
        "/rest/conn_state labelled text/html",
        [("http.content-type", "-")],
        pieces.content_type("/rest/conn_state", "text/html"),
    )
    yield mutant(
        "unknown-key-answered",
        "-",
        "an undocumented key answers 200",
        [("pk.unknown-key-404", "-")],
        pieces.unknown_keys_answered(),
    )
    for path in OUTSIDE:
        yield mutant(
            "state-outside",
            path,
            f"{path} shows full_state",
            [("http.outside-no-leak", "-")],
            pieces.state_outside(path),
        )
    yield mutant(
        "line-without-colon",
        "-",
        "a debug line in full_state",
        [("wire.line-without-colon", "-")],
        pieces.extra_line("-- debug dump --"),
    )
    yield mutant(
        "empty-key",
        "-",
        "a line with an empty key",
        [("wire.empty-key", "-")],
        pieces.extra_line(":orphan"),
    )
    yield mutant(
        "not-utf8",
        "display_text",
        "display_text holds a byte that is not UTF-8",
        [("wire.not-utf8", "-")],
        pieces.raw_value("display_text", b"caf\xe9"),
    )
    yield mutant(
        "full-state-503",
        "-",
        "full_state answers 503",
        [("fs.answers", "-")],
        pieces.status("/rest/full_state", 503),
    )


def rule_mutants(cat: Catalogue) -> Iterator[Mutant]:
    """Values each valid alone that break a rule between keys, or a rule of the standards."""
    changes: list[tuple[str, str, str, object, list[tuple[str, str]], dict[str, Any]]] = [
        # operator, key, description, new value, catches, settings
        (
            "pilot-state-a",
            "type2_state",
            "the pilot reads A (no vehicle) while one charges",
            "a",
            [("cons.conn-vs-type2", "type2_state")],
            {},
        ),
        (
            "ocpp-available",
            "ocpp_state",
            "OCPP says available while a vehicle charges",
            "available",
            [("cons.conn-vs-ocpp", "ocpp_state")],
            {},
        ),
        (
            "not-authorized",
            "auth_state",
            "charging without authorization",
            "not_authorized_for_charging",
            [("cons.charging-authorized", "auth_state")],
            {},
        ),
        (
            "rcd-tripped",
            "rcd_state",
            "the RCD tripped, yet the vehicle charges",
            "triggered",
            [("cons.tripped-no-charging", "rcd_state")],
            {},
        ),
        (
            "socket-powered",
            "schuko_state",
            "the disabled Schuko socket is powered",
            "power_on",
            [
                ("cons.schuko-disabled-idle", "schuko_state"),
                ("cons.conn-vs-schuko", "schuko_state"),
            ],
            {},
        ),
        (
            "socket-powered-enabled",
            "schuko_state",
            "the Schuko socket is powered with no vehicle on it",
            "power_on",
            [("cons.conn-vs-schuko", "schuko_state")],
            {"schuko": True},
        ),
        (
            "residual-above-max",
            "rcmb_values",
            "a residual current above its own maximum",
            "12.0, 3.0",
            [("cons.rcmb-max-not-below-values", "rcmb_max")],
            {},
        ),
        (
            "offer-exceeded",
            "current_a",
            "the vehicle draws 60 A on a 32 A offer",
            "60.0,60.0,60.0",
            [("cons.ev-within-offer", "current_a")],
            {},
        ),
        (
            "hot",
            "ambient_temp",
            "75 degrees in the housing (advisory)",
            "+75.00",
            [("cons.temperature-in-service", "ambient_temp")],
            {},
        ),
        (
            "overvoltage",
            "voltage_v",
            "262 V on every phase (advisory)",
            "262,262,262",
            [("cons.voltage-nominal", "voltage_v")],
            {},
        ),
        (
            "serial-differs",
            "manuf_serial_n",
            "the serial parts differ (advisory)",
            "9999999999",
            [("cons.serial-numbers", "manuf_serial_n")],
            {},
        ),
        (
            "broken-markup",
            "display_text",
            "display_text starts markup it never closes",
            "<tariffInfoResponse><tariffEntry>",
            [("cons.display-markup", "display_text")],
            {},
        ),
        (
            "uid-shown",
            "auth_uid",
            "the card's UID in without-UID mode",
            CARD,
            [("privacy.uid-hidden", "auth_uid")],
            {},
        ),
        (
            "uid-elsewhere",
            "display_text",
            "the card's UID on the display in without-UID mode",
            f"Welcome {CARD}",
            [("privacy.uid-hidden", "display_text")],
            {},
        ),
    ]
    for operator, key, description, new, catches, config in changes:
        if key in cat and all(k in cat for _, k in catches):
            yield mutant(
                operator,
                key,
                description,
                catches,
                pieces.value(key, _constant(new)),
                config=config,
            )
    yield mutant(
        "half-power",
        "power_w",
        "power_w half of what flows: a power factor of 0.5 (advisory)",
        [("cons.power-factor", "power_w")],
        pieces.value("power_w", _scaled(0.5, whole=True)),
    )
    yield mutant(
        "phase-lost",
        "current_a",
        "current_a lists one phase beside three voltages",
        [("cons.phase-count", "current_a")],
        pieces.value("current_a", lambda v: str(v).split(",")[0]),
    )
    yield mutant(
        "power-while-idle",
        "power_w",
        "2300 W with no vehicle connected",
        [("cons.no-flow-without-charging", "power_w")],
        pieces.value("power_w", lambda v: "2300"),
        charging=False,
    )
    yield mutant(
        "state-not-reached",
        "auth_state",
        "auth_state never says wait_for_auth (a vehicle waiting for a card)",
        [("states.scenario-reached", "auth_state")],
        pieces.value(
            "auth_state", lambda v: "not_authorized_for_charging" if v == "wait_for_auth" else v
        ),
    )
    yield mutant(
        "wrong-in-one-state",
        "conn_state",
        "conn_state misspelled only in the connector-error state",
        [("fs.value-valid", "conn_state")],
        pieces.value(
            "conn_state", lambda v: "connector_error" if v == "vehicle_connector_error" else v
        ),
        families=("states",),
        via="states.scenario-conforms",
    )


def wire_form_mutants(cat: Catalogue) -> Iterator[Mutant]:
    """Bodies that break their own form."""
    yield mutant(
        "json-truncated",
        "full_state",
        "the JSON body is cut short",
        [("wire.json-invalid", "-")],
        pieces.body(lambda b: b[:-7]),
        form="json",
    )
    yield mutant(
        "json-array",
        "full_state",
        "the JSON body is an array of the object",
        [("wire.json-not-object", "-")],
        pieces.body(lambda b: b"[" + b + b"]"),
        form="json",
    )
    yield mutant(
        "empty-body",
        "full_state",
        "full_state answers 200 with no body",
        [("wire.empty-body", "-")],
        pieces.body(lambda b: b""),
    )
    for spec in cat:
        key = spec.name
        if spec.enum is not None:
            yield mutant(
                "per-key-invalid",
                key,
                f"/rest/{key} answers a value outside the list",
                [("pk.value-valid", key), ("pk.matches-full-state", key)],
                pieces.per_key_only(key, lambda v: "ccrest_mutant"),
            )
    if "conn_state" in cat:
        yield mutant(
            "per-key-object",
            "conn_state",
            "/rest/conn_state answers a JSON object",
            [("wire.per-key-not-scalar", "conn_state")],
            pieces.per_key_only("conn_state", lambda v: {"conn_state": v}),
            form="json",
        )
    yield mutant(
        "writes-answered-like-reads",
        "-",
        "a write answered like a GET (advisory: read-only in effect)",
        [("http.write-refused", "-")],
        pieces.writes_answered_like_reads(),
    )
    yield mutant(
        "header-scheme-refused",
        "-",
        "the documented header credentials are refused",
        [("auth.scheme-works", "-")],
        pieces.refuse_header_scheme(),
    )


# the matrix's upstream (the bundled simulator as configured by default) as its maker would
# declare it: the declared mutants contradict this declaration in one field each
UPSTREAM_DECLARED: dict[str, object] = {
    "type2_socket": True,
    "tethered_cable": False,
    "schuko": False,
    "phases": 3,
    "ocpp": "1.6",
    "meter": "internal_meter",
    "rcmb": True,
    "rest_mode": "without-uid",
    "credentials": "required",
    "max_current": 32,
    "slave": True,
}


def declaration_mutants(cat: Catalogue) -> Iterator[Mutant]:
    """A device that contradicts its declaration: one reported feature each (``decl.*``), and
    OCPP 1.5's names from a controller declared to speak 1.6 (the tailored pair rule)."""
    changes: list[tuple[str, str, str, Piece, str]] = [
        # operator, key, description, piece, catching check
        (
            "schuko-enabled",
            "schuko_cfg",
            "a Schuko socket enabled on a model declared without one",
            pieces.value("schuko_cfg", _constant("enable")),
            "decl.schuko",
        ),
        (
            "cable-attached",
            "cable_attached",
            "a tethered cable reported on a model declared with a socket only",
            pieces.value("cable_attached", _constant("on")),
            "decl.type2",
        ),
        (
            "other-meter",
            "ocpp_meter_cfg",
            "another documented meter than the declared one",
            pieces.value("ocpp_meter_cfg", _constant("modbus_meter_abb")),
            "decl.meter",
        ),
        (
            "uid-shown",
            "auth_uid",
            "the card's UID on a REST interface declared without UID",
            pieces.value("auth_uid", _constant(CARD)),
            "decl.rest-mode",
        ),
        (
            "higher-maximum",
            "max_current",
            "a maximum current above the declared one",
            pieces.value("max_current", _constant(40)),
            "decl.max-current",
        ),
        (
            "no-slave",
            "slave_state",
            "no slave status on a model declared with a slave",
            pieces.value("slave_state", _constant("")),
            "decl.slave",
        ),
        (
            "ocpp-15",
            "ocpp_state",
            "OCPP 1.5's occupied from a controller declared to speak 1.6",
            pieces.ocpp_15(),
            "cons.conn-vs-ocpp",
        ),
    ]
    for operator, key, description, piece, check in changes:
        yield mutant(
            f"declared-{operator}",
            key,
            description,
            [(check, key)],
            piece,
            declaration=UPSTREAM_DECLARED,
        )
    yield mutant(
        "declared-three-phases",
        "voltage_v",
        "three live phases on a model declared with one",
        [("decl.phases", "voltage_v")],
        pieces.value("voltage_v", _constant("230,231,229")),
        declaration=UPSTREAM_DECLARED | {"phases": 1},
    )
    yield mutant(
        "declared-anonymous",
        "-",
        "credentials asked for by a REST interface declared to answer without them",
        [("decl.credentials", "-")],
        declaration=UPSTREAM_DECLARED | {"credentials": "anonymous"},
    )
    yield mutant(
        "declared-rcmb-absent",
        "rcmb_max",
        "a residual current measured on a model declared without an RCMB",
        [("decl.rcmb", "rcmb_max")],
        pieces.value("rcmb_max", _constant("6.4, 0.0")),
        declaration=UPSTREAM_DECLARED | {"rcmb": False},
    )


GENERATORS = (
    per_key_mutants,
    value_mutants,
    physics_mutants,
    temporal_mutants,
    per_key_agreement_mutants,
    auth_mutants,
    http_mutants,
    rule_mutants,
    wire_form_mutants,
    declaration_mutants,
)


def generate(cat: Catalogue) -> list[Mutant]:
    """Every mutant, in a stable order, each name once."""
    found = [m for make in GENERATORS for m in make(cat)]
    names = [m.name for m in found]
    assert len(names) == len(set(names)), "a mutant's name must be its own"
    return found


def sample(mutants: Sequence[Mutant], every: int) -> list[Mutant]:
    """A fixed sample (for CI): every ``every``-th, and every operator at least once."""
    chosen = {m.name: m for m in mutants[::every]}
    for m in mutants:  # the first of each operator
        if not any(c.operator == m.operator for c in chosen.values()):
            chosen[m.name] = m
    return [m for m in mutants if m.name in chosen]
