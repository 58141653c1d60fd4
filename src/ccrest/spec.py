"""The specification as one catalogue, read from the schema files in ``schemas/``.

Key names, allowed values, units, volatility and check passages live in those files only; every
other part of ccrest asks this catalogue. Validators are built once per catalogue, and the default
catalogue once per process.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

from ccrest.findings import show
from ccrest.shipped import shipped

ENUM_SHOWN = 12


class SpecError(Exception):
    """The schema set is unusable; the message names the file and the fix."""


def default_schema_dir() -> Path:
    """Where the schemas are: inside an installed wheel, or the checkout's top-level folder."""
    found, looked = shipped("schemas", "full_state.schema.json")
    if found is None:
        raise SpecError(
            f"no schema set found (looked in {' and '.join(map(str, looked))}); "
            "reinstall ccrest or run from a checkout that has schemas/"
        )
    return found


@dataclass(frozen=True)
class KeySpec:
    """One documented key: what the specification allows for it and how to say what is wrong."""

    name: str
    row: int
    title: str
    description: str
    schema: Mapping[str, object]
    validator: Draft202012Validator
    enum: tuple[str, ...] | None
    examples: tuple[object, ...]
    unit: str | None
    dynamic: bool
    change: str  # static | state | counter | session-counter | measurement
    tolerance: float  # for measurements: how far two honest readings may differ, in the unit
    expect: str
    section: str
    empty_means: str = ""  # what an empty value says, where it says something (x-empty)
    # what a profile changes (ccrest.profiles): the device's other names for the key, whether
    # it must be there, and values accepted beyond the specification's
    aliases: tuple[str, ...] = ()
    required: bool = True
    extra_values: tuple[str, ...] = ()

    @property
    def allowed(self) -> str:
        """What the specification (and the profile) allows, in words fit for a message."""
        if self.enum is None:
            return self.expect
        return "one of " + _enum_words(self.enum + self.extra_values)

    def violation(self, value: object) -> str | None:
        """None when ``value`` conforms, else a message stating observed versus allowed.

        Values are compared as values: a JSON body may carry an enumerated value that is a
        whole number (type2_proximity's 32) as the JSON number 32, which is the same value as
        the text 32 a text body or a per-key answer carries.
        """
        if self.validator.is_valid(value) or value in self.extra_values:
            return None
        if self.enum is not None:
            if _whole_number(value) and str(value) in self.enum + self.extra_values:
                return None
            allowed = _enum_words(self.enum + self.extra_values)
            if isinstance(value, str) and not value.strip():
                meaning = f" ({self.empty_means})" if self.empty_means else ""
                return (
                    f"{self.name} = {show(value)}: empty{meaning}; "
                    f"the specification lists {allowed}"
                )
            return f"{self.name} = {show(value)}: not one of {allowed}"
        return f"{self.name} = {show(value)}: expected {self.expect}"


@dataclass(frozen=True)
class CheckSpec:
    """One check: its stable ID and the specification passage it enforces."""

    id: str
    family: str
    title: str
    section: str
    passage: str
    certainty: str = "normative"


@dataclass(frozen=True)
class PairTable:
    """A rule as data: which value of one key may stand beside which value of another, and the
    sources (standards) that allow each pair (``schemas/rules/<name>.json``)."""

    name: str
    left: str
    right: str
    sources: Mapping[str, str]
    allowed: Mapping[str, Mapping[str, tuple[str, ...]]]
    versions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    basis: str = ""  # why only some sources judge: a declared version, in words

    def only(self, version: str, basis: str) -> PairTable:
        """The table a device of one declared version is judged by: its sources alone."""
        keep = set(self.versions[version])
        allowed = {
            lv: {r: mine for r, src in row.items() if (mine := tuple(s for s in src if s in keep))}
            for lv, row in self.allowed.items()
        }
        return dataclasses.replace(self, allowed=allowed, basis=basis)

    def sources_for(self, left: str, right: str) -> tuple[str, ...]:
        """The sources that allow the pair; empty when none does."""
        return self.allowed.get(left, {}).get(right, ())

    def partners(self, left: str) -> dict[str, list[str]]:
        """For one left value: each source and the right values it allows beside it."""
        by_source: dict[str, list[str]] = {}
        for right, sources in self.allowed.get(left, {}).items():
            for source in sources:
                by_source.setdefault(source, []).append(right)
        return by_source


@dataclass(frozen=True)
class Catalogue:
    """Everything the suite knows about the specification, built once from the schema files."""

    directory: Path
    version: str
    keys: tuple[str, ...]
    key_specs: Mapping[str, KeySpec]
    full_state_validator: Draft202012Validator
    checks: Mapping[str, CheckSpec]
    rules: Mapping[str, PairTable] = field(default_factory=dict)

    def __contains__(self, key: object) -> bool:
        return key in self.key_specs

    def __iter__(self) -> Iterator[KeySpec]:
        return (self.key_specs[k] for k in self.keys)

    def key(self, name: str) -> KeySpec:
        return self.key_specs[name]

    def rule(self, name: str) -> PairTable:
        try:
            return self.rules[name]
        except KeyError:
            raise SpecError(
                f"rule table {name!r} is not in {self.directory / 'rules'}; restore {name}.json"
            ) from None

    def check(self, check_id: str) -> CheckSpec:
        try:
            return self.checks[check_id]
        except KeyError:
            raise SpecError(
                f"check {check_id!r} is not in {self.directory / 'checks.json'}; "
                "add it there with the passage it enforces"
            ) from None


def _whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _enum_words(values: tuple[str, ...]) -> str:
    if len(values) <= ENUM_SHOWN:
        return ", ".join(values)
    shown = ", ".join(values[: ENUM_SHOWN - 4])
    return f"{shown}, … ({len(values)} values in all)"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError(f"{path}: cannot be read as JSON ({exc}); fix or restore the file") from exc
    if not isinstance(data, dict):
        raise SpecError(f"{path}: a schema file holds one JSON object; fix or restore the file")
    return data


def _check_schema(path: Path, schema: Mapping[str, object]) -> None:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise SpecError(f"{path}: not a valid JSON Schema 2020-12 ({exc.message})") from exc


def load_catalogue(directory: Path | None = None) -> Catalogue:
    """Read and cross-check a schema set; raise SpecError naming the file and the fix."""
    directory = Path(directory) if directory is not None else default_schema_dir()
    full_path = directory / "full_state.schema.json"
    full = _read_json(full_path)
    _check_schema(full_path, full)
    documents: dict[Path, dict[str, Any]] = {full_path: full}
    defs_path = directory / "defs.schema.json"
    if defs_path.is_file():
        documents[defs_path] = _read_json(defs_path)
        _check_schema(defs_path, documents[defs_path])

    order = full.get("required")
    if not isinstance(order, list) or not order:
        raise SpecError(f"{full_path}: 'required' must list every documented key in order")
    key_files = {
        p.name.removesuffix(".schema.json"): p for p in (directory / "keys").glob("*.json")
    }
    missing, extra = set(order) - key_files.keys(), key_files.keys() - set(order)
    if missing or extra:
        raise SpecError(
            f"{directory / 'keys'}: key files and {full_path.name} 'required' disagree "
            f"(no file for {sorted(missing)}, not required: {sorted(extra)}); "
            "each documented key needs keys/<key>.schema.json and an entry in 'required'"
        )
    for name in order:
        path = key_files[name]
        documents[path] = _read_json(path)
        _check_schema(path, documents[path])
        if not str(documents[path].get("$id", "")).endswith(f"/keys/{name}.schema.json"):
            raise SpecError(f"{path}: '$id' must end with /keys/{name}.schema.json")

    registry = Registry().with_resources(
        (str(doc["$id"]), Resource.from_contents(doc)) for doc in documents.values()
    )
    for path, doc in documents.items():
        _resolve_refs(path, doc, registry)
    specs = {name: _key_spec(name, documents[key_files[name]], registry) for name in order}
    return Catalogue(
        directory=directory,
        version=str(full.get("x-spec-version", "unknown")),
        keys=tuple(order),
        key_specs=specs,
        full_state_validator=Draft202012Validator(full, registry=registry),
        checks=_load_checks(directory),
        rules=_load_rules(directory, specs),
    )


def _resolve_refs(path: Path, doc: Mapping[str, Any], registry: Registry) -> None:
    """Resolve every $ref now, offline, so a broken reference stops the load, not a check."""
    resolver = registry.resolver(base_uri=str(doc["$id"]))
    pending: list[object] = [doc]
    while pending:
        node = pending.pop()
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str):
                try:
                    resolver.lookup(ref)
                except Unresolvable as exc:
                    raise SpecError(
                        f"{path}: $ref {ref!r} does not resolve within the schema set ({exc}); "
                        "schemas are never fetched from the network"
                    ) from exc
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)


def _key_spec(name: str, doc: Mapping[str, Any], registry: Registry) -> KeySpec:
    enum = doc.get("enum")
    return KeySpec(
        name=name,
        row=int(doc.get("x-spec-row", 0)),
        title=str(doc.get("title", name)),
        description=str(doc.get("description", "")),
        schema=doc,
        validator=Draft202012Validator(doc, registry=registry),
        enum=tuple(enum) if enum is not None else None,
        examples=tuple(doc.get("examples", ())),
        unit=doc.get("x-unit"),
        dynamic=bool(doc.get("x-dynamic", True)),
        change=str(doc.get("x-change", "state")),
        tolerance=float(doc.get("x-tolerance", 0.0)),
        expect=str(doc.get("x-expect", "a value the schema allows")),
        section=str(doc.get("x-spec-section", "")),
        empty_means=str(doc.get("x-empty", "")),
    )


def _load_checks(directory: Path) -> Mapping[str, CheckSpec]:
    path = directory / "checks.json"
    data = _read_json(path)
    meta_path = directory / "checks.schema.json"
    errors = list(Draft202012Validator(_read_json(meta_path)).iter_errors(data))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top)"
        raise SpecError(f"{path}: at {where}: {first.message} (see {meta_path.name})")
    checks: dict[str, CheckSpec] = {}
    for entry in data["checks"]:
        if entry["id"] in checks:
            raise SpecError(f"{path}: check {entry['id']!r} is listed twice; keep one")
        checks[entry["id"]] = CheckSpec(**entry)
    return checks


def _load_rules(directory: Path, specs: Mapping[str, KeySpec]) -> dict[str, PairTable]:
    """Rule tables (``rules/*.json``), checked against their shape and against the key schemas:
    every value they name is a documented value, and every documented left value has a row."""
    folder = directory / "rules"
    if not folder.is_dir():
        return {}
    meta = Draft202012Validator(_read_json(folder / "pairs.schema.json"))
    tables = {}
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith(".schema.json"):
            continue
        data = _read_json(path)
        errors = list(meta.iter_errors(data))
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path) or "(top)"
            raise SpecError(f"{path}: at {where}: {errors[0].message} (see pairs.schema.json)")
        left, right = data["left"], data["right"]
        for side in (left, right):
            if side not in specs or specs[side].enum is None:
                raise SpecError(f"{path}: {side!r} is not a documented key with a list of values")
        left_enum, right_enum = specs[left].enum or (), specs[right].enum or ()
        if set(data["allowed"]) != set(left_enum):
            raise SpecError(
                f"{path}: 'allowed' needs one row per documented {left} value, exactly "
                f"{', '.join(left_enum)}"
            )
        for lv, row in data["allowed"].items():
            for rv, sources in row.items():
                if rv not in right_enum:
                    raise SpecError(f"{path}: allowed/{lv}/{rv}: {rv!r} is not a {right} value")
                unknown = set(sources) - set(data["sources"])
                if unknown:
                    raise SpecError(
                        f"{path}: allowed/{lv}/{rv}: source(s) {sorted(unknown)} not in 'sources'"
                    )
        for version, sources in data.get("versions", {}).items():
            unknown = set(sources) - set(data["sources"])
            if unknown:
                raise SpecError(
                    f"{path}: versions/{version}: source(s) {sorted(unknown)} not in 'sources'"
                )
        name = path.name.removesuffix(".json")
        tables[name] = PairTable(
            name=name,
            left=left,
            right=right,
            sources=dict(data["sources"]),
            allowed={
                lv: {rv: tuple(src) for rv, src in row.items()}
                for lv, row in data["allowed"].items()
            },
            versions={v: tuple(s) for v, s in data.get("versions", {}).items()},
        )
    return tables


@functools.cache
def catalogue() -> Catalogue:
    """The default catalogue, built once per process."""
    return load_catalogue()
