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
from typing import TYPE_CHECKING

from ccrest.shipped import shipped

if TYPE_CHECKING:
    import pytest

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
    fresh ones); a run leaves no garbage collection for its end (``_Inline``)."""
    import contextlib
    import io
    import sys

    import pytest

    modules, path = set(sys.modules), list(sys.path)
    suites = (suites if suites is not None else suites_dir()).resolve()
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            arguments = pytest_args(report_dir, options, extra, suites=suites)
            code = int(pytest.main(arguments, plugins=[_Inline()]))
    finally:
        for name in set(sys.modules) - modules:
            if _forgotten(sys.modules[name], suites):
                del sys.modules[name]
        sys.path[:] = path
    return code, out.getvalue()


def _forgotten(module: object, suites: Path) -> bool:
    """Whether a module a run imported is forgotten after it: the suites' own (the next run
    imports them fresh, as a new ``ccrest check`` would). The rest stays, as in any process
    that imported it once: importing ccrest's modules and the report's libraries anew for
    every run cost a tenth of a second each, and the copies were never freed (~2 MB a run)."""
    where = getattr(module, "__file__", None)
    return where is not None and Path(where).resolve().is_relative_to(suites)


class _Inline:
    """What pytest's own pytester does for a run inside a process that runs hundreds: no
    garbage collection at the run's end to find unraisable exceptions (a full collection of a
    test process's heap, up to 0.1 s a run; each run is a new process for a user)."""

    @staticmethod
    def pytest_configure(config: pytest.Config) -> None:
        try:
            from _pytest.unraisableexception import gc_collect_iterations_key
        except ImportError:  # a pytest that has none: it collects, as it will
            return
        config.stash[gc_collect_iterations_key] = 0
