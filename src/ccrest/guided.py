"""Two drivers for the states family's scenarios (``suites/scenarios.json``), on the same data:
the simulator's control API, or a person at the bench (``--guided``) who reads each step in
words, acts (plugs the EV simulator, presents a card, presses the RCD test button), and is
watched: full_state once a second until the device shows the step's state.

A step the device never reaches is *not tested*, with the reason; never a failure of the
device. What the device is then judged on is the same as on the simulator.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ccrest import observe
from ccrest.checks.states import expectation
from ccrest.client import Client
from ccrest.interrupts import checkpoint
from ccrest.spec import Catalogue

if TYPE_CHECKING:
    from ccrest.simctl import SimControl

POLL_S = 1.0  # one full_state a second: polite to a controller a person is working on
ADVANCE_CAP_S = 30.0  # an intermediate "wait N s" step waits at most this long with a person


class NotReached(Exception):
    """The scenario could not be walked here; the words say why (not tested, never a fail)."""


class Stopped(NotReached):
    """The person stopped the guided walk (``q``): this and every later scenario not tested."""


@dataclass(frozen=True)
class Step:
    """One thing to do: the simulator's operation and the same in words for a person."""

    operation: str
    arguments: Mapping[str, object]
    words: str
    until: Mapping[str, object] | None = None  # the state that shows it was done, if known


class Operator(Protocol):
    """The person at the bench, as the run talks to them.

    An operator may also have ``clock`` (a callable: the device's seconds), so that step
    timeouts and waits run in the device's time: a rig that drives a simulator gives the
    simulator's clock (run fast, a walk takes seconds); a person's time is the wall's. And it
    may have ``wait(seconds)``, which returns early when the person says something (a
    terminal does): the walk answers a key press at once, not at its next look."""

    def tell(self, text: str, step: Step | None) -> None: ...

    def poll(self) -> str:
        """What they said since: "" nothing, "done", "skip", or "quit"."""
        ...


class TerminalOperator:
    """A person at this machine's terminal, past pytest's capture: each step is printed; Enter
    says done, ``s`` skips the step, ``q`` stops the walk.

    The terminal is a file descriptor, as terminals are used: ``/dev/tty`` opened read-write
    (a text file object over it fails on the first seek a buffered reader tries), else
    standard input when it is one. Lines are read as the terminal's line discipline hands them
    over; the end of input (the terminal closed) stops the walk."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._line = b""

    @classmethod
    def open(cls) -> TerminalOperator | None:
        try:
            return cls(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
        except OSError:
            pass  # no controlling terminal: perhaps standard input is one all the same
        try:
            return cls(os.dup(0)) if os.isatty(0) else None
        except OSError:
            return None  # no terminal: CI, a service, a pipe

    def tell(self, text: str, step: Step | None) -> None:
        said = (
            f"\n>>> {text}\n"
            "    [Enter when done; s then Enter skips this step; q then Enter stops the walk]\n"
        )
        data = said.encode("utf-8", "replace")
        while data:
            data = data[os.write(self.fd, data) :]

    def note(self, text: str) -> None:
        """A line for the person that asks nothing (what the walk is waiting for)."""
        data = f"    ... {text}\n".encode("utf-8", "replace")
        while data:
            data = data[os.write(self.fd, data) :]

    def wait(self, seconds: float) -> None:
        """Wait up to ``seconds``, less when the person types (what they typed stays unread)."""
        with contextlib.suppress(OSError, ValueError):
            select.select([self.fd], [], [], max(0.0, seconds))

    def poll(self) -> str:
        """What the person typed since, as a whole line: "" while no line is complete."""
        while select.select([self.fd], [], [], 0)[0]:
            try:
                chunk = os.read(self.fd, 1024)
            except OSError:
                chunk = b""
            if not chunk:  # the terminal went away: nobody is there to act
                return "quit"
            self._line += chunk
            if b"\n" in self._line or b"\r" in self._line:
                line = self._line.replace(b"\r", b"\n").split(b"\n", 1)[0]
                self._line = b""
                answer = line.decode("utf-8", "replace").strip().lower()
                return {"s": "skip", "q": "quit"}.get(answer[:1], "done")
        return ""

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


PHYSICAL = (  # the keys that say which state the device is in, as opposed to what it reports
    "conn_state",
    "auth_state",
    "type2_state",
    "schuko_state",
    "rcd_state",
    "rcmb_state",
    "mcb_type2_state",
    "mcb_schuko_state",
    "backend_conn_state",
)


def scenario_steps(scenario: Mapping[str, Any]) -> list[Step]:
    """The steps with their words; the last is done when the scenario's physical state shows
    (conn_state and the like). What else the scenario expects is judged, not waited for: a
    device that reached the state and reports it wrongly fails, as on the simulator."""
    words = scenario["guide"]["steps"]
    pairs = zip(scenario["steps"], words, strict=True)
    steps = [Step(op, args, said) for (op, args), said in pairs]
    if steps:
        until = {k: v for k, v in scenario["expect"].items() if k in PHYSICAL} or None
        last = steps[-1]
        steps[-1] = Step(last.operation, last.arguments, last.words, until)
    return steps


class SimWalker:
    """Walks a scenario through the simulator's control API (/sim/)."""

    name = "simulator"

    def __init__(self, control: SimControl) -> None:
        self.control = control

    def walk(self, scenario: Mapping[str, Any]) -> None:
        from ccrest.simctl import ControlUnavailable

        try:
            self.control.call("reset")
            if scenario.get("config"):
                self.control.call("config", **scenario["config"])
            for operation, arguments in scenario["steps"]:
                self.control.call(operation, **arguments)
        except ControlUnavailable as exc:
            raise NotReached(f"the scenario could not be driven ({exc})") from None


class PersonWalker:
    """Walks a scenario with a person: bring to rest, configure, check the hardware, then
    each step, watched until its state shows or ``step_timeout`` passes."""

    name = "person"

    def __init__(
        self,
        operator: Operator,
        client: Client,
        cat: Catalogue,
        reset: Mapping[str, Any],
        step_timeout: float,
        *,
        poll_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        advance: Callable[[float], bool] | None = None,
    ) -> None:
        self.operator, self.client, self.cat = operator, client, cat
        # at rest is a state, and the person's Enter (every step's) says the last scenario's
        # configuration, which no value shows, was undone
        self.reset = Step("reset", {}, reset["say"], reset["until"])
        self.step_timeout = step_timeout
        self.poll_s = POLL_S if poll_s is None else poll_s
        self.clock = clock
        self.sleep = sleep or getattr(operator, "wait", None) or time.sleep
        # the device's own clock, moved on where it can be (a simulator's control API) instead
        # of waited for; a person's time (a step's timeout) stays the wall's
        self.advance = advance
        self.stopped = False
        self._heard = ""  # what the person said while the run waited

    @classmethod
    def of(
        cls,
        operator: Operator,
        client: Client,
        cat: Catalogue,
        reset: Mapping[str, Any],
        step_timeout: float,
        control: SimControl | None = None,
    ) -> PersonWalker:
        """The walker for ``operator``, timed by its clock if it has one (a rig's simulator);
        else in the wall's time, the device's waits moved on by ``control`` when the target
        is a simulator (its clock keeps its speed: a person's pace meets the device's timers
        as on a real controller)."""
        clock = getattr(operator, "clock", None)
        if callable(clock):
            return cls(operator, client, cat, reset, step_timeout, clock=clock)
        advance = None if control is None else _advancer(control)
        return cls(operator, client, cat, reset, step_timeout, advance=advance)

    def walk(self, scenario: Mapping[str, Any]) -> None:
        if self.stopped:
            raise Stopped("the person stopped the guided walk before this scenario")
        self._do(self.reset)
        config = scenario.get("guide", {}).get("config")
        if config:
            self._do(Step("config", scenario.get("config") or {}, config))
        self._needs(scenario.get("needs", ()))
        for step in scenario_steps(scenario):
            self._do(step)

    def _needs(self, needs: Sequence[Mapping[str, Any]]) -> None:
        values = self._state()
        for need in needs:
            if values.get(need["key"]) == need["not"]:
                raise NotReached(
                    f"this controller lacks {need['what']}: it reports "
                    f"{need['key']} = {need['not']!r}"
                )

    def _state(self) -> Mapping[str, object]:
        observed = observe.full_state(self.client, self.cat)
        if not observed.usable:
            raise NotReached(f"full_state could not be read ({observed.exchange.summary()})")
        return observed.values

    def _do(self, step: Step) -> None:
        """One step: told, then done when the person says so (Enter) and the device shows its
        state, if it has one. Every step the person is told takes one Enter of theirs, so an
        Enter pressed late for one step never confirms the next (a reset not yet done, say).
        A wait of the device's is no one's to confirm: moved on where the device's clock can
        be (a simulator's: the person is only told it passed), else waited out."""
        self._heard = ""
        confirmed = False
        if step.operation == "advance":
            seconds = float(str(step.arguments.get("seconds", 0)))
            if self.advance is not None and self.advance(seconds):
                self._note(f"the simulator's clock moved on {seconds:g} s: {step.words}")
            else:
                self.operator.tell(step.words, step)
                if step.until is None:
                    self._wait(min(seconds, ADVANCE_CAP_S))
            if step.until is None:
                return
            confirmed = True  # the run waits: an Enter is not asked for
        else:
            self.operator.tell(step.words, step)
        ends = self.clock() + self.step_timeout
        while True:
            answer, self._heard = self._heard or self.operator.poll(), ""
            if answer == "quit":
                self.stopped = True
                raise Stopped(f"the person stopped the guided walk at: {step.words}")
            if answer == "skip":
                raise NotReached(f"the person skipped the step: {step.words}")
            if answer == "done" and not confirmed and step.until is not None:
                wanted = ", ".join(f"{k} = {v}" for k, v in step.until.items())
                self._note(f"waiting for the controller to show {wanted}")
            confirmed |= answer == "done"
            now = self._state()
            reached = step.until is None or not expectation(
                step.until, now, step.operation, self.cat
            )
            if reached and confirmed:
                return self._settle()
            if self.clock() >= ends and reached:
                raise NotReached(
                    f"the person did not confirm within {self.step_timeout:g} s: {step.words}"
                )
            if self.clock() >= ends:
                wanted = ", ".join(f"{k} = {v}" for k, v in (step.until or {}).items())
                seen = ", ".join(
                    f"{k} read {str(now.get(k))[:40]!r}" for k in (step.until or {}) if k in now
                )
                raise NotReached(
                    f"{wanted} not seen within {self.step_timeout:g} s after: {step.words}"
                    + (f" ({seen})" if seen else "")
                )
            self._wait(self.poll_s, until_heard=True)

    def _settle(self) -> None:
        """Let the values that follow a reached state settle: a look's time of the device's."""
        if self.advance is None or not self.advance(self.poll_s):
            self._wait(self.poll_s)

    def _note(self, text: str) -> None:
        note = getattr(self.operator, "note", None)  # an operator may have no screen
        if callable(note):
            note(text)

    def _wait(self, seconds: float, *, until_heard: bool = False) -> None:
        """Wait, listening: a quit stops at once; anything else is kept for the step (and,
        ``until_heard``, ends the wait: the person acted, the walk looks now)."""
        ends = self.clock() + seconds
        while self.clock() < ends:
            checkpoint()  # a Ctrl-C lost in a finalizer stops the walk as one that arrived
            answer = self.operator.poll()
            if answer == "quit":
                self.stopped = True
                raise Stopped("the person stopped the guided walk")
            self._heard = answer or self._heard
            if until_heard and self._heard:
                return
            self.sleep(min(self.poll_s, max(0.0, ends - self.clock())))


def _advancer(control: SimControl) -> Callable[[float], bool]:
    """A simulator's clock moved on by its control API: whether it moved (where it did not,
    the walk waits in the wall's time)."""
    from ccrest.simctl import ControlError

    def advance(seconds: float) -> bool:
        try:
            control.call("advance", seconds=seconds)
        except ControlError:
            return False
        return True

    return advance
