"""The specification as one catalogue, read from the schema files in ``schemas/``.

Key names, allowed values, units, volatility and check passages live in those files only; every
other part of ccrest asks this catalogue. Validators are built once per catalogue, and the default
catalogue once per process.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

from ccrest.findings import show

ENUM_SHOWN = 12


class SpecError(Exception):
    """The schema set is unusable; the message names the file and the fix."""


def default_schema_dir() -> Path:
    """Where the schemas are: inside an installed wheel, or the checkout's top-level folder."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_schemas", here.parents[1] / "schemas"):
        if (candidate / "full_state.schema.json").is_file():
            return candidate
    raise SpecError(
        f"no schema set found (looked in {here / '_schemas'} and {here.parents[1] / 'schemas'}); "
        "reinstall ccrest or run from a checkout that has schemas/"
    )


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
        """None when ``value`` conforms, else a message stating observed versus allowed."""
        if self.validator.is_valid(value) or value in self.extra_values:
            return None
        if self.enum is not None:
            allowed = _enum_words(self.enum + self.extra_values)
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
class Catalogue:
    """Everything the suite knows about the specification, built once from the schema files."""

    directory: Path
    version: str
    keys: tuple[str, ...]
    key_specs: Mapping[str, KeySpec]
    full_state_validator: Draft202012Validator
    checks: Mapping[str, CheckSpec]

    def __contains__(self, key: object) -> bool:
        return key in self.key_specs

    def __iter__(self) -> Iterator[KeySpec]:
        return (self.key_specs[k] for k in self.keys)

    def key(self, name: str) -> KeySpec:
        return self.key_specs[name]

    def check(self, check_id: str) -> CheckSpec:
        try:
            return self.checks[check_id]
        except KeyError:
            raise SpecError(
                f"check {check_id!r} is not in {self.directory / 'checks.json'}; "
                "add it there with the passage it enforces"
            ) from None


def _enum_words(values: tuple[str, ...]) -> str:
    if len(values) <= ENUM_SHOWN:
        return ", ".join(values)
    shown = ", ".join(values[: ENUM_SHOWN - 4])
    return f"{shown}, … ({len(values)} values in all)"


def _read_json(path: Path) -> dict:
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
    documents: dict[Path, dict] = {full_path: full}
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
    )


def _resolve_refs(path: Path, doc: Mapping, registry: Registry) -> None:
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


def _key_spec(name: str, doc: Mapping, registry: Registry) -> KeySpec:
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


@functools.cache
def catalogue() -> Catalogue:
    """The default catalogue, built once per process."""
    return load_catalogue()
