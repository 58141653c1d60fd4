"""The pytest plugin behind the conformance suites: its hooks and fixtures, and nothing else.

The run's state lives in ``ccrest.run``, the options' checks in ``ccrest.configure``, the
controller under test in ``ccrest.target``, the reports in ``ccrest.report``.

Loaded by the checkout's conftest.py (``pytest_plugins``) or by ``-p ccrest.plugin`` (as
``ccrest check`` runs it). With no --controller-url it starts
the bundled simulator in-process on a free port, charging a vehicle so that every family has
something to judge; with one it talks to that controller, live or simulated, the same way.
Before any check, one preflight request makes sure the device can be tested at all: an
unreachable controller, refused credentials or a switched-off REST interface end the run with
one message and exit code 6, instead of hundreds of identical failures.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable, Generator, Iterator
from dataclasses import replace
from pathlib import Path
from types import TracebackType

import pytest

from ccrest import observe
from ccrest.bench import Bench, Settings, Target, deadline_words
from ccrest.checks.temporal import Sample
from ccrest.client import Client
from ccrest.configure import benches_from, report_folder, values_of
from ccrest.declare import UNDECLARED, Declaration
from ccrest.findings import Finding
from ccrest.guards import mask_debug_log, operator_for, refuse_foreign_engines
from ccrest.guided import Operator
from ccrest.interrupts import Interrupts, checkpoint
from ccrest.options import (
    SettingError,
    pytest_addoption,  # noqa: F401 - the hook, registered with the plugin
)
from ccrest.outcome import Conclusion, Kind, conclude
from ccrest.report.summary import Record
from ccrest.run import (
    DRIVEN_BY,
    FAMILIES,
    FINDINGS,
    RUN,
    WALK_STOPPED,
    RunState,
    bench_of,
    benches,
    deadline_cut,
    describe,
    is_conformance_run,
    is_lab,
    only,
    run_scope,
    state,
)
from ccrest.simctl import SimControl, device_time, find_control
from ccrest.spec import Catalogue
from ccrest.target import opened, record_capture
from ccrest.verdict import SEVERITY, WORDS, Facts, Verdict, decide, explain


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from ccrest import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@pytest.hookimpl(tryfirst=True)  # before junitxml and pytest-html read their paths
def pytest_configure(config: pytest.Config) -> None:
    for name, what in FAMILIES.items():
        config.addinivalue_line("markers", f"{name}: {what}")
    config.addinivalue_line(
        "markers",
        "check(*ids, keys=()): the check IDs (schemas/checks.json) a test reports, and the "
        "documented keys it is about",
    )
    refuse_foreign_engines(config)
    try:
        run = RunState(benches_from(values_of(config.option)))
    except SettingError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[RUN] = run
    mask_debug_log(config, [b.settings.password for b in run.benches.values()])
    run.operator = operator_for(config, only(config).settings)
    if config.inipath is None and (config.invocation_params.dir / "suites").is_dir():
        raise pytest.UsageError(
            f"pytest took {config.rootpath} for the project: it does so with the folder of an "
            "existing file or folder given to an option after a space. Write the option with "
            "'=' (--replay=FILE, --report-dir=DIR) or use a path inside the checkout"
        )
    if not is_conformance_run(config):
        return
    run.conformance = True
    try:
        directory = report_folder(config.rootpath / config.option.report_dir)
    except SettingError as exc:
        raise pytest.UsageError(str(exc)) from None
    given = config.option.xmlpath  # ccrest writes the JUnit file itself (ccrest.report.junit)
    config.option.xmlpath = None
    junit = Path(os.path.expandvars(given)).expanduser().resolve() if given else None
    _refuse_report_paths_without_a_report(config, directory, bool(given))
    config.pluginmanager.register(_Run(config), "ccrest-run")
    _stop_on_signals(config)
    # A Ctrl-C that lands in a test's report passes through pytest-html's old-style wrapper,
    # which pluggy then warns of: the interrupt is the run's verdict, not a warning to add
    config.addinivalue_line(
        "filterwarnings",
        r"ignore:A plugin raised an exception during an old-style hookwrapper teardown"
        r"[\s\S]*KeyboardInterrupt:pluggy.PluggyTeardownRaisedWarning",  # no ":" in a filter
    )
    if not config.option.no_reports:
        _set_up_reports(config, directory, junit)


def _refuse_report_paths_without_a_report(
    config: pytest.Config, directory: Path, xml: bool
) -> None:
    """--html or --junitxml where ccrest writes no such file would be silently ignored (or,
    for --html, leave pytest-html's own page without the verdict): a usage error instead."""
    html = bool(getattr(config.option, "htmlpath", None))
    if config.option.no_reports and (html or xml):
        given = " and ".join(o for o, on in (("--html", html), ("--junitxml", xml)) if on)
        raise pytest.UsageError(
            f"{given} with --no-reports: --no-reports writes no report; leave out one of them"
        )
    if html and is_lab(config):
        raise pytest.UsageError(
            "--html FILE names one controller's page; a lab writes each controller's in "
            f"{directory}/<name>/conformance.html and the fleet's in {directory}/fleet.html: "
            "leave out --html (--report-dir DIR puts them elsewhere)"
        )


def _set_up_reports(config: pytest.Config, directory: Path, junit: Path | None) -> None:
    from ccrest.report.collector import ReportCollector

    if is_lab(config):  # each controller's four reports are written by the collector
        collector = ReportCollector(config, directory, junit)  # --junitxml: all in one file
    else:
        html = getattr(config.option, "htmlpath", "missing")
        if html is None:
            config.option.htmlpath = str(directory / "conformance.html")
        elif html != "missing":  # --html elsewhere: no earlier run's page beside this run's
            moved = Path(os.path.expandvars(html)).expanduser().resolve()
            config.option.htmlpath = str(moved)
            if moved != (directory / "conformance.html").resolve():
                (directory / "conformance.html").unlink(missing_ok=True)
        if html != "missing":
            config.option.self_contained_html = True  # one file, wherever it goes
        collector = ReportCollector(config, directory, junit or directory / "conformance.xml")
    state(config).collector = collector
    config.pluginmanager.register(collector, "ccrest-report")


def _stop_on_signals(config: pytest.Config) -> None:
    """Ctrl-C and SIGTERM (a CI job cancelled, a service stopped) end the run: what ran is
    reported, the rest is not tested, and the reports are written (verdict: interrupted). The
    signal is named when it arrives; a second one while the run winds down is ignored."""
    interrupts = Interrupts().__enter__()
    state(config).halt.signals = interrupts
    config.add_cleanup(lambda: interrupts.__exit__(None, None, None))


@pytest.hookimpl(tryfirst=True)  # before pytest's own, so the ids read [bench-3-conn_state]
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """In a lab run, every test that judges a controller runs once per controller."""
    if "bench" in metafunc.fixturenames and is_lab(metafunc.config):
        names = list(benches(metafunc.config))
        metafunc.parametrize("bench", names, indirect=True, scope="session", ids=names)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """With -n, a lab's controller is one unit of work: one worker checks it, in order."""
    if is_lab(config):
        from ccrest.lab import ControllerScheduling

        scheduling = ControllerScheduling(config, log, benches(config))
        signals = state(config).halt.signals
        if signals is not None:  # a SIGTERM to this process alone reaches the workers too
            signals.forward = scheduling.worker_pids
        return scheduling
    return None


@pytest.hookimpl(trylast=True)  # after pytest grouped the items by their session parameters
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each controller's checks together, in inventory order; within them, the states family
    (which drives the device) after every family that only watches. A test of a declaration
    (one that asks for the ``declaration`` fixture) is not collected for a controller without
    one: it does not apply, and is no deselection."""
    every = benches(config)
    items[:] = [
        item
        for item in items
        if "declaration" not in getattr(item, "fixturenames", ())
        or (bench := every.get(bench_of(item))) is None
        or bench.declaration is not None
    ]
    order = {name: i for i, name in enumerate(every)}
    items.sort(
        key=lambda item: (
            order.get(bench_of(item), 0),
            item.get_closest_marker("states") is not None,
        )
    )


# -- the target ---------------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """The run deadline binds conformance runs (not ccrest's own self-tests under tests/).
    Test paths are shown from the suites' folder when it lies outside the working directory
    (an installed ccrest's: not ../lib/python3.11/site-packages/ccrest/_suites/...)."""
    if is_conformance_run(session.config):
        state(session.config).ends = time.monotonic() + only(session.config).settings.run_deadline
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        start = getattr(reporter, "startpath", None)
        if start is not None and not session.config.rootpath.is_relative_to(start):
            reporter.startpath = session.config.rootpath  # type: ignore[union-attr]
            # the short summary's FAILED lines too: test ids as the suites name them
            session.config.cwd_relative_nodeid = lambda nodeid: nodeid  # type: ignore[method-assign]


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """A device that cannot be tested runs no check: each is reported not tested, with the
    reason the preflight gave (said once, above), and the verdict is not testable (exit 6)."""
    lab = is_lab(session.config)
    if is_conformance_run(session.config) and not lab and only(session.config).untestable:
        return True
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> None:
    """A Ctrl-C or SIGTERM lost in a finalizer stops the run before the next test begins."""
    checkpoint()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A check not begun by the run deadline is not tested, with the reason."""
    run = item.config.stash.get(RUN, None)
    if run is not None and run.ends is not None and time.monotonic() >= run.ends:
        run.cut_short += 1
        pytest.skip(f"not tested: {deadline_words(only(item.config).settings)}")


def pytest_deselected(items: list[pytest.Item]) -> None:
    run = items[0].config.stash.get(RUN, None) if items else None
    if run is not None:
        run.deselected += len(items)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Preflight before the first test, if any collected test talks to the controller."""
    state(session.config).scope = run_scope(session)
    if is_lab(session.config):
        return  # each controller's preflight is its own, where its checks run
    if any("controller" in getattr(item, "fixturenames", ()) for item in session.items):
        _target(session.config, only(session.config))


def _target(config: pytest.Config, bench: Bench) -> Target:
    """The controller of a bench, opened once. One that cannot be tested ends a plain run with
    one message (exit 6); in a lab, only its own checks end, as not testable."""
    if bench.untestable:
        pytest.skip(f"not testable: {bench.untestable}")
    if bench.target is not None:
        return bench.target
    target, reason = opened(bench, state(config).ends)
    if not reason:
        return target
    bench.untestable = reason
    if is_lab(config):
        target.client.close()
        pytest.skip(f"not testable: {reason}")
    message = f"ccrest: not testable: {reason}"
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(message, red=True, bold=True)
    else:
        print(message, file=sys.stderr)
    return target  # its checks do not run (pytest_runtestloop); the verdict says why


class _Run:
    """The hooks that need the run's config: every phase's report decides its test's outcome
    (in a lab's xdist controller process too, which gets the workers' reports), and Ctrl-C is
    told from pytest's own exits (pytest.exit reaches the same hook)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(tryfirst=True)  # before the terminal reporter renders the traceback
    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """A KeyboardInterrupt no signal handler of ours saw (pytest's own Interrupted, after
        a collection error, is none). Its traceback loses the entries without a line number:
        a signal that lands on an instruction with none (Python 3.11) would otherwise crash
        pytest's own report of the interrupt, and the run would end with exit 1, not 2."""
        _without_lineless(excinfo.tb)
        halt = state(self.config).halt
        if (
            excinfo.errisinstance(KeyboardInterrupt)
            and not excinfo.errisinstance(pytest.Session.Interrupted)
            and not halt.interrupted
        ):
            halt.interrupted = (halt.signals.why if halt.signals else "") or "Ctrl-C"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        records = state(self.config).records
        record = records.get(report.nodeid)
        if record is None:
            name = report.nodeid.rpartition("::")[2]
            family = next((k for k in FAMILIES if k in report.keywords), None)
            record = Record(
                report.nodeid, name, family, (), (), "", bench=_bench_in(self.config, name)
            )
            records[report.nodeid] = record
        record.duration_s += report.duration
        if report.when == "call" or (report.when == "setup" and not report.passed):
            if hasattr(report, "wasxfail"):
                record.outcome = "xfailed" if report.skipped else "xpassed"
                record.message = report.wasxfail
            elif report.skipped:
                record.outcome = "skipped"
                record.message = _skip_reason(report)
            elif report.failed:
                record.outcome = "failed" if report.when == "call" else "error"
                record.message = report.longreprtext
            else:
                record.outcome = "passed"
        elif report.when == "teardown" and report.failed:
            record.outcome, record.message = "error", report.longreprtext


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Iterator[None]:
    """Before any report is written: every test the run never began is not tested, each
    controller's verdict is decided (``ccrest.verdict``) and the exit code is that verdict's.
    A second Ctrl-C or SIGTERM while the reports are written is ignored: no half report."""
    run = session.config.stash.get(RUN, None)
    if run is None or not run.conformance or session.exitstatus == pytest.ExitCode.USAGE_ERROR:
        return (yield)
    halt = run.halt
    if halt.signals is not None:
        halt.signals.quiet = True  # from here to the end, a signal is noted, never raised
        halt.interrupted = halt.interrupted or halt.signals.why
    _judge(session)
    return (yield)


def _judge(session: pytest.Session) -> None:
    config = session.config
    run = state(config)
    halt, records = run.halt, run.records
    if session.shouldstop and not halt.interrupted:
        halt.stopped = str(session.shouldstop)
    unrun = session.items
    if hasattr(config, "workerinput"):
        # an xdist worker collects every test but runs the controllers scheduled to it, each
        # whole: it answers for the controllers it began, the others' workers for theirs
        begun = {r.bench for r in records.values()}
        unrun = [item for item in unrun if bench_of(item) in begun]
    for item in unrun:
        record = records.get(item.nodeid) or _record_for(item)
        if not record.outcome:  # never begun, or cut off by the interrupt
            untestable = benches(config)[record.bench].untestable
            record.outcome = "skipped"
            record.message = f"not tested: {halt.why(untestable)}"
            if not untestable:
                halt.unfinished[record.bench] = halt.unfinished.get(record.bench, 0) + 1
    bench = only(config)
    if bench.settings.record is not None and bench.target is not None:
        record_capture(bench.target, bench.settings.record)
    for b in benches(config).values():
        mine = [r for r in records.values() if r.bench == b.name]
        b.decision = decide(facts(session, b, mine))
    if session.exitstatus in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        return  # pytest's own trouble keeps pytest's code
    decisions = [b.decision for b in benches(config).values() if b.decision is not None]
    worst = min(decisions, key=lambda d: SEVERITY.index(d.verdict))
    session.exitstatus = worst.exit_code  # a lab's collector may refine it from the fleet


def _without_lineless(tb: TracebackType | None) -> None:
    """Unlink the traceback entries whose line number is None (the first stays: it is the
    outermost frame, pytest's own, which always has one)."""
    while tb is not None:
        following = tb.tb_next
        while following is not None and following.tb_lineno is None:
            following = following.tb_next
        tb.tb_next = following
        tb = following


def facts(session: pytest.Session, bench: Bench, records: list[Record]) -> Facts:
    """What the verdict of one controller rests on."""
    config = session.config
    halt = state(config).halt
    scope = state(config).scope or run_scope(session)
    cut = deadline_cut(config)
    engine, engine_exit = "", 0
    if session.exitstatus == pytest.ExitCode.INTERRUPTED and not halt.interrupted:
        engine = "pytest stopped before the checks: the suites could not be collected"
        engine_exit = int(pytest.ExitCode.INTERRUPTED)
    elif session.exitstatus == pytest.ExitCode.INTERNAL_ERROR:
        engine = "an internal error stopped the run (the terminal shows it)"
        engine_exit = int(pytest.ExitCode.INTERNAL_ERROR)
    client = bench.target.client if bench.target is not None else None
    return Facts.of(
        (r.outcome for r in records),
        stale_waivers=len(bench.waivers.stale()),
        expired_waivers=len(bench.waivers.expired()),
        complete=bool(scope["complete"]),
        selection=scope["selection"],
        deadline=cut,
        interrupted=halt.interrupted or halt.walk_stopped,
        unfinished=halt.unfinished.get(bench.name, 0),
        stopped=halt.stopped,
        lost=(client.lost or "") if client is not None else "",
        unanswered=client.unanswered if client is not None else 0,
        unanswered_error=client.first_unanswered if client is not None else "",
        untestable=bench.untestable,
        unwalked=bench.unwalked,
        engine=engine,
        engine_exit=engine_exit,
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(RUN, None)
    if run is None:
        return
    close = getattr(run.operator, "close", None)
    if close is not None:
        close()  # the terminal a --guided run opened
    for bench in run.benches.values():
        if bench.target is not None:
            bench.target.client.close()
            if bench.target.simulator is not None:
                bench.target.simulator.stop()


@pytest.fixture(scope="session")
def bench(request: pytest.FixtureRequest) -> Bench:
    """The controller a test judges: a plain run's one, or (a parameter) one of a lab's."""
    return benches(request.config)[getattr(request, "param", "")]


@pytest.fixture(scope="session")
def controller(pytestconfig: pytest.Config, bench: Bench) -> Target:
    return _target(pytestconfig, bench)


@pytest.fixture(autouse=True)
def _embedded_simulator_errors(pytestconfig: pytest.Config) -> Iterator[None]:
    """An exception in the embedded simulator's server thread fails the test that met it."""
    yield
    run = pytestconfig.stash.get(RUN, None)
    for bench in run.benches.values() if run is not None else ():
        if bench.target is not None and bench.target.simulator is not None:
            bench.target.simulator.raise_errors()


@pytest.fixture(scope="session")
def cat(bench: Bench) -> Catalogue:
    """The catalogue as the controller's profile expects it."""
    return bench.cat


@pytest.fixture(scope="session")
def declaration(bench: Bench) -> Declaration:
    """What the controller's model implements (tests asking for it run only where one is)."""
    if bench.declaration is None:
        pytest.skip(f"not tested: {UNDECLARED}")
    return bench.declaration


@pytest.fixture(scope="session")
def settings(bench: Bench) -> Settings:
    return bench.settings


@pytest.fixture(scope="session")
def client(controller: Target) -> Client:
    return controller.client


@pytest.fixture(scope="session")
def full_state(controller: Target) -> observe.Observed:
    """full_state as first read (the preflight's answer): one read serves every family."""
    assert controller.first is not None
    return controller.first


READS = 3  # full_state reads every key must be in: a key missing now and then shows


@pytest.fixture(scope="session")
def full_state_reads(controller: Target, cat: Catalogue) -> list[observe.Observed]:
    """The first read (the preflight's) and two more, one after the other."""
    assert controller.first is not None
    more = [observe.full_state(controller.client, cat) for _ in range(READS - 1)]
    return [controller.first, *more]


@pytest.fixture(scope="session")
def per_key(controller: Target, cat: Catalogue) -> observe.PerKey:
    return observe.per_key(controller.client, cat)


@pytest.fixture(scope="session")
def samples(
    controller: Target,
    settings: Settings,
    bench: Bench,
    sim_control: tuple[SimControl | None, str],
) -> list[Sample]:
    """full_state over --sample-seconds of the device's time: a simulator's clock is run fast
    meanwhile (its seconds in a fraction of ours), a real controller's time is ours."""
    if settings.replay is not None:
        pytest.skip(
            "not testable here because the target replays a recorded capture, which does not "
            "change over time"
        )
    with device_time(sim_control[0]) as rate:
        bench.samples = observe.samples(controller.client, settings.sample_seconds, rate=rate)
    return bench.samples  # the report charts them


@pytest.fixture(scope="session")
def sim_control(controller: Target) -> tuple[SimControl | None, str]:
    return find_control(controller.client)


@pytest.fixture(scope="session")
def operator(pytestconfig: pytest.Config) -> Operator | None:
    """The person of a --guided run; None otherwise."""
    return state(pytestconfig).operator


@pytest.fixture
def verdict(request: pytest.FixtureRequest, bench: Bench) -> Callable[[list[Finding]], None]:
    """``verdict(findings)``: pass, fail with the findings, waive, or skip with the reason."""
    record = request.node.stash.setdefault(FINDINGS, [])
    _, checks, keys = describe(request.node)
    scope = bench.waivers.scope(checks, keys)
    return lambda findings: _outcome(conclude(findings, bench.cat, record, scope))


def _outcome(conclusion: Conclusion) -> None:
    """A check's conclusion as pytest's outcome: fail, xfail, skip, or pass; the advisory
    findings and information as warnings."""
    for note in conclusion.warnings:
        warnings.warn(note, stacklevel=3)
    if conclusion.kind is Kind.FAILED:
        pytest.fail(conclusion.message, pytrace=False)
    if conclusion.kind is Kind.WAIVED:
        pytest.xfail(conclusion.message)
    if conclusion.kind is Kind.NOT_TESTED:
        pytest.skip(conclusion.message)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A check skipped through ``verdict`` is reported at the test, not inside the plugin; the
    test's record gets its findings, and the report collector every phase's report."""
    report = yield
    findings = item.stash.get(FINDINGS, [])
    # once judged, a finding keeps an excerpt of its exchange: the whole session holds them
    findings[:] = [replace(f, exchange=f.exchange.slim()) if f.exchange else f for f in findings]
    run = item.config.stash.get(RUN, None)
    if run is not None and run.conformance:
        record = _record_for(item)
        record.findings = findings
        record.driver = item.stash.get(DRIVEN_BY, "")
        if WALK_STOPPED in item.stash and not run.halt.walk_stopped:
            run.halt.walk_stopped = item.stash[WALK_STOPPED]
    if run is not None and run.collector is not None:
        run.collector.attach(report, findings)
    if report.skipped and isinstance(report.longrepr, tuple):
        path, _, reason = report.longrepr
        if str(path).endswith(("outcome.py", "plugin.py")):
            where, line, _ = item.reportinfo()
            report.longrepr = (str(where), (line or 0) + 1, reason)
    return report


def _record_for(item: pytest.Item) -> Record:
    """The test's record, made on first sight; its outcome stays empty until a phase decides
    it (a test the run never finished is then reported as not tested)."""
    records = state(item.config).records
    record = records.get(item.nodeid)
    if record is None:
        family, checks, keys = describe(item)
        record = Record(item.nodeid, item.name, family, checks, keys, "", bench=bench_of(item))
        records[item.nodeid] = record
    return record


def _bench_in(config: pytest.Config, name: str) -> str:
    """The controller a test id names (a lab's xdist controller process sees only reports)."""
    params = name.partition("[")[2].rstrip("]")
    for bench_name in sorted(benches(config), key=len, reverse=True):
        if params == bench_name or params.startswith(bench_name + "-"):
            return bench_name
    return ""


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    run = config.stash.get(RUN, None)
    if run is None or not run.conformance:
        return
    if is_lab(config):
        _lab_summary(terminalreporter, config)
        return
    bench = only(config)
    target, decision = bench.target, bench.decision
    if target is None and decision is None:
        return
    terminalreporter.write_sep("-", "ccrest")
    if target is not None:
        terminalreporter.write_line(f"target: {target.description} {_who(target)}".rstrip())
    profile, declared = bench.profile, bench.declaration
    words = f"{declared.words()} ({declared.source})" if declared else UNDECLARED
    terminalreporter.write_line(f"declaration: {words}")
    terminalreporter.write_line(f"profile: {profile.name} ({profile.source})")
    for waiver in bench.waivers.stale():
        terminalreporter.write_line(
            f"waiver no longer needed (the deviation did not occur; remove it): "
            f"{waiver.describe()}",
            red=True,
        )
    for waiver in bench.waivers.expired():
        terminalreporter.write_line(
            f"waiver expired on {waiver.expires} (it waives nothing now: fix the deviation, or "
            f"extend it with a reason): {waiver.describe()}",
            red=True,
        )
    if target is not None:
        line = f"HTTP requests to the controller: {target.client.requests}"
        if target.client.resent:
            line += (
                f" ({target.client.resent} sent again on a new connection: the controller had "
                "closed a kept-alive one before answering)"
            )
        if target.client.gone:
            line += f" (stopped sending: {target.client.gone})"
        terminalreporter.write_line(line)
    if decision is not None:
        verdict = decision.verdict
        words = explain(verdict, decision.reason, run.scope) or decision.reason
        terminalreporter.write_line(
            f"verdict: {decision.words}" + (f" - {words}" if words else ""),
            bold=True,
            red=verdict in (Verdict.DOES_NOT_CONFORM, Verdict.NOT_TESTABLE, Verdict.INTERRUPTED),
            yellow=verdict in (Verdict.PARTIAL, Verdict.NOT_TESTED),
            green=verdict is Verdict.CONFORMS,
        )
    if run.collector is not None:
        html = getattr(config.option, "htmlpath", None)
        elsewhere = html and Path(html) != run.collector.folder / "conformance.html"
        terminalreporter.write_line(
            f"reports: {run.collector.folder}/conformance.*"
            + (f"; HTML: {html}" if elsewhere else "")
        )


def _who(target: Target) -> str:
    values = target.first.values if target.first else {}
    return " ".join(
        str(values[k]) for k in ("cp_vendor", "cp_model", "firmware_ver") if k in values
    )


def _lab_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """One line per controller, then the fleet's: read from the fleet summary, which the
    process that saw every controller's reports (xdist's controller, or the only one) wrote."""
    collector = state(config).collector
    fleet = collector.fleet if collector is not None else None
    if collector is None or fleet is None:
        return
    terminalreporter.write_sep("-", "ccrest lab")
    for d in fleet["devices"]:
        identity = " ".join(d.get(k, "") for k in ("url", "vendor", "model", "firmware"))
        why = d.get("untestable") or d.get("reason")
        terminalreporter.write_line(
            f"{d['name']}: {' '.join(identity.split())}: {WORDS[Verdict(d['verdict'])]}"
            + (f" ({why})" if why else "")
            + f"; {d['http_requests']} requests",
            red=d["verdict"] in ("does-not-conform", "not-testable"),
        )
    terminalreporter.write_line(
        f"fleet: {WORDS[Verdict(fleet['verdict'])]}; reports: {collector.folder}/<name>/, "
        f"{collector.folder}/fleet.*",
        bold=True,
    )
