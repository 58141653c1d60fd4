"""The secrets of this process and every form in which each can travel back, masked wherever
bytes are kept: request and response headers, bodies, log records.

A device may echo a password as typed, as UTF-8 read as Latin-1 (a header is decoded so), as
JSON escapes, percent-encoded, or inside a Basic token; each form is computed once, when the
secret becomes known (a client's password, a probe's wrong one), and all are masked with one
pattern. Only secrets of 8 characters or more are masked inside text: masking a short
password such as '1234' would corrupt the values the checks read (credential headers are
masked by their name, whatever their length).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from ccrest import safe

MASK = "***"
MIN_LENGTH = 8
SECRET_HEADERS = ("password", "authorization", "proxy-authorization", "cookie", "x-sim-token")
# an undocumented key whose name says it holds a secret: its value is shown masked
SECRET_NAME = re.compile(r"pass|secret|token|key|credential|pin\b", re.IGNORECASE)


def forms(secret: str) -> set[str]:
    """The text forms of one secret: as typed, JSON-escaped, percent-encoded (with %20 or +,
    upper- or lower-case hex)."""
    found = {secret, *_json_escaped(secret)}
    for quoted in (quote(secret, safe=""), quote_plus(secret, safe="")):
        found |= {quoted, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quoted)}
    return found


def _json_escaped(text: str) -> set[str]:
    return {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}


def _bytes(text: str) -> set[bytes]:
    """A text form as the bytes it may travel in: UTF-8, and Latin-1 where it fits."""
    out = {text.encode("utf-8", "replace")}
    with contextlib.suppress(UnicodeEncodeError):
        out.add(text.encode("latin-1"))
    return out


def encodings(secret: str) -> set[bytes]:
    """Every byte form in which a secret can travel back in a body: each text form as UTF-8
    and as Latin-1 bytes."""
    return {b for form in forms(secret) for b in _bytes(form)}


def basic_token(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


class Secrets:
    """The secrets known so far, with their forms compiled into one pattern each for text and
    for bytes. Thread-safe: a watchdog or a log record may read while a client adds."""

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._bytes: list[bytes] = []
        self._text_pattern: re.Pattern[str] | None = None
        self._bytes_pattern: re.Pattern[bytes] | None = None
        self._lock = threading.Lock()
        self.generation = 0  # grows with every new secret: what was masked before may not be

    def add(self, *secrets: str) -> None:
        new = {s for s in secrets if s and len(s) >= MIN_LENGTH} - self._known
        if not new:
            return
        with self._lock:
            self._known |= new
            text_forms = {form for secret in self._known for form in forms(secret)}
            # a header's bytes are decoded as Latin-1: UTF-8 bytes show up that way in text,
            # and a device that decoded them so may send that text back
            text_forms |= {b.decode("latin-1") for t in text_forms for b in _bytes(t)}
            # any of these as a text inside a JSON body travels JSON-escaped once more
            text_forms |= {e for t in text_forms for e in _json_escaped(t)}
            byte_forms = {b for t in text_forms for b in _bytes(t)}
            self._bytes = sorted(byte_forms, key=len, reverse=True)
            self._text_pattern = _alternation(sorted(text_forms, key=len, reverse=True))
            self._bytes_pattern = re.compile(b"|".join(re.escape(b) for b in self._bytes))
            self.generation += 1

    def __contains__(self, secret: str) -> bool:
        return secret in self._known

    def text(self, value: str) -> str:
        pattern = self._text_pattern
        return value if pattern is None else pattern.sub(MASK, value)

    def found_in(self, texts: Iterable[str]) -> bool:
        """Whether any known secret occurs in one of ``texts`` (one search of them all, then
        each alone only if that found one: a match across two texts is none)."""
        pattern = self._text_pattern
        if pattern is None:
            return False
        texts = list(texts)
        if pattern.search("\0".join(texts)) is None:
            return False
        return any(pattern.search(t) for t in texts)

    def body(self, data: bytes, *, cut: bool = False) -> bytes:
        """A body with every known secret masked and, when the body was cut (``cut``), a
        secret's beginning at the cut."""
        pattern = self._bytes_pattern
        if pattern is None:
            return data
        data = pattern.sub(MASK.encode(), data)
        if cut:
            for form in self._bytes:
                for n in range(len(form) - 1, MIN_LENGTH // 2 - 1, -1):
                    if data.endswith(form[:n]):
                        return data[:-n] + MASK.encode()
        return data

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        """Credential headers masked by name (the specification's literal 'Basic Auth' is no
        secret); every other value, and every name, with known secrets masked."""
        clean = {}
        for name, value in headers.items():
            if name.lower() in SECRET_HEADERS and value != "Basic Auth":
                scheme = value.split(" ", 1)[0] if name.lower().endswith("authorization") else ""
                clean[self.text(name)] = f"{scheme} {MASK}".strip()
            else:
                clean[self.text(name)] = self.text(value)
        return clean


def _alternation(texts: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(re.escape(t) for t in texts)) if texts else None


KNOWN = Secrets()  # the secrets of this process: clients add theirs, the log filter reads


class MaskRecords(logging.Filter):
    """A log record from ccrest's client (it logs the bytes of a header block it cannot parse)
    or an HTTP library, with every known secret masked and the text made display-safe, before
    any handler (pytest's capture among them) sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = safe.text(KNOWN.text(message), lines=True)
        record.args = None
        record.exc_info = None
        if record.exc_text:
            record.exc_text = safe.text(KNOWN.text(record.exc_text), lines=True)
        if record.stack_info:
            record.stack_info = safe.text(KNOWN.text(record.stack_info), lines=True)
        return True


_FILTER = MaskRecords()
LIBRARIES = ("ccrest", "urllib3", "requests", "charset_normalizer", "http")


def mask_library_logs() -> None:
    """Put the filter on every logger of the HTTP libraries (a logger's filter sees only the
    records made at it, so each module's logger gets it). Idempotent."""
    names = [name for name in logging.root.manager.loggerDict if name.split(".", 1)[0] in LIBRARIES]
    for name in {*names, *LIBRARIES}:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def secret_named(key: str) -> bool:
    """Whether an undocumented key's name says it holds a secret (``wifi_password``)."""
    return SECRET_NAME.search(key) is not None
