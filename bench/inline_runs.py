"""What a whole suite run costs inside a process that makes hundreds of them (the self-tests'
kill matrix and mutants, ``ccrest selfcheck --matrix``): seconds per run and memory kept per
run, over the generated mutant sample the self-tests run, in this one process.

Time is taken first, untraced; memory is what ``tracemalloc`` still holds after a collection
over as many runs again (imports and caches in place by then): a process that runs hundreds
must stay flat.
Talks only to 127.0.0.1.

    python bench/inline_runs.py [--runs 40]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc

WARM = 5  # runs before the measure: imports and caches are in place by then


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    from ccrest.mutate import generate, sample
    from ccrest.mutate.matrix import run_mutant
    from ccrest.spec import catalogue

    mutants = [m for m in sample(generate(catalogue()), 20) if not m.equivalent]
    chosen = (mutants * (1 + (WARM + args.runs) // len(mutants)))[: WARM + args.runs]
    for m in chosen[:WARM]:
        run_mutant(m)
    times = []
    for m in chosen[WARM:]:
        started = time.perf_counter()
        run_mutant(m)
        times.append(time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()  # a second pass, traced (tracing slows the runs: not timed)
    for m in chosen[WARM:]:
        run_mutant(m)
    gc.collect()
    kept, _ = tracemalloc.get_traced_memory()
    print(
        f"{len(times)} mutant runs in one process: median {statistics.median(times):.3f} s a "
        f"run (min {min(times):.3f}, max {max(times):.3f}); memory kept over {len(times)} "
        f"more: {kept / 2**20:.2f} MB in all, {kept / len(times) / 2**10:.0f} KB a run"
    )


if __name__ == "__main__":
    main()
