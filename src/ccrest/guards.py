"""The plugin's pytest-side set-up: plugins that would change what a verdict means refused,
a password pytest --debug logged masked, the person of a --guided run found. The rest of a
run's set-up (``ccrest.configure``) knows nothing of pytest."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ccrest.bench import Settings
from ccrest.guided import Operator
from ccrest.run import is_conformance_run


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
    writer: Callable[[str], None] | None = getattr(root, "_writer", None)
    log = getattr(writer, "__self__", None)
    secrets_ = [p for p in passwords if p]
    if (
        not config.option.debug
        or not secrets_
        or writer is None
        or log is None
        or not hasattr(log, "flush")
    ):
        return
    write = writer
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
        write(text)

    root.setwriter(masked)


def operator_for(config: pytest.Config, settings: Settings) -> Operator | None:
    """The person of a --guided run: a plugin's (``pytest_ccrest_operator``), else this
    terminal's. Without a terminal a guided run cannot be, and says so before any request."""
    if not settings.guided:
        return None
    if settings.replay is not None:
        raise pytest.UsageError("--guided and --replay exclude each other: a capture cannot act")
    from ccrest.guided import TerminalOperator

    found: Operator | None = config.hook.pytest_ccrest_operator(config=config)
    operator = found or TerminalOperator.open()
    if operator is None:
        raise pytest.UsageError(
            "--guided needs a person at a terminal to act on each step, and this run has none "
            "(no /dev/tty: CI, a service, a pipe). Run it from a shell at the bench; in CI, "
            "check the bundled simulator, which drives the states itself"
        )
    return operator
