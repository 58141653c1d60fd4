"""The command-line options of the conformance suites, and nothing else.

Registered by ``ccrest.plugin`` (its ``pytest_addoption``), which a ccrest run loads: the
checkout's conftest.py, or ``-p ccrest.plugin`` as ``ccrest check`` gives it. There is no
``pytest11`` entry point, so installing ccrest adds no option to anybody else's pytest run.
On its own this module only declares options; everything that acts on them is the plugin.
"""

from __future__ import annotations

import pytest

from ccrest.client import AUTH_SCHEMES
from ccrest.profiles import DEFAULT as DEFAULT_PROFILE

REST_MODES = ("without-uid", "with-uid")
# the suite's defaults, named once: the options below and ``ccrest check --show-config``
DEFAULTS: dict[str, object] = {
    "auth_scheme": "doc-headers",
    "rest_mode": "without-uid",
    "timeout": 5.0,
    "sample_seconds": 3.0,
    "run_deadline": 600.0,
    "step_timeout": 120.0,
    "profile": DEFAULT_PROFILE,
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ccrest", "ccrest: the controller under test")
    group.addoption(
        "--controller-url",
        help="http://HOST[:PORT] of the controller (or CC_URL); "
        "without it the bundled simulator is started on a free port",
    )
    group.addoption(
        "--guided",
        action="store_true",
        help="walk the states scenarios with a person at the bench instead of a simulator: "
        "each step is printed, then full_state is watched until the device shows it",
    )
    group.addoption(
        "--step-timeout",
        type=float,
        default=DEFAULTS["step_timeout"],
        help="with --guided: seconds a step may take before it is not tested (default 120)",
    )
    group.addoption(
        "--inventory",
        help="a lab's controllers (TOML: one [controllers.NAME] table each, with url and "
        "password_env): check them all, each in order; with -n N, N at a time",
    )
    group.addoption(
        "--shard",
        help="K/N: with --inventory, check only every N-th controller from the K-th (for a CI "
        "matrix of N jobs; `ccrest report merge` joins their reports)",
    )
    group.addoption("--username", help="operator or manufacturer (or CC_USERNAME; operator)")
    group.addoption("--password", help="the role's password (or CC_PASSWORD, to keep it off argv)")
    group.addoption(
        "--auth-scheme",
        choices=AUTH_SCHEMES,
        default=DEFAULTS["auth_scheme"],
        help="doc-headers: Username/Password headers as in the specification's curl example "
        "(default); basic: RFC 7617",
    )
    group.addoption(
        "--rest-mode",
        choices=REST_MODES,
        default=DEFAULTS["rest_mode"],
        help="the REST interface setting the device is expected to have (default without-uid)",
    )
    group.addoption(
        "--timeout", type=float, default=DEFAULTS["timeout"], help="seconds per request (default 5)"
    )
    group.addoption(
        "--sample-seconds",
        type=float,
        default=DEFAULTS["sample_seconds"],
        help="how long the temporal checks watch the controller (default 3)",
    )
    group.addoption(
        "--run-deadline",
        type=float,
        default=DEFAULTS["run_deadline"],
        metavar="SECONDS",
        help="the whole run's time bound (default 600): checks not begun by then are reported "
        "as not tested, with the reason, and the reports are written",
    )
    group.addoption(
        "--profile",
        default=DEFAULTS["profile"],
        metavar="NAME|FILE",
        help="what the device is expected to do: a built-in profile (doc-5.33.5, the "
        "specification as written, is the default; field-5.22, field-5.33) or a profile "
        "file (TOML)",
    )
    group.addoption(
        "--replay",
        metavar="FILE",
        help="check a recorded capture: the bundled simulator replays FILE (a full_state body "
        "as a device sent it, text or JSON, or a capture made with --record)",
    )
    group.addoption(
        "--record",
        metavar="FILE",
        help="save what this run observed (full_state and every per-key answer, no "
        "credentials) as a capture that --replay and ccrest-sim --replay can serve",
    )
    group.addoption(
        "--report-dir",
        default="reports",
        help="where conformance.{html,xml,json,md} go (default reports/ under the rootdir); "
        "--html and --junitxml still override those two",
    )
    group.addoption(
        "--no-reports", action="store_true", help="write no report files (a quick local run)"
    )
    group.addoption(
        "--allow-anonymous",
        action="store_true",
        help="the device is set up to answer without credentials: report it, do not fail",
    )
