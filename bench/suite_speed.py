"""Is the suite the bottleneck? Its run time against devices of different latency.

For each latency the simulator runs in its own process with --latency-ms, the whole suite runs
against it, and the wall time is set against the floor a device of that latency imposes: the
number of requests the suite made times the latency. A ratio close to 1 means the time is the
device's, not the suite's. The sampling window (--sample-seconds) is set to 0 here, since it is
waiting by design. Talks only to 127.0.0.1; each run is bounded by a timeout.

    python bench/suite_speed.py [--latency-ms 0 20 50]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-pw"
RUN_TIMEOUT_S = 900


def run_once(latency_ms: float) -> tuple[float, int, str]:
    sim = subprocess.Popen(
        [sys.executable, "-m", "ccrest.simulator", "--port", "0", "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "CCREST_OPERATOR_PASSWORD": PASSWORD},
    )
    try:
        line = sim.stdout.readline() if sim.stdout else ""
        url = re.search(r"http://127\.0\.0\.1:\d+", line)
        if not url:
            raise SystemExit(f"the simulator did not start: {line!r}")
        start = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--controller-url",
                url.group(0),
                "--sample-seconds",
                "0",
                "--no-reports",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            env={**os.environ, "CC_PASSWORD": PASSWORD},
        )
        elapsed = time.perf_counter() - start
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    requests = re.search(r"HTTP requests to the controller: (\d+)", result.stdout)
    outcome = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
    return elapsed, int(requests.group(1)) if requests else 0, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0, 20, 50])
    args = parser.parse_args()
    print(f"{'latency':>8} {'wall s':>8} {'requests':>9} {'floor s':>8} {'ratio':>6}  outcome")
    for latency in args.latency_ms:
        elapsed, requests, outcome = run_once(latency)
        floor = requests * latency / 1000
        ratio = f"{elapsed / floor:6.2f}" if floor else "     -"
        print(f"{latency:>6g}ms {elapsed:>8.1f} {requests:>9} {floor:>8.1f} {ratio}  {outcome}")


if __name__ == "__main__":
    main()
