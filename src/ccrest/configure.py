"""From the settings' values (``ccrest.options``' keys, as pytest's options or ``ccrest
watch``'s arguments give them) to the run's controllers (``Bench``es) and their Settings: every
value checked before the first request. A bad one raises ``SettingError``, naming the option and
the fix; the plugin makes it pytest's usage error (exit 4), ``ccrest watch`` its own."""

from __future__ import annotations

import dataclasses
import math
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ccrest import declare, inventory, profiles
from ccrest.bench import Bench, Settings
from ccrest.client import ClientError, check_url
from ccrest.options import BY_KEY, DEFAULTS, OPTIONS, SettingError
from ccrest.spec import catalogue
from ccrest.waivers import WaiverLedger


def settings_from(values: Mapping[str, Any], lab: bool = False) -> Settings:
    """The options' settings; for a lab (``lab``), only what all its controllers share."""
    opt = _given(values)
    # --replay wins over a CC_URL in the environment, not over an explicit --controller-url
    url_env = BY_KEY["url"].env
    given = opt.url if opt.url is not None else os.environ.get(url_env)
    if opt.replay and opt.url is None:
        given = None  # --replay wins over a CC_URL in the environment
    if given is not None and not given.strip():
        where = BY_KEY["url"].flag if opt.url is not None else url_env
        raise SettingError(
            f"{where} is empty: give the controller's http://HOST[:PORT], or leave it out "
            f"(unset {url_env}) to test the bundled simulator"
        )
    url = None if lab else given or None
    # the environment and defaults named once, in ccrest.options (plain pytest reads no file)
    username = opt.username or os.environ.get(BY_KEY["username"].env) or str(DEFAULTS["username"])
    password = opt.password or os.environ.get(opt.password_env) or None
    replay = Path(opt.replay).resolve() if opt.replay else None
    if replay is not None:
        if url is not None:
            raise SettingError("--replay and --controller-url exclude each other: pick one")
        if not replay.is_file():
            raise SettingError(f"--replay {opt.replay}: no such file")
        from ccrest.simulator.sources import ReplayError, ReplaySource

        try:
            ReplaySource(replay)  # a capture that cannot be replayed stops the run here
        except ReplayError as exc:
            raise SettingError(f"--replay: {exc}") from None
    if url is not None:
        try:
            url = check_url(url)
        except ClientError as exc:
            raise SettingError(str(exc)) from None
        if password is None:
            raise SettingError(
                f"a controller needs a password: set {opt.password_env} (the variable "
                "--password-env or password_env in ccrest.toml names), or give --password"
            )
    elif not lab and username not in ("operator", "manufacturer"):
        raise SettingError(
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
            raise SettingError(f"{name} {value}: give a finite number of seconds, {more}")
    if password is not None and opt.auth_scheme == "doc-headers":
        try:
            password.encode("latin-1")
        except UnicodeEncodeError:
            raise SettingError(
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


def _given(values: Mapping[str, Any]) -> SimpleNamespace:
    """Every setting by its key, the model's default where ``values`` has none."""
    every = {o.key: False if o.kind == "flag" else o.default for o in OPTIONS}
    return SimpleNamespace(**(every | dict(values)))


def values_of(namespace: object) -> dict[str, Any]:
    """The settings' values as pytest's or argparse's options hold them (by ``dest``)."""
    return {o.key: getattr(namespace, o.dest) for o in OPTIONS if hasattr(namespace, o.dest)}


def benches_from(values: Mapping[str, Any]) -> dict[str, Bench]:
    """The controllers of this run: the one of the options, or each of --inventory's (this
    shard's, with --shard), each with its settings, profile, catalogue and waivers."""
    opt = _given(values)
    if not opt.inventory:
        if opt.shard:
            raise SettingError("--shard splits an inventory: give --inventory too")
        settings = settings_from(values)
        return {"": _bench("", settings, opt.profile, "--profile", opt.declaration)}
    for option, given in (
        ("--guided", opt.guided),
        ("--controller-url", opt.url),
        ("--replay", opt.replay),
        ("--record", opt.record),
        ("--password", opt.password),
    ):
        if given:
            raise SettingError(
                f"{option} and --inventory exclude each other: the inventory names each "
                "controller, its url and the environment variable of its password (and a "
                "guided walk is one person at one controller)"
            )
    if opt.declaration:
        raise SettingError(
            "--declaration and --inventory exclude each other: each controller's model is "
            "declared in the [device] table of its profile"
        )
    path = Path(opt.inventory).resolve()
    try:
        controllers = inventory.load(path)
        if opt.shard:
            controllers = inventory.shard(controllers, opt.shard)
        passwords = {c.name: c.password() for c in controllers}
    except inventory.InventoryError as exc:
        raise SettingError(f"--inventory: {exc}") from None
    base = settings_from(values, lab=True)
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


def _bench(
    name: str, settings: Settings, profile_name: str, where: str, declared: str | None = None
) -> Bench:
    try:
        profile = profiles.load(profile_name, catalogue())
    except profiles.ProfileError as exc:
        said = str(exc)  # "--profile 'x': no such profile" names the option already
        raise SettingError(said if said.startswith(where) else f"{where}: {said}") from None
    try:
        declaration = declare.load(declared, catalogue()) if declared else profile.declaration
    except declare.DeclarationError as exc:
        said = str(exc)
        raise SettingError(said if said.startswith("--") else f"--declaration: {said}") from None
    if profile.allow_anonymous:  # a profile may declare what --allow-anonymous says
        settings = dataclasses.replace(settings, allow_anonymous=True)
    cat = profile.apply(catalogue())
    if declaration is not None:  # the model's own word on its REST mode and credentials
        cat = declaration.apply(cat)
        settings = dataclasses.replace(
            settings,
            rest_mode=declaration.rest_mode,
            allow_anonymous=settings.allow_anonymous or declaration.credentials == "anonymous",
        )
    return Bench(name, settings, profile, cat, WaiverLedger(profile.waivers), declaration)


def writable(path: Path, option: str) -> None:
    """Fail before the first request, not after the run, when a file cannot be written."""
    folder = path.parent
    if not folder.is_dir():
        raise SettingError(f"{option} {path}: the folder {folder} does not exist; create it")
    if (
        path.is_dir()
        or not os.access(folder, os.W_OK)
        or (path.exists() and not os.access(path, os.W_OK))
    ):
        raise SettingError(f"{option} {path}: cannot write there; give a writable file")


def report_folder(path: Path) -> Path:
    """The folder the reports go to: a folder or a path to make one at; an existing file there
    (or a link to one) is a usage error that names it, before anything is written."""
    for part in (path, *path.parents):
        if part.exists() and not part.is_dir():
            raise SettingError(
                f"--report-dir {path}: {part} is a file, not a folder; give a folder "
                "(it is made if missing)"
            )
        if part.exists():
            break
    if path.is_dir() and not os.access(path, os.W_OK | os.X_OK):
        raise SettingError(f"--report-dir {path}: cannot write there; give a writable folder")
    return path
