"""The installed ``ccrest`` command in a pseudo-terminal, as a person meets it: its output as a
terminal receives it (colours and all), signals sent to the real process."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

CCREST = str(Path(sys.executable).with_name("ccrest"))
# every escape sequence: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), or ESC and one byte
ESCAPE = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[\s\S])")
PYTEST_SGR = {b"", b"0", b"1", b"2", b"4", b"5", b"7", *(str(n).encode() for n in range(30, 38))}


@dataclass
class Session:
    code: int
    output: bytes

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    def escapes(self) -> list[bytes]:
        return [m.group(0) for m in ESCAPE.finditer(self.output)]

    def foreign_escapes(self) -> list[bytes]:
        """Escape sequences that are not pytest's own colours: anything a device could use to
        drive the terminal (a title, the clipboard, erasing a line, concealing text)."""
        foreign = []
        for seq in self.escapes():
            sgr = re.fullmatch(rb"\x1b\[([0-9;]*)m", seq)
            if sgr is None or not set(sgr.group(1).split(b";")) <= PYTEST_SGR:
                foreign.append(seq)
        return foreign


def run(
    args: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    *,
    timeout: float = 180,
    when: Callable[[bytes], bool] | None = None,
    send: int = signal.SIGINT,
    times: int = 1,
    gap: float = 0.05,
    group: bool = True,
) -> Session:
    """Run ``ccrest ARGS`` in a pseudo-terminal until it ends; if ``when`` is given, send the
    signal ``send`` to its process group as soon as the output so far satisfies it (Ctrl-C
    reaches every process of the job, or a SIGTERM), ``times`` times, ``gap`` s apart; not
    ``group``, to the process alone (a service manager's or CI runner's SIGTERM)."""
    master, slave = pty.openpty()
    environ = dict(os.environ) | {"TERM": "xterm-256color", "COLUMNS": "120"} | dict(env or {})
    proc = subprocess.Popen(  # its own process group, as a terminal's job (xdist's workers too)
        [CCREST, *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env=environ,
        start_new_session=True,
    )
    os.close(slave)
    output = bytearray()
    sent = False
    ends = time.monotonic() + timeout
    try:
        while time.monotonic() < ends:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the process closed the terminal
                    chunk = b""
                if not chunk and proc.poll() is not None:
                    break
                output += chunk
            elif proc.poll() is not None:
                break
            if when is not None and not sent and when(bytes(output)):
                for i in range(times):  # as Ctrl-C reaches every process of the job
                    if i:
                        time.sleep(gap)
                    with contextlib.suppress(ProcessLookupError):
                        (os.killpg if group else os.kill)(proc.pid, send)
                sent = True
        else:
            os.killpg(proc.pid, signal.SIGKILL)
            raise TimeoutError(f"ccrest {' '.join(args)} ran past {timeout} s:\n{output[-2000:]!r}")
        code = proc.wait(timeout=30)
    finally:
        with contextlib.suppress(OSError):
            os.close(master)
    return Session(code, bytes(output))
