"""A conformance run against every hostile device: is every run bounded?

For each fault mode of the simulator (ccrest.simulator.defects.FAULTS: a device that refuses,
never answers, drips its headers or body, resets, answers 10 MB or a gzip bomb, streams an
endless /sim/, echoes the password, dies mid-run) the whole suite runs in a subprocess against a
simulator in this process, and the script prints, per device: the exit code, the wall time,
the run's peak RSS, and the size of each report and of the terminal output. It checks each
against the bounds the README states (memory < 200 MB, each report < 5 MB, wall < run deadline
+ 10 s) and exits 1 when one is broken. A final row runs a slow device (latency 200 ms) into a
short --run-deadline. Talks only to 127.0.0.1.

    python bench/hostile.py [--timeout 1] [--run-deadline 60] [FAULT ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from ccrest.selfcheck import PASSWORD, charging_simulator
from ccrest.simulator import Credentials, Simulator
from ccrest.simulator.defects import FAULTS

ROOT = Path(__file__).resolve().parents[1]
MEMORY_MB, REPORT_MB, SLACK_S = 200, 5, 10
REPORTS = ("conformance.html", "conformance.json", "conformance.md", "conformance.xml")


def peak_rss_mb(command: list[str], timeout: float) -> tuple[int, float, float, str]:
    """Run a child process to its end; its exit code, wall time, peak RSS (MB) and output."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: the suite, its output to a file
        out = os.open(command[-1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.execvpe(command[0], command[:-1], {**os.environ, "CC_PASSWORD": PASSWORD})
    deadline = start + timeout
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            done, status, usage = os.wait4(pid, 0)
            break
        time.sleep(0.05)
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    return code, wall, usage.ru_maxrss / 1024, command[-1]


def run(label: str, url: str, args: argparse.Namespace, deadline: float | None = None) -> bool:
    deadline = deadline if deadline is not None else args.run_deadline
    with tempfile.TemporaryDirectory(prefix="ccrest-hostile-") as tmp:
        out = Path(tmp) / "terminal.txt"
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(ROOT / "suites"),
            "-q",
            "-p",
            "no:cacheprovider",
            f"--controller-url={url}",
            f"--timeout={args.timeout}",
            "--sample-seconds=0",
            f"--run-deadline={deadline}",
            f"--report-dir={tmp}",
            str(out),
        ]
        limit = deadline + SLACK_S
        code, wall, rss, _ = peak_rss_mb(command, timeout=limit + 60)
        sizes = {
            name: (Path(tmp) / name).stat().st_size
            for name in REPORTS
            if (Path(tmp) / name).exists()
        }
        sizes["terminal"] = out.stat().st_size
    largest = max(sizes.values()) / 1e6
    ok = rss < MEMORY_MB and largest < REPORT_MB and wall < limit and len(sizes) == 5
    print(
        f"{label:<20} exit {code:>2}  {wall:6.1f} s  {rss:6.1f} MB  "
        f"largest file {largest:5.2f} MB  reports {len(sizes) - 1}/4  {'ok' if ok else 'OVER'}",
        flush=True,
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=float, default=1.0, help="--timeout for each run")
    parser.add_argument("--run-deadline", type=float, default=60.0, help="--run-deadline")
    parser.add_argument("faults", nargs="*", default=list(FAULTS), help="only these")
    args = parser.parse_args()
    print(
        f"bounds: memory < {MEMORY_MB} MB, each file < {REPORT_MB} MB, "
        f"wall < run deadline ({args.run_deadline:g} s) + {SLACK_S} s"
    )
    ok = True
    for fault in args.faults:
        sim = charging_simulator(fault)
        try:
            ok &= run(fault, sim.url, args)
        finally:
            sim.stop()
    with Simulator(credentials=Credentials(operator=PASSWORD), latency_ms=200) as sim:
        sim.device.plug(max_current=16)
        sim.device.present_card("04a3b2c1d2e380")
        ok &= run("slow, deadline 20 s", sim.url, args, deadline=20)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
