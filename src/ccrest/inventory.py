"""A lab's controllers, from a TOML inventory: one table per controller, checked before the
first request like a profile; every mistake names the file, the line and the fix.

    [defaults]                   # optional: what every controller shares
    username = "operator"
    profile = "field-5.33"

    [controllers.bench-1]        # the name: test ids, report folders, the fleet summary
    url = "http://192.0.2.11"
    password_env = "BENCH1_PASSWORD"   # the variable that holds its password, never the password

A password never goes into the file. ``--shard K/N`` keeps every N-th controller, from the K-th.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ccrest.client import ClientError, check_url
from ccrest.config import CHOICES, read_toml
from ccrest.options import DEFAULTS

FIELDS = (
    "url",
    "username",
    "password_env",
    "auth_scheme",
    "rest_mode",
    "profile",
    "allow_anonymous",
)
SHARED = ("username", "auth_scheme", "rest_mode", "profile", "allow_anonymous")  # in [defaults]
FLAGS = ("allow_anonymous",)  # true or false; the rest are texts
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")  # the whole name (fullmatch)


class InventoryError(ValueError):
    """An inventory that cannot be used; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Controller:
    """One controller of the lab, as the inventory describes it (its password stays in the
    environment variable it names)."""

    name: str
    url: str
    password_env: str
    username: str = "operator"
    auth_scheme: str = str(DEFAULTS["auth_scheme"])
    rest_mode: str = str(DEFAULTS["rest_mode"])
    profile: str = str(DEFAULTS["profile"])
    allow_anonymous: bool = False  # set up to answer without credentials, on purpose
    where: str = ""  # file:line of its table, for messages

    def password(self, environ: Mapping[str, str] = os.environ) -> str:
        value = environ.get(self.password_env)
        if not value:
            raise InventoryError(
                f"{self.where}: [controllers.{self.name}]: the environment variable "
                f"{self.password_env} that holds its password is not set; set it (export "
                f"{self.password_env}=...) or name another with password_env"
            )
        return value


def _line(text: str, pattern: str, start: int = 0) -> int:
    lines = text.splitlines()
    for number in range(start, len(lines)):
        if re.search(pattern, lines[number]):
            return number + 1
    return start + 1 if start else 1


def _table_line(text: str, name: str) -> int:
    return _line(text, rf'^\s*\[\s*controllers\s*\.\s*"?{re.escape(name)}"?\s*\]')


def _key_line(text: str, table_line: int, key: str) -> int:
    return _line(text, rf"^\s*{re.escape(key)}\s*=", table_line)


def load(path: Path) -> list[Controller]:
    """The controllers in file order, each checked; a profile is checked by the caller (it
    needs the catalogue), with ``Controller.where`` for its message."""
    text, data = read_toml(path, InventoryError)
    unknown = sorted(set(data) - {"defaults", "controllers"})
    if unknown:
        at = _line(text, rf"^\s*\[?\s*{re.escape(unknown[0])}\b")
        raise InventoryError(
            f"{path}:{at}: {unknown[0]}: not an inventory table; use [defaults] and "
            "[controllers.NAME]"
        )
    defaults = _fields(path, text, data.get("defaults", {}), "[defaults]", 0, SHARED)
    tables = data.get("controllers")
    if not isinstance(tables, dict) or not tables:
        raise InventoryError(
            f"{path}:1: no controller: add one table per controller, [controllers.NAME] with "
            "url and password_env"
        )
    controllers, urls = [], {}
    for name, table in tables.items():
        at = _table_line(text, name)
        where = f"{path}:{at}"
        if not NAME.fullmatch(name):
            raise InventoryError(
                f"{where}: [controllers.{name}]: a name is 1-40 letters, digits, '.', '_' or '-' "
                "(it names test ids and report folders); rename it"
            )
        if not isinstance(table, dict):
            raise InventoryError(f"{where}: controllers.{name} must be a table of settings")
        fields = defaults | _fields(path, text, table, f"[controllers.{name}]", at, FIELDS)
        for required in ("url", "password_env"):
            if required not in fields:
                raise InventoryError(
                    f"{where}: [controllers.{name}]: {required} is missing; add "
                    + (
                        'url = "http://HOST[:PORT]"'
                        if required == "url"
                        else 'password_env = "NAME_OF_THE_VARIABLE_HOLDING_ITS_PASSWORD"'
                    )
                )
        try:
            fields["url"] = check_url(fields["url"])
        except ClientError as exc:
            line = _key_line(text, at, "url")
            raise InventoryError(f"{path}:{line}: [controllers.{name}]: {exc}") from None
        twin = urls.get(fields["url"])
        if twin is not None:
            raise InventoryError(
                f"{where}: [controllers.{name}]: the same url as [controllers.{twin}]: one "
                "controller, one table (two would be checked in parallel)"
            )
        urls[fields["url"]] = name
        profile = fields.get("profile")
        if profile and profile.endswith(".toml"):
            fields["profile"] = str((path.parent / profile).resolve())
        controllers.append(Controller(name=name, where=where, **fields))
    return controllers


def _fields(
    path: Path, text: str, table: object, title: str, at: int, allowed: Sequence[str]
) -> dict[str, str | bool]:
    if not isinstance(table, dict):
        raise InventoryError(f"{path}:{at or 1}: {title} must be a table of settings")
    out = {}
    for key, value in table.items():
        line = _key_line(text, max(at - 1, 0), key)
        if key == "password":
            raise InventoryError(
                f"{path}:{line}: {title}: password: a password never goes into a file; put it "
                "in an environment variable and name that variable with password_env"
            )
        if key not in allowed:
            raise InventoryError(
                f"{path}:{line}: {title}: {key}: not a setting here; known: {', '.join(allowed)}"
            )
        if key in FLAGS:
            if not isinstance(value, bool):
                raise InventoryError(
                    f"{path}:{line}: {title}: {key} = {value!r}: give true or false"
                )
            out[key] = value
            continue
        if not isinstance(value, str) or not value.strip():
            raise InventoryError(f"{path}:{line}: {title}: {key} = {value!r}: give a text")
        if key in CHOICES and value not in CHOICES[key]:
            raise InventoryError(
                f"{path}:{line}: {title}: {key} = {value!r}: give one of {', '.join(CHOICES[key])}"
            )
        if key == "password_env" and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", value):
            raise InventoryError(
                f"{path}:{line}: {title}: password_env = {value!r}: give the name of an "
                "environment variable (letters, digits, _), not the password"
            )
        out[key] = value
    return out


def shard(controllers: Sequence[Controller], spec: str) -> list[Controller]:
    """``K/N``: the K-th of N shards, every N-th controller from the K-th (1-based), so that
    N CI jobs given 1/N .. N/N check each controller exactly once."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", spec)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise InventoryError(f"--shard {spec}: give K/N with 1 <= K <= N, as 2/4")
    k, n = int(match[1]), int(match[2])
    return [c for i, c in enumerate(controllers) if i % n == k - 1]
