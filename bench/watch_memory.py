"""Does a long ``ccrest watch`` stay flat in memory? The resident set after the first samples
against the resident set at the end, over many samples at a short interval.

The simulator runs in its own process (its memory is not ours); the watch runs here, opened
and judged as ``ccrest watch`` does (``configure.benches_from``, ``target.opened``,
``watch.run``), and the samples stream to a temporary folder. Talks only to 127.0.0.1.

    python bench/watch_memory.py [--samples 50000] [--interval 0.01]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from simulators import start_simulator

PASSWORD = "bench-password"
WARM = 1000  # samples before the first reading: imports and caches are in place by then


def rss_mb() -> float:
    """The resident set now, in MB (Linux: /proc/self/statm)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=50_000)
    parser.add_argument("--interval", type=float, default=0.01)
    args = parser.parse_args()

    from ccrest.configure import benches_from
    from ccrest.target import opened
    from ccrest.watch import run

    sim, url = start_simulator(PASSWORD)
    try:
        bench = benches_from({"url": url, "password": PASSWORD})[""]
        target, reason = opened(bench)
        if reason:
            raise SystemExit(reason)
        readings: dict[str, float] = {}
        count = 0

        def stop() -> bool:
            nonlocal count
            count += 1
            if count == WARM:
                readings["warm"] = rss_mb()
            return count > args.samples

        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            summary = run(target, bench, 10**9, args.interval, Path(folder), stop=stop)
            elapsed = time.perf_counter() - started
        readings["end"] = rss_mb()
        target.client.close()
    finally:
        sim.terminate()
        sim.wait(timeout=30)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"samples {summary['samples']} in {elapsed:.0f} s (interval {args.interval:g} s), "
        f"verdict {summary['verdict']}"
    )
    print(
        f"RSS after {WARM} samples {readings['warm']:.1f} MB, at the end {readings['end']:.1f} MB: "
        f"growth {readings['end'] - readings['warm']:+.1f} MB (peak {peak:.1f} MB)"
    )


if __name__ == "__main__":
    main()
