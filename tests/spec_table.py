"""An oracle independent of schemas/: the key table read straight from the specification's text.

The schemas are hand-written data; comparing them with the text they were written from catches a
value dropped, added or "corrected" on the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SPEC_NAME = "legacy-rest-api-v5.33.5.txt"
VENDORED = Path(__file__).parent / "data" / SPEC_NAME
SHARED = Path(__file__).resolve().parents[2] / "shared" / "spec" / SPEC_NAME


@dataclass(frozen=True)
class Row:
    key: str
    values: tuple[str, ...] | None  # the documented values, or None for an "e.g." row
    example: str | None


def read_table(path: Path = VENDORED) -> list[Row]:
    text = path.read_text(encoding="utf-8")
    table = text.split("Key values or example", 1)[1]
    rows = []
    for chunk in table.split("\n#\n"):
        lines = [line.strip() for line in chunk.strip("\n").split("\n") if line.strip()]
        if len(lines) < 2:
            continue
        key, rest = lines[0], " ".join(lines[1:])
        if rest.startswith("e.g:"):
            rows.append(Row(key, None, rest.removeprefix("e.g:").strip()))
        else:
            rows.append(Row(key, tuple(rest.split()), None))
    return rows
