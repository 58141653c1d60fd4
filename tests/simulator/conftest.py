"""One simulator per session on a free port, reset before each test; errors in its server
thread are re-raised in the test that provoked them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from ccrest.simulator import Credentials, DeviceConfig, Simulator

OPERATOR = ("operator", "op-secret")
MANUFACTURER = ("manufacturer", "mf-secret")


@pytest.fixture(scope="session")
def session_sim() -> Iterator[Simulator]:
    credentials = Credentials(operator=OPERATOR[1], manufacturer=MANUFACTURER[1])
    config = DeviceConfig(schuko=True, rest_mode="with-uid")
    with Simulator(config, credentials=credentials, speed=0) as sim:
        yield sim


@pytest.fixture
def sim(session_sim: Simulator) -> Iterator[Simulator]:
    session_sim.reset()
    yield session_sim
    session_sim.raise_errors()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def doc_headers(user: str, password: str) -> dict[str, str]:
    """The specification's own header scheme, as in its curl example."""
    return {
        "Authorization": "Basic Auth",
        "Username": user,
        "Password": password,
        "Content-type": "application/json",
    }
