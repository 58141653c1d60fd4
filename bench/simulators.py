"""The benchmarks' one way to start a server in its own process and learn its URL (the first
line it prints names it). Talks only to 127.0.0.1."""

from __future__ import annotations

import os
import re
import subprocess
import sys


def start_process(command: list[str], password: str) -> tuple[subprocess.Popen[str], str]:
    """Run ``command`` (a simulator, or a floor server), the operator's password in the
    environment; its URL from the first line it prints."""
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "CCREST_OPERATOR_PASSWORD": password},
    )
    line = proc.stdout.readline() if proc.stdout else ""
    url = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not url:
        proc.kill()
        raise SystemExit(f"{' '.join(command[-2:])} did not start: {line!r}")
    return proc, url.group(0)


def start_simulator(password: str, *options: str) -> tuple[subprocess.Popen[str], str]:
    """The bundled simulator on a free port, with ``options`` (``--latency-ms 20``)."""
    return start_process(
        [sys.executable, "-m", "ccrest.simulator", "--port", "0", *options], password
    )
