"""The state of one conformance run, shared by the plugin and the report collector.

One typed ``RunState`` behind one stash key (``RUN``): the run's controllers (``Bench``es,
``ccrest.bench``), the records of its tests, what stopped it early, what it selected; and what
is derived from them for the reports: which part of the suite ran (scope), whether the run
deadline cut it short, which deviations the profile accepted. The plugin (hooks and fixtures)
and the report collector both import this module; neither imports the other's internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

import pytest

from ccrest import observe
from ccrest.bench import Bench, Target
from ccrest.findings import Finding
from ccrest.interrupts import Interrupts
from ccrest.spec import Catalogue

if TYPE_CHECKING:
    from ccrest.guided import Operator
    from ccrest.report.summary import Record

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

FINDINGS = pytest.StashKey[list[Finding]]()  # on a test: what its rules found
DRIVEN_BY = pytest.StashKey[str]()  # on a states test: "simulator" or "person"
WALK_STOPPED = pytest.StashKey[str]()  # on a states test: the person stopped the walk (q)


class Scope(TypedDict):
    """Which part of the suite a run holds (``run_scope``): the reports and verdict say it."""

    complete: bool
    tests: int
    families: list[str]
    selection: str


class Collector(Protocol):
    """The report collector, as the run sees it (``ccrest.report.collector``)."""

    folder: Path
    fleet: dict[str, Any] | None

    def attach(self, report: pytest.TestReport, findings: list[Finding]) -> None: ...


@dataclass
class Halt:
    """What stopped a run before its end: a signal (Ctrl-C, SIGTERM) or pytest's own stop
    (-x, --maxfail), and the tests it left unrun, which are reported as not tested."""

    interrupted: str = ""  # "Ctrl-C" or "SIGTERM"
    stopped: str = ""  # pytest's reason for stopping (-x: the first failure)
    # the person of a --guided run stopped the walk (q): the scenarios after are not tested,
    # and the run is interrupted, as by Ctrl-C (never "conforms" for what was not walked)
    walk_stopped: str = ""
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


@dataclass
class RunState:
    """Everything one run keeps between its hooks, behind one typed stash key (``RUN``).

    ``conformance`` is False for ccrest's own self-tests under tests/, which write no report
    and keep no records."""

    benches: dict[str, Bench]  # by name; "" is a plain run's one controller
    conformance: bool = False
    operator: Operator | None = None  # the person of a --guided run
    collector: Collector | None = None  # the reports, unless --no-reports
    scope: Scope | None = None  # what the run selected, once collected
    deselected: int = 0
    ends: float | None = None  # monotonic time of the run deadline
    cut_short: int = 0  # checks the run deadline left not tested
    records: dict[str, Record] = field(default_factory=dict)  # every test as it ended
    halt: Halt = field(default_factory=Halt)  # what stopped the run early, if anything did


RUN = pytest.StashKey[RunState]()


def state(config: pytest.Config) -> RunState:
    """The run's state; a config the plugin never configured (a bare pytest) has none."""
    return config.stash[RUN]


def benches(config: pytest.Config) -> dict[str, Bench]:
    return config.stash[RUN].benches


def only(config: pytest.Config) -> Bench:
    """The controller of a plain run (the first of a lab's, for what all of them share)."""
    return next(iter(config.stash[RUN].benches.values()))


def is_lab(config: pytest.Config) -> bool:
    run = config.stash.get(RUN, None)
    return run is not None and "" not in run.benches


def bench_of(item: pytest.Item) -> str:
    """The controller a test belongs to: its ``bench`` parameter in a lab run, else ""."""
    callspec = getattr(item, "callspec", None)
    return str(callspec.params.get("bench", "")) if callspec is not None else ""


def describe(item: pytest.Item) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """A test's family, check IDs and subject keys, from its markers and parameters."""
    family = next((m for m in FAMILIES if item.get_closest_marker(m)), None)
    checks: list[str] = []
    keys: list[str] = []
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


def deadline_cut(config: pytest.Config) -> str:
    """In words, how the run deadline cut the run short; empty when it did not."""
    run = state(config)
    skipped = run.cut_short
    stopped = any(
        b.target is not None and b.target.client.gone == b.target.client.stop_reason
        for b in run.benches.values()
    )
    if not skipped and not stopped:
        return ""
    settings = only(config).settings
    return (
        f"the run deadline ({settings.run_deadline:g} s) passed: {skipped} checks were not "
        "begun and are not tested"
    )


def run_scope(session: pytest.Session) -> Scope:
    """Which part of the suite this run holds. Only a run of every family with nothing
    deselected (-m, -k, --deselect, a file or test id) judges the device as a whole."""
    config = session.config
    seen = {describe(item)[0] for item in session.items}
    families = [f for f in FAMILIES if f in seen]
    deselected = state(config).deselected
    chosen = [
        f"-m {config.option.markexpr!r}" if config.option.markexpr else "",
        f"-k {config.option.keyword!r}" if config.option.keyword else "",
        f"{deselected} deselected" if deselected else "",
    ]
    missing = [f for f in FAMILIES if f not in families]
    if missing and session.items:
        chosen.append("families not run: " + ", ".join(missing))
    # a watch of one reading judges no rule over time: as if the family were deselected
    settings = only(config).settings  # (a replay's temporal checks say why each is not tested)
    seconds = settings.sample_seconds
    unwatched = (
        "temporal" in families and settings.replay is None and observe.sample_count(seconds) < 2
    )
    if unwatched:
        chosen.append(f"--sample-seconds {seconds:g}: the temporal family watched one reading")
    return Scope(
        complete=bool(session.items) and not deselected and not missing and not unwatched,
        tests=len(session.items),
        families=families,
        selection="; ".join(c for c in chosen if c),
    )


def deviations(target: Target | None, cat: Catalogue) -> list[dict[str, str]]:
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
