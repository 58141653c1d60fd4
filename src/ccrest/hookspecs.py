"""The hook ccrest adds to pytest: who acts on the steps of a --guided run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ccrest.guided import Operator


@pytest.hookspec(firstresult=True)
def pytest_ccrest_operator(config: pytest.Config) -> Operator | None:
    """Return the ``ccrest.guided.Operator`` of a --guided run (a test rig, a lab's remote
    control of its EV simulator), or None for the person at this terminal."""
