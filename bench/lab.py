"""A lab run's speed and memory, as ratios: many simulated controllers, each in its own process
with --latency-ms, checked one after another and then -n N at a time.

What it reports, and what the lab mode promises:
- parallel wall / (sequential wall / N): at most 1.3 (the workers wait on the devices, not on
  each other); the sequential wall is measured on --sequential controllers and scaled to all
  (each controller costs the same: the same suite against the same simulator);
- the peak resident memory of any one xdist worker: under 150 MB;
- the time `ccrest report merge` takes to build the fleet summary from every controller's
  report: under 2 s.

Talks only to 127.0.0.1; every run is bounded by a timeout.

    python bench/lab.py [--controllers 16] [--latency-ms 50] [-n 8] [--sequential 16]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

PASSWORD = "bench-pw"
RUN_TIMEOUT_S = 3600


@contextlib.contextmanager
def simulators(count: int, latency_ms: float) -> Iterator[list[str]]:
    procs, urls = [], []
    command = [sys.executable, "-m", "ccrest.simulator", "--port", "0", "--latency-ms"]
    try:
        for _ in range(count):
            sim = subprocess.Popen(
                [*command, str(latency_ms)],
                stdout=subprocess.PIPE,
                text=True,
                env={**os.environ, "CCREST_OPERATOR_PASSWORD": PASSWORD},
            )
            procs.append(sim)
            line = sim.stdout.readline() if sim.stdout else ""
            url = re.search(r"http://127\.0\.0\.1:\d+", line)
            if not url:
                raise SystemExit(f"a simulator did not start: {line!r}")
            urls.append(url.group(0))
        yield urls
    finally:
        for sim in procs:
            sim.terminate()
        for sim in procs:
            sim.wait(timeout=10)


def inventory(folder: Path, urls: list[str]) -> Path:
    path = folder / "lab.toml"
    path.write_text(
        "".join(
            f"[controllers.c{i:02d}]\nurl = '{u}'\npassword_env = 'BENCH_PW'\n\n"
            for i, u in enumerate(urls, 1)
        )
    )
    return path


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(found.group(1)) if found else 0


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            children = []
        for child in map(int, children):
            out.append(child)
            todo.append(child)
    return out


def lab_run(folder: Path, lab: Path, workers: int) -> tuple[float, int, int]:
    """Wall seconds, exit code, and the peak RSS (kB) of the biggest worker process."""
    args = [sys.executable, "-m", "ccrest.cli", "check", "--inventory", str(lab)]
    args += ["--sample-seconds", "0", "--report-dir", str(folder / f"reports-{workers}")]
    if workers > 1:
        args += ["-n", str(workers)]
    start = time.perf_counter()
    proc = subprocess.Popen(
        args,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "BENCH_PW": PASSWORD},
    )
    peak = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            # the workers are the controller's children (xdist); without -n, the run itself
            pids = _descendants(proc.pid) if workers > 1 else [proc.pid]
            peak = max([peak, *(_rss_kb(p) for p in pids)])
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        code = proc.wait(timeout=RUN_TIMEOUT_S)
    finally:
        done.set()
        watcher.join()
    return time.perf_counter() - start, code, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--controllers", type=int, default=16)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("-n", type=int, default=8, help="xdist workers of the parallel run")
    parser.add_argument(
        "--sequential",
        type=int,
        default=None,
        help="controllers the sequential run checks, scaled to all (default: all of them)",
    )
    args = parser.parse_args()
    sequential = args.sequential or args.controllers
    with (
        tempfile.TemporaryDirectory() as tmp,
        simulators(args.controllers, args.latency_ms) as urls,
    ):
        folder = Path(tmp)
        seq_wall, seq_code, seq_rss = lab_run(folder, inventory(folder, urls[:sequential]), 1)
        per_controller = seq_wall / sequential
        lab = inventory(folder, urls)
        par_wall, par_code, par_rss = lab_run(folder, lab, args.n)
        start = time.perf_counter()
        shard = str(folder / f"reports-{args.n}")
        merged = subprocess.run(
            [sys.executable, "-m", "ccrest.report", "merge", shard, "--out", f"{folder}/merged"],
            capture_output=True,
            timeout=120,
        )
        merge_s = time.perf_counter() - start
    ideal = per_controller * args.controllers / args.n
    print(f"{args.controllers} controllers, --latency-ms {args.latency_ms:g}, -n {args.n}")
    print(
        f"sequential: {sequential} controllers in {seq_wall:.1f} s "
        f"({per_controller:.1f} s each, exit {seq_code}, peak {seq_rss / 1024:.0f} MB)"
    )
    print(
        f"parallel:   {args.controllers} controllers in {par_wall:.1f} s (exit {par_code}); "
        f"ideal (sequential / {args.n}) {ideal:.1f} s; ratio {par_wall / ideal:.2f} "
        "(promise <= 1.3)"
    )
    print(f"peak RSS of one worker: {par_rss / 1024:.0f} MB (promise < 150 MB)")
    print(
        f"report merge of {args.controllers} controllers: {merge_s:.2f} s "
        f"(exit {merged.returncode}; promise < 2 s)"
    )


if __name__ == "__main__":
    main()
