"""A guided run: the states scenarios walked by a person, here a scripted one acting through the
simulator; a person who never acts leaves every step not tested, within the step timeouts; a
run without a terminal is refused before any request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from ccrest import guided
from ccrest.simulator import control
from tests.suites import operators
from tests.suites.conftest import PASSWORD, SUITES, device

SCHUKO = {"schuko-connected", "schuko-charging", "fault-mcb_schuko"}


def guided_reset_words() -> str:
    return json.loads((SUITES / "scenarios.json").read_text())["reset_guide"]["say"]


RIG_SPEED = 20  # the rig's simulator runs fast; step timeouts are in its time (the rig's clock)


@pytest.fixture
def quick(monkeypatch):
    """A person's pace, sped up: a poll every 20 ms, an intermediate wait of at most 0.2 s."""
    monkeypatch.setattr(guided, "POLL_S", 0.02)
    monkeypatch.setattr(guided, "ADVANCE_CAP_S", 0.2)
    yield
    operators.RIG["operator"] = None


def walk(run_suite, pytester, dev, *args):
    result = run_suite(
        *dev.args, "-m", "states", "--guided", "-p", "tests.suites.operators", *args, reports=True
    )
    summary = json.loads((pytester.path / "reports" / "conformance.json").read_text())
    return result, summary


def test_a_person_walks_every_scenario_the_hardware_allows(run_suite, pytester, quick) -> None:
    with device(charging=False, speed=RIG_SPEED) as dev:
        person = operators.Scripted(dev.sim.device, lacks={"schuko"})
        operators.RIG["operator"] = person
        result, summary = walk(run_suite, pytester, dev, "--step-timeout", "5")
    result.assert_outcomes(passed=22, skipped=3)
    walked = {s["scenario"]: s for s in summary["states_walk"]}
    assert {n for n, s in walked.items() if s["outcome"] == "skipped"} == SCHUKO
    assert (
        "lacks a Schuko socket enabled in its configuration" in walked["schuko-charging"]["reason"]
    )
    assert {s["driver"] for s in walked.values()} == {"person"}
    assert "Present an authorised RFID card" in person.told
    assert "Press the RCD test button" in person.told
    assert (
        "States scenarios: 22 by a person; not tested: schuko-connected"
        in (pytester.path / "reports" / "conformance.md").read_text()
    )


def test_a_person_who_never_acts_leaves_every_step_not_tested(run_suite, pytester, quick) -> None:
    with device(charging=False, speed=RIG_SPEED) as dev:
        operators.RIG["operator"] = operators.Scripted(dev.sim.device, acts=False)
        result, summary = walk(run_suite, pytester, dev, "--step-timeout", "0.3")
    result.assert_outcomes(skipped=25)  # even idle: at rest, but never confirmed as set up
    reasons = {s["reason"] for s in summary["states_walk"]}
    assert reasons == {
        "not tested: the person did not confirm within 0.3 s: " + guided_reset_words()
    }


def test_a_wrong_state_once_reached_fails_as_on_the_simulator(run_suite, pytester, quick) -> None:
    with device("ocpp-not-charging", charging=False, speed=RIG_SPEED) as dev:
        operators.RIG["operator"] = operators.Scripted(dev.sim.device)
        result, _ = walk(run_suite, pytester, dev, "--step-timeout", "5", "-k", "type2-charging")
    result.assert_outcomes(failed=1)
    assert "ocpp_state" in result.stdout.str()


def test_guided_without_a_terminal_is_refused(tmp_path) -> None:
    """No /dev/tty (a new session has no controlling terminal): a usage error, no request."""
    result = subprocess.run(
        [sys.executable, "-m", "ccrest.cli", "check", "--guided", "--report-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "CC_PASSWORD": PASSWORD},
    )
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert "--guided needs a person at a terminal" in result.stderr


class Says:
    """A person who answers with one word to every step."""

    def __init__(self, word: str) -> None:
        self.word = word

    def tell(self, text, step) -> None:
        pass

    def poll(self) -> str:
        return self.word


def walker_for(dev, person) -> guided.PersonWalker:
    from ccrest.client import Client
    from ccrest.spec import catalogue

    client = Client(dev.url, "operator", PASSWORD, "doc-headers", 5)
    reset = json.loads((SUITES / "scenarios.json").read_text())["reset_guide"]
    return guided.PersonWalker(person, client, catalogue(), reset, 5, poll_s=0.01)


SCENARIO = json.loads((SUITES / "scenarios.json").read_text())["scenarios"][2]  # type2-charging


def test_a_person_who_stops_the_walk_interrupts_the_run(run_suite, pytester, quick) -> None:
    """q is the person's Ctrl-C: the scenarios after it are not tested, and the verdict is
    interrupted (exit 2), never a pass for what was not walked."""
    with device(charging=False, speed=RIG_SPEED) as dev:
        operators.RIG["operator"] = operators.Scripted(dev.sim.device, quits_at=8)
        result, summary = walk(run_suite, pytester, dev, "--step-timeout", "5")
    assert (result.ret, summary["verdict"]) == (2, "interrupted"), summary["verdict_reason"]
    assert "q: the person stopped the guided walk" in summary["verdict_reason"]
    walked = summary["states_walk"]
    stopped = [s for s in walked if "stopped the guided walk" in s.get("reason", "")]
    assert stopped and any(s["outcome"] == "passed" for s in walked)
    result.stdout.fnmatch_lines(["verdict: INTERRUPTED - *q: the person stopped the guided walk*"])


def test_s_skips_the_step_and_q_stops_the_walk() -> None:
    with device(charging=False) as dev:
        with pytest.raises(guided.NotReached, match="the person skipped the step: Bring"):
            walker_for(dev, Says("skip")).walk(SCENARIO)
        walker = walker_for(dev, Says("quit"))
        with pytest.raises(guided.Stopped, match="stopped the guided walk at: Bring"):
            walker.walk(SCENARIO)
        with pytest.raises(guided.Stopped, match="before this scenario"):
            walker.walk(SCENARIO)


def test_every_scenario_has_words_for_each_step() -> None:
    data = json.loads((SUITES / "scenarios.json").read_text())
    for s in data["scenarios"]:
        words = s["guide"]["steps"]
        assert len(words) == len(s["steps"]) and all(w.strip() for w in words), s["id"]
        assert bool(s.get("config")) == bool(s["guide"].get("config")), s["id"]
        for need in s.get("needs", ()):
            assert set(need) == {"key", "not", "what"}, s["id"]
    assert guided.scenario_steps(data["scenarios"][2])[-1].until == {
        "conn_state": "vehicle_charging_type2",
        "auth_state": "authorized_for_charging",
        "type2_state": "c",
    }, "the last step waits for the physical state only; ocpp_state is judged"


def act(device, step) -> None:
    """A hand at the bench does a step on the simulator (the time that passes is the
    device's; bringing it to rest is the walk's reset, which a hand at a simulator skips)."""
    if step is not None and step.operation not in ("advance", "reset"):
        arguments = dict(step.arguments)
        if arguments or step.operation != "config":
            control.handle(device, "POST", step.operation, arguments)


class Hand:
    """A person at the wall's pace (no clock of their own) at a simulator: does each step at
    once, and presses Enter while the walk waits on them (their terminal's wait returns)."""

    def __init__(self, device) -> None:
        self.device, self.said, self.waited = device, "", 0

    def tell(self, text, step) -> None:
        act(self.device, step)

    def poll(self) -> str:
        said, self.said = self.said, ""
        return said

    def wait(self, seconds: float) -> None:
        self.waited += 1
        self.said = "done"


def person_at(dev, hand: Hand, poll_s: float | None = None) -> guided.PersonWalker:
    from ccrest.client import Client
    from ccrest.simctl import SimControl
    from ccrest.spec import catalogue

    client = Client(dev.url, "operator", PASSWORD, "doc-headers", 5)
    reset = json.loads((SUITES / "scenarios.json").read_text())["reset_guide"]
    walker = guided.PersonWalker.of(hand, client, catalogue(), reset, 5, SimControl(client))
    walker.poll_s = walker.poll_s if poll_s is None else poll_s
    return walker


AUTH_TIMEOUT = next(
    s
    for s in json.loads((SUITES / "scenarios.json").read_text())["scenarios"]
    if s["id"] == "auth-timeout"
)


def test_a_person_at_a_simulator_waits_in_its_time_not_the_walls() -> None:
    """The two minutes a vehicle waits for a card pass on the simulator's clock, moved on by
    its control API (its speed left as it is: a person's pace meets its timers as a
    controller's would); the step timeout (5 s here), a person's, stays the wall's."""
    with device(charging=False) as dev:  # the clock at the wall's speed
        clock = dev.sim.device.clock
        began = clock.now()
        person = Slow(dev.sim.device)
        person_at(dev, person).walk(AUTH_TIMEOUT)  # else: not seen within 5 s
        assert clock.now() - began >= 120
        # the wait was the device's, moved on: nobody is asked to wait or to press Enter
        assert not [t for t in person.told if t.startswith("Leave it as it is")], person.told
        assert dev.sim.device.clock.speed == 1
        assert observe_auth_state(dev) == "auth_timeout"


def observe_auth_state(dev) -> str:
    return next(text for key, text, _ in dev.sim.device.snapshot() if key == "auth_state")


def test_a_person_who_acts_is_looked_at_at_once() -> None:
    """Enter ends the walk's wait on the person at once (a terminal's wait returns on input):
    with a look every 60 s, a walk that sat out its interval would take minutes."""
    with device(charging=False) as dev:
        hand = Hand(dev.sim.device)
        began = time.monotonic()
        person_at(dev, hand, poll_s=60).walk(SCENARIO)
        assert time.monotonic() - began < 30
    assert hand.waited >= 1, "the walk waited on the person (the reset asks them to confirm)"


class Slow:
    """A person who does each step at once but presses Enter for it only after the walk has
    looked once more (late, as a person is): each Enter is queued for the step it was for."""

    def __init__(self, device) -> None:
        self.device, self.told, self.queue, self.confirmed = device, [], [], []
        self._ready = 0  # Enters pressed, of those queued

    def tell(self, text, step) -> None:
        self.told.append(text)
        act(self.device, step)
        self.queue.append(text)

    def wait(self, seconds: float) -> None:
        self._ready = len(self.queue)  # the Enters for every step told so far are pressed

    def poll(self) -> str:
        if not self._ready:
            return ""
        self._ready -= 1
        self.confirmed.append((self.queue.pop(0), self.told[-1]))  # (meant for, told now)
        return "done"


def test_a_late_enter_confirms_its_own_step_never_the_next() -> None:
    """An Enter pressed after the device already shows the step's state is that step's: the
    walk waits for it, so it cannot confirm the next step (a reset the person has not done)."""
    with device(charging=False) as dev:
        person = Slow(dev.sim.device)
        person_at(dev, person).walk(SCENARIO)
    assert person.confirmed, "the person pressed Enter"
    assert all(meant == told for meant, told in person.confirmed), person.confirmed
    assert len(person.confirmed) == len(person.told)
