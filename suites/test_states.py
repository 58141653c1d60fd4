"""Drive a simulator through every documented state, authorization path and fault, and check
the whole full_state and every per-key endpoint in each. Needs the simulator's control
interface (/sim/); against a target without it the family is skipped with the reason."""

import contextlib
import json
from pathlib import Path

import pytest

from ccrest import observe
from ccrest.checks import states
from ccrest.checks.common import not_tested
from ccrest.guided import NotReached, PersonWalker, SimWalker, Stopped
from ccrest.run import DRIVEN_BY, WALK_STOPPED
from ccrest.simctl import ControlUnavailable

pytestmark = pytest.mark.states
DATA = json.loads((Path(__file__).parent / "scenarios.json").read_text())
SCENARIOS = DATA["scenarios"]


@pytest.fixture(scope="module")
def walker(operator, settings, sim_control, client, cat, bench):
    """A person at the bench (--guided), or the simulator's control API; with neither, the
    family is not walked, and the verdict is told so (a replay says why of its own)."""
    control, why = sim_control
    if operator is not None:
        reset, timeout = DATA["reset_guide"], settings.step_timeout
        yield PersonWalker.of(operator, client, cat, reset, timeout, control)
        return
    if control is None:
        if settings.replay is None:
            bench.unwalked = why
        pytest.skip(f"not testable here because {why}")
    yield SimWalker(control)
    with contextlib.suppress(ControlUnavailable):
        control.call("reset")


@pytest.mark.check("states.scenario-conforms", "states.scenario-reached")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_scenario(request, scenario, walker, cat, client, settings, bench, verdict):
    declared = bench.declaration
    if declared is not None:  # the model's declaration says what it has, not its answers
        absent = declared.absent(scenario.get("declared", {}))
        if absent:
            pytest.skip(f"not tested: {absent}")
        scenario = {**scenario, "needs": []}
    request.node.stash[DRIVEN_BY] = walker.name
    try:
        walker.walk(scenario)
    except Stopped as exc:  # q: the run is interrupted by the person, not just this scenario
        request.node.stash[WALK_STOPPED] = "q: the person stopped the guided walk"
        pytest.skip(f"not tested: {exc}")
    except NotReached as exc:
        pytest.skip(f"not tested: {exc}")
    steps = ", ".join(op for op, _ in scenario["steps"]) or "a reset"
    before = observe.full_state(client, cat)
    if not before.usable:
        verdict(
            [
                not_tested(
                    "states.scenario-reached",
                    f"no state to judge: {before.exchange.summary()}",
                    exchange=before.exchange,
                )
            ]
        )
    answers = {key: observe.key(client, key, cat) for key in cat.keys}
    after = observe.full_state(client, cat)
    cards = [str(args["uid"]) for op, args in scenario["steps"] if op == "card" and "uid" in args]
    verdict(
        states.conforms(cat, before, answers, after, settings.rest_mode, cards, declared)
        + states.expectation(
            declared.expected(scenario["expect"]) if declared else scenario["expect"],
            before.values,
            steps,
            cat,
            declared.phases if declared else None,
        )
    )
