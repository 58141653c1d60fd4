"""How good is the suite? Run it against every catalogued defect and count what it catches.

``ccrest selfcheck`` prints the kill-rate table of the simulator's own defect catalogue:
defect, the checks that must catch it, whether they did, and the totals; it exits 1 if a
defect got through or a check failed that should not have (a false alarm). Each run is the
real suite (``suites/``, in a pytest subprocess) against the simulator with that one defect,
judged by the failing check IDs in its conformance.json.

``ccrest selfcheck --matrix`` runs the generated mutants instead (``ccrest.mutate``: operators
applied across keys and endpoints outside the simulator's model) and prints the kill table per
operator; ``--variants`` runs the generated allowed variants, each of which must conform.
``--sample N`` takes every N-th (and each operator once), as CI does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccrest.engine import SuitesMissing, pytest_args, run_in_process, suites_dir
from ccrest.simulator import Credentials, Simulator
from ccrest.simulator.defects import DEFECTS, Defect
from ccrest.usage import Parser

PASSWORD = "selfcheck-pw"
# past a meter's longest refresh (checks.temporal.MAX_REFRESH_S), in an even number of readings
# (one a second, both ends): a counter flickering on every other read differs first to last
TEMPORAL_SECONDS = 13.0
RUN_TIMEOUT_S = 300


@dataclass(frozen=True)
class Outcome:
    defect: str
    expected: frozenset[str]
    caught: frozenset[str]
    verdict: str

    @property
    def killed(self) -> bool:
        return self.expected <= self.caught and self.verdict == "does-not-conform"

    @property
    def missed(self) -> frozenset[str]:
        return self.expected - self.caught

    @property
    def extra(self) -> frozenset[str]:
        return self.caught - self.expected


def failing_checks(summary: Mapping[str, Any]) -> frozenset[str]:
    """The check IDs a run failed: from its findings, or a failed test's own checks."""
    ids = set()
    for test in summary["tests"]:
        found = {f["check"] for f in test["findings"] if f["outcome"] == "fail"}
        if test["outcome"] in ("failed", "error") and not found:
            found = set(test["checks"])
        ids |= found
    return frozenset(ids)


def failing_by_key(summary: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each failing check ID with the keys its failing findings name ('-' for none): a
    deviation named by check and key, as captures/index.json lists them."""
    found: dict[str, set[str]] = {}
    for test in summary["tests"]:
        for f in test["findings"]:
            if f["outcome"] == "fail":
                found.setdefault(f["check"], set()).add(f.get("key", "-"))
        if test["outcome"] in ("failed", "error") and not any(
            f["outcome"] == "fail" for f in test["findings"]
        ):
            for check in test["checks"]:
                found.setdefault(check, set()).update(test["keys"] or ["-"])
    return {check: sorted(keys) for check, keys in sorted(found.items())}


def sample_seconds(defect: Defect) -> float:
    """Temporal defects need time to show; the rest do not wait."""
    return TEMPORAL_SECONDS if any(c.startswith("temp.") for c in defect.catches) else 0.0


def charging_simulator(*defects: Defect | str) -> Simulator:
    """The reference device (a session in progress, as the embedded default), with defects."""
    sim = Simulator(credentials=Credentials(operator=PASSWORD), defects=defects).start()
    assert sim.device is not None  # a simulator of the device model, not a replay
    sim.device.plug(max_current=16)
    sim.device.present_card("04a3b2c1d2e380")
    return sim


def run_suite(
    url: str, suites: Path, seconds: float, extra: Sequence[str] = (), *, in_process: bool = False
) -> dict[str, Any]:
    """The suite against ``url``, run as ``ccrest check`` runs it (the plugin by -p, the rootdir
    pinned, from any directory): in a pytest subprocess, or (``in_process``: the self-tests,
    which spare a process start per defect) in this one; its conformance.json."""
    with tempfile.TemporaryDirectory(prefix="ccrest-selfcheck-") as tmp:
        options = ["-q", f"--controller-url={url}", f"--sample-seconds={seconds}", *extra]
        if in_process:
            run_in_process(Path(tmp), [*options, f"--password={PASSWORD}"], suites=suites)
            return dict(json.loads((Path(tmp) / "conformance.json").read_text()))
        subprocess.run(
            [sys.executable, "-m", "pytest", *pytest_args(Path(tmp), options, suites=suites)],
            cwd=tmp,
            capture_output=True,
            timeout=RUN_TIMEOUT_S,
            env={**os.environ, "CC_PASSWORD": PASSWORD},
            check=False,
        )
        summary: dict[str, Any] = json.loads((Path(tmp) / "conformance.json").read_text())
        return summary


def check_defect(defect: Defect, suites: Path, *, in_process: bool = False) -> Outcome:
    sim = charging_simulator(defect)
    try:
        summary = run_suite(sim.url, suites, sample_seconds(defect), in_process=in_process)
    finally:
        sim.stop()
    return Outcome(
        defect.name, frozenset(defect.catches), failing_checks(summary), summary["verdict"]
    )


def table(outcomes: Iterable[Outcome]) -> str:
    outcomes = list(outcomes)
    width = max(len(o.defect) for o in outcomes)
    lines = [f"{'defect':<{width}}  {'caught':<7} expected check(s)  [also failed]"]
    for o in outcomes:
        mark = "yes" if o.killed else "NO"
        extra = f"  [{', '.join(sorted(o.extra))}]" if o.extra else ""
        missed = f"  MISSED: {', '.join(sorted(o.missed))}" if o.missed else ""
        lines.append(
            f"{o.defect:<{width}}  {mark:<7} {', '.join(sorted(o.expected))}{missed}{extra}"
        )
    killed = sum(o.killed for o in outcomes)
    exact = sum(o.killed and not o.extra for o in outcomes)
    lines.append(
        f"\nkilled {killed} of {len(outcomes)} defects ({100 * killed / len(outcomes):.0f} %); "
        f"{exact} caught by exactly the documented checks"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    parser = Parser(
        prog=prog or "ccrest selfcheck", description=" ".join(__doc__.split("\n\n")[0].split())
    )
    parser.add_argument("--list", action="store_true", help="list the defects and exit")
    parser.add_argument("--suites", help="the suites folder (default: the installed suites)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at once (default 2)")
    parser.add_argument(
        "--matrix", action="store_true", help="the generated mutants, not the defect catalogue"
    )
    parser.add_argument(
        "--variants", action="store_true", help="the generated allowed variants (all conform)"
    )
    parser.add_argument(
        "--sample", type=int, default=1, metavar="N", help="every N-th only (and each operator)"
    )
    parser.add_argument("defects", nargs="*", help="only these defects (default: all)")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.sample < 1:
        parser.error("--jobs and --sample take a whole number of at least 1")
    if args.matrix or args.variants:
        return generated(parser, args)
    if args.list:
        for d in DEFECTS.values():
            print(f"{d.name:<30} {d.description} -> {', '.join(d.catches)}")
        return 0
    try:
        suites = Path(args.suites).resolve() if args.suites else suites_dir()
    except SuitesMissing as exc:
        parser.error(str(exc))
    if not (suites / "test_full_state.py").is_file():
        parser.error(f"no suites at {suites}: give --suites a ccrest suites folder")
    unknown = [n for n in args.defects if n not in DEFECTS]
    if unknown:
        parser.error(f"unknown defect(s) {unknown}; --list shows them")
    chosen = [DEFECTS[n] for n in args.defects] or list(DEFECTS.values())
    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for outcome in pool.map(lambda d: check_defect(d, suites), chosen):
            outcomes.append(outcome)
            caught = sum(o.killed for o in outcomes)
            word = "caught" if outcome.killed else "MISSED"
            print(
                f"[{len(outcomes)}/{len(chosen)}] {word:<7} {outcome.defect} "
                f"({caught} caught so far)",
                file=sys.stderr,
                flush=True,
            )
    print(table(outcomes))
    return 0 if all(o.killed and not o.extra for o in outcomes) else 1


def generated(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The mutant matrix and/or the allowed variants: tables on stdout, progress on stderr."""
    from ccrest.mutate import Mutant, Variant, generate, sample
    from ccrest.mutate import variants as variant_maker
    from ccrest.mutate.matrix import Result, run_all, table, variant_table
    from ccrest.spec import catalogue

    cat = catalogue()
    kinds: list[tuple[str, Sequence[Mutant | Variant]]] = (
        [("mutant", generate(cat))] if args.matrix else []
    )
    kinds += [("variant", variant_maker.generate(cat))] if args.variants else []
    if args.list:
        for kind, made in kinds:
            for x in made:
                print(f"{kind:<8} {x.name:<40} {x.description}")
        return 0
    known = {x.name for _, made in kinds for x in made}
    unknown = [n for n in args.defects if n not in known]
    if unknown:
        parser.error(f"unknown mutant(s) or variant(s) {unknown}; --list shows them")

    def progress(r: Result, done: int, total: int) -> None:
        word = (
            r.verdict
            if r.operator == "variant"
            else "equivalent"
            if r.equivalent
            else "killed"
            if r.killed
            else "SURVIVED"
        )
        print(
            f"[{done}/{total}] {word:<16} {r.name} ({r.seconds:.1f} s)", file=sys.stderr, flush=True
        )

    ok = True
    for kind, made in kinds:
        chosen = [x for x in made if not args.defects or x.name in args.defects]
        if args.sample > 1:
            if kind == "mutant":
                mutants = [x for x in chosen if isinstance(x, Mutant)]  # every one of them
                chosen = list(sample(mutants, args.sample))
            else:
                chosen = chosen[:: args.sample]
        if not chosen:
            continue
        results = run_all(kind, [x.name for x in chosen], args.jobs, progress)
        print(table(results) if kind == "mutant" else variant_table(results))
        if kind == "mutant":
            ok &= all(r.killed or r.equivalent for r in results)
        else:
            ok &= all(r.verdict == "conforms" for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
