"""Deliberate defects: the simulator as a broken firmware build, to prove the suite catches it.

A defect is made of small hooks, each optional, applied in order; several defects compose:

- ``readings``: rewrite the 41 readings of a snapshot (a value, a missing or extra key, ...);
- ``answer``: rewrite what /rest/full_state or /rest/<KEY> answers (body, media type);
- ``respond``: answer a request itself before routing (e.g. accept a write);
- ``admit``: let in a request the credentials alone would refuse.

Each named defect lists the check IDs that must catch it (``catches``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ccrest.simulator.device import Reading

if TYPE_CHECKING:
    from ccrest.simulator.auth import Credentials
    from ccrest.simulator.server import Handler

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


# -- the catalogue -------------------------------------------------------------------------------

DEFECTS: dict[str, Defect] = {
    d.name: d
    for d in (
        Defect(
            "enum-unknown-value",
            "conn_state reports 'charging', a value the specification does not list",
            ("fs.value-valid", "pk.value-valid"),
            readings=set_value("conn_state", "charging"),
        ),
        Defect(
            "missing-key",
            "wlan_state is left out of full_state and its endpoint",
            ("fs.key-present", "pk.answers"),
            readings=drop_key("wlan_state"),
        ),
        Defect(
            "undocumented-key",
            "full_state carries an extra key, debug_level",
            ("fs.no-undocumented-key",),
            readings=add_key("debug_level", "3"),
        ),
        Defect(
            "duplicated-key",
            "power_w appears twice in full_state",
            ("wire.duplicate-key",),
            readings=duplicate_key("power_w", "0"),
        ),
        Defect(
            "per-key-differs",
            "/rest/cp_model answers another model than full_state",
            ("pk.matches-full-state",),
            answer=per_key_answer("cp_model", b"CC613_OTHER"),
        ),
        Defect(
            "unknown-key-200",
            "an undocumented key answers 200 with an empty body instead of 404",
            ("pk.unknown-key-404",),
            answer=unknown_key_answers_200,
        ),
        Defect(
            "writes-accepted",
            "POST, PUT, PATCH and DELETE under /rest/ answer 200",
            ("http.read-only",),
            respond=accept_writes,
        ),
        Defect(
            "wrong-content-type",
            "the text full_state is labelled application/json",
            ("http.content-type",),
            answer=media_type("application/json"),
        ),
        Defect(
            "no-credentials-needed",
            "the REST API answers without credentials",
            (
                "auth.no-credentials-refused",
                "auth.wrong-password-refused",
                "auth.unknown-user-refused",
            ),
            admit=admit_anyone,
        ),
        Defect(
            "any-password",
            "any password opens a known role",
            ("auth.wrong-password-refused",),
            admit=admit_any_password,
        ),
        Defect(
            "uid-shown",
            "auth_uid shows the card UID even in without-uid mode",
            ("privacy.uid-hidden",),
            readings=show_uid("04A3B2C1D2E380"),
        ),
        Defect(
            "charging-in-state-b",
            "type2_state stays b while the vehicle charges",
            ("cons.conn-vs-type2",),
            readings=set_value("type2_state", "b"),
        ),
        Defect(
            "meter-runs-backwards",
            "meter_wh goes down by 5 Wh at every read",
            ("temp.counter-monotonic",),
            readings=drift("meter_wh", -5),
        ),
        Defect(
            "timer-stands-still",
            "time_since_charging_start does not advance while charging",
            ("temp.timer-advances",),
            readings=freeze("time_since_charging_start"),
        ),
    )
}


def named(names: list[str] | tuple[str, ...]) -> list[Defect]:
    unknown = [n for n in names if n not in DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect(s) {unknown}; known: {', '.join(DEFECTS)}")
    return [DEFECTS[n] for n in names]
