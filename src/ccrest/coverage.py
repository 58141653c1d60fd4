"""Requirement coverage: from each requirement the suite knows (``schemas/requirements.json``:
the specification's passages, the standards' clauses) to the checks that enforce it and the
generated mutants that prove those checks catch what they claim. Requirements no check
enforces are rows of their own, with the reason, never left out.

``ccrest coverage`` prints the table (Markdown, as the README shows it); the HTML report
shows it in its environment part. ``problems`` is what the self-tests hold the data to.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jsonschema import Draft202012Validator

from ccrest.spec import Catalogue, SpecError, catalogue


@dataclass(frozen=True)
class Requirement:
    id: str
    source: str
    where: str
    text: str
    checks: tuple[str, ...]
    uncovered: str = ""
    note: str = ""


@dataclass(frozen=True)
class Row:
    requirement: Requirement
    mutants: int  # generated mutants that must be caught by one of its checks
    unproven: tuple[str, ...]  # its checks no generated mutant exercises


def load(directory: Path) -> list[Requirement]:
    path = directory / "requirements.json"
    meta = directory / "requirements.schema.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        schema = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SpecError(f"{path}: {exc}; restore it from the ccrest distribution") from None
    errors = list(Draft202012Validator(schema).iter_errors(data))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top)"
        raise SpecError(f"{path}: at {where}: {errors[0].message} (see {meta.name})")
    return [
        Requirement(**{**entry, "checks": tuple(entry["checks"])}) for entry in data["requirements"]
    ]


def problems(requirements: Sequence[Requirement], checks: Iterable[str]) -> list[str]:
    """What is wrong with the coverage data: a check that covers no requirement, a
    requirement naming a check that does not exist, an ID twice."""
    known = set(checks)
    found = []
    ids = Counter(r.id for r in requirements)
    found += [f"requirement {i!r} is listed {n} times; keep one" for i, n in ids.items() if n > 1]
    for r in requirements:
        for check in r.checks:
            if check not in known:
                found.append(f"requirement {r.id!r} names check {check!r}, which does not exist")
    named = {c for r in requirements for c in r.checks}
    for check in sorted(known - named):
        found.append(f"check {check!r} covers no requirement; add it to the one it enforces")
    return found


def proving(cat: Catalogue) -> Mapping[str, int]:
    """For each check ID, how many generated mutants it must catch."""
    from ccrest.mutate import generate

    counts: Counter[str] = Counter()
    for m in generate(cat):
        for check in m.proves:
            counts[check] += 1
    return counts


def rows(cat: Catalogue, requirements: Sequence[Requirement]) -> list[Row]:
    counts = proving(cat)
    return [
        Row(
            r,
            sum(counts[c] for c in r.checks),
            tuple(c for c in r.checks if not counts[c]),
        )
        for r in requirements
    ]


@functools.cache
def requirements() -> list[Requirement]:
    return load(catalogue().directory)


def _cell(text: str) -> str:
    """Text for a Markdown table cell: our own data, but a | or a line end would break the
    row, and a passage's ``<KEY>`` would be raw HTML to CommonMark."""
    for raw, escaped in (("\\", "\\\\"), ("|", "\\|"), ("<", "&lt;"), ("\n", " ")):
        text = text.replace(raw, escaped)
    return text


def markdown(table: Sequence[Row]) -> str:
    """The coverage table as the README carries it."""
    lines = [
        "| requirement | source | checks | mutants |",
        "|---|---|---|---|",
    ]
    for row in table:
        r = row.requirement
        if r.uncovered:
            checks = f"**none**: {r.uncovered}"
        else:
            checks = ", ".join(f"`{c}`" for c in r.checks)
            if row.unproven:
                checks += " (no mutant for " + ", ".join(f"`{c}`" for c in row.unproven) + ")"
        lines.append(
            f"| `{r.id}` | {_cell(r.source)}, {_cell(r.where)} | {_cell(checks)} | "
            f"{row.mutants if not r.uncovered else '-'} |"
        )
    covered = sum(not row.requirement.uncovered for row in table)
    lines.append("")
    lines.append(
        f"{covered} of {len(table)} requirements enforced by a check; "
        f"{len(table) - covered} listed as not covered, with the reason."
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    from ccrest.usage import Parser

    parser = Parser(
        prog=prog or "ccrest coverage",
        description="The requirement coverage table (Markdown): each requirement of the "
        "specification and its standards, the checks that enforce it, the generated mutants "
        "that prove them. Exits 1 when the data is inconsistent.",
    )
    parser.parse_args(argv)
    cat = catalogue()
    reqs = requirements()
    print(markdown(rows(cat, reqs)))
    found = problems(reqs, cat.checks)
    for p in found:
        print(f"coverage: {p}")
    return 1 if found else 0
