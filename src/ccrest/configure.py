"""From pytest's options to the run's controllers (``Bench``es) and their Settings: every value
checked before the first request, a bad one a usage error that names the option and the fix
(exit 4); plugins that would change what a verdict means refused; a password pytest --debug
logged masked."""

from __future__ import annotations

import dataclasses
import math
import os
import secrets
from pathlib import Path

import pytest

from ccrest import inventory, profiles
from ccrest.client import ClientError, check_url
from ccrest.run import Bench, Settings, is_conformance_run
from ccrest.spec import catalogue
from ccrest.waivers import WaiverLedger


def settings_from(config: pytest.Config, lab: bool = False) -> Settings:
    """The options' settings; for a lab (``lab``), only what all its controllers share."""
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
    url = None if lab else given or None
    username = opt.username or os.environ.get("CC_USERNAME") or "operator"
    password = opt.password or os.environ.get("CC_PASSWORD") or None
    replay = Path(opt.replay).resolve() if opt.replay else None
    if replay is not None:
        if url is not None:
            raise pytest.UsageError("--replay and --controller-url exclude each other: pick one")
        if not replay.is_file():
            raise pytest.UsageError(f"--replay {opt.replay}: no such file")
        from ccrest.simulator.sources import ReplayError, ReplaySource

        try:
            ReplaySource(replay)  # a capture that cannot be replayed stops the run here
        except ReplayError as exc:
            raise pytest.UsageError(f"--replay: {exc}") from None
    if url is not None:
        try:
            url = check_url(url)
        except ClientError as exc:
            raise pytest.UsageError(str(exc)) from None
        if password is None:
            raise pytest.UsageError(
                "a controller needs a password: give --password or set CC_PASSWORD"
            )
    elif not lab and username not in ("operator", "manufacturer"):
        raise pytest.UsageError(
            f"--username {username!r}: the bundled simulator knows the roles operator and "
            "manufacturer (give --controller-url to test another device)"
        )
    for name, value, low in (
        ("--step-timeout", opt.step_timeout, 0.0),
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
        writable(record, "--record")
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
        guided=opt.guided,
        step_timeout=opt.step_timeout,
    )


def benches_from(config: pytest.Config) -> dict[str, Bench]:
    """The controllers of this run: the one of the options, or each of --inventory's (this
    shard's, with --shard), each with its settings, profile, catalogue and waivers."""
    opt = config.option
    if not opt.inventory:
        if opt.shard:
            raise pytest.UsageError("--shard splits an inventory: give --inventory too")
        settings = settings_from(config)
        return {"": _bench("", settings, opt.profile, "--profile")}
    for option, given in (
        ("--guided", opt.guided),
        ("--controller-url", opt.controller_url),
        ("--replay", opt.replay),
        ("--record", opt.record),
        ("--password", opt.password),
    ):
        if given:
            raise pytest.UsageError(
                f"{option} and --inventory exclude each other: the inventory names each "
                "controller, its url and the environment variable of its password (and a "
                "guided walk is one person at one controller)"
            )
    path = Path(opt.inventory).resolve()
    try:
        controllers = inventory.load(path)
        if opt.shard:
            controllers = inventory.shard(controllers, opt.shard)
        passwords = {c.name: c.password() for c in controllers}
    except inventory.InventoryError as exc:
        raise pytest.UsageError(f"--inventory: {exc}") from None
    base = settings_from(config, lab=True)
    out = {}
    for c in controllers:
        settings = dataclasses.replace(
            base,
            url=c.url,
            username=c.username,
            password=passwords[c.name],
            scheme=c.auth_scheme,
            rest_mode=c.rest_mode,
            allow_anonymous=base.allow_anonymous or c.allow_anonymous,
        )
        out[c.name] = _bench(c.name, settings, c.profile, f"--inventory: {c.where}: profile")
    return out


def _bench(name: str, settings: Settings, profile_name: str, where: str) -> Bench:
    try:
        profile = profiles.load(profile_name, catalogue())
    except profiles.ProfileError as exc:
        raise pytest.UsageError(f"{where}: {exc}") from None
    if profile.allow_anonymous:  # a profile may declare what --allow-anonymous says
        settings = dataclasses.replace(settings, allow_anonymous=True)
    return Bench(name, settings, profile, profile.apply(catalogue()), WaiverLedger(profile.waivers))


def writable(path: Path, option: str) -> None:
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


def refuse_foreign_engines(config: pytest.Config) -> None:
    """Plugins that would change what a conformance run means are refused, with the reason."""
    if (
        getattr(config.option, "numprocesses", None)
        and is_conformance_run(config)
        and not config.option.inventory
    ):
        raise pytest.UsageError(
            "-n (pytest-xdist): one controller must not see parallel requests, and the suite "
            "runs its checks in order; run without -n, or check several controllers at once "
            "with --inventory lab.toml -n N (each controller in one worker)"
        )
    if getattr(config.option, "reruns", 0) and is_conformance_run(config):
        raise pytest.UsageError(
            "--reruns (pytest-rerunfailures): a conformance verdict is never retried into "
            "green; run without --reruns"
        )


def mask_debug_log(config: pytest.Config, passwords: list[str]) -> None:
    """pytest --debug wrote the command line, --password included, to its log before any
    plugin ran: mask what is written (byte for byte, so pytest's own handle stays in place)
    and every line it writes from now on. Better still: give the password by CC_PASSWORD."""
    root = config.trace.root
    writer = getattr(root, "_writer", None)
    log = getattr(writer, "__self__", None)
    secrets_ = [p for p in passwords if p]
    if not config.option.debug or not secrets_ or log is None or not hasattr(log, "flush"):
        return
    log.flush()
    with open(log.name, "r+b") as raw:
        data = original = raw.read()
        for password in secrets_:
            secret = password.encode("utf-8")
            data = data.replace(secret, b"*" * len(secret))
        if data != original:
            raw.seek(0)
            raw.write(data)

    def masked(text: str) -> None:
        for password in secrets_:
            text = text.replace(password, "*" * len(password))
        writer(text)

    root.setwriter(masked)


def operator_for(config: pytest.Config, settings: Settings) -> object | None:
    """The person of a --guided run: a plugin's (``pytest_ccrest_operator``), else this
    terminal's. Without a terminal a guided run cannot be, and says so before any request."""
    if not settings.guided:
        return None
    if settings.replay is not None:
        raise pytest.UsageError("--guided and --replay exclude each other: a capture cannot act")
    from ccrest.guided import TerminalOperator

    operator = config.hook.pytest_ccrest_operator(config=config) or TerminalOperator.open()
    if operator is None:
        raise pytest.UsageError(
            "--guided needs a person at a terminal to act on each step, and this run has none "
            "(no /dev/tty: CI, a service, a pipe). Run it from a shell at the bench; in CI, "
            "check the bundled simulator, which drives the states itself"
        )
    return operator


def report_folder(path: Path) -> Path:
    """The folder the reports go to: a folder or a path to make one at; an existing file there
    (or a link to one) is a usage error that names it, before anything is written."""
    for part in (path, *path.parents):
        if part.exists() and not part.is_dir():
            raise pytest.UsageError(
                f"--report-dir {path}: {part} is a file, not a folder; give a folder "
                "(it is made if missing)"
            )
        if part.exists():
            break
    if path.is_dir() and not os.access(path, os.W_OK | os.X_OK):
        raise pytest.UsageError(f"--report-dir {path}: cannot write there; give a writable folder")
    return path
