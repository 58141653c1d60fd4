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

import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from ccrest import observe
from ccrest.client import Client
from ccrest.configure import benches_from, mask_debug_log, operator_for, refuse_foreign_engines
from ccrest.findings import Finding
from ccrest.options import pytest_addoption  # noqa: F401 - the hook, registered with the plugin
from ccrest.run import (
    BENCHES,
    COLLECTOR,
    CUT_SHORT,
    DESELECTED,
    EXIT_DEADLINE,
    FAMILIES,
    FINDINGS,
    OPERATOR,
    RUN_ENDS,
    SCOPE,
    Bench,
    Settings,
    Target,
    bench_of,
    benches,
    deadline_cut,
    deadline_words,
    describe,
    is_conformance_run,
    is_lab,
    only,
    run_scope,
)
from ccrest.simctl import SimControl, find_control
from ccrest.spec import Catalogue
from ccrest.target import open_target, record_capture
from ccrest.verdict import conclude


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
    config.stash[BENCHES] = benches_from(config)
    mask_debug_log(config, [b.settings.password for b in benches(config).values()])
    operator = operator_for(config, only(config).settings)
    if operator is not None:
        config.stash[OPERATOR] = operator
    if config.inipath is None and (config.invocation_params.dir / "suites").is_dir():
        raise pytest.UsageError(
            f"pytest took {config.rootpath} for the project: it does so with the folder of an "
            "existing file or folder given to an option after a space. Write the option with "
            "'=' (--replay=FILE, --report-dir=DIR) or use a path inside the checkout"
        )
    if is_conformance_run(config) and not config.option.no_reports:
        _set_up_reports(config)


def _set_up_reports(config: pytest.Config) -> None:
    from ccrest.report.collector import ReportCollector

    directory = config.rootpath / config.option.report_dir
    if is_lab(config):  # each controller's four reports are written by the collector
        collector = ReportCollector(config, directory / "fleet.json", directory / "fleet.md")
        config.stash[COLLECTOR] = collector
        config.pluginmanager.register(collector, "ccrest-report")
        return
    if getattr(config.option, "htmlpath", "missing") is None:
        config.option.htmlpath = str(directory / "conformance.html")
        config.option.self_contained_html = True
    if config.option.xmlpath is None:
        config.option.xmlpath = str(directory / "conformance.xml")
    collector = ReportCollector(
        config, directory / "conformance.json", directory / "conformance.md"
    )
    config.stash[COLLECTOR] = collector
    config.pluginmanager.register(collector, "ccrest-report")


@pytest.hookimpl(tryfirst=True)  # before pytest's own, so the ids read [bench-3-conn_state]
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """In a lab run, every test that judges a controller runs once per controller."""
    if "bench" in metafunc.fixturenames and is_lab(metafunc.config):
        names = list(benches(metafunc.config))
        metafunc.parametrize("bench", names, indirect=True, scope="session", ids=names)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """With -n, a lab's controller is one unit of work: one worker checks it, in order."""
    if is_lab(config):
        from ccrest.lab import ControllerScheduling

        return ControllerScheduling(config, log, benches(config))
    return None


@pytest.hookimpl(trylast=True)  # after pytest grouped the items by their session parameters
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each controller's checks together, in inventory order; within them, the states family
    (which drives the device) after every family that only watches."""
    order = {name: i for i, name in enumerate(benches(config))}
    items.sort(
        key=lambda item: (
            order.get(bench_of(item), 0),
            item.get_closest_marker("states") is not None,
        )
    )


# -- the target ---------------------------------------------------------------------------------


def pytest_sessionstart(session: pytest.Session) -> None:
    """The run deadline binds conformance runs (not ccrest's own self-tests under tests/)."""
    if is_conformance_run(session.config):
        ends = time.monotonic() + only(session.config).settings.run_deadline
        session.config.stash[RUN_ENDS] = ends


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A check not begun by the run deadline is not tested, with the reason."""
    ends = item.config.stash.get(RUN_ENDS, None)
    if ends is not None and time.monotonic() >= ends:
        item.config.stash.setdefault(CUT_SHORT, [0])[0] += 1
        pytest.skip(f"not tested: {deadline_words(only(item.config).settings)}")


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        items[0].config.stash.setdefault(DESELECTED, [0])[0] += len(items)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Preflight before the first test, if any collected test talks to the controller."""
    session.config.stash[SCOPE] = run_scope(session)
    if is_lab(session.config):
        return  # each controller's preflight is its own, where its checks run
    if any("controller" in getattr(item, "fixturenames", ()) for item in session.items):
        open_target(session.config, only(session.config))


def pytest_sessionfinish(session: pytest.Session) -> None:
    bench = only(session.config)
    if bench.settings.record is not None and bench.target is not None:
        record_capture(bench.target, bench.settings.record)
    stale = any(b.waivers.stale() for b in benches(session.config).values())
    if stale and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a waiver must not outlive its cause
    if deadline_cut(session.config) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = EXIT_DEADLINE  # not every check ran: no green run


def pytest_unconfigure(config: pytest.Config) -> None:
    close = getattr(config.stash.get(OPERATOR, None), "close", None)
    if close is not None:
        close()  # the terminal a --guided run opened
    for bench in config.stash.get(BENCHES, {}).values():
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
    return open_target(pytestconfig, bench)


@pytest.fixture(autouse=True)
def _embedded_simulator_errors(pytestconfig: pytest.Config) -> Iterator[None]:
    """An exception in the embedded simulator's server thread fails the test that met it."""
    yield
    for bench in pytestconfig.stash.get(BENCHES, {}).values():
        if bench.target is not None and bench.target.simulator is not None:
            bench.target.simulator.raise_errors()


@pytest.fixture(scope="session")
def cat(bench: Bench) -> Catalogue:
    """The catalogue as the controller's profile expects it."""
    return bench.cat


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


@pytest.fixture(scope="session")
def per_key(controller: Target, cat: Catalogue) -> observe.PerKey:
    return observe.per_key(controller.client, cat)


@pytest.fixture(scope="session")
def samples(controller: Target, settings: Settings, bench: Bench) -> list:
    if settings.replay is not None:
        pytest.skip(
            "not testable here because the target replays a recorded capture, which does not "
            "change over time"
        )
    bench.samples = observe.samples(controller.client, settings.sample_seconds)
    return bench.samples  # the report charts them


@pytest.fixture(scope="session")
def sim_control(controller: Target) -> tuple[SimControl | None, str]:
    return find_control(controller.client)


@pytest.fixture(scope="session")
def operator(pytestconfig: pytest.Config) -> object | None:
    """The person of a --guided run (``ccrest.guided.Operator``); None otherwise."""
    return pytestconfig.stash.get(OPERATOR, None)


@pytest.fixture
def verdict(request: pytest.FixtureRequest, bench: Bench) -> Callable[[list[Finding]], None]:
    """``verdict(findings)``: pass, fail with the findings, waive, or skip with the reason."""
    record = request.node.stash.setdefault(FINDINGS, [])
    _, checks, keys = describe(request.node)
    scope = bench.waivers.scope(checks, keys)
    return lambda findings: conclude(findings, bench.cat, record, scope)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A check skipped through ``verdict`` is reported at the test, not inside the plugin; and
    the report collector gets the test's findings with every phase's report."""
    report = yield
    findings = item.stash.get(FINDINGS, [])
    # once judged, a finding keeps an excerpt of its exchange: the whole session holds them
    findings[:] = [replace(f, exchange=f.exchange.slim()) if f.exchange else f for f in findings]
    collector = item.config.stash.get(COLLECTOR, None)
    if collector is not None:
        collector.attach(item, report, findings)
    if report.skipped and isinstance(report.longrepr, tuple):
        path, _, reason = report.longrepr
        if str(path).endswith(("verdict.py", "plugin.py")):
            where, line, _ = item.reportinfo()
            report.longrepr = (str(where), (line or 0) + 1, reason)
    return report


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    from ccrest.report.markdown import VERDICTS, scope_words

    if is_lab(config):
        _lab_summary(terminalreporter, config)
        return
    bench = only(config)
    target = bench.target
    collector = config.stash.get(COLLECTOR, None)
    summary = collector.summary if collector is not None else None
    if target is None and summary is None:
        return
    terminalreporter.write_sep("-", "ccrest")
    if target is not None:
        terminalreporter.write_line(f"target: {target.description} {_who(target)}".rstrip())
    profile = bench.profile
    terminalreporter.write_line(f"profile: {profile.name} ({profile.source})")
    for waiver in bench.waivers.stale():
        terminalreporter.write_line(
            f"waiver no longer needed (the deviation did not occur; remove it): "
            f"{waiver.describe()}",
            red=True,
        )
    if target is not None:
        line = f"HTTP requests to the controller: {target.client.requests}"
        if target.client.gone:
            line += f" (stopped sending: {target.client.gone})"
        terminalreporter.write_line(line)
    if summary is not None:
        verdict = summary["verdict"]
        terminalreporter.write_line(
            f"verdict: {VERDICTS[verdict]}"
            + (f" - {scope_words(summary)}" if scope_words(summary) else ""),
            bold=True,
            red=verdict in ("does-not-conform", "not-testable"),
            yellow=verdict in ("partial", "not-tested"),
            green=verdict == "conforms",
        )
        terminalreporter.write_line(f"reports: {collector.json_path.parent}/conformance.*")


def _who(target: Target) -> str:
    values = target.first.values if target.first else {}
    return " ".join(
        str(values[k]) for k in ("cp_vendor", "cp_model", "firmware_ver") if k in values
    )


def _lab_summary(terminalreporter, config: pytest.Config) -> None:
    """One line per controller, then the fleet's: read from the fleet summary, which the
    process that saw every controller's reports (xdist's controller, or the only one) wrote."""
    from ccrest.report.markdown import VERDICTS

    collector = config.stash.get(COLLECTOR, None)
    fleet = getattr(collector, "fleet", None)
    if fleet is None:
        return
    terminalreporter.write_sep("-", "ccrest lab")
    for d in fleet["devices"]:
        identity = " ".join(d.get(k, "") for k in ("url", "vendor", "model", "firmware"))
        terminalreporter.write_line(
            f"{d['name']}: {' '.join(identity.split())}: {VERDICTS[d['verdict']]}"
            + (f" ({d['untestable']})" if d.get("untestable") else "")
            + f"; {d['http_requests']} requests",
            red=d["verdict"] in ("does-not-conform", "not-testable"),
        )
    terminalreporter.write_line(
        f"fleet: {VERDICTS[fleet['verdict']]}; reports: {collector.lab_dir}/<name>/, "
        f"{collector.lab_dir}/fleet.*",
        bold=True,
    )
