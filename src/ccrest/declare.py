"""A model's declaration: what it implements (sockets, phases, OCPP version, meter, RCMB, REST
mode, credentials, maximum current, slave), as a certification submission states it.

It is the ``[device]`` table of a profile, or of its own TOML file (``--declaration FILE``),
checked like a profile: a mistake stops the run with the file, the line and the fix. Values
are checked against the specification's own lists (``schemas/``): the meter against
``ocpp_meter_cfg``'s values, a tethered cable's rating against ``type2_proximity``'s, the
OCPP version against the versions ``rules/conn-vs-ocpp.json`` names.

The run uses it three ways: the ``decl.*`` checks hold the device to it
(``ccrest.checks.declared``), ``apply`` tailors the catalogue (a declared OCPP version judges
``ocpp_state`` by that version's sources alone), and ``absent`` tells which scenarios the
model cannot walk. Without one, the device is judged by what it reports of itself.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from ccrest import safe, tomlfile
from ccrest.spec import Catalogue
from ccrest.usage import suggestion

OCPP_RULE = "conn-vs-ocpp"  # the rule table whose 'versions' a declared OCPP version picks
UNDECLARED = (
    "undeclared: judged by what the device reports of itself (no --declaration, no [device] "
    "in the profile)"
)


class DeclarationError(ValueError):
    """A declaration that cannot be used; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Declaration:
    source: str  # the file it was read from
    type2_socket: bool
    tethered_cable: int  # the fixed cable's rating in A; 0: none
    schuko: bool
    phases: int
    ocpp: str
    meter: str
    rcmb: bool
    rest_mode: str
    credentials: str  # "required" or "anonymous"
    max_current: int
    slave: bool
    model: str = ""
    meter_documented: bool = True
    lines: Mapping[str, int] = field(default_factory=dict)  # field -> its line in the file

    def where(self, name: str) -> str:
        """``file:line`` of a field, for messages."""
        return f"{Path(self.source).name}:{self.lines.get(name, self.lines.get('', 1))}"

    def said(self, name: str) -> str:
        """A field as declared, with where: ``schuko = false, model.toml:5``."""
        value = getattr(self, name)
        if name == "tethered_cable" and not value:
            value = False
        shown = json.dumps(value) if not isinstance(value, str) else f'"{value}"'
        return f"{name} = {shown}, {self.where(name)}"

    def apply(self, cat: Catalogue) -> Catalogue:
        """The catalogue as this model is judged: ocpp_state pairs by its OCPP version alone."""
        rules = dict(cat.rules)
        if OCPP_RULE in rules:
            basis = f"no source of OCPP {self.ocpp}, as declared ({self.where('ocpp')}),"
            rules[OCPP_RULE] = rules[OCPP_RULE].only(self.ocpp, basis)
        return dataclasses.replace(cat, rules=rules)

    def absent(self, features: Mapping[str, object]) -> str:
        """Why a scenario that needs ``features`` (field -> value it must have, ``true``: any
        but none) is not meaningful on this model, in words; "" when it is."""
        for name, wanted in features.items():
            if name == "type2_outlet":  # a vehicle on Type 2: by a socket or a fixed cable
                if not (self.type2_socket or self.tethered_cable):
                    said = f"{self.said('type2_socket')}; {self.said('tethered_cable')}"
                    return f"declared absent ({said})"
                continue
            have = getattr(self, name)
            if (wanted is True and not have) or (wanted is not True and have != wanted):
                return f"declared absent ({self.said(name)})"
        return ""

    def expected(self, expect: Mapping[str, object]) -> Mapping[str, object]:
        """A scenario's expectations on this model: a tethered cable reads cable_attached or its
        rating, where a socket would read no_cable or the plugged cable's rating."""
        if not self.tethered_cable or "type2_proximity" not in expect:
            return expect
        fixed = {"one_of": ["cable_attached", str(self.tethered_cable)]}
        return {**expect, "type2_proximity": fixed}

    def words(self) -> str:
        """The declaration in one line, as the reports show it first."""
        outlets = [
            "Type 2 socket" if self.type2_socket else "",
            f"tethered {self.tethered_cable} A cable" if self.tethered_cable else "",
            "Schuko socket" if self.schuko else "",
        ]
        meter = self.meter + ("" if self.meter_documented else " (not documented)")
        parts = [
            " + ".join(o for o in outlets if o),
            f"{self.phases} phase{'s' if self.phases > 1 else ''}",
            f"OCPP {self.ocpp}",
            f"meter {meter}",
            "RCMB" if self.rcmb else "no RCMB",
            f"REST {self.rest_mode}",
            f"credentials {self.credentials}",
            f"max {self.max_current} A",
            "slave configured" if self.slave else "no slave",
        ]
        return "; ".join(parts)

    def summary(self) -> dict[str, Any]:
        """For the reports: every field with its value and line, in the schema's order."""
        fields = []
        for name in FIELDS:
            value = getattr(self, name)
            if name == "model" and not value:
                continue
            if name == "tethered_cable" and not value:
                value = False  # as declared: none
            fields.append({"field": name, "value": value, "line": self.lines.get(name, 0)})
        return {
            "declared": True,
            "source": self.source,
            "model": self.model,
            "words": self.words(),
            "fields": fields,
        }


def undeclared() -> dict[str, Any]:
    return {"declared": False, "words": UNDECLARED}


def _schema(cat: Catalogue) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (cat.directory / "declaration.schema.json").read_text(encoding="utf-8")
    )
    return schema


FIELDS = (
    "model",
    "type2_socket",
    "tethered_cable",
    "schuko",
    "phases",
    "ocpp",
    "meter",
    "meter_documented",
    "rcmb",
    "rest_mode",
    "credentials",
    "max_current",
    "slave",
)


def load(path_text: str, cat: Catalogue) -> Declaration:
    """A declaration file: a TOML file with a ``[device]`` table and nothing else."""
    path = Path(path_text)
    if path.is_dir():
        raise DeclarationError(f"--declaration {path_text}: a folder; give a TOML file")
    if not path.is_file():
        raise DeclarationError(f"--declaration {path_text}: no such file; give a TOML file")
    text, data = tomlfile.read(path.resolve(), DeclarationError)
    extra = sorted(set(data) - {"device"})
    if extra or "device" not in data:
        name = extra[0] if extra else "(nothing)"
        line = tomlfile.line(text, (name,)) if extra else 1
        raise DeclarationError(
            f"{path}:{line}: {name}: a declaration file holds one [device] table; put what "
            "the model implements there (see schemas/declaration.schema.json)"
        )
    return parse(path.resolve(), text, data["device"], cat)


def parse(path: Path, text: str, table: object, cat: Catalogue) -> Declaration:
    """The ``[device]`` table of ``path`` (a declaration or a profile), checked."""
    head = tomlfile.line(text, ("device",))
    if not isinstance(table, dict):
        raise DeclarationError(f"{path}:{head}: device: give a [device] table")
    schema = _schema(cat)
    known = list(schema["properties"])
    for name in table:
        if name not in known:
            raise DeclarationError(
                f"{path}:{tomlfile.line(text, ('device', name))}: [device] {name}: not a field "
                f"of a declaration{suggestion(name, known)}; the fields are {', '.join(known)}"
            )
    missing = [n for n in schema["required"] if n not in table]
    if missing:
        raise DeclarationError(
            f"{path}:{head}: [device]: {', '.join(missing)} not declared; a declaration states "
            "every field (false where the model has none)"
        )
    error = next(iter(Draft202012Validator(schema).iter_errors(table)), None)
    if error is not None:
        name = str(error.absolute_path[0]) if error.absolute_path else ""
        at = f"{path}:{tomlfile.line(text, ('device', name)) if name else head}: [device] {name}"
        field = schema["properties"].get(name, {})
        what = field.get("description", "")
        if field.get("type") == "boolean":  # "0 is not of type 'boolean'; give true or false"
            what = f"true or false ({what})" if what else "true or false"
        raise DeclarationError(f"{at}: {error.message}" + (f"; give {what}" if what else ""))
    _check_meaning(path, text, table, cat)
    lines = {n: tomlfile.line(text, ("device", n)) for n in table} | {"": head}
    cable = table["tethered_cable"]
    return Declaration(
        source=str(path),
        type2_socket=table["type2_socket"],
        tethered_cable=0 if cable is False else int(cable),
        schuko=table["schuko"],
        phases=table["phases"],
        ocpp=table["ocpp"],
        meter=safe.text(table["meter"]),  # a file's text, shown in every report
        rcmb=table["rcmb"],
        rest_mode=table["rest_mode"],
        credentials=table["credentials"],
        max_current=table["max_current"],
        slave=table["slave"],
        model=safe.text(table.get("model", "")),
        meter_documented=table.get("meter_documented", True),
        lines=lines,
    )


def ratings(cat: Catalogue) -> list[int]:
    """The cable ratings the specification lists (type2_proximity's numbers)."""
    return [int(v) for v in cat.key("type2_proximity").enum or () if str(v).isdigit()]


def _check_meaning(path: Path, text: str, table: dict[str, Any], cat: Catalogue) -> None:
    from ccrest.options import REST_MODES  # options imports profiles, which import this

    def stop(name: str, problem: str) -> DeclarationError:
        line = tomlfile.line(text, ("device", name))
        return DeclarationError(f"{path}:{line}: [device] {name}: {problem}")

    cable = table["tethered_cable"]
    if cable is True or (cable is not False and cable not in ratings(cat)):
        listed = ", ".join(str(r) for r in ratings(cat))
        raise stop(
            "tethered_cable",
            f"{json.dumps(cable)} is not a cable rating; give the fixed cable's rating in A "
            f"({listed}, as type2_proximity lists them) or false for none",
        )
    if not (table["type2_socket"] or cable or table["schuko"]):
        raise stop("type2_socket", "the model has no outlet; declare at least one")
    versions = list(cat.rule(OCPP_RULE).versions)
    if table["ocpp"] not in versions:
        raise stop(
            "ocpp",
            f"{table['ocpp']!r} is not an OCPP version ccrest judges by; give one of "
            f"{', '.join(repr(v) for v in versions)}{suggestion(table['ocpp'], versions)}",
        )
    meters = [str(v) for v in cat.key("ocpp_meter_cfg").enum or ()]
    documented = table.get("meter_documented", True)
    if documented and table["meter"] not in meters:
        raise stop(
            "meter",
            f"{table['meter']!r} is not one of ocpp_meter_cfg's documented values"
            f"{suggestion(table['meter'], meters)}; give one, or add meter_documented = false "
            "for a meter the specification does not list",
        )
    if not documented and table["meter"] in meters:
        raise stop(
            "meter_documented",
            f"{table['meter']!r} is documented; remove meter_documented = false",
        )
    if table["rest_mode"] not in REST_MODES:
        raise stop(
            "rest_mode",
            f"{table['rest_mode']!r}: give one of {', '.join(REST_MODES)}"
            f"{suggestion(table['rest_mode'], REST_MODES)}",
        )
