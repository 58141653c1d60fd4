"""What the REST endpoints serve: the live device model, or a recorded capture replayed.

Both answer the same two questions (the whole state, one key) with a body and its media type,
so the HTTP layer does not care which one it serves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from ccrest import capture
from ccrest.simulator.defects import Defect
from ccrest.simulator.device import Device, Reading
from ccrest.wire import BodyForm, parse_full_state

TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
FORMATS = ("text", "json")


class Source(Protocol):
    @property
    def rest_mode(self) -> str: ...

    def full_state(self) -> tuple[bytes, str]: ...

    def value(self, key: str) -> tuple[bytes, str] | None: ...


class DeviceSource:
    """Serves the device model's snapshot in the text form (as firmware does) or as JSON."""

    def __init__(self, device: Device, fmt: str = "text", defects: tuple[Defect, ...] = ()) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        self.device = device
        self.fmt = fmt
        self.defects = defects
        self._shared = not any(d.readings for d in defects)  # no defect rewrites the readings
        self._rendered: tuple[tuple[int, int], tuple[bytes, str]] | None = None

    @property
    def rest_mode(self) -> str:
        return self.device.config.rest_mode

    def _readings(self) -> list[Reading]:
        readings = self.device.snapshot()
        for defect in self.defects:
            if defect.readings:
                readings = defect.readings(readings)
        return readings

    def _answer(self, what: str, answer: tuple[bytes, str] | None) -> tuple[bytes, str] | None:
        for defect in self.defects:
            if defect.answer:
                answer = defect.answer(what, answer)
        return answer

    def full_state(self) -> tuple[bytes, str]:
        """The body, rendered once per instant of the device (every poller in it shares it)."""
        if self._shared:
            instant, shared = self.device.readings_at()
            rendered = self._rendered
            if rendered is None or rendered[0] != instant:
                rendered = self._rendered = (instant, self._render(list(shared)))
            answer = rendered[1]
        else:
            answer = self._render(self._readings())
        return self._answer("full_state", answer) or answer

    def _render(self, readings: list[Reading]) -> tuple[bytes, str]:
        if self.fmt == "json":
            pairs = ", ".join(f"{json.dumps(k)}: {json.dumps(j)}" for k, _, j in readings)
            answer = ("{" + pairs + "}").encode(), JSON  # keeps a repeated key, as a dict would not
        else:
            answer = "".join(f"{k}:{t}\n" for k, t, _ in readings).encode(), TEXT
        return answer

    def value(self, key: str) -> tuple[bytes, str] | None:
        answer = None
        for k, text, js in self._readings():
            if k == key:
                answer = (
                    (json.dumps(js).encode(), JSON) if self.fmt == "json" else (text.encode(), TEXT)
                )
                break
        return self._answer(key, answer)


class ReplayError(ValueError):
    """A capture that cannot be replayed; the message names the file and what is wrong."""


class ReplaySource:
    """Serves a recorded capture as it was recorded, byte for byte.

    A bare full_state body (text or JSON) answers /rest/full_state as it is, and each key the
    value recorded in it (the first, if the capture repeats a key), in the capture's own form.
    A ccrest capture (``pytest --record``) also answers each key as that key's endpoint did.
    The capture is not judged here: that is the suite's job.
    """

    def __init__(self, path: Path, rest_mode: str = "without-uid") -> None:
        self.path = Path(path)
        self.rest_mode = rest_mode
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise ReplayError(f"cannot read capture {self.path}: {exc.strerror}") from exc
        recorded = capture.read(data)
        self.keys: dict[str, tuple[bytes, str]] = recorded.keys if recorded else {}
        self.body, announced = recorded.full_state if recorded else (data, "")
        state = parse_full_state(self.body, announced or None)
        if not state.values and not self.keys:
            reasons = "; ".join(f.message for f in state.findings) or "no key:value pairs"
            raise ReplayError(f"capture {self.path} holds no key to replay ({reasons})")
        self.form = state.form
        self.content_type = announced or (JSON if state.form is BodyForm.JSON else TEXT)
        self.values = state.values

    def full_state(self) -> tuple[bytes, str]:
        return self.body, self.content_type

    def value(self, key: str) -> tuple[bytes, str] | None:
        if key in self.keys:
            return self.keys[key]
        if key not in self.values:
            return None
        value = self.values[key]
        if self.form is BodyForm.JSON:
            return json.dumps(value).encode(), JSON
        return str(value).encode(), TEXT
