"""One HTTP exchange with the controller, as recorded: secrets are redacted here, once.

Every report writer, log line and failure message shows exchanges only in this form, so no
writer has to remember to redact anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
        more = len(self.body) > limit or self.truncated
        return text + ("…" if more else "")

    def summary(self) -> str:
        """One line: what was sent and what came back."""
        if self.error:
            return f"{self.method} {self.url} -> {self.error}"
        size = f"{len(self.body)} B" + (" (cut)" if self.truncated else "")
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


def redact_bytes(data: bytes, secrets: tuple[str, ...]) -> bytes:
    """Mask secrets a device echoes in a body. Only secrets of 8 characters or more: masking a
    short password such as '1234' would corrupt the values the checks read."""
    for secret in secrets:
        if len(secret) >= BODY_SECRET_MIN:
            data = data.replace(secret.encode("utf-8", "replace"), REDACTED.encode())
    return data
