"""Where the suites are and how pytest is asked to run them, for ``ccrest check`` and the
kill table alike: the packaged copy in a wheel, the top-level folder in a checkout.

pytest stays the engine. A run of the packaged suites pins everything pytest would otherwise
guess from the working directory: the plugin is loaded by ``-p`` (nothing global is installed),
the rootdir is the suites folder, the ini is empty (``-c /dev/null``), and the options the
checkout's ``pyproject.toml`` gives are given here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ccrest.shipped import shipped

STRICT = ("--strict-markers", "--strict-config", "-o", "xfail_strict=true", "-ra")


class SuitesMissing(RuntimeError):
    """No suites folder: a broken install."""


def suites_dir() -> Path:
    """The conformance suites: inside an installed wheel, or the checkout's ``suites/``."""
    found, looked = shipped("suites", "scenarios.json")
    if found is None:
        raise SuitesMissing(
            f"no suites found (looked in {' and '.join(map(str, looked))}); reinstall ccrest"
        )
    return found


# the pytest plugins a run loads (their entry points, which --disable-plugin-autoload skips)
PLUGINS = ("pytest_html.plugin", "pytest_metadata.plugin", "xdist.plugin")


def pytest_args(
    report_dir: Path,
    options: Sequence[str] = (),
    extra: Sequence[str] = (),
    suites: Path | None = None,
) -> list[str]:
    """The arguments of one conformance run of the packaged suites (or of ``suites``)."""
    suites = suites if suites is not None else suites_dir()
    return [
        str(suites),
        "-p",
        "ccrest.plugin",
        "-p",
        "no:cacheprovider",
        # only the plugins a conformance run is made of: another installed beside ccrest
        # (pytest-timeout's --timeout, pytest-randomly's order, hypothesis' summary) neither
        # changes a run nor slows it
        "--disable-plugin-autoload",
        *(arg for plugin in PLUGINS for arg in ("-p", plugin)),
        "-c",
        str(suites / "ccrest.ini") if (suites / "ccrest.ini").is_file() else os.devnull,
        f"--rootdir={suites}",
        *STRICT,
        f"--report-dir={report_dir}",
        *options,
        *extra,
    ]


def run_in_process(
    report_dir: Path, options: Sequence[str], extra: Sequence[str] = (), suites: Path | None = None
) -> tuple[int, str]:
    """One conformance run in this process, as ``ccrest check`` makes it; its exit code and
    what it printed. Nothing of it stays: the suites' modules are forgotten again (a process
    that runs hundreds, the mutant matrix and the fuzz, stays flat, and a later run imports
    fresh ones)."""
    import contextlib
    import io
    import sys

    import pytest

    modules, path = set(sys.modules), list(sys.path)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = int(pytest.main(pytest_args(report_dir, options, extra, suites=suites)))
    finally:
        for name in set(sys.modules) - modules:
            del sys.modules[name]
        sys.path[:] = path
    return code, out.getvalue()
