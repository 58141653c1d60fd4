"""Ctrl-C and SIGTERM end a run the same way: what ran is reported and the reports are
written. SIGTERM (a CI job cancelled, a service stopped) is raised as the KeyboardInterrupt
Ctrl-C raises, which of the two came first is kept for the verdict's words the moment it
arrives, and a second signal while the run winds down, or any while the reports are written,
is only noted: no report is left half written, no stopping run becomes a traceback.

A signal can land while Python runs a finalizer (a socket or file the garbage collector
closes, a warning it emits); there the KeyboardInterrupt is lost (an "unraisable exception")
and the run would go on to its end. ``checkpoint()``, called where a run goes on (before each
test, each sample, each wait of a guided walk), raises such a lost interrupt again.

``ccrest check`` and ``ccrest watch`` hold the signals from their first line (a signal while
they start ends them in words, never a traceback or a kill) and hand them over to the run's
own handlers, which share what was received; once handed over, the outer ones only note a
signal (one after the verdict line changes nothing). A lab's controller process passes the
first signal on to its workers (``forward``), which a SIGTERM sent to it alone never reaches."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

# what signal.signal returns and takes: a function, SIG_DFL or SIG_IGN, or None (not set from
# Python)
Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None

NAMES: dict[int, str] = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}

_active: list[Interrupts] = []  # the handlers in force, innermost last (signals are per process)


def checkpoint() -> None:
    """Raise KeyboardInterrupt if a signal came that should have stopped the run and the run
    still goes on: its interrupt was lost in a finalizer. A no-op without handlers in force,
    and once the reports are being written (``quiet``)."""
    if _active:
        _active[-1].raise_lost()


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
        self._unraisable: Callable[[sys.UnraisableHookArgs], object] | None = None
        # the processes the first signal is passed on to (a lab's xdist workers)
        self.forward: Callable[[], Iterable[int]] = tuple

    @property
    def why(self) -> str:
        """The first signal, by name; empty when none came."""
        return self.received[0] if self.received else ""

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(NAMES.get(signum, f"signal {signum}"))
        if len(self.received) > 1:
            return  # noted: the first one already stops the run
        self._pass_on(signum)
        if not self.quiet:
            if self._unraisable is None:  # whoever's hook is in force now (pytest's, in a run)
                self._unraisable, sys.unraisablehook = sys.unraisablehook, self._lost
            raise KeyboardInterrupt

    def _pass_on(self, signum: int) -> None:
        for pid in self.forward():
            with contextlib.suppress(OSError):  # already gone
                os.kill(pid, signum)

    def _lost(self, unraisable: sys.UnraisableHookArgs) -> None:
        """An interrupt lost in a finalizer is noted, and ``checkpoint()`` raises it again:
        no "Exception ignored" traceback for it. Anything else goes to the hook before."""
        kind = unraisable.exc_type
        lost = kind is not None and issubclass(kind, KeyboardInterrupt)
        if not lost and self._unraisable is not None:
            self._unraisable(unraisable)

    def raise_lost(self) -> None:
        """Called only where a delivered interrupt would have stopped the run already: a
        signal noted here was lost on its way (see the module's docstring), so raise it."""
        if self.received and not self.quiet:
            raise KeyboardInterrupt

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            if _active:  # handed over: one record of what came; the outer only notes from now
                outer = _active[-1]
                self.received, outer.quiet = outer.received, True
            for sig in NAMES:
                self._previous[sig] = signal.signal(sig, self._handle)
            _active.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        if self._previous and self in _active:
            _active.remove(self)
        self._previous = {}
        if self._unraisable is not None and sys.unraisablehook == self._lost:
            sys.unraisablehook = self._unraisable  # else whoever replaced it restores their own
        self._unraisable = None
