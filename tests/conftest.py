"""Fixtures shared by the self-tests."""

from __future__ import annotations

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
