"""The rules that keep the parts apart (ARCHITECTURE.md, "The typed run"): the domain decides,
only the plugin speaks pytest."""

from __future__ import annotations

import subprocess
import sys

import pytest

DOMAIN = [
    "ccrest.bench",
    "ccrest.configure",
    "ccrest.target",
    "ccrest.outcome",
    "ccrest.verdict",
    "ccrest.watch",
    "ccrest.options",
    "ccrest.config",
]


@pytest.mark.parametrize("module", DOMAIN)
def test_the_domain_does_not_import_pytest(module: str) -> None:
    """A fresh interpreter: importing the module loads no part of pytest."""
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if 'pytest' in m))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"{module} loads {done.stdout.strip()}"
