"""The one way ccrest reads its TOML files (``ccrest.toml``, a lab's inventory, a profile) and
finds where in them a setting stands, so that every message names the file, the line and the
fix the same way.

``line(text, place)`` takes a place as a JSON Schema error gives it (``absolute_path``):
``("controllers", "bench-1", "url")``, ``("waivers", 2, "check")``, ``("profile", "name")``;
it finds the table that holds it (``[controllers.bench-1]``, the third ``[[waivers]]``) and
the key's line in that table, or the table's line when the key is not written there.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(?:#.*)?$")
KEY = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)\s*[.=]')


def read(path: Path, error: type[ValueError]) -> tuple[str, dict[str, Any]]:
    """A TOML file's text and data, or ``error`` naming the file and the fix."""
    try:
        text = path.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror}); give a readable file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not valid TOML ({exc}); fix the syntax there") from None


def _names(dotted: str) -> tuple[str, ...]:
    """``controllers."bench 1"`` -> ("controllers", "bench 1")."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([^.\s]+)', dotted)
    return tuple(a or b or c for a, b, c in parts)


def _key(line: str) -> str | None:
    match = KEY.match(line)
    return match.group(1).strip("\"'") if match else None


def tables(text: str) -> list[tuple[tuple[str | int, ...], int]]:
    """Each table header's place (array tables with their index) and its line number."""
    found: list[tuple[tuple[str | int, ...], int]] = []
    counts: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = HEADER.match(line)
        if not match:
            continue
        names = _names(match.group(2))
        if match.group(1) == "[[":
            index = counts.get(names, 0)
            counts[names] = index + 1
            found.append(((*names, index), number))
        else:
            found.append((names, number))
    return found


def line(text: str, place: Sequence[str | int]) -> int:
    """The line of ``place`` in the document (1 when nothing better is known)."""
    place = tuple(place)
    lines = text.splitlines()
    headers = tables(text)
    best: tuple[tuple[str | int, ...], int] = ((), 0)
    for names, number in headers:
        if place[: len(names)] == names and len(names) >= len(best[0]):
            best = (names, number)
    table, start = best
    rest = place[len(table) :]
    if not rest or not isinstance(rest[0], str):
        return start or 1
    ends = next((n for _, n in headers if n > start), len(lines) + 1)
    for number in range(start + 1, ends):
        if _key(lines[number - 1]) == rest[0]:
            return number
    return start or 1
