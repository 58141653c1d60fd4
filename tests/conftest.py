"""Fixtures shared by the self-tests."""

from __future__ import annotations

import pytest

from ccrest.spec import Catalogue, catalogue


@pytest.fixture(scope="session")
def cat() -> Catalogue:
    return catalogue()
