"""The pytest plugin behind the conformance suites: options, the target, observations, verdicts.

Loaded by the top-level conftest.py (``pytest_plugins``). With no --controller-url it starts
the bundled simulator in-process on a free port, charging a vehicle so that every family has
something to judge; with one it talks to that controller, live or simulated, the same way.
Before any check, one preflight request makes sure the device can be tested at all: an
unreachable controller, refused credentials or a switched-off REST interface end the run with
one message and exit code 6, instead of hundreds of identical failures.
"""

from __future__ import annotations

import math
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ccrest import observe, profiles
from ccrest.client import Client, ClientError, check_url
from ccrest.findings import Finding
from ccrest.options import pytest_addoption  # noqa: F401 - the hook, registered with the plugin
from ccrest.profiles import Profile
from ccrest.simctl import SimControl, find_control
from ccrest.spec import Catalogue, catalogue
from ccrest.verdict import WaiverLedger, conclude

if TYPE_CHECKING:
    pass

EXIT_UNTESTABLE = 6
EXIT_DEADLINE = 7  # the run deadline passed before every check ran
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

SETTINGS = pytest.StashKey["Settings"]()
TARGET = pytest.StashKey["Target"]()
FINDINGS = pytest.StashKey[list[Finding]]()
CATALOGUE = pytest.StashKey[Catalogue]()  # the specification as the profile in force expects it
PROFILE = pytest.StashKey[Profile]()
WAIVERS = pytest.StashKey["WaiverLedger"]()
COLLECTOR = pytest.StashKey["ReportCollector"]()
SCOPE = pytest.StashKey[dict]()  # what this run selected: whole suite, or which part
DESELECTED = pytest.StashKey[list[int]]()
RUN_ENDS = pytest.StashKey[float]()  # monotonic time of the run deadline
CUT_SHORT = pytest.StashKey[list[int]]()  # checks the run deadline left not tested


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

    @property
    def embedded(self) -> bool:
        return self.url is None


@dataclass
class Target:
    """The controller under test and the one client that talks to it."""

    url: str
    client: Client
    settings: Settings
    simulator: object | None = None  # the embedded ccrest.simulator.Simulator, if any
    first: observe.Observed | None = None

    @property
    def description(self) -> str:
        if self.settings.replay is not None:
            return f"{self.url} (replaying {self.settings.replay.name})"
        return f"{self.url} ({'bundled simulator' if self.simulator else 'controller'})"


def _settings(config: pytest.Config) -> Settings:
    opt = config.option
    # --replay wins over a CC_URL in the environment, not over an explicit --controller-url
    given = opt.controller_url if opt.controller_url is not None else os.environ.get("CC_URL")
    if opt.replay and opt.controller_url is None:
        given = None  # --replay wins over a CC_URL in the environment
    if given is not None and not given.strip():
        where = "--controller-url" if opt.controller_url is not None else "CC_URL"
        raise pytest.UsageError(
            f"{where} is empty: give the controller's http://HOST[:PORT], or leave it out "
            "(unset CC_URL) to test the bundled simulator"
        )
    url = given or None
    username = opt.username or os.environ.get("CC_USERNAME") or "operator"
    password = opt.password or os.environ.get("CC_PASSWORD")
    replay = Path(opt.replay).resolve() if opt.replay else None
    if replay is not None:
        if url is not None:
            raise pytest.UsageError("--replay and --controller-url exclude each other: pick one")
        if not replay.is_file():
            raise pytest.UsageError(f"--replay {opt.replay}: no such file")
    if url is not None:
        try:
            url = check_url(url)
        except ClientError as exc:
            raise pytest.UsageError(str(exc)) from None
        if password is None:
            raise pytest.UsageError(
                "a controller needs a password: give --password or set CC_PASSWORD"
            )
    elif username not in ("operator", "manufacturer"):
        raise pytest.UsageError(
            f"--username {username!r}: the bundled simulator knows the roles operator and "
            "manufacturer (give --controller-url to test another device)"
        )
    for name, value, low in (
        ("--timeout", opt.timeout, 0.0),
        ("--sample-seconds", opt.sample_seconds, None),
        ("--run-deadline", opt.run_deadline, 0.0),
    ):
        if not math.isfinite(value) or value < 0 or (low is not None and value <= low):
            more = "more than 0" if low is not None else "0 or more"
            raise pytest.UsageError(f"{name} {value}: give a finite number of seconds, {more}")
    if password is not None and opt.auth_scheme == "doc-headers":
        try:
            password.encode("latin-1")
        except UnicodeEncodeError:
            raise pytest.UsageError(
                "the password holds characters outside Latin-1, which the Password header of "
                "--auth-scheme doc-headers cannot carry; use --auth-scheme basic (RFC 7617 "
                "sends it as UTF-8) or a password the controller accepts in a header"
            ) from None
    record = Path(opt.record).resolve() if opt.record else None
    if record is not None:
        _writable(record, "--record")
    return Settings(
        url=url,
        username=username,
        password=password or secrets.token_urlsafe(12),
        scheme=opt.auth_scheme,
        rest_mode=opt.rest_mode,
        timeout=opt.timeout,
        sample_seconds=opt.sample_seconds,
        allow_anonymous=opt.allow_anonymous,
        run_deadline=opt.run_deadline,
        replay=replay,
        record=record,
    )


def _refuse_foreign_engines(config: pytest.Config) -> None:
    """Plugins that would change what a conformance run means are refused, with the reason."""
    if getattr(config.option, "numprocesses", None) and _is_conformance_run(config):
        raise pytest.UsageError(
            "-n (pytest-xdist): one controller must not see parallel requests, and the suite "
            "runs its checks in order; run without -n"
        )
    if getattr(config.option, "reruns", 0) and _is_conformance_run(config):
        raise pytest.UsageError(
            "--reruns (pytest-rerunfailures): a conformance verdict is never retried into "
            "green; run without --reruns"
        )


def _mask_debug_log(config: pytest.Config, password: str) -> None:
    """pytest --debug wrote the command line, --password included, to its log before any
    plugin ran: mask what is written (byte for byte, so pytest's own handle stays in place)
    and every line it writes from now on. Better still: give the password by CC_PASSWORD."""
    root = config.trace.root
    writer = getattr(root, "_writer", None)
    log = getattr(writer, "__self__", None)
    if not config.option.debug or not password or log is None or not hasattr(log, "flush"):
        return
    log.flush()
    secret = password.encode("utf-8")
    with open(log.name, "r+b") as raw:
        data = raw.read()
        if secret in data:
            raw.seek(0)
            raw.write(data.replace(secret, b"*" * len(secret)))
    root.setwriter(lambda text: writer(text.replace(password, "*" * len(password))))


def _writable(path: Path, option: str) -> None:
    """Fail before the first request, not after the run, when a file cannot be written."""
    folder = path.parent
    if not folder.is_dir():
        raise pytest.UsageError(f"{option} {path}: the folder {folder} does not exist; create it")
    if (
        path.is_dir()
        or not os.access(folder, os.W_OK)
        or (path.exists() and not os.access(path, os.W_OK))
    ):
        raise pytest.UsageError(f"{option} {path}: cannot write there; give a writable file")


@pytest.hookimpl(tryfirst=True)  # before junitxml and pytest-html read their paths
def pytest_configure(config: pytest.Config) -> None:
    for name, what in FAMILIES.items():
        config.addinivalue_line("markers", f"{name}: {what}")
    config.addinivalue_line(
        "markers",
        "check(*ids, keys=()): the check IDs (schemas/checks.json) a test reports, and the "
        "documented keys it is about",
    )
    _refuse_foreign_engines(config)
    config.stash[SETTINGS] = _settings(config)
    _mask_debug_log(config, config.stash[SETTINGS].password)
    try:
        profile = profiles.load(config.option.profile, catalogue())
    except profiles.ProfileError as exc:
        raise pytest.UsageError(f"--profile: {exc}") from None
    config.stash[PROFILE] = profile
    config.stash[CATALOGUE] = profile.apply(catalogue())
    config.stash[WAIVERS] = WaiverLedger(profile.waivers)
    if config.inipath is None and (config.invocation_params.dir / "suites").is_dir():
        raise pytest.UsageError(
            f"pytest took {config.rootpath} for the project: it does so with the folder of an "
            "existing file or folder given to an option after a space. Write the option with "
            "'=' (--replay=FILE, --report-dir=DIR) or use a path inside the checkout"
        )
    if _is_conformance_run(config) and not config.option.no_reports:
        _set_up_reports(config)


def _is_conformance_run(config: pytest.Config) -> bool:
    """A run of the suites (not of ccrest's own self-tests under tests/) writes reports."""
    own_tests = config.rootpath / "tests"
    for arg in config.args:
        path = (config.invocation_params.dir / arg.split("::", 1)[0]).resolve()
        if not path.is_relative_to(own_tests):
            return True
    return False


def _set_up_reports(config: pytest.Config) -> None:
    from ccrest.report.collector import ReportCollector

    directory = config.rootpath / config.option.report_dir
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The states family drives the device, so it runs after every family that only watches."""
    items.sort(key=lambda item: item.get_closest_marker("states") is not None)


# -- the target ---------------------------------------------------------------------------------


def _start_embedded(settings: Settings) -> object:
    from ccrest.simulator import Credentials, DeviceConfig, Simulator

    passwords = {"operator": "operator-pw", "manufacturer": "manufacturer-pw"}
    passwords[settings.username] = settings.password
    from ccrest.simulator.sources import ReplayError

    try:
        sim = Simulator(
            DeviceConfig(rest_mode=settings.rest_mode),
            credentials=Credentials(**passwords),
            port=0,
            speed=1.0,
            replay=settings.replay,
            rest_mode=settings.rest_mode,
        ).start()
    except ReplayError as exc:
        raise pytest.UsageError(f"--replay: {exc}") from None
    if sim.device is not None:
        sim.device.plug(max_current=16)  # a session in progress: every family has data to judge
        sim.device.present_card(EMBEDDED_CARD)
    return sim


def _preflight(target: Target, config: pytest.Config) -> observe.Observed:
    """Can the device be tested at all? If not, end the run with one clear message."""
    s = target.settings
    first = observe.full_state(target.client, config.stash[CATALOGUE])
    ex = first.exchange
    where = f"{target.url}/rest/full_state"
    reason = None
    if ex.transport_failed:
        reason = (
            f"cannot reach the controller at {target.url}: {ex.error}. Check the address, that "
            "the controller is powered and reachable from this machine, and --timeout"
        )
    elif ex.status in (401, 403):
        reason = (
            f"{where} refused the credentials of {s.username!r} ({ex.status}) with the "
            f"{s.scheme} scheme. Check --username and --password (or CC_USERNAME, CC_PASSWORD) "
            "and --auth-scheme"
        )
    elif ex.status == 404:
        reason = (
            f"{where} answered 404: the REST interface looks switched off. Enable it in the "
            "Config UI (SYSTEM / General: REST interface = Enabled (without UID)), or check "
            "--controller-url"
        )
    if reason:
        message = f"ccrest: not testable: {target.client.redact(reason)}"
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(message, red=True, bold=True)
        else:
            print(message, file=sys.stderr)
        pytest.exit(f"the controller could not be tested (exit {EXIT_UNTESTABLE})", EXIT_UNTESTABLE)
    return first


def _open_target(config: pytest.Config) -> Target:
    """Start the embedded simulator if needed, open the client, and run the preflight."""
    target = config.stash.get(TARGET, None)
    if target is not None:
        return target
    settings = config.stash[SETTINGS]
    sim = _start_embedded(settings) if settings.embedded else None
    url = sim.url if sim is not None else settings.url
    client = Client(url, settings.username, settings.password, settings.scheme, settings.timeout)
    client.stop_at = config.stash.get(RUN_ENDS, None)
    client.stop_reason = _deadline_words(settings)
    target = config.stash[TARGET] = Target(url, client, settings, sim)
    target.first = _preflight(target, config)
    return target


def _deadline_words(settings: Settings) -> str:
    return (
        f"the run deadline passed (--run-deadline {settings.run_deadline:g} s); "
        "raise it for a slow controller"
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """The run deadline binds conformance runs (not ccrest's own self-tests under tests/)."""
    if _is_conformance_run(session.config):
        ends = time.monotonic() + session.config.stash[SETTINGS].run_deadline
        session.config.stash[RUN_ENDS] = ends


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A check not begun by the run deadline is not tested, with the reason."""
    ends = item.config.stash.get(RUN_ENDS, None)
    if ends is not None and time.monotonic() >= ends:
        item.config.stash.setdefault(CUT_SHORT, [0])[0] += 1
        pytest.skip(f"not tested: {_deadline_words(item.config.stash[SETTINGS])}")


def deadline_cut(config: pytest.Config) -> str:
    """In words, how the run deadline cut the run short; empty when it did not."""
    skipped = config.stash.get(CUT_SHORT, [0])[0]
    target = config.stash.get(TARGET, None)
    stopped = target is not None and target.client.gone == target.client.stop_reason
    if not skipped and not stopped:
        return ""
    settings = config.stash[SETTINGS]
    return (
        f"the run deadline ({settings.run_deadline:g} s) passed: {skipped} checks were not "
        "begun and are not tested"
    )


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        items[0].config.stash.setdefault(DESELECTED, [0])[0] += len(items)


def run_scope(session: pytest.Session) -> dict:
    """Which part of the suite this run holds. Only a run of every family with nothing
    deselected (-m, -k, --deselect, a file or test id) judges the device as a whole."""
    from ccrest.report.collector import describe

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


def pytest_collection_finish(session: pytest.Session) -> None:
    """Preflight before the first test, if any collected test talks to the controller."""
    session.config.stash[SCOPE] = run_scope(session)
    if any("controller" in getattr(item, "fixturenames", ()) for item in session.items):
        _open_target(session.config)


def pytest_sessionfinish(session: pytest.Session) -> None:
    settings, target = session.config.stash[SETTINGS], session.config.stash.get(TARGET, None)
    if settings.record is not None and target is not None:
        _record(target, settings.record)
    if session.config.stash[WAIVERS].stale() and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a waiver must not outlive its cause
    if deadline_cut(session.config) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = EXIT_DEADLINE  # not every check ran: no green run


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


def _record(target: Target, path: Path) -> None:
    """The first full_state and each key's first 200 answer, as a capture (no credentials:
    bodies were masked when recorded, and no request header is kept).

    A live key's own answer is kept only where it disagreed with the full_state read around
    it, to reproduce that problem; where it agreed, the replay derives it from full_state, so
    that a counter that moved between two reads does not look like a fault in the replay.
    """
    from ccrest import capture
    from ccrest.checks.perkey import matches_full_state
    from ccrest.wire import parse_full_state, parse_key_value

    cat = catalogue()
    first = target.first.exchange if target.first else None
    if first is None or first.status != 200:
        return
    gets = [ex for ex in target.client.history if ex.method == "GET" and ex.status == 200]
    states = [(i, ex) for i, ex in enumerate(gets) if ex.url.endswith("/rest/full_state")]

    def state_near(i: int, step: int) -> Mapping[str, object]:
        """The full_state read just before (step -1) or just after (step 1) answer i."""
        near = [ex for j, ex in states if (j - i) * step > 0]
        ex = (near[-1] if step < 0 else near[0]) if near else first
        return parse_full_state(ex.body, ex.content_type).values

    keys: dict[str, tuple[bytes, str]] = {}
    seen: set[str] = set()
    for i, ex in enumerate(gets):
        name = ex.url.rsplit("/rest/", 1)[-1] if "/rest/" in ex.url else ""
        if name not in cat or name in seen:
            continue
        seen.add(name)
        spec = cat.key(name)
        value = parse_key_value(ex.body, ex.content_type, key=name).value
        agrees = not matches_full_state(spec, state_near(i, -1), value, state_near(i, 1))
        if not (spec.dynamic and agrees):
            keys[name] = (ex.body, ex.content_type or "")
    values = target.first.values
    identity = {k: str(values[k]) for k in ("cp_vendor", "cp_model", "firmware_ver") if k in values}
    capture.write(
        path,
        (first.body, first.content_type or ""),
        keys,
        target={"url": target.url, **identity},
        note=f"recorded by ccrest from {target.url}",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    target = config.stash.get(TARGET, None)
    if target is not None:
        target.client.close()
        if target.simulator is not None:
            target.simulator.stop()


@pytest.fixture(scope="session")
def controller(pytestconfig: pytest.Config) -> Target:
    return _open_target(pytestconfig)


@pytest.fixture(autouse=True)
def _embedded_simulator_errors(pytestconfig: pytest.Config) -> Iterator[None]:
    """An exception in the embedded simulator's server thread fails the test that met it."""
    yield
    target = pytestconfig.stash.get(TARGET, None)
    if target is not None and target.simulator is not None:
        target.simulator.raise_errors()


@pytest.fixture(scope="session")
def cat(pytestconfig: pytest.Config) -> Catalogue:
    """The catalogue as the profile in force expects it."""
    return pytestconfig.stash[CATALOGUE]


@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config) -> Settings:
    return pytestconfig.stash[SETTINGS]


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
def samples(controller: Target, settings: Settings) -> list:
    if settings.replay is not None:
        pytest.skip(
            "not testable here because the target replays a recorded capture, which does not "
            "change over time"
        )
    return observe.samples(controller.client, settings.sample_seconds)


@pytest.fixture(scope="session")
def sim_control(controller: Target) -> tuple[SimControl | None, str]:
    return find_control(controller.client)


@pytest.fixture
def verdict(request: pytest.FixtureRequest, cat: Catalogue) -> Callable[[list[Finding]], None]:
    """``verdict(findings)``: pass, fail with the findings, waive, or skip with the reason."""
    from ccrest.report.collector import describe

    record = request.node.stash.setdefault(FINDINGS, [])
    _, checks, keys = describe(request.node)
    ledger = request.config.stash[WAIVERS]
    return lambda findings: conclude(findings, cat, record, ledger.scope(checks, keys))


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

    target = config.stash.get(TARGET, None)
    collector = config.stash.get(COLLECTOR, None)
    summary = collector.summary if collector is not None else None
    if target is None and summary is None:
        return
    terminalreporter.write_sep("-", "ccrest")
    if target is not None:
        values = target.first.values if target.first else {}
        who = " ".join(
            str(values[k]) for k in ("cp_vendor", "cp_model", "firmware_ver") if k in values
        )
        terminalreporter.write_line(f"target: {target.description} {who}".rstrip())
    profile = config.stash[PROFILE]
    terminalreporter.write_line(f"profile: {profile.name} ({profile.source})")
    for waiver in config.stash[WAIVERS].stale():
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
