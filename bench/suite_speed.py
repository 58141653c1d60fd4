"""Is the suite the bottleneck? The default run's time, and the time against devices of
different latency.

First the default conformance run (``pytest`` in the checkout, the bundled simulator), median
of a few. Then, for each latency, the simulator runs in its own process with --latency-ms, the
whole suite runs against it, and the wall time is set against the floor a device of that
latency imposes: the number of requests the device delayed (its /rest/ answers; the control
API's are not delayed, so they are not counted) times the latency. A ratio close to 1 means the
time is the device's, not the suite's. A simulator has a clock of its own, so the temporal
family samples it in device time (its clock run fast). Talks only to 127.0.0.1; each run is
bounded by a timeout.

    python bench/suite_speed.py [--latency-ms 0 20 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from simulators import start_simulator

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-pw"
RUN_TIMEOUT_S = 900
REPORTS = Path(tempfile.gettempdir()) / "ccrest-bench-reports"


def suite(*options: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The whole suite in the checkout, as ``pytest`` runs it there."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=env
    )


def run_once(latency_ms: float) -> tuple[float, int, str]:
    sim, url = start_simulator(PASSWORD, "--latency-ms", str(latency_ms))
    try:
        start = time.perf_counter()
        env = {**os.environ, "CC_PASSWORD": PASSWORD}
        result = suite("--controller-url", url, "--no-reports", env=env)
        elapsed = time.perf_counter() - start
        state = json.loads(urllib.request.urlopen(f"{url}/sim/state", timeout=10).read())
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    outcome = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
    return elapsed, int(state["delayed_requests"]), outcome


def default_run() -> float:
    """The default conformance run (``pytest`` in the checkout: the bundled simulator, every
    family, the reports written), wall seconds."""
    start = time.perf_counter()
    suite(f"--report-dir={REPORTS}", env={k: v for k, v in os.environ.items() if k[:3] != "CC_"})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0, 20, 50])
    parser.add_argument("--runs", type=int, default=5, help="of the default run (median)")
    args = parser.parse_args()
    runs = sorted(default_run() for _ in range(args.runs))
    print(
        f"default run (pytest, bundled simulator, reports written): median "
        f"{runs[len(runs) // 2]:.2f} s of {args.runs} (min {runs[0]:.2f}, max {runs[-1]:.2f})"
    )
    print(f"{'latency':>8} {'wall s':>8} {'delayed':>9} {'floor s':>8} {'ratio':>6}  outcome")
    for latency in args.latency_ms:
        elapsed, requests, outcome = run_once(latency)
        floor = requests * latency / 1000
        ratio = f"{elapsed / floor:6.2f}" if floor else "     -"
        print(f"{latency:>6g}ms {elapsed:>8.1f} {requests:>9} {floor:>8.1f} {ratio}  {outcome}")


if __name__ == "__main__":
    main()
