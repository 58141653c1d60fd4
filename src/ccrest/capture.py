"""Recorded answers of a controller, replayable by the simulator.

A capture is either a bare ``full_state`` body exactly as a device sent it (text or JSON), or a
ccrest capture: JSON holding the ``full_state`` answer and the per-key answers of a run, each
with its media type, written by ``pytest --record FILE``. Bodies were recorded through the
client, which masks credentials; no request header is kept.
"""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "ccrest-capture/1"
Answer = tuple[bytes, str]


@dataclass
class Capture:
    full_state: Answer
    keys: dict[str, Answer] = field(default_factory=dict)
    note: str = ""


def _encode(body: bytes, content_type: str | None) -> dict[str, Any]:
    try:
        return {"content_type": content_type or "", "body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"content_type": content_type or "", "body_base64": base64.b64encode(body).decode()}


def _decode(entry: Mapping[str, Any]) -> Answer:
    if "body_base64" in entry:
        return base64.b64decode(entry["body_base64"]), str(entry.get("content_type", ""))
    return str(entry["body"]).encode("utf-8"), str(entry.get("content_type", ""))


def write(
    path: Path,
    full_state: Answer,
    keys: Mapping[str, Answer],
    *,
    target: Mapping[str, object],
    note: str = "",
) -> None:
    document = {
        "format": FORMAT,
        "note": note,
        "recorded": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "target": dict(target),
        "full_state": _encode(*full_state),
        "keys": {k: _encode(*answer) for k, answer in keys.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read(data: bytes) -> Capture | None:
    """A ccrest capture, or None when ``data`` is a bare full_state body."""
    if not data.lstrip().startswith(b"{"):
        return None
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None
    return Capture(
        full_state=_decode(document["full_state"]),
        keys={k: _decode(v) for k, v in document.get("keys", {}).items()},
        note=str(document.get("note", "")),
    )
