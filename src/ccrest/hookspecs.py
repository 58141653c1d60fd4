"""The hook ccrest adds to pytest: who acts on the steps of a --guided run."""

from __future__ import annotations

import pytest


@pytest.hookspec(firstresult=True)
def pytest_ccrest_operator(config: pytest.Config):
    """Return the ``ccrest.guided.Operator`` of a --guided run (a test rig, a lab's remote
    control of its EV simulator), or None for the person at this terminal."""
