"""The state of one conformance run, shared by the plugin and the report collector.

The families, the exit codes, the stash keys, and per controller (a ``Bench``: the one of a
plain run, or each of a lab's inventory) its settings, profile, catalogue, waivers and target;
and what is derived from them for the reports: which part of the suite ran (scope), whether
the run deadline cut it short, which deviations the profile accepted. The plugin (hooks and
fixtures) and the report collector both import this module; neither imports the other's
internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ccrest import observe
from ccrest.client import Client
from ccrest.exchange import Exchange
from ccrest.findings import Finding
from ccrest.interrupts import Interrupts
from ccrest.profiles import Profile
from ccrest.spec import Catalogue
from ccrest.verdict import Decision

if TYPE_CHECKING:
    from ccrest.report.summary import Record
    from ccrest.simulator import Simulator
    from ccrest.waivers import WaiverLedger

FAMILIES = {
    "schema": "full_state: answers, every key present and valid, nothing undocumented",
    "per_key": "/rest/<KEY> answers, is valid and agrees with full_state",
    "http": "read-only, Content-Type, HEAD, nothing outside /rest/",
    "auth": "credentials: the configured scheme works, bad ones are refused",
    "privacy": "the card UID stays hidden in without-uid mode",
    "consistency": "rules that tie keys together (IEC 61851, OCPP 1.6, physics)",
    "temporal": "counters, timers and energy watched over --sample-seconds",
    "states": "drives a simulator through every documented state (needs /sim/)",
}
EMBEDDED_CARD = "04a3b2c1d2e380"

BENCHES = pytest.StashKey[dict[str, "Bench"]]()  # by name; "" is a plain run's one controller
FINDINGS = pytest.StashKey[list[Finding]]()
OPERATOR = pytest.StashKey[object]()  # the person of a --guided run (ccrest.guided.Operator)
DRIVEN_BY = pytest.StashKey[str]()  # on a states test: "simulator" or "person"
COLLECTOR = pytest.StashKey[object]()  # the report collector (ccrest.report.collector)
SCOPE = pytest.StashKey[dict]()  # what this run selected: whole suite, or which part
DESELECTED = pytest.StashKey[list[int]]()
RUN_ENDS = pytest.StashKey[float]()  # monotonic time of the run deadline
CUT_SHORT = pytest.StashKey[list[int]]()  # checks the run deadline left not tested
RECORDS = pytest.StashKey[dict[str, "Record"]]()  # every test of the run as it ended, by node id
HALT = pytest.StashKey["Halt"]()  # what stopped the run early, if anything did


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
    target: Target | None = None
    samples: list = field(default_factory=list)  # the temporal readings, for the chart
    untestable: str = ""  # why the preflight could not test it (lab runs go on without it)
    decision: Decision | None = None  # its verdict, decided once at the end of the run


@dataclass
class Halt:
    """What stopped a run before its end: a signal (Ctrl-C, SIGTERM) or pytest's own stop
    (-x, --maxfail), and the tests it left unrun, which are reported as not tested."""

    interrupted: str = ""  # "Ctrl-C" or "SIGTERM"
    stopped: str = ""  # pytest's reason for stopping (-x: the first failure)
    signals: Interrupts | None = None  # the run's signal handlers: which signal came first
    # per controller, the tests the run ended before (none for a controller found untestable)
    unfinished: dict[str, int] = field(default_factory=dict)

    def why(self, untestable: str = "") -> str:
        """Why a test the run never finished is not tested."""
        if untestable:
            return f"the controller could not be tested ({untestable})"
        if self.interrupted:
            return f"the run was interrupted ({self.interrupted}) before this check ended"
        if self.stopped:
            return f"the run stopped before this check ({self.stopped})"
        return "the run ended before this check"


def benches(config: pytest.Config) -> dict[str, Bench]:
    return config.stash[BENCHES]


def only(config: pytest.Config) -> Bench:
    """The controller of a plain run (the first of a lab's, for what all of them share)."""
    return next(iter(config.stash[BENCHES].values()))


def is_lab(config: pytest.Config) -> bool:
    return "" not in config.stash.get(BENCHES, {"": None})


def bench_of(item: pytest.Item) -> str:
    """The controller a test belongs to: its ``bench`` parameter in a lab run, else ""."""
    callspec = getattr(item, "callspec", None)
    return str(callspec.params.get("bench", "")) if callspec is not None else ""


def describe(item: pytest.Item) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """A test's family, check IDs and subject keys, from its markers and parameters."""
    family = next((m for m in FAMILIES if item.get_closest_marker(m)), None)
    checks, keys = [], []
    for mark in item.iter_markers("check"):
        checks += [c for c in mark.args if c not in checks]
        keys += [k for k in mark.kwargs.get("keys", ()) if k not in keys]
    callspec = getattr(item, "callspec", None)
    if callspec is not None and isinstance(callspec.params.get("key"), str):
        keys.append(callspec.params["key"])
    return family, tuple(checks), tuple(keys)


def is_conformance_run(config: pytest.Config) -> bool:
    """A run of the suites (not of ccrest's own self-tests under tests/) writes reports."""
    own_tests = config.rootpath / "tests"
    for arg in config.args:
        path = (config.invocation_params.dir / arg.split("::", 1)[0]).resolve()
        if not path.is_relative_to(own_tests):
            return True
    return False


def deadline_words(settings: Settings) -> str:
    return (
        f"the run deadline passed (--run-deadline {settings.run_deadline:g} s); "
        "raise it for a slow controller"
    )


def deadline_cut(config: pytest.Config) -> str:
    """In words, how the run deadline cut the run short; empty when it did not."""
    skipped = config.stash.get(CUT_SHORT, [0])[0]
    stopped = any(
        b.target is not None and b.target.client.gone == b.target.client.stop_reason
        for b in config.stash.get(BENCHES, {}).values()
    )
    if not skipped and not stopped:
        return ""
    settings = only(config).settings
    return (
        f"the run deadline ({settings.run_deadline:g} s) passed: {skipped} checks were not "
        "begun and are not tested"
    )


def run_scope(session: pytest.Session) -> dict:
    """Which part of the suite this run holds. Only a run of every family with nothing
    deselected (-m, -k, --deselect, a file or test id) judges the device as a whole."""
    config = session.config
    families = sorted(
        {describe(item)[0] for item in session.items} - {None}, key=list(FAMILIES).index
    )
    deselected = config.stash.get(DESELECTED, [0])[0]
    chosen = [
        f"-m {config.option.markexpr!r}" if config.option.markexpr else "",
        f"-k {config.option.keyword!r}" if config.option.keyword else "",
        f"{deselected} deselected" if deselected else "",
    ]
    missing = [f for f in FAMILIES if f not in families]
    if missing and session.items:
        chosen.append("families not run: " + ", ".join(missing))
    return {
        "complete": bool(session.items) and not deselected and not missing,
        "tests": len(session.items),
        "families": families,
        "selection": "; ".join(c for c in chosen if c),
    }


def deviations(target: Target | None, cat: Catalogue) -> list[dict]:
    """What the device does that the specification does not say, though the profile accepts
    it: an alias in use, an optional key absent, a value beyond the documented ones."""
    if target is None or target.first is None or not target.first.usable:
        return []
    found = [
        {"kind": "alias", "key": key, "device_key": alias, "message": f"{key} is sent as {alias}"}
        for key, alias in target.first.aliased.items()
    ]
    values = target.first.values
    for spec in cat:
        if spec.name not in values and not spec.required:
            found.append(
                {"kind": "optional-absent", "key": spec.name, "message": f"{spec.name} is absent"}
            )
        elif values.get(spec.name) in spec.extra_values:
            found.append(
                {
                    "kind": "extra-value",
                    "key": spec.name,
                    "message": f"{spec.name} = {values[spec.name]!r}, not a documented value",
                }
            )
    return found
