"""A lab run on pytest-xdist: each controller is one unit of work, so with -n N one worker
checks it from first check to last, in order, and no controller ever sees two connections.

xdist's ``loadgroup`` would do this from an ``xdist_group`` mark, but it tags node ids in a way
pytest 9.2 no longer honours (``item._nodeid``); its documented extension point, a scheduler
from ``pytest_xdist_make_scheduler``, groups by what the node id already holds: the test's
first parameter, the controller's name (``test_value_conforms[bench-3-conn_state]``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling


class ControllerScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
    """LoadScope's machinery (whole work units to one worker, in collection order), with the
    controller as the unit."""

    def __init__(self, config: pytest.Config, log: Any = None, names: Iterable[str] = ()) -> None:
        super().__init__(config, log)
        self.names = sorted(names, key=len, reverse=True)  # bench-10 before bench-1

    def worker_pids(self) -> list[int]:
        """The workers' process ids, as xdist learnt them when it set each up (nothing is asked
        of a worker here: this runs in a signal handler). A SIGTERM sent to the controller
        process alone is passed on to them, so they stop as a Ctrl-C stops them."""
        pids = []
        for node in list(getattr(self, "assigned_work", {})):
            info = getattr(getattr(node, "gateway", None), "_cache_rinfo", None)
            pid = getattr(info, "pid", None)
            if isinstance(pid, int) and pid > 0:
                pids.append(pid)
        return pids

    def _split_scope(self, nodeid: str) -> str:
        params = nodeid[nodeid.rfind("[") + 1 : -1] if nodeid.endswith("]") else ""
        for name in self.names:
            if params == name or params.startswith(name + "-"):
                return name
        return nodeid  # a test of no controller: a unit of its own
