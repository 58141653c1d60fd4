"""Fixtures shared by the self-tests."""

from __future__ import annotations

import os

import pytest

from ccrest.spec import Catalogue, catalogue


@pytest.fixture(scope="session")
def cat() -> Catalogue:
    return catalogue()


END_TO_END = ("suites", "packaging")  # folders of tests that run the suite, a wheel, a process


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "e2e: an end-to-end self-test (a whole suite run, a built wheel, a terminal); "
        "the fast tier is -m 'not e2e'",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tier comes from where a test lives: tests/suites/ and tests/packaging/ run ccrest
    end to end; the rest are units (rules, parsers, schemas, the simulator, the reports)."""
    root = config.rootpath / "tests"
    for item in items:
        parts = item.path.relative_to(root).parts if item.path.is_relative_to(root) else ()
        if parts and parts[0] in END_TO_END:
            item.add_marker(pytest.mark.e2e)


WORKERS_A_CORE = 2


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers a core. Much of an end-to-end self-test's time is a wait (a
    ``ccrest`` process it started, a terminal, a device that drips, a watch between samples),
    in which a core would sit idle. On the 2-core machine the self-tests took 196 s with 4
    workers, 246 s with 2 and 212 s with 6 (2026-12-01)."""
    affinity = getattr(os, "sched_getaffinity", None)  # the cores this process may use (Linux)
    cores = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    return WORKERS_A_CORE * cores
