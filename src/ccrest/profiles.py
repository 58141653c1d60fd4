"""Profiles: what a device is expected to do, relative to the specification.

The default, ``doc-5.33.5``, is the specification as written. A profile file (TOML) extends
another and may give a documented key aliases (the device's name for it), make a key optional,
allow extra values, and waive checks by ID with a reason. A profile is checked before the run:
a mistake stops it with a message naming the file, the line and the fix.

A profile changes expectations only through the catalogue (``apply``) and the waivers; the
rules themselves do not know profiles.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from ccrest import tomlfile
from ccrest.declare import Declaration, DeclarationError, parse
from ccrest.options import DEFAULT_PROFILE
from ccrest.spec import Catalogue
from ccrest.usage import suggestion

DEFAULT = DEFAULT_PROFILE  # the built-in profile a run uses unless told otherwise


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class KeyRule:
    aliases: tuple[str, ...] = ()
    required: bool = True
    extra_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Waiver:
    check: str
    keys: tuple[str, ...]
    reason: str
    where: str  # file:line, for messages
    expires: datetime.date | None = None  # the last day it holds
    ticket: str = ""  # the issue that tracks the deviation
    ticket_url: str = ""  # the ticket's address, where the profile gives a pattern

    def covers(self, check_id: str, keys: set[str]) -> bool:
        return check_id == self.check and (not self.keys or bool(keys & set(self.keys)))

    def expired(self, today: datetime.date) -> bool:
        return self.expires is not None and today > self.expires

    def describe(self) -> str:
        on = f" on {', '.join(self.keys)}" if self.keys else ""
        ticket = f", {self.ticket}" if self.ticket else ""
        return f"{self.check}{on}: {self.reason}{ticket} ({self.where})"


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    source: str  # "built-in" or the file's path
    chain: tuple[str, ...]  # this profile and what it extends, nearest first
    keys: Mapping[str, KeyRule] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    allow_anonymous: bool = False  # the device is set up to answer without credentials
    declaration: Declaration | None = None  # its [device] table, or the nearest it extends

    def apply(self, cat: Catalogue) -> Catalogue:
        """The catalogue as this profile expects it: aliases, optional keys, extra values."""
        specs = dict(cat.key_specs)
        for key, rule in self.keys.items():
            specs[key] = dataclasses.replace(
                specs[key],
                aliases=rule.aliases,
                required=rule.required,
                extra_values=rule.extra_values,
            )
        return dataclasses.replace(cat, key_specs=specs)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "extends": list(self.chain[1:]),
            **({"allow_anonymous": True} if self.allow_anonymous else {}),
        }


def builtin_dir(cat: Catalogue) -> Path:
    return cat.directory / "profiles"


def load(name_or_path: str, cat: Catalogue) -> Profile:
    """A built-in profile by name, or a profile file by path, with what it extends."""
    return _load(_locate(name_or_path, cat, None), cat, ())


def _locate(ref: str, cat: Catalogue, relative_to: Path | None) -> Path:
    builtin = builtin_dir(cat) / f"{ref}.toml"
    if "/" not in ref and "\\" not in ref and not ref.endswith(".toml") and builtin.is_file():
        return builtin
    path = Path(ref) if relative_to is None else relative_to.parent / ref
    if path.is_file():
        return path.resolve()
    names = sorted(p.stem for p in builtin_dir(cat).glob("*.toml"))
    where = f"{relative_to}: extends " if relative_to else "--profile "
    raise ProfileError(
        f"{where}{ref!r}: no such profile; give a file path or a built-in profile "
        f"({', '.join(names)}){suggestion(ref, names)}"
    )


def _load(path: Path, cat: Catalogue, seen: tuple[Path, ...]) -> Profile:
    if path in seen:
        cycle = " -> ".join(p.name for p in (*seen, path))
        raise ProfileError(f"{seen[-1]}: 'extends' makes a cycle ({cycle}); break it")
    text, data = tomlfile.read(path, ProfileError)
    data = _dates_as_text(data)  # a TOML date (expires = 2027-03-31) as JSON would carry it
    _check_shape(path, text, data, cat)
    _check_meaning(path, text, data, cat)
    meta = data["profile"]
    parent = None
    if "extends" in meta:
        parent = _load(_locate(meta["extends"], cat, path), cat, (*seen, path))
    keys = dict(parent.keys) if parent else {}
    for key, table in data.get("keys", {}).items():
        base = keys.get(key, KeyRule())
        keys[key] = KeyRule(
            aliases=_union(base.aliases, table.get("aliases", ())),
            required=table.get("required", base.required),
            extra_values=_union(base.extra_values, table.get("extra_values", ())),
        )
    pattern = meta.get("ticket_url", "")
    waivers = tuple(parent.waivers if parent else ()) + tuple(
        Waiver(
            w["check"],
            tuple(w.get("keys", ())),
            w["reason"],
            f"{path.name}:{tomlfile.line(text, ('waivers', i))}",
            expires=_date(w["expires"], path, text, i) if "expires" in w else None,
            ticket=w.get("ticket", ""),
            ticket_url=_ticket_url(pattern, w.get("ticket", "")),
        )
        for i, w in enumerate(data.get("waivers", ()))
    )
    builtin = path.parent == builtin_dir(cat).resolve() or path.parent == builtin_dir(cat)
    declaration = parent.declaration if parent else None
    if "device" in data:
        try:
            declaration = parse(path, text, data["device"], cat)
        except DeclarationError as exc:
            raise ProfileError(str(exc)) from None
    return Profile(
        name=meta["name"],
        description=meta.get("description", ""),
        source="built-in" if builtin else str(path),
        chain=(meta["name"], *(parent.chain if parent else ())),
        keys=keys,
        waivers=waivers,
        allow_anonymous=meta.get("allow_anonymous", parent.allow_anonymous if parent else False),
        declaration=declaration,
    )


def _ticket_url(pattern: str, ticket: str) -> str:
    return pattern.replace("{ticket}", ticket) if pattern and ticket else ""


def _dates_as_text(value: Any) -> Any:
    """TOML's dates as ISO text, everywhere in a profile's data."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    return value


def _date(text_value: str, path: Path, text: str, index: int) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text_value)
    except ValueError:
        at = f"{path}:{tomlfile.line(text, ('waivers', index, 'expires'))}: waiver {index + 1}"
        raise ProfileError(
            f"{at}: expires = {text_value!r} is not a day of the calendar; give YYYY-MM-DD"
        ) from None


def _union(a: tuple[str, ...], b: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*a, *b)))


def _check_shape(path: Path, text: str, data: dict[str, Any], cat: Catalogue) -> None:
    schema = json.loads((cat.directory / "profile.schema.json").read_text(encoding="utf-8"))
    error = next(
        iter(
            sorted(
                Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path)
            )
        ),
        None,
    )
    if error is None:
        return
    where = list(error.absolute_path)
    if where[:1] == ["keys"] and len(where) > 1:
        line, entry = tomlfile.line(text, where[:2]), f"[keys.{where[1]}]"
    elif where[:1] == ["waivers"] and len(where) > 1:
        line, entry = tomlfile.line(text, where[:2]), f"waiver {int(where[1]) + 1}"
    elif where[:1] == ["profile"]:
        line, entry = tomlfile.line(text, where), "[profile]"
    else:
        line, entry = 1, "the top level"
    raise ProfileError(
        f"{path}:{line}: {entry}: {error.message}; see schemas/profile.schema.json for what a "
        "profile may hold"
    )


def _check_meaning(path: Path, text: str, data: dict[str, Any], cat: Catalogue) -> None:
    for key, table in data.get("keys", {}).items():
        at = f"{path}:{tomlfile.line(text, ('keys', key))}: [keys.{key}]"
        if key not in cat:
            close = [k for k in cat.keys if k.startswith(key.split("_")[0])][:3]
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ProfileError(
                f"{at}: {key!r} is not a key the specification documents{hint}; name a "
                "documented key, and list the device's own name under aliases"
            )
        for alias in table.get("aliases", ()):
            if alias in cat:
                raise ProfileError(
                    f"{at}: alias {alias!r} is itself a documented key; an alias is the "
                    "device's other name for this key"
                )
        if table.get("extra_values") and cat.key(key).enum is None:
            raise ProfileError(
                f"{at}: extra_values only apply to keys with a list of documented values; "
                f"{key} has a pattern ({cat.key(key).expect})"
            )
    for i, waiver in enumerate(data.get("waivers", ())):
        at = f"{path}:{tomlfile.line(text, ('waivers', i))}: waiver {i + 1}"
        if waiver["check"] not in cat.checks:
            family = waiver["check"].split(".")[0]
            close = [c for c in cat.checks if c.startswith(family + ".")][:4]
            hint = f" (checks of that kind: {', '.join(close)})" if close else ""
            raise ProfileError(
                f"{at}: check {waiver['check']!r} does not exist{hint}; use a check ID from "
                "schemas/checks.json (a failing run names it in brackets)"
            )
        for key in waiver.get("keys", ()):
            if key not in cat:
                raise ProfileError(f"{at}: key {key!r} is not a documented key")
