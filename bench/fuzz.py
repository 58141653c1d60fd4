"""The deep run of the fuzz of device bytes: many random hostile devices (CI runs a fixed
sample of 12), each a whole conformance run whose reports and terminal are then read by their
real consumers (``tests/suites/test_fuzz_device_bytes.py``). Prints the examples run, the time
each took and, on a failure, Hypothesis's smallest failing device.

    python bench/fuzz.py                 # 200 random examples
    python bench/fuzz.py --examples 1000 --seed 7
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None, help="a Hypothesis seed, to repeat a run")
    args = parser.parse_args()
    env = os.environ | {
        "CCREST_FUZZ_EXAMPLES": str(args.examples),
        "CCREST_FUZZ_RANDOM": "1",
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/suites/test_fuzz_device_bytes.py",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    if args.seed is not None:
        command.append(f"--hypothesis-seed={args.seed}")
    start = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env)
    took = time.monotonic() - start
    print(
        f"fuzz: {args.examples} hostile devices, {took:.0f} s "
        f"({took / args.examples:.2f} s each): {'passed' if done.returncode == 0 else 'FAILED'}"
    )
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
