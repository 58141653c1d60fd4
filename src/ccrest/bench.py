"""A controller of a run and what is its own: its settings, profile, catalogue, waivers, the
target (the one client that talks to it) and its verdict. Plain data, no pytest: ``ccrest
check`` (through the plugin) and ``ccrest watch`` open and judge a controller the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ccrest import observe
from ccrest.client import Client
from ccrest.declare import Declaration
from ccrest.exchange import Exchange
from ccrest.profiles import Profile
from ccrest.spec import Catalogue
from ccrest.verdict import Decision

if TYPE_CHECKING:
    from ccrest.checks.temporal import Sample
    from ccrest.simulator import Simulator
    from ccrest.waivers import WaiverLedger

EMBEDDED_CARD = "04a3b2c1d2e380"


@dataclass(frozen=True)
class Settings:
    url: str | None
    username: str
    password: str = field(repr=False)
    scheme: str
    rest_mode: str
    timeout: float
    sample_seconds: float
    allow_anonymous: bool
    run_deadline: float = 600.0
    replay: Path | None = None
    record: Path | None = None
    guided: bool = False  # a person walks the states scenarios (--guided)
    step_timeout: float = 120.0

    @property
    def embedded(self) -> bool:
        return self.url is None


@dataclass
class Target:
    """The controller under test and the one client that talks to it."""

    url: str
    client: Client
    settings: Settings
    simulator: Simulator | None = None  # the embedded simulator, if any
    first: observe.Observed | None = None
    refused: Exchange | None = None  # the configured scheme's refusal, when the other opened

    @property
    def description(self) -> str:
        if self.settings.replay is not None:
            return f"{self.url} (replaying {self.settings.replay.name})"
        return f"{self.url} ({'bundled simulator' if self.simulator else 'controller'})"


@dataclass
class Bench:
    """One controller of the run and everything that is its own: a plain run has one, named
    ""; a lab run has one per controller of its inventory (``--inventory``)."""

    name: str
    settings: Settings
    profile: Profile
    cat: Catalogue  # the specification as this controller's profile expects it
    waivers: WaiverLedger
    declaration: Declaration | None = None  # what the model implements; None: undeclared
    target: Target | None = None
    samples: list[Sample] = field(default_factory=list)  # the temporal readings, for the chart
    untestable: str = ""  # why the preflight could not test it (lab runs go on without it)
    # why nothing could drive its states family (no simulator control, no --guided person):
    # the scenarios are not tested, and the device as a whole is not judged
    unwalked: str = ""
    decision: Decision | None = None  # its verdict, decided once at the end of the run


def deadline_words(settings: Settings) -> str:
    return (
        f"the run deadline passed (--run-deadline {settings.run_deadline:g} s); "
        "raise it for a slow controller"
    )
