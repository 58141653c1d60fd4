"""The ccrest command: check a controller, run the simulator, compare reports, prove the
suite. pytest stays the engine; ``ccrest check`` runs the packaged suites through it, from any
directory, and every pytest option still works after ``--``.

    ccrest check [URL] [--profile NAME|FILE] [--report-dir DIR] [... -- PYTEST OPTIONS]
    ccrest check --inventory lab.toml [-n N] [--shard K/N]   a lab's controllers
    ccrest sim [--port 8080 ...]          the bundled simulator (also: ccrest-sim)
    ccrest report diff OLD NEW [--html F] what regressed between two runs
    ccrest report merge DIR... [--out D]  one fleet summary from a lab's shards
    ccrest watch URL --for 2h             a whole session watched, with a timeline
    ccrest selfcheck [DEFECT ...]         the kill table of the defect catalogue
    ccrest selfcheck --matrix|--variants  the generated mutants; the allowed variants
    ccrest coverage                       requirements -> checks -> mutants (Markdown)
    ccrest --version
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ccrest import __version__
from ccrest.verdict import EXIT_USAGE

OPTIONS = (  # suite options with a value: given here with a space or '=', passed on with '='
    ("--username", "operator or manufacturer (or CC_USERNAME; operator)"),
    ("--password", "the role's password; better: the environment variable CC_PASSWORD"),
    ("--auth-scheme", "doc-headers (default) or basic"),
    ("--rest-mode", "without-uid (default) or with-uid"),
    ("--timeout", "seconds per request (default 5)"),
    ("--sample-seconds", "how long the temporal checks watch (default 3)"),
    ("--run-deadline", "the whole run's bound in seconds (default 600)"),
    ("--profile", "a built-in profile (doc-5.33.5, field-5.22, field-5.33) or a TOML file"),
    ("--replay", "check a recorded capture instead of a device"),
    ("--record", "save what the run observed as a capture"),
)


SETTINGS = {  # ccrest.config names of the options above
    "--username": "username",
    "--password": "password",
    "--auth-scheme": "auth_scheme",
    "--rest-mode": "rest_mode",
    "--timeout": "timeout",
    "--sample-seconds": "sample_seconds",
    "--run-deadline": "run_deadline",
    "--profile": "profile",
}


def _check_parser(sub) -> argparse.ArgumentParser:
    check = sub.add_parser(
        "check",
        help="check a controller (or, with no URL, the bundled simulator) against the "
        "specification",
        description="Runs the conformance suites through pytest; options after -- go to pytest. "
        "Settings that do not change between runs may come from ccrest.toml (or --config, or "
        "[tool.ccrest] in pyproject.toml); the command line overrides them.",
    )
    check.add_argument("url", nargs="?", help="http://HOST[:PORT] of the controller (or CC_URL)")
    for name, what in OPTIONS:
        check.add_argument(name, help=what)
    check.add_argument(
        "--inventory",
        help="a lab's controllers (TOML; see examples/lab.toml): check them all, each in order",
    )
    check.add_argument("--shard", help="K/N: with --inventory, every N-th controller from the K-th")
    check.add_argument(
        "-n",
        dest="numprocesses",
        help="with --inventory: check N controllers at a time (pytest-xdist workers)",
    )
    check.add_argument(
        "--guided",
        action="store_true",
        help="walk the states scenarios with a person at the bench (needs a terminal)",
    )
    check.add_argument("--step-timeout", help="with --guided: seconds per step (default 120)")
    check.add_argument("--report-dir", help="where the reports go (default ./reports)")
    check.add_argument("--config", help="the configuration file (default ./ccrest.toml)")
    check.add_argument(
        "--show-config",
        action="store_true",
        help="print the settings in force and where "
        "each comes from (secrets masked), and run nothing",
    )
    check.add_argument("-m", dest="markexpr", help="only these families: -m 'schema or auth'")
    check.add_argument("-k", dest="keyword", help="only tests matching this expression")
    check.add_argument("-q", "--quiet", action="store_true", help="less output")
    return check


def _watch_parser(sub) -> argparse.ArgumentParser:
    watch = sub.add_parser(
        "watch",
        help="watch a controller through a whole session: every sample and transition judged",
        description="Polls full_state at an interval for a set time (a whole real charging "
        "session), judges the consistency and temporal rules on every sample and transition, "
        "and writes watch.{json,md,html} (with a timeline) and watch-samples.jsonl. Ctrl-C "
        "ends it early and still writes the reports.",
    )
    watch.add_argument("url", nargs="?", help="http://HOST[:PORT] of the controller (or CC_URL)")
    watch.add_argument("--for", dest="duration", default="10m", help="how long: 2h, 90m, 45s")
    watch.add_argument("--interval", default="1", help="seconds between samples (default 1)")
    watch.add_argument("--username", help="operator or manufacturer (or CC_USERNAME; operator)")
    watch.add_argument("--auth-scheme", default="doc-headers", choices=("doc-headers", "basic"))
    watch.add_argument(
        "--rest-mode",
        default="without-uid",
        choices=("without-uid", "with-uid"),
        help="the REST interface setting the device is expected to have (default without-uid)",
    )
    watch.add_argument("--timeout", default="5", help="seconds per request (default 5)")
    watch.add_argument("--profile", default="doc-5.33.5", help="a built-in profile or a file")
    watch.add_argument("--report-dir", default="reports", help="where the reports go")
    return watch


def watch(args: argparse.Namespace) -> int:
    """``ccrest watch``: the password only from CC_PASSWORD, never on the command line."""
    from ccrest import profiles
    from ccrest.client import Client, ClientError, check_url
    from ccrest.spec import catalogue
    from ccrest.watch import main_watch, parse_duration

    def usage(message: str) -> int:
        print(f"ccrest watch: {message}", file=sys.stderr)
        return EXIT_USAGE

    url = args.url or os.environ.get("CC_URL")
    if not url:
        return usage("give the controller's URL (or set CC_URL)")
    password = os.environ.get("CC_PASSWORD")
    if not password:
        return usage("set CC_PASSWORD to the role's password")
    try:
        url = check_url(url)
        duration = parse_duration(args.duration)
        interval, timeout = float(args.interval), float(args.timeout)
        if not (0 < interval < 3600 and 0 < timeout < 3600):
            raise ValueError("--interval and --timeout: give seconds above 0")
        profile = profiles.load(args.profile, catalogue())
    except (ClientError, ValueError, profiles.ProfileError) as exc:
        return usage(str(exc))
    username = args.username or os.environ.get("CC_USERNAME") or "operator"
    client = Client(url, username, password, args.auth_scheme, timeout)
    try:
        return main_watch(
            client,
            profile.apply(catalogue()),
            duration,
            interval,
            Path(args.report_dir).resolve(),
            args.rest_mode,
        )
    finally:
        client.close()


def _attr(name: str) -> str:
    return name.lstrip("-").replace("-", "_")


def _settings(args: argparse.Namespace):
    """The settings in force: defaults, the file, the environment, the command line."""
    from ccrest import config

    given = {"url": args.url, "report_dir": args.report_dir}
    given |= {key: getattr(args, _attr(option)) for option, key in SETTINGS.items()}
    for key in ("timeout", "sample_seconds", "run_deadline"):
        if given[key] is not None:
            given[key] = _number(key, given[key])
    if given["profile"] is not None and str(given["profile"]).endswith(".toml"):
        given["profile"] = str(Path(given["profile"]).resolve())
    explicit = Path(args.config).resolve() if args.config else None
    return config.resolve(given, Path.cwd(), explicit)


def _number(key: str, text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text  # the suite's own check words the error


def _pass_on(args: argparse.Namespace, settings) -> list[str]:
    """The suite options as pytest gets them: always NAME=VALUE, paths made absolute, so a
    value after a space is never taken for a test path. The password goes by CC_PASSWORD."""
    out = []
    if "url" in settings:
        out.append(f"--controller-url={settings['url'].value}")
    for option, key in SETTINGS.items():
        if key in settings and key != "password":
            value = settings[key].value
            out.append(f"{option}={value:g}" if isinstance(value, float) else f"{option}={value}")
    for option in ("--replay", "--record", "--inventory"):
        value = getattr(args, _attr(option))
        if value is not None:
            out.append(f"{option}={Path(value).resolve()}")
    if args.shard:
        out.append(f"--shard={args.shard}")
    if args.guided:
        out.append("--guided")
    if args.step_timeout:
        out.append(f"--step-timeout={args.step_timeout}")
    if args.numprocesses:
        out += ["-n", args.numprocesses]
    if args.markexpr:
        out += ["-m", args.markexpr]
    if args.keyword:
        out += ["-k", args.keyword]
    if args.quiet:
        out.append("-q")
    return out


def check(args: argparse.Namespace, extra: Sequence[str]) -> int:
    import pytest

    from ccrest import config
    from ccrest.engine import SuitesMissing, pytest_args

    try:
        settings = _settings(args)
    except config.ConfigError as exc:
        print(f"ccrest: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.show_config:
        print(config.show(settings))
        return 0
    if "password" in settings:  # to the suite by the environment, never on its command line
        os.environ["CC_PASSWORD"] = str(settings["password"].value)
    report_dir = Path(str(settings["report_dir"].value)).resolve()
    try:
        argv = pytest_args(report_dir, _pass_on(args, settings), extra)
    except SuitesMissing as exc:
        print(f"ccrest: {exc}", file=sys.stderr)
        return EXIT_USAGE
    ending = _Ending()
    try:
        code = int(pytest.main(argv, plugins=[ending]))
    except KeyboardInterrupt:  # before the run began (pytest was still starting)
        print("ccrest: interrupted before the run began; no report was written (exit 2)")
        return 2
    if ending.line:  # a run that never began (a usage error) states no verdict
        print(f"{ending.line} (exit {code})")
    return code


class _Ending:
    """The run's own verdict line, read from the run's state as pytest lets it go: never from
    a report file, which may be an earlier run's."""

    def __init__(self) -> None:
        self.line = ""

    def pytest_unconfigure(self, config) -> None:  # type: ignore[no-untyped-def]
        from ccrest.run import BENCHES, COLLECTOR, is_lab
        from ccrest.verdict import WORDS, Verdict

        benches = config.stash.get(BENCHES, {})
        collector = config.stash.get(COLLECTOR, None)
        reports = f"; reports in {collector.folder}" if collector is not None else ""
        if is_lab(config):
            fleet = getattr(collector, "fleet", None)
            if fleet is not None:
                words = WORDS[Verdict(fleet["verdict"])]
                self.line = f"ccrest: {words}: {len(fleet['devices'])} controllers{reports}"
            return
        bench = next(iter(benches.values()), None)
        if bench is None or bench.decision is None:
            return
        where = bench.target.description if bench.target else bench.settings.url
        where = where or "the bundled simulator"
        reason = f" ({bench.decision.reason})" if bench.decision.reason else ""
        self.line = f"ccrest: {bench.decision.words}: {where}{reason}{reports}"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    parser = argparse.ArgumentParser(prog="ccrest", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"ccrest {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _check_parser(sub)
    _watch_parser(sub)
    for name, what in (
        ("sim", "the bundled simulator of a controller (ccrest-sim)"),
        ("report", "ccrest report diff OLD NEW; ccrest report merge DIR... (a lab's shards)"),
        (
            "selfcheck",
            "the kill table: the suite against every catalogued defect (--matrix: the "
            "generated mutants; --variants: the allowed variants)",
        ),
        ("coverage", "the requirement coverage table: requirements, checks, mutants"),
    ):
        sub.add_parser(name, help=what, add_help=False)
    known, rest = parser.parse_known_args(argv)
    if known.command is None:
        parser.print_help()
        return EXIT_USAGE
    if known.command == "check":
        if rest:
            parser.error(f"check: unknown options {rest}; give pytest's own options after --")
        return check(known, extra)
    if known.command == "watch":
        if rest:
            parser.error(f"watch: unknown options {rest}")
        return watch(known)
    forwarded = rest + (["--", *extra] if extra else [])
    if known.command == "sim":
        from ccrest.simulator.cli import main as sim_main

        return sim_main(forwarded)
    if known.command == "report":
        from ccrest.report.__main__ import main as report_main

        return report_main(forwarded)
    if known.command == "coverage":
        from ccrest.coverage import main as coverage_main

        return coverage_main(forwarded)
    from ccrest.selfcheck import main as selfcheck_main

    return selfcheck_main(forwarded)


if __name__ == "__main__":
    sys.exit(main())
