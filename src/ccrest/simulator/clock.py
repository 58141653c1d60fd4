"""The simulated clock: real time by default, faster by a factor, and advanced by hand.

An hour of charging has to fit into a second of a test run; ``speed=0`` stops the clock so that
only ``advance`` moves it, which makes a self-test exact.
"""

from __future__ import annotations

import threading
import time


class SimClock:
    """Seconds of simulated time since the clock was made."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed < 0:
            raise ValueError(f"speed must be 0 or more, not {speed}")
        self._lock = threading.Lock()
        self._speed = speed
        self._base = 0.0
        self._since = time.monotonic()

    def now(self) -> float:
        with self._lock:
            return self._base + (time.monotonic() - self._since) * self._speed

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        if speed < 0:
            raise ValueError(f"speed must be 0 or more, not {speed}")
        with self._lock:
            real = time.monotonic()
            self._base += (real - self._since) * self._speed
            self._since, self._speed = real, speed

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"the clock only moves forward, not by {seconds} s")
        with self._lock:
            self._base += seconds
