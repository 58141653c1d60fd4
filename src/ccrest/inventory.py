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
from typing import Any

from ccrest import tomlfile
from ccrest.client import ClientError, check_url
from ccrest.config import check_table
from ccrest.options import BY_KEY, CONTROLLER, DEFAULTS_TABLE, placed

FIELDS = tuple(o.key for o in placed(CONTROLLER))
SHARED = tuple(o.key for o in placed(DEFAULTS_TABLE))  # in [defaults]
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
    username: str = str(BY_KEY["username"].default)
    auth_scheme: str = str(BY_KEY["auth_scheme"].default)
    rest_mode: str = str(BY_KEY["rest_mode"].default)
    profile: str = str(BY_KEY["profile"].default)
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


def load(path: Path) -> list[Controller]:
    """The controllers in file order, each checked; a profile is checked by the caller (it
    needs the catalogue), with ``Controller.where`` for its message."""
    text, data = tomlfile.read(path, InventoryError)
    unknown = sorted(set(data) - {"defaults", "controllers"})
    if unknown:
        at = tomlfile.line(text, (unknown[0],))
        raise InventoryError(
            f"{path}:{at}: {unknown[0]}: not an inventory table; use [defaults] and "
            "[controllers.NAME]"
        )
    defaults = _fields(path, text, data.get("defaults", {}), ("defaults",), DEFAULTS_TABLE)
    tables = data.get("controllers")
    if not isinstance(tables, dict) or not tables:
        raise InventoryError(
            f"{path}:1: no controller: add one table per controller, [controllers.NAME] with "
            "url and password_env"
        )
    controllers: list[Controller] = []
    urls: dict[str, str] = {}
    for name, table in tables.items():
        at = tomlfile.line(text, ("controllers", name))
        where = f"{path}:{at}"
        if not NAME.fullmatch(name):
            raise InventoryError(
                f"{where}: [controllers.{name}]: a name is 1-40 letters, digits, '.', '_' or '-' "
                "(it names test ids and report folders); rename it"
            )
        if not isinstance(table, dict):
            raise InventoryError(f"{where}: controllers.{name} must be a table of settings")
        fields: dict[str, Any] = defaults | _fields(
            path, text, table, ("controllers", name), CONTROLLER
        )
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
            line = tomlfile.line(text, ("controllers", name, "url"))
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
    path: Path, text: str, table: object, place: tuple[str, ...], kind: str
) -> dict[str, str | bool]:
    """A table's settings, checked against the settings model (what ``kind`` of table may
    hold, and each value as the model checks it)."""
    title = "[" + ".".join(place) + "]"
    check_table(path, text, table, place, kind, InventoryError, title)
    assert isinstance(table, dict)
    return dict(table)


def shard(controllers: Sequence[Controller], spec: str) -> list[Controller]:
    """``K/N``: the K-th of N shards, every N-th controller from the K-th (1-based), so that
    N CI jobs given 1/N .. N/N check each controller exactly once."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", spec)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise InventoryError(f"--shard {spec}: give K/N with 1 <= K <= N, as 2/4")
    k, n = int(match[1]), int(match[2])
    return [c for i, c in enumerate(controllers) if i % n == k - 1]
