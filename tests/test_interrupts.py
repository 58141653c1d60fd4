"""The run's signal handlers in-process: a Ctrl-C whose KeyboardInterrupt a finalizer loses is
raised again at the next checkpoint, and only that unraisable exception is kept from the hook
before (any other still reaches it). Through a real process: tests/suites/test_interrupted.py."""

from __future__ import annotations

import signal
import sys
import threading

import pytest

from ccrest import guided
from ccrest.interrupts import Interrupts, checkpoint


class Raises:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __del__(self) -> None:
        raise self.error


def test_a_lost_interrupt_is_raised_at_the_next_checkpoint_and_nothing_else_is_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert threading.current_thread() is threading.main_thread(), "signals need the main thread"
    seen: list[type[BaseException] | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(u.exc_type))
    checkpoint()  # no handlers in force: nothing to raise
    with Interrupts() as signals:
        checkpoint()  # no signal yet
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        assert signals.why == "Ctrl-C"
        Raises(KeyboardInterrupt())  # the interrupt, lost in a finalizer: kept from the hook
        Raises(ValueError("a finalizer's own error"))  # not ours: the hook before gets it
        assert seen == [ValueError]
        with pytest.raises(KeyboardInterrupt):
            checkpoint()
        signals.quiet = True  # the reports are being written: nothing is raised any more
        checkpoint()
    checkpoint()  # the handlers are gone
    Raises(KeyboardInterrupt())
    assert seen == [ValueError, KeyboardInterrupt], "the hook before is back"
    assert signal.getsignal(signal.SIGINT) != signals._handle, "the handler before is back"


class LosesACtrlC:
    """A person at the bench who never answers; while the walk waits, a real Ctrl-C lands in
    a finalizer (the first poll), where its KeyboardInterrupt is lost."""

    def __init__(self) -> None:
        self.polls = 0

    def tell(self, text: str, step: guided.Step | None) -> None:
        pass

    def poll(self) -> str:
        self.polls += 1
        if self.polls == 1:
            Finalized()
        return ""


class Finalized:
    def __del__(self) -> None:
        signal.raise_signal(signal.SIGINT)


def test_a_ctrl_c_lost_while_a_guided_walk_waits_stops_the_walk() -> None:
    person, now = LosesACtrlC(), [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    walker = guided.PersonWalker(
        person,
        None,  # type: ignore[arg-type]  # a wait asks nothing of the controller
        None,  # type: ignore[arg-type]
        {"say": "", "until": {}},
        60,
        poll_s=1,
        clock=lambda: now[0],
        sleep=sleep,
    )
    with Interrupts() as signals, pytest.raises(KeyboardInterrupt):
        walker._wait(60)
    assert signals.why == "Ctrl-C"
    assert person.polls == 1, "the walk stopped at its next look, not at the step's timeout"
