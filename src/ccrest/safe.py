"""The display-safe boundary: text that came from a device, made safe to show, once, where it
enters (the parser, the client's response headers, a body's excerpt, a report read back).

A device's bytes may hold what no reader should receive raw: control characters (a CR that
starts a new Markdown line, an ESC that drives the terminal, a NUL that XML cannot carry),
lone surrogates (which no UTF-8 writer can encode) and the Unicode controls that reorder or
hide text. Here each becomes visible text: ``\\r``, ``\\x1b``, ``\\u202e``, and a surrogate
U+FFFD. The result holds printable characters only, so every writer after it needs only the
escaping of its own context (HTML, Markdown, XML), and the text stays recognisable: a reader
still sees what the device sent. The change is idempotent: safe text stays as it is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
# C0 and C1 controls and DEL; lone surrogates; the bidirectional and other invisible format
# controls a text can be reordered or hidden with; line and paragraph separators; the
# noncharacters U+FFFE and U+FFFF (XML 1.0 cannot carry them); and a BOM inside a text.
RANGES = (
    (0x00, 0x1F),
    (0x7F, 0x9F),
    (0xD800, 0xDFFF),
    (0x061C, 0x061C),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2028, 0x2029),
    (0x2060, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0xFFFE, 0xFFFF),
    (0xE0000, 0xE007F),  # tag characters: text no reader sees
)
UNSAFE = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in RANGES) + "]")
UNSAFE_KEEPING_LINES = re.compile(UNSAFE.pattern.replace("\x00-\x1f", "\x00-\t\x0b-\x1f"))
CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")  # what a value must not hold


def _visible(code: int) -> str:
    char = chr(code)
    if char in NAMED:
        return NAMED[char]
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


# str.translate tables (a C loop: a megabyte of control characters costs milliseconds)
TABLE = {code: _visible(code) for a, b in RANGES for code in range(a, b + 1)}
TABLE_KEEPING_LINES = {k: v for k, v in TABLE.items() if k != 0x0A}


def text(value: str, *, lines: bool = False) -> str:
    """``value`` with everything unsafe made visible; with ``lines``, LF stays a line break
    (and a CRLF becomes one): for a body's excerpt, whose lines a reader wants to see."""
    if len(value) > LARGE:
        return _large(value, lines)
    return _text(value, lines)


LARGE = 1 << 16  # characters: a text this long is made safe once, however often it comes


@functools.lru_cache(maxsize=2)
def _large(value: str, lines: bool) -> str:
    """A long text made safe, remembered: a device that answers a megabyte of control
    characters to every request sends the same megabyte each time (translating it costs
    ~20 ms a time, looking it up under 1 ms)."""
    return _text(value, lines)


def _text(value: str, lines: bool) -> str:
    if lines:
        value = value.replace("\r\n", "\n")
        if UNSAFE_KEEPING_LINES.search(value) is None:
            return value
        return value.translate(TABLE_KEEPING_LINES)
    if UNSAFE.search(value) is None:
        return value
    return value.translate(TABLE)


def decode(data: bytes, *, lines: bool = False) -> str:
    """Bytes from a device as safe text: invalid UTF-8 replaced, then made visible."""
    return text(data.decode("utf-8", errors="replace"), lines=lines)


def has_control(value: str) -> bool:
    """Whether a value holds a control character (a TAB is text) or a lone surrogate."""
    return CONTROL.search(value) is not None


def tree(data: object) -> object:
    """Every text in a JSON document (keys included) made safe: for a report read back from a
    file, which may have been crafted."""
    if isinstance(data, str):
        return text(data)
    if isinstance(data, Mapping):
        return {text(str(k)): tree(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [tree(v) for v in data]
    return data


def is_safe(value: str, *, lines: bool = False) -> bool:
    """Whether ``value`` is display-safe (for self-tests and assertions)."""
    pattern = UNSAFE_KEEPING_LINES if lines else UNSAFE
    return pattern.search(value.replace("\r\n", "\n") if lines else value) is None
