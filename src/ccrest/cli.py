"""The ccrest command: check a controller, run the simulator, compare reports, prove the
suite. pytest stays the engine; ``ccrest check`` runs the packaged suites through it, from any
directory. Every suite option (the settings model, ``ccrest.options``) and pytest's common
ones (-m, -k, -n, -v, -q, -x, --html, --junitxml) are ``ccrest check``'s own; any other pytest
option goes after ``--``.

    ccrest check [URL] [--profile NAME|FILE] [--report-dir DIR] [... -- PYTEST OPTIONS]
    ccrest check --inventory lab.toml [-n N] [--shard K/N]   a lab's controllers
    ccrest watch URL --for 2h             a whole session watched, with a timeline
    ccrest sim [--port 8080 ...]          the bundled simulator (also: ccrest-sim)
    ccrest report diff OLD NEW [--html F] what regressed between two runs
    ccrest report merge DIR... [--out D]  one fleet summary from a lab's shards
    ccrest selfcheck [DEFECT ...]         the kill table of the defect catalogue
    ccrest selfcheck --matrix|--variants  the generated mutants; the allowed variants
    ccrest coverage                       requirements -> checks -> mutants (Markdown)
    ccrest example lab|profile|config     an example file to start from
    ccrest --version

A usage error exits 4 in every subcommand, with the subcommand's usage line and the nearest
known word.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ccrest import __version__
from ccrest.options import CHECK, WATCH, add_arguments, pass_on, placed, pytest_own
from ccrest.usage import Parser
from ccrest.verdict import EXIT_CODES, EXIT_INTERRUPTED, EXIT_USAGE

if TYPE_CHECKING:
    import pytest

    from ccrest.interrupts import Interrupts

    Subparsers = argparse._SubParsersAction[Parser]

DESCRIPTION = (
    "ccrest checks an EV charge controller's Legacy REST API (firmware 5.x) against its "
    "specification: every documented key and value, the per-key endpoints, HTTP and "
    "authentication, the rules between keys and over time, and every documented state; it "
    "writes HTML, JSON, Markdown and JUnit reports and exits with the verdict's code."
)
PASSED_ON = {  # subcommands whose arguments their own parser reads
    "sim": ("the bundled simulator of a controller (also: ccrest-sim)", "ccrest.simulator.cli"),
    "report": ("ccrest report diff OLD NEW; ccrest report merge DIR...", "ccrest.report.__main__"),
    "selfcheck": (
        "the kill table: the suite against every catalogued defect (--matrix: the generated "
        "mutants; --variants: the allowed variants)",
        "ccrest.selfcheck",
    ),
    "coverage": (
        "the requirement coverage table: requirements, checks, mutants",
        "ccrest.coverage",
    ),
    "example": (
        "print an example file: an inventory (lab), a profile, a ccrest.toml",
        "ccrest.examples",
    ),
}


def _check_parser(sub: Subparsers) -> Parser:
    check: Parser = sub.add_parser(
        "check",
        help="check a controller (or, with no URL, the bundled simulator) against the "
        "specification",
        description="Runs the conformance suites through pytest; options after -- go to "
        "pytest. Settings that do not change between runs may come from ccrest.toml (or "
        "--config, or [tool.ccrest] in pyproject.toml); the environment and the command line "
        "override them.",
    )
    check.add_argument("url", nargs="?", help="http://HOST[:PORT] of the controller (or CC_URL)")
    add_arguments(check, CHECK)
    check.add_argument("--config", metavar="FILE", help="the settings file (default ./ccrest.toml)")
    check.add_argument(
        "--show-config",
        action="store_true",
        help="print the settings in force and where each comes from (secrets masked), and run "
        "nothing",
    )
    return check


def _watch_parser(sub: Subparsers) -> Parser:
    watch: Parser = sub.add_parser(
        "watch",
        help="watch a controller through a whole session: every sample and transition judged",
        description="Polls full_state at an interval for a set time (a whole real charging "
        "session), judges the rules of one sample and of time on every sample and transition, "
        "and writes watch.{json,md,html} (with a timeline) and watch-samples.jsonl. Ctrl-C ends "
        "it early and still writes the reports. The password comes from CC_PASSWORD (or the "
        "variable ccrest.toml's password_env names), never from the command line.",
    )
    watch.add_argument("url", nargs="?", help="http://HOST[:PORT] of the controller (or CC_URL)")
    add_arguments(watch, WATCH)
    watch.add_argument("--config", metavar="FILE", help="the settings file (default ./ccrest.toml)")
    return watch


def _settings(args: argparse.Namespace, place: str):  # type: ignore[no-untyped-def]
    """The settings in force: defaults, the file, the environment, the command line."""
    from ccrest import config

    given = {o.key: getattr(args, o.dest, None) for o in placed(place) if o.flag}
    if args.url is not None:
        given["url"] = args.url
    explicit = Path(args.config).resolve() if args.config else None
    for key in ("profile", "replay", "record", "inventory", "report_dir"):
        value = given.get(key)
        if isinstance(value, str) and (key != "profile" or value.endswith(".toml")):
            given[key] = str(Path(value).resolve())
    return config.resolve(given, Path.cwd(), explicit)


def check(args: argparse.Namespace, extra: Sequence[str], signals: Interrupts) -> int:
    import pytest

    from ccrest import config, configure
    from ccrest.engine import SuitesMissing, pytest_args
    from ccrest.options import SettingError

    try:
        settings = _settings(args, CHECK)
    except config.ConfigError as exc:
        print(f"ccrest check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.show_config:
        print(config.show(settings))
        return 0
    if "password" in settings:  # to the suite by the environment, never on its command line
        os.environ[str(settings["password_env"].value)] = str(settings["password"].value)
    url = settings.get("url")
    if settings.get("replay") and url is not None and url.source.startswith("environment"):
        del settings["url"]  # --replay wins over a CC_URL in the environment
    if settings.get("inventory") and url is not None and url.source != "command line":
        del settings["url"]  # an inventory names its controllers: a file's or CC_URL's url yields
    report_dir = Path(str(settings["report_dir"].value)).resolve()
    values = {k: s.value for k, s in settings.items() if k != "report_dir"}
    try:  # every value checked in ccrest's words before pytest starts (the plugin checks again)
        configure.benches_from(values)
        configure.report_folder(report_dir)
    except SettingError as exc:
        print(f"ccrest check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    own = [_absolute(o) for o in pytest_own(args)]
    try:
        # no rootdir/configfile header: the suites' folder is ccrest's business, not the user's
        argv = pytest_args(report_dir, [*pass_on(values), "--no-header", *own], extra)
    except SuitesMissing as exc:
        print(f"ccrest check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    ending = _Ending()
    code = int(pytest.main(argv, plugins=[ending]))
    if ending.line:  # a run that never began (a usage error) states no verdict
        print(f"{ending.line} (exit {code})")
    elif signals.received:  # pytest stopped while it started, before the run's first check
        raise KeyboardInterrupt
    return code


def _held(command: Callable[[Interrupts], int], before: str, *, to_the_end: bool) -> int:
    """``command`` under ccrest's own signal handlers from its first line: Ctrl-C or SIGTERM
    before the run's own handlers take over (ccrest and pytest starting, the settings, a
    watch's preflight) ends it in one line, exit 2, never a traceback or a kill; the run's
    handlers share what came, and after them a signal is only noted (``ccrest.interrupts``).
    ``to_the_end`` (the ``ccrest`` command): they stay, only noting, until the process ends,
    so a signal after the verdict line leaves its exit code as the line says."""
    from ccrest.interrupts import Interrupts

    signals = Interrupts().__enter__()
    try:
        try:
            return command(signals)
        except (KeyboardInterrupt, Exception):
            if not signals.received:  # not a signal's doing: ccrest's own error, as it is
                raise
        print(
            f"ccrest: INTERRUPTED: {before} ({signals.why}); no report was written "
            f"(exit {EXIT_INTERRUPTED})"
        )
        return EXIT_INTERRUPTED
    finally:
        signals.quiet = True
        if not to_the_end:
            signals.__exit__(None, None, None)


def _absolute(option: str) -> str:
    """--html=FILE, --junitxml=FILE relative to where ccrest was started, not the suites."""
    flag, sep, value = option.partition("=")
    if sep and flag in ("--html", "--junitxml"):
        return f"{flag}={Path(value).resolve()}"
    return option


def watch(args: argparse.Namespace) -> int:
    """``ccrest watch``: the settings as ``ccrest check`` resolves them (the password from the
    environment only), the controller opened and preflighted as ``ccrest check`` does."""
    from ccrest import config, configure
    from ccrest.options import SettingError
    from ccrest.target import opened
    from ccrest.watch import main_watch, parse_duration

    def usage(message: str) -> int:
        print(f"ccrest watch: {message}", file=sys.stderr)
        return EXIT_USAGE

    try:
        settings = _settings(args, WATCH)
    except config.ConfigError as exc:
        return usage(str(exc))
    value = {k: s.value for k, s in settings.items() if k in WATCHED}
    if not value.get("url"):
        return usage("give the controller's URL (or set CC_URL)")
    if not value.get("password"):
        return usage(f"set {value['password_env']} to the role's password")
    try:
        duration = parse_duration(str(value.get("duration") or "10m"))
        interval = float(str(value.get("interval") or 1.0))
        bench = configure.benches_from(value)[""]
    except (SettingError, ValueError) as exc:
        return usage(str(exc))
    target, reason = opened(bench)
    try:
        folder = Path(str(value["report_dir"])).resolve()
        return main_watch(target, bench, duration, interval, folder, untestable=reason)
    finally:
        target.client.close()


# what a watch takes from the settings in force (a file's inventory or replay is check's)
WATCHED = {o.key for o in placed(WATCH)} | {"password"}


class _Ending:
    """The run's own verdict line, read from the run's state as pytest lets it go: never from
    a report file, which may be an earlier run's."""

    def __init__(self) -> None:
        self.line = ""

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        from ccrest.run import RUN, is_lab
        from ccrest.verdict import WORDS, Verdict

        run = config.stash.get(RUN, None)
        if run is None:
            return
        benches, collector = run.benches, run.collector
        reports = f"; reports in {collector.folder}" if collector is not None else ""
        if is_lab(config):
            fleet = collector.fleet if collector is not None else None
            if fleet is not None:
                words = WORDS[Verdict(fleet["verdict"])]
                worst = [d["name"] for d in fleet["devices"] if d["verdict"] == fleet["verdict"]]
                more = " …" if len(worst) > 5 else ""
                which = "" if fleet["verdict"] == "conforms" else f" ({', '.join(worst[:5])}{more})"
                self.line = f"ccrest: {words}: {len(fleet['devices'])} controllers{which}{reports}"
            return
        bench = next(iter(benches.values()), None)
        if bench is None or bench.decision is None:
            return
        where = bench.target.description if bench.target else bench.settings.url
        where = where or "the bundled simulator"
        reason = f" ({bench.decision.reason})" if bench.decision.reason else ""
        self.line = f"ccrest: {bench.decision.words}: {where}{reason}{reports}"


def parser() -> tuple[Parser, dict[str, Parser]]:
    """The top-level parser and the subcommands' own (for their usage lines and hints)."""
    top = Parser(
        prog="ccrest",
        description=DESCRIPTION,
        epilog="Exit codes: "
        + "; ".join(f"{c} {w.split(':')[0].split(' (')[0]}" for c, w in EXIT_CODES.items())
        + ".",
    )
    top.add_argument("--version", action="version", version=f"ccrest {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    own = {"check": _check_parser(sub), "watch": _watch_parser(sub)}
    for name, (what, _) in PASSED_ON.items():
        sub.add_parser(name, help=what, add_help=False)
    return top, own


def entry() -> NoReturn:
    """The ``ccrest`` command: ``main``, its handlers kept until the process ends. Python puts
    the default handlers back as it shuts down, under which a late Ctrl-C or SIGTERM would
    still end the process with 130 or 143 after its verdict line: ignored from here."""
    code = main(to_the_end=True)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    sys.exit(code)


def main(argv: Sequence[str] | None = None, *, to_the_end: bool = False) -> int:
    import importlib

    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    top, own = parser()
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in PASSED_ON and argv[0] == command:
        module = importlib.import_module(PASSED_ON[command][1])
        forwarded = argv[1:] + (["--", *extra] if extra else [])
        return int(module.main(forwarded, prog=f"ccrest {command}"))
    args, rest = top.parse_known_args(argv)
    if rest:  # named by the subcommand's own parser: its usage line, its options' hints
        (own.get(args.command) or top).error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command is None:
        top.print_help()
        return EXIT_USAGE
    if args.command == "check":
        before = "stopped before the first check"
        return _held(lambda signals: check(args, extra, signals), before, to_the_end=to_the_end)
    if extra:
        top.error(f"{args.command}: nothing goes after --")
    before = "stopped before the first sample"
    return _held(lambda signals: watch(args), before, to_the_end=to_the_end)


if __name__ == "__main__":
    entry()
