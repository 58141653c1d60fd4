"""Deliberate defects: the simulator as a broken firmware build, to prove the suite catches it.

A defect is made of small hooks, each optional, applied in order; several defects compose:

- ``readings``: rewrite the 41 readings of a snapshot (a value, a missing or extra key, ...);
- ``answer``: rewrite what /rest/full_state or /rest/<KEY> answers (body, media type);
- ``respond``: answer a request itself before routing (e.g. accept a write);
- ``admit``: let in a request the credentials alone would refuse;
- ``refuse``: hold the port without listening, so that every connection is refused.

Each named defect lists the check IDs that must catch it (``catches``).
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import random
import socket
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from ccrest.simulator.device import Reading
from ccrest.simulator.head import Fields

if TYPE_CHECKING:
    from ccrest.simulator.auth import Credentials


class Handler(Protocol):
    """What a defect's ``respond`` hook may use of the server's request handler (the server
    imports this module, never the other way round)."""

    path: str
    command: str
    headers: Fields
    wfile: Any
    connection: socket.socket
    server: Any
    close_connection: bool

    def reply(self, status: int, body: bytes, content_type: str) -> None: ...


Answer = tuple[bytes, str]
Readings = list[Reading]
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Defect:
    name: str
    description: str
    catches: tuple[str, ...] = ()
    readings: Callable[[Readings], Readings] | None = None
    answer: Callable[[str, Answer | None], Answer | None] | None = None
    respond: Callable[[Handler], bool] | None = None
    admit: Callable[[tuple[str, str] | None, Credentials], bool] | None = None
    refuse: bool = False  # hold the port without listening: every connection is refused


# -- building blocks -----------------------------------------------------------------------------


def set_value(key: str, text: str, json_value: object = None) -> Callable[[Readings], Readings]:
    js = text if json_value is None else json_value
    return lambda rs: [(k, text, js) if k == key else (k, t, j) for k, t, j in rs]


def map_value(key: str, change: Callable[[str], str]) -> Callable[[Readings], Readings]:
    return lambda rs: [(k, change(t), change(t)) if k == key else (k, t, j) for k, t, j in rs]


def drop_key(key: str) -> Callable[[Readings], Readings]:
    return lambda rs: [r for r in rs if r[0] != key]


def add_key(key: str, text: str) -> Callable[[Readings], Readings]:
    return lambda rs: [*rs, (key, text, text)]


def duplicate_key(key: str, text: str) -> Callable[[Readings], Readings]:
    return lambda rs: [*rs, (key, text, text)]


def rename_key(old: str, new: str) -> Callable[[Readings], Readings]:
    return lambda rs: [(new if k == old else k, t, j) for k, t, j in rs]


def when(
    condition: Callable[[dict[str, str]], bool], change: Callable[[Readings], Readings]
) -> Callable[[Readings], Readings]:
    """Apply ``change`` only to snapshots whose text values satisfy ``condition``."""

    def apply(rs: Readings) -> Readings:
        return change(rs) if condition({k: t for k, t, _ in rs}) else rs

    return apply


def charging(values: dict[str, str]) -> bool:
    return values.get("conn_state", "").startswith("vehicle_charging")


def idle(values: dict[str, str]) -> bool:
    return values.get("conn_state") == "no_vehicle_connected"


def flicker(key: str, change: Callable[[float], float]) -> Callable[[Readings], Readings]:
    """Every other read shows ``change(value)``: a value that jumps back and forth."""
    reads = itertools.count()

    def apply(rs: Readings) -> Readings:
        if next(reads) % 2 == 0:
            return rs
        out = []
        for k, t, j in rs:
            if k == key:
                value = max(0, int(change(float(t))))
                t, j = str(value), value
            out.append((k, t, j))
        return out

    return apply


def drift(key: str, step: float) -> Callable[[Readings], Readings]:
    """A value that moves by ``step`` at every read, whatever the device does."""
    reads = itertools.count()

    def change(rs: Readings) -> Readings:
        n = next(reads)
        out = []
        for k, t, j in rs:
            if k == key:
                value = max(0, int(float(t) + step * n))
                t, j = str(value), value
            out.append((k, t, j))
        return out

    return change


def freeze(key: str) -> Callable[[Readings], Readings]:
    """A value that keeps its first reading forever."""
    first: dict[str, tuple[str, object]] = {}

    def change(rs: Readings) -> Readings:
        out = []
        for k, t, j in rs:
            if k == key:
                t, j = first.setdefault(k, (t, j))
            out.append((k, t, j))
        return out

    return change


def per_key_answer(key: str, body: bytes) -> Callable[[str, Answer | None], Answer | None]:
    return lambda what, ans: (body, ans[1]) if what == key and ans else ans


def unknown_key_answers_200(what: str, ans: Answer | None) -> Answer | None:
    return (b"", "text/plain; charset=utf-8") if ans is None else ans


def media_type(ct: str, only: str = "full_state") -> Callable[[str, Answer | None], Answer | None]:
    return lambda what, ans: (ans[0], ct) if ans and what == only else ans


def accept_writes(handler: Handler) -> bool:
    if handler.command in WRITES and handler.path.startswith("/rest/"):
        handler.reply(200, b"ok\n", "text/plain; charset=utf-8")
        return True
    return False


def admit_anyone(who: tuple[str, str] | None, credentials: Credentials) -> bool:
    return True


def admit_any_password(who: tuple[str, str] | None, credentials: Credentials) -> bool:
    return who is not None and who[0] in ("operator", "manufacturer")


def admit_other_roles_password(who: tuple[str, str] | None, credentials: Credentials) -> bool:
    passwords = (credentials.operator, credentials.manufacturer)
    return who is not None and who[0] in ("operator", "manufacturer") and who[1] in passwords


def show_uid(uid: str) -> Callable[[Readings], Readings]:
    """The card UID in auth_uid whatever the REST mode, as long as a session is authorized."""

    def change(rs: Readings) -> Readings:
        authorized = any(k == "auth_state" and t == "authorized_for_charging" for k, t, _ in rs)
        return [(k, uid, uid) if k == "auth_uid" and authorized else (k, t, j) for k, t, j in rs]

    return change


# -- faults of a misbehaving device: respond hooks on /rest/ -------------------------------------


def _rest(handler: Handler, only_full_state: bool = False) -> bool:
    path = handler.path.split("?", 1)[0]
    return path == "/rest/full_state" if only_full_state else path.startswith("/rest/")


def _raw(handler: Handler, data: bytes) -> None:
    handler.close_connection = True
    handler.wfile.write(data)
    handler.wfile.flush()


def _reset(handler: Handler) -> None:
    """Close with a TCP reset, as a crashing device's stack does."""
    handler.close_connection = True
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def status(code: int) -> Callable[[Handler], bool]:
    def respond(handler: Handler) -> bool:
        if not _rest(handler):
            return False
        handler.reply(code, f"{code} error\n".encode(), "text/plain; charset=utf-8")
        return True

    return respond


def never_answer(handler: Handler) -> bool:
    """Accept, read the request, answer nothing (until the simulator stops)."""
    if not _rest(handler):
        return False
    handler.server.stopping.wait(STALL_LIMIT_S)
    handler.close_connection = True
    return True


def drip(handler: Handler) -> bool:
    """Answer a byte every 50 ms: a body that never seems to end."""
    if not _rest(handler):
        return False
    body = b"conn_state:no_vehicle_connected\n" * 40
    data = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    for i in range(len(data)):
        if handler.server.stopping.wait(0.05):
            break
        _raw(handler, data[i : i + 1])
    return True


def reset_midway(handler: Handler) -> bool:
    if not _rest(handler):
        return False
    _raw(handler, b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\nconn_state:no_veh")
    _reset(handler)
    return True


def truncated(handler: Handler) -> bool:
    """Promise 900 bytes, send 40, close: a body that ends early."""
    if not _rest(handler, only_full_state=True):
        return False
    _raw(
        handler, b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\nconn_state:no_vehicle_connected\n"
    )
    return True


def body(data: bytes, content_type: str) -> Callable[[Handler], bool]:
    def respond(handler: Handler) -> bool:
        if not _rest(handler, only_full_state=True):
            return False
        handler.reply(200, data, content_type)
        return True

    return respond


def dies_after(requests: int) -> Callable[[Handler], bool]:
    """Answer the first ``requests`` REST requests, then reset every connection: a device
    that crashes in the middle of a run."""
    served = itertools.count()

    def respond(handler: Handler) -> bool:
        if not _rest(handler) or next(served) < requests:
            return False
        _reset(handler)
        return True

    return respond


def endless(prefix: str) -> Callable[[Handler], bool]:
    """Answer requests under ``prefix`` with a chunked body that never ends (until the
    simulator stops or STALL_LIMIT_S pass): a device stuck in a loop."""

    def respond(handler: Handler) -> bool:
        if not handler.path.startswith(prefix):
            return False
        handler.close_connection = True
        chunk = b"x" * 65536
        frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        handler.wfile.write(head + b"Transfer-Encoding: chunked\r\n\r\n")
        until = time.monotonic() + STALL_LIMIT_S
        while not handler.server.stopping.is_set() and time.monotonic() < until:
            try:
                handler.wfile.write(frame)
            except OSError:
                break
        return True

    return respond


def drip_head(handler: Handler) -> bool:
    """The status line and headers a byte every 50 ms, then nothing: a device whose network
    stack is stuck before the body."""
    if not _rest(handler):
        return False
    head = b"HTTP/1.1 200 OK\r\n" + b"X-Padding: " + b"y" * 200 + b"\r\n"
    for i in range(len(head)):
        if handler.server.stopping.wait(0.05):
            break
        try:
            _raw(handler, head[i : i + 1])
        except OSError:
            break
    return True


@functools.cache
def _gzip_bomb() -> bytes:
    """A valid full_state line, then 256 MiB of zeros, gzip-compressed to about 256 KB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(b"conn_state:no_vehicle_connected\ndisplay_text:")]
    zeros = bytes(1 << 20)
    parts += [packer.compress(zeros) for _ in range(256)]
    parts.append(packer.flush())
    return b"".join(parts)


def gzip_bomb(handler: Handler) -> bool:
    if not _rest(handler, only_full_state=True):
        return False
    data = _gzip_bomb()
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: %d\r\n\r\n" % len(data)
    )
    _raw(handler, head + data)
    return True


def _password(handler: Handler) -> str:
    """The password the request carried, in either credential scheme."""
    given = handler.headers.get("Password")
    if given:
        return given
    auth = handler.headers.get("Authorization", "")
    if auth.startswith("Basic ") and auth != "Basic Auth":
        try:
            return base64.b64decode(auth[6:]).decode("utf-8").partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return ""
    return ""


def echo_password(handler: Handler) -> bool:
    """full_state with the request's password echoed in every encoding it can travel in (as
    sent, JSON-escaped, percent-encoded, in Latin-1 bytes), and once more across the 1 MiB
    boundary the suite cuts bodies at: firmware that logs its requests into its answers."""
    if not _rest(handler, only_full_state=True):
        return False
    secret = _password(handler)
    data, content_type = handler.server.source.full_state()
    forms = [
        secret.encode("utf-8"),
        json.dumps(secret)[1:-1].encode(),
        quote(secret, safe="").encode(),
        secret.encode("latin-1", "replace"),
    ]
    lines = b"".join(b"debug_echo_%d:%s\n" % (i, form) for i, form in enumerate(forms))
    body = data + lines + b"debug_pad:"
    body += b"p" * ((1 << 20) - len(body) - len(forms[0]) // 2) + forms[0] + b"\n"
    handler.reply(200, body, content_type)
    return True


def state_at_root(handler: Handler) -> bool:
    if handler.path != "/" or handler.command != "GET":
        return False
    data, content_type = handler.server.source.full_state()
    handler.reply(200, data, content_type)
    return True


BINARY = bytes(random.Random(61851).randrange(256) for _ in range(2048))
HTML_ERROR = (
    b"<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>"
    b"<body><h1>Internal Server Error</h1><p>lighttpd</p></body></html>"
)
HUGE = b"display_text:" + b"x" * (10 * 1024 * 1024) + b"\n"
STALL_LIMIT_S = 120.0


# -- the catalogue -------------------------------------------------------------------------------


def _d(name: str, description: str, catches: tuple[str, ...], **hooks: Any) -> Defect:
    return Defect(name, description, catches, **hooks)


def _defects() -> dict[str, Defect]:
    return {
        d.name: d
        for d in (
            # schema
            _d(
                "enum-unknown-value",
                "conn_state reports 'charging', a value the specification does not list",
                ("fs.value-valid", "states.scenario-reached"),
                readings=when(charging, set_value("conn_state", "charging")),
            ),
            _d(
                "case-change",
                "ocpp_state in upper case ('Charging', as OCPP spells it)",
                ("fs.value-valid", "states.scenario-reached"),
                readings=map_value("ocpp_state", str.capitalize),
            ),
            _d(
                "unit-appended",
                "power_w with its unit ('11040 W')",
                ("fs.value-valid", "states.scenario-reached"),
                readings=map_value("power_w", lambda t: f"{t} W"),
            ),
            _d(
                "negative-counter",
                "meter_wh negative",
                ("fs.value-valid",),
                readings=map_value("meter_wh", lambda t: f"-{t}"),
            ),
            _d(
                "missing-key",
                "wlan_state is left out of full_state and its endpoint",
                ("fs.key-present", "pk.answers"),
                readings=drop_key("wlan_state"),
            ),
            _d(
                "undocumented-key",
                "full_state carries an extra key, debug_level",
                ("fs.no-undocumented-key",),
                readings=add_key("debug_level", "3"),
            ),
            _d(
                "duplicated-key",
                "power_w appears twice in full_state",
                ("wire.duplicate-key",),
                readings=duplicate_key("power_w", "0"),
            ),
            _d(
                "renamed-key",
                "rcmb_max is sent as rcmb_max_values, as field firmware 5.22-5.33 does",
                ("fs.key-present", "fs.no-undocumented-key", "pk.answers"),
                readings=rename_key("rcmb_max", "rcmb_max_values"),
            ),
            _d(
                "corrected-spelling",
                "backend_conn_state spelled not_reachable, not the documented not_reacheable",
                ("fs.value-valid", "states.scenario-reached"),
                readings=map_value(
                    "backend_conn_state", lambda t: "not_reachable" if t == "not_reacheable" else t
                ),
            ),
            _d(
                "two-phases",
                "current_a with two values on a three-phase controller",
                ("fs.value-valid",),
                readings=map_value("current_a", lambda t: ",".join(t.split(",")[:2])),
            ),
            # per key
            _d(
                "per-key-differs",
                "/rest/cp_model answers another model than full_state",
                ("pk.matches-full-state",),
                answer=per_key_answer("cp_model", b"CC613_OTHER"),
            ),
            _d(
                "unknown-key-200",
                "an undocumented key answers 200 with an empty body instead of 404",
                ("pk.unknown-key-404",),
                answer=unknown_key_answers_200,
            ),
            _d(
                "per-key-json-object",
                "/rest/<KEY> answers a JSON object {key: value}",
                ("wire.per-key-not-scalar",),
                answer=lambda what, ans: (
                    (b'{"%s": "%s"}' % (what.encode(), ans[0]), "application/json")
                    if ans and what != "full_state"
                    else ans
                ),
            ),
            # http
            _d(
                "writes-accepted",
                "POST, PUT, PATCH and DELETE under /rest/ answer 200",
                ("http.read-only",),
                respond=accept_writes,
            ),
            _d(
                "writes-crash",
                "POST, PUT, PATCH and DELETE under /rest/ answer 500",
                ("http.read-only",),
                respond=lambda h: h.command in WRITES and status(500)(h),
            ),
            _d(
                "wrong-content-type",
                "the text full_state is labelled application/json",
                ("http.content-type",),
                answer=media_type("application/json"),
            ),
            _d(
                "head-refused",
                "HEAD answers 405",
                ("http.head-agrees",),
                respond=lambda h: h.command == "HEAD" and status(405)(h),
            ),
            _d(
                "state-outside-rest",
                "GET / shows full_state without credentials",
                ("http.outside-no-leak",),
                respond=state_at_root,
            ),
            # auth
            _d(
                "no-credentials-needed",
                "the REST API answers without credentials",
                (
                    "auth.no-credentials-refused",
                    "auth.wrong-password-refused",
                    "auth.unknown-user-refused",
                    "auth.other-role-refused",
                ),
                admit=admit_anyone,
            ),
            _d(
                "any-password",
                "any password opens a known role",
                ("auth.wrong-password-refused", "auth.other-role-refused"),
                admit=admit_any_password,
            ),
            _d(
                "other-roles-password",
                "the operator's password also opens the manufacturer role",
                ("auth.other-role-refused",),
                admit=admit_other_roles_password,
            ),
            # privacy
            _d(
                "uid-shown",
                "auth_uid shows the card UID in without-uid mode",
                ("privacy.uid-hidden",),
                readings=show_uid("04A3B2C1D2E380"),
            ),
            _d(
                "uid-shown-per-key",
                "/rest/auth_uid shows the card UID, full_state hides it",
                ("privacy.uid-hidden", "pk.matches-full-state"),
                answer=lambda what, ans: (
                    (b"04A3B2C1D2E380", ans[1]) if what == "auth_uid" and ans else ans
                ),
            ),
            # consistency, each rule on its own
            _d(
                "charging-in-state-b",
                "type2_state stays b while the vehicle charges",
                ("cons.conn-vs-type2", "states.scenario-reached"),
                readings=when(charging, set_value("type2_state", "b")),
            ),
            _d(
                "ocpp-not-charging",
                "ocpp_state says preparing while the vehicle charges",
                ("cons.conn-vs-ocpp", "states.scenario-reached"),
                readings=when(charging, set_value("ocpp_state", "preparing")),
            ),
            _d(
                "power-without-vehicle",
                "power_w shows 1500 W with no vehicle connected",
                (
                    "cons.no-flow-without-charging",
                    "cons.power-within-apparent",
                    "states.scenario-reached",
                ),
                readings=when(idle, set_value("power_w", "1500")),
            ),
            _d(
                "one-voltage",
                "voltage_v has one phase where current_a has three",
                ("cons.phase-count",),
                readings=map_value("voltage_v", lambda t: t.split(",")[0]),
            ),
            _d(
                "power-too-high",
                "power_w is half as much again as voltage x current allows",
                ("cons.power-within-apparent",),
                readings=when(charging, map_value("power_w", lambda t: str(int(t) * 3 // 2))),
            ),
            _d(
                "offer-above-installation",
                "sig_current offers 40 A on a 32 A installation",
                ("cons.sig-current-bounds", "states.scenario-reached"),
                readings=when(charging, set_value("sig_current", "40")),
            ),
            _d(
                "transaction-above-meter",
                "transaction_wh holds more than the meter ever counted",
                ("cons.transaction-within-meter",),
                readings=map_value("transaction_wh", lambda t: "99999999"),
            ),
            _d(
                "schuko-ghost",
                "a disabled Schuko socket reports a connected vehicle",
                ("cons.schuko-disabled-idle",),
                readings=when(
                    lambda v: v.get("schuko_cfg") == "disable",
                    set_value("schuko_state", "connected"),
                ),
            ),
            _d(
                "charging-unauthorized",
                "auth_state says wait_for_auth while the vehicle charges",
                ("cons.charging-authorized", "states.scenario-reached"),
                readings=when(charging, set_value("auth_state", "wait_for_auth")),
            ),
            _d(
                "charging-through-tripped-rcd",
                "rcd_state triggered while the vehicle charges",
                ("cons.tripped-no-charging",),
                readings=when(charging, set_value("rcd_state", "triggered")),
            ),
            _d(
                "broken-display-markup",
                "display_text holds markup that does not parse",
                ("cons.display-markup",),
                readings=set_value(
                    "display_text", "<tariffInfoResponse><tariffEntry></tariffInfoResponse>"
                ),
            ),
            # temporal
            _d(
                "meter-runs-backwards",
                "meter_wh goes down by 5 Wh at every read",
                ("temp.counter-monotonic", "temp.energy-follows-power"),
                readings=drift("meter_wh", -5),
            ),
            _d(
                "meter-runs-fast",
                "meter_wh grows by 25 Wh at every read, whatever the power",
                ("temp.energy-follows-power",),
                readings=drift("meter_wh", 25),
            ),
            _d(
                "counter-resets",
                "con_cycles_type2 drops to 0 on every other read",
                ("temp.counter-monotonic", "pk.matches-full-state"),
                readings=flicker("con_cycles_type2", lambda v: 0),
            ),
            _d(
                "session-counter-resets",
                # 500 Wh, shown ahead: more than a session gains while the per-key family reads
                # 41 keys on a loaded machine (a 5 Wh drop hid within a slow bracket, and a drop
                # to 0 early in a session would look like a new session)
                "transaction_wh shows 500 Wh too much on every other read, and drops back",
                (
                    "temp.session-counter-monotonic",
                    "pk.matches-full-state",
                    "temp.transaction-follows-meter",
                ),
                readings=when(charging, flicker("transaction_wh", lambda v: v + 500)),
            ),
            _d(
                "timer-stands-still",
                "time_since_charging_start does not advance while charging",
                ("temp.timer-advances",),
                readings=when(charging, freeze("time_since_charging_start")),
            ),
            # states
            _d(
                "cable-left-behind",
                "after the vehicle leaves, type2_proximity keeps its cable rating",
                ("states.scenario-reached",),
                readings=when(idle, set_value("type2_proximity", "32")),
            ),
            _d(
                "authorization-left-behind",
                "after the vehicle leaves, auth_state stays authorized",
                ("states.scenario-reached",),
                readings=when(idle, set_value("auth_state", "authorized_for_charging")),
            ),
        )
    }


def _faults() -> dict[str, Defect]:
    return {
        d.name: d
        for d in (
            _d(
                "refuse-connections",
                "refuses every connection (the port is held, nobody listens)",
                (),
                refuse=True,
            ),
            _d(
                "never-answers",
                "accepts the connection and never answers",
                (),
                respond=never_answer,
            ),
            _d("drip", "answers a byte every 50 ms", (), respond=drip),
            _d(
                "reset-midway",
                "resets the connection in the middle of the answer",
                (),
                respond=reset_midway,
            ),
            _d("status-500", "every REST request answers 500", (), respond=status(500)),
            _d("status-503", "every REST request answers 503", (), respond=status(503)),
            _d(
                "truncated-body",
                "full_state promises more bytes than it sends",
                (),
                respond=truncated,
            ),
            _d(
                "binary-body",
                "full_state is 2 KiB of binary noise",
                (),
                respond=body(BINARY, "application/octet-stream"),
            ),
            _d(
                "html-error-page",
                "full_state is an HTML error page with status 200",
                (),
                respond=body(HTML_ERROR, "text/html"),
            ),
            _d("huge-body", "full_state is 10 MB", (), respond=body(HUGE, "text/plain")),
            _d(
                "dies-after-30",
                "answers 30 REST requests, then resets every connection",
                (),
                respond=dies_after(30),
            ),
            _d(
                "drip-headers",
                "sends the status line and headers a byte every 50 ms, then nothing",
                (),
                respond=drip_head,
            ),
            _d(
                "endless-control",
                "GET /sim/ answers a chunked body that never ends",
                (),
                respond=endless("/sim/"),
            ),
            _d(
                "gzip-bomb",
                "full_state is gzip-compressed 256 MiB of zeros (about 256 KB on the wire)",
                (),
                respond=gzip_bomb,
            ),
            _d(
                "echo-password",
                "full_state echoes the request's password in every encoding, and across 1 MiB",
                (),
                respond=echo_password,
            ),
        )
    }


# For listing and documentation. A simulator gets fresh instances (``named``, ``fresh``): some
# hooks count reads, and two simulators must not share a count.
DEFECTS: dict[str, Defect] = _defects()
FAULTS: dict[str, Defect] = _faults()


def named(names: list[str] | tuple[str, ...]) -> list[Defect]:
    """Fresh defects and fault modes by name; an unknown name raises with the known ones."""
    known = _defects() | _faults()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown defect(s) {unknown}; known: {', '.join(known)}")
    if "gzip-bomb" in names:
        _gzip_bomb()  # compressed once (2 s), before the first request waits for it
    return [known[n] for n in names]


def fresh(defect: Defect) -> Defect:
    """A catalogued defect anew (its counters at zero); any other defect as it is."""
    catalogued = DEFECTS.get(defect.name) or FAULTS.get(defect.name)
    return named([defect.name])[0] if defect is catalogued else defect
