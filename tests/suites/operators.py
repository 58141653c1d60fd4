"""Stand-ins for the person at the bench of a --guided run, loaded with ``-p``: one acts on each
instruction through the simulator after a delay (as a person with an EV simulator box would),
one never acts. The test sets ``RIG`` before the run (pytester runs it in this process)."""

from __future__ import annotations

from ccrest.guided import Step
from ccrest.simulator import control

RIG: dict = {"operator": None}


class Scripted:
    """Does what it is told, ``delay`` seconds later, on the simulator's device; a rig that
    ``lacks`` Schuko cannot enable it (as the Config UI of a Type-2-only model cannot)."""

    def __init__(
        self, device, delay: float = 0.05, *, acts: bool = True, lacks=(), quits_at: int = 0
    ) -> None:
        self.device, self.delay, self.acts, self.lacks = device, delay, acts, set(lacks)
        self.quits_at = quits_at  # presses q when told its quits_at-th instruction (0: never)
        self.told: list[str] = []
        self.pending: tuple[float, Step] | None = None
        self.clock = device.clock.now  # step timeouts and waits in the simulator's time

    def tell(self, text: str, step: Step | None) -> None:
        self.told.append(text)
        if self.acts and step is not None:
            self.pending = (self.clock() + self.delay, step)

    def poll(self) -> str:
        if self.quits_at and len(self.told) >= self.quits_at:
            return "quit"
        if self.pending is None or self.clock() < self.pending[0]:
            return ""
        _, step = self.pending
        self.pending = None
        arguments = dict(step.arguments)
        if step.operation == "config" and "schuko" in self.lacks:
            arguments.pop("schuko", None)
        if arguments or step.operation != "config":
            control.handle(self.device, "POST", step.operation, arguments)
        return "done"


def pytest_ccrest_operator(config):
    return RIG["operator"]
