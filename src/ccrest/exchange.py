"""One HTTP exchange with the controller, as recorded: secrets are masked here, once (by the
client, through ``ccrest.masking``), and its text shown display-safe (``ccrest.safe``).

Every report writer, log line and failure message shows exchanges only in this form, so no
writer has to remember to mask anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ccrest import safe
from ccrest.masking import MASK, secret_named

EXCERPT_BYTES = 2048
# where a body sets a key: a JSON member anywhere, or a key:value line of the text form
JSON_MEMBER = re.compile(r'(")((?:[^"\\\n]|\\.)*)("\s*:\s*)("(?:[^"\\\n]|\\.)*"|[^,}\]\s]*)')
TEXT_LINE = re.compile(r"(?m)^(\s*)([^:\n\"{}\[\],]*)(:)(.*)$")


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
    echoed: bool = False  # the answer held a known secret (masked here): it repeated one
    slimmed: bool = False  # ``body`` keeps only an excerpt (``slim``): no value may be read off it
    broken: bool = False  # failed with bytes of an answer come: answered, but not usably

    @property
    def body_size(self) -> int:
        return len(self.body) if self.size < 0 else self.size

    def slim(self, limit: int = EXCERPT_BYTES) -> Exchange:
        """The exchange with its body cut to an excerpt, for what is kept after the checks
        have read it (reports, history): a megabyte per answer would add up."""
        if len(self.body) <= limit:
            return self
        return replace(self, body=self.body[:limit], size=self.body_size, slimmed=True)

    @property
    def content_type(self) -> str | None:
        for name, value in self.response_headers.items():
            if name.lower() == "content-type":
                return value
        return None

    @property
    def transport_failed(self) -> bool:
        return self.error is not None

    @property
    def unanswered(self) -> bool:
        """Sent, and the device gave no usable answer (none, one broken off, one unreadable):
        a check that needed it is not tested, and the device, not the check, is why."""
        return self.sent and self.error is not None

    def excerpt(self, limit: int = EXCERPT_BYTES) -> str:
        """The body as a reader sees it: display-safe (controls shown, lines kept), the value
        of a key named like a secret masked, cut at ``limit`` bytes."""
        text = masked_secret_lines(safe.decode(self.body[:limit], lines=True))
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


def masked_secret_lines(text: str) -> str:
    """Where a full_state excerpt sets a key named like a secret (a ``key:value`` line or a
    JSON member ``"key": value``), its value is shown masked."""

    def mask(match: re.Match[str]) -> str:
        if not secret_named(match.group(2)):
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{match.group(3)}{MASK}"

    if not secret_named(text):
        return text
    return TEXT_LINE.sub(mask, JSON_MEMBER.sub(mask, text))
