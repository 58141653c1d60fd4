"""A request's header block as the simulator reads it (RFC 9112 section 5).

The standard library reads a request's header fields with the e-mail parser, which is most of
a small request's cost and more lenient than HTTP: it folds continuation lines, takes names
that are not tokens (an empty one, too) and breaks lines wherever ``str.splitlines`` does. This
reader is stricter, as RFC 9112 lets a server be: a header block the standard library would
read differently, or flag as damaged, is refused with 400 (a request read two ways is a request
smuggling shape), and so is a body framed twice (two Content-Length or Transfer-Encoding
fields). What it accepts, it reads exactly as the standard library does, apart from
trailing whitespace, which RFC 9110 section 5.5 excludes from a field's value;
``tests/simulator/test_head.py`` holds the two readers to that, on generated header blocks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol, overload

# the standard library's limits (http.client), so the simulator answers as it did before
MAX_LINE = 65536
MAX_LINES = 100  # lines read, the blank line that ends the block included
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# a value holds visible characters, spaces, tabs and obs-text; never a control character,
# and never NEL (U+0085), at which the standard library's reader would break the line
BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85]")


class Lines(Protocol):
    """Where a request's lines come from (the handler's buffered socket file)."""

    def readline(self, size: int = -1, /) -> bytes: ...


class Malformed(ValueError):
    """A header block refused, with the status and reason of the answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Fields:
    """The header fields of one request: looked up by name, case-insensitively, the first of
    a repeated name winning (as the standard library's ``Message.get``)."""

    __slots__ = ("_first", "_items")

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items
        self._first: dict[str, str] = {}
        for name, value in items:
            self._first.setdefault(name.lower(), value)

    @overload
    def get(self, name: str) -> str | None: ...
    @overload
    def get(self, name: str, default: str) -> str: ...
    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name.lower(), default)

    def __getitem__(self, name: str) -> str | None:
        return self._first.get(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def get_all(self, name: str) -> list[str]:
        """Every value of a repeated name, in order (an empty list for none)."""
        wanted = name.lower()
        return [value for field, value in self._items if field.lower() == wanted]

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)


def read(rfile: Lines) -> Fields:
    """Read a header block up to its blank line; raise ``Malformed`` for one to refuse."""
    lines: list[bytes] = []
    while True:
        line = rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise Malformed(431, "Line too long")
        lines.append(line)
        if len(lines) > MAX_LINES:
            raise Malformed(431, "Too many headers")
        if line in (b"\r\n", b"\n", b""):
            return parse(lines[:-1])


def parse(lines: list[bytes]) -> Fields:
    """The fields of a header block's lines (each with its line ending, the blank line not
    included)."""
    items: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.decode("iso-8859-1")
        line = line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith("\n") else line
        name, colon, value = line.partition(":")
        if not colon or not TOKEN.fullmatch(name):
            # no colon, a name that is not a token, or a line folded onto the one before
            raise Malformed(400, "malformed header block")
        if BAD_VALUE.search(value):
            raise Malformed(400, "malformed header block")
        items.append((name, value.strip(" \t")))
    fields = Fields(items)
    for framing in ("Content-Length", "Transfer-Encoding"):
        if len(fields.get_all(framing)) > 1:  # which one frames the body? two readers may
            raise Malformed(400, f"{framing} given more than once")  # disagree (RFC 9112 6.3)
    return fields
