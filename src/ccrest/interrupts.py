"""Ctrl-C and SIGTERM end a run the same way: what ran is reported and the reports are
written. SIGTERM (a CI job cancelled, a service stopped) is raised as the KeyboardInterrupt
Ctrl-C raises, and which of the two it was is kept for the verdict's words; while the reports
are written, a second signal is held back, so that no report is left half written."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class Interrupts:
    """While active (``with``), SIGTERM raises KeyboardInterrupt; ``why`` names the signal."""

    def __init__(self) -> None:
        self.terminated = False
        self._previous: object = None

    @property
    def why(self) -> str:
        return "SIGTERM" if self.terminated else "Ctrl-C"

    def _raise(self, signum: int, frame: FrameType | None) -> None:
        self.terminated = True
        raise KeyboardInterrupt

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._raise)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)  # type: ignore[arg-type]
            self._previous = None


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Ctrl-C and SIGTERM ignored for a moment (while the reports are written)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
