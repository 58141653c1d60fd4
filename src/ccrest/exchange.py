"""One HTTP exchange with the controller, as recorded: secrets are redacted here, once.

Every report writer, log line and failure message shows exchanges only in this form, so no
writer has to remember to redact anything.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field, replace
from urllib.parse import quote, quote_plus

REDACTED = "***"
SECRET_HEADERS = ("password", "authorization", "proxy-authorization", "cookie", "x-sim-token")
EXCERPT_BYTES = 2048


@dataclass(frozen=True)
class Exchange:
    """A request and what came back (or the transport error that came instead)."""

    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False
    elapsed_s: float = 0.0
    error: str | None = None
    started: float = 0.0  # monotonic time the request was sent, for temporal checks
    sent: bool = True  # False when the client had given up on the device before sending
    size: int = -1  # the body's length as received, when ``body`` keeps only an excerpt

    @property
    def body_size(self) -> int:
        return len(self.body) if self.size < 0 else self.size

    def slim(self, limit: int = EXCERPT_BYTES) -> Exchange:
        """The exchange with its body cut to an excerpt, for what is kept after the checks
        have read it (reports, history): a megabyte per answer would add up."""
        if len(self.body) <= limit:
            return self
        return replace(self, body=self.body[:limit], size=self.body_size)

    @property
    def content_type(self) -> str | None:
        for name, value in self.response_headers.items():
            if name.lower() == "content-type":
                return value
        return None

    @property
    def transport_failed(self) -> bool:
        return self.error is not None

    def excerpt(self, limit: int = EXCERPT_BYTES) -> str:
        text = self.body[:limit].decode("utf-8", errors="replace")
        if self.body_size > limit or self.truncated:
            cut = " (cut at the client's limit)" if self.truncated else ""
            return f"{text}… ({self.body_size} bytes in all{cut})"
        return text

    def summary(self) -> str:
        """One line: what was sent and what came back."""
        if self.error:
            return f"{self.method} {self.url} -> {self.error}"
        size = f"{self.body_size} B" + (" (cut)" if self.truncated else "")
        return f"{self.method} {self.url} -> {self.status} {self.content_type or '-'} {size}"


def redact_headers(headers: dict[str, str], secrets: tuple[str, ...] = ()) -> dict[str, str]:
    """Credential headers masked; the specification's literal 'Basic Auth' is no secret."""
    clean = {}
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS and value != "Basic Auth":
            scheme = value.split(" ", 1)[0] if name.lower().endswith("authorization") else ""
            clean[name] = f"{scheme} {REDACTED}".strip()
        else:
            clean[name] = redact_text(value, secrets)
    return clean


def redact_text(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


BODY_SECRET_MIN = 8


def encodings(secret: str) -> set[bytes]:
    """Every form in which a secret can travel back in a body: as typed (UTF-8 and Latin-1
    bytes), JSON-escaped, percent-encoded (with %20 or +, upper- or lower-case hex)."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    for quoted in (quote(secret, safe=""), quote_plus(secret, safe="")):
        forms |= {quoted, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quoted)}
    out = set()
    for form in forms:
        out.add(form.encode("utf-8", "replace"))
        with contextlib.suppress(UnicodeEncodeError):
            out.add(form.encode("latin-1"))
    return out


def redact_bytes(data: bytes, secrets: tuple[str, ...], *, cut: bool = False) -> bytes:
    """Mask secrets a device echoes in a body, in every encoding they travel in, and, when the
    body was cut, a secret's beginning at the cut. Only secrets of 8 characters or more:
    masking a short password such as '1234' would corrupt the values the checks read."""
    mask = REDACTED.encode()
    for secret in secrets:
        if len(secret) < BODY_SECRET_MIN:
            continue
        for form in sorted(encodings(secret), key=len, reverse=True):
            data = data.replace(form, mask)
            if cut:  # the body ends inside the secret: mask the part that made it in
                for n in range(len(form) - 1, BODY_SECRET_MIN // 2 - 1, -1):
                    if data.endswith(form[:n]):
                        data = data[:-n] + mask
                        break
    return data
