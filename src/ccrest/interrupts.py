"""Ctrl-C and SIGTERM end a run the same way: what ran is reported and the reports are
written. SIGTERM (a CI job cancelled, a service stopped) is raised as the KeyboardInterrupt
Ctrl-C raises, which of the two came first is kept for the verdict's words the moment it
arrives, and a second signal while the run winds down, or any while the reports are written,
is only noted: no report is left half written, no stopping run becomes a traceback."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

# what signal.signal returns and takes: a function, SIG_DFL or SIG_IGN, or None (not set from
# Python)
Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None

NAMES: dict[int, str] = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


class Interrupts:
    """While active (``with``), Ctrl-C (SIGINT) and SIGTERM are the run's: the first raises
    KeyboardInterrupt (pytest ends the session, the reports are written) and is named the
    moment it arrives, whatever the code it interrupts; any later one, while the run winds
    down (it does not wait on a device any more), is noted and ignored, so that it turns the
    stopping run into neither a traceback nor a half-written report. Once ``quiet`` (the
    reports are being written) every signal is only noted."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.quiet = False
        self._previous: dict[int, Handler] = {}

    @property
    def why(self) -> str:
        """The first signal, by name; empty when none came."""
        return self.received[0] if self.received else ""

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(NAMES.get(signum, f"signal {signum}"))
        if not self.quiet and len(self.received) == 1:
            raise KeyboardInterrupt

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for sig in NAMES:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}
