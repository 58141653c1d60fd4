"""Running the generated matrix: each mutant (and each variant) is the bundled simulator behind
a ``Proxy`` that applies it, checked by the real suites in this process (``ccrest.engine``),
judged by the failing check IDs and keys of its conformance.json. Several processes share the
work (``jobs``); each mutant is rebuilt there from its name.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccrest.engine import run_in_process
from ccrest.mutate import CARD, Mutant, Variant, generate
from ccrest.mutate.proxy import Piece, Proxy

if TYPE_CHECKING:
    from ccrest.simulator import Simulator

PASSWORD = "matrix-Pw-7f3a-ccrest"
VARIANT_SECONDS = 2.0
SESSION_AGE_S = 600.0  # how long the upstream's session has run when the suite starts


@dataclass(frozen=True)
class Result:
    name: str
    operator: str
    expected: tuple[tuple[str, str], ...]
    equivalent: str
    failing: dict[str, list[str]]  # check -> keys, its failures and its warnings (advisory)
    verdict: str
    seconds: float
    advisory: bool = False  # every catching check is advisory: a warning is the catch

    @property
    def missed(self) -> list[tuple[str, str]]:
        return [(c, k) for c, k in self.expected if k not in self.failing.get(c, [])]

    @property
    def killed(self) -> bool:
        if self.equivalent or self.missed:
            return False
        return self.advisory or self.verdict == "does-not-conform"


def _upstream(
    form: str,
    config: dict[str, Any] | None = None,
    charging: bool = True,
    vehicle: dict[str, Any] | None = None,
) -> Simulator:
    from ccrest.simulator import Credentials, DeviceConfig, Simulator

    sim = Simulator(
        DeviceConfig(**(config or {})), credentials=Credentials(operator=PASSWORD), fmt=form
    ).start()
    assert sim.device is not None
    if charging:
        sim.device.plug(max_current=16)
        sim.device.present_card(CARD)
        if vehicle:
            sim.device.set_vehicle(**vehicle)
        sim.device.advance(SESSION_AGE_S)  # counters well past zero: x 1000 of 0 is still 0
    return sim


def _summary(
    url: str,
    families: Sequence[str],
    seconds: float,
    scheme: str,
    rest_mode: str = "without-uid",
    declaration: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    import json

    with tempfile.TemporaryDirectory(prefix="ccrest-matrix-") as tmp:
        declared = []
        if declaration:  # the model as declared, a [device] table in the run's own folder
            path = Path(tmp) / "declaration.toml"
            path.write_text(
                "[device]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in declaration.items())
            )
            declared = [f"--declaration={path}"]
        options = [
            f"--controller-url={url}",
            f"--password={PASSWORD}",
            f"--auth-scheme={scheme}",
            f"--rest-mode={rest_mode}",
            f"--sample-seconds={seconds:g}",
            *declared,
            *(["-m", " or ".join(families)] if families else []),
        ]
        run_in_process(Path(tmp), options, ["-q"])
        summary: dict[str, Any] = json.loads((Path(tmp) / "conformance.json").read_text())
        return summary


CREDENTIALS = {"Authorization": "Basic Auth", "Username": "operator", "Password": PASSWORD}
CONFIGURED = ("operator", PASSWORD)  # the credentials every run of the matrix is given


def run_through(
    pieces: Sequence[Piece],
    seconds: float = VARIANT_SECONDS,  # a whole suite: the temporal family watches too
    declaration: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    """The whole suite against the reference device (text form, a session in progress) with
    ``pieces`` in front of it, the model declared as ``declaration`` if given: the run's
    summary (its verdict, exit code, findings)."""
    with ExitStack() as stack:
        sim = _upstream("text")
        stack.callback(sim.stop)
        proxy = stack.enter_context(Proxy(sim.url, pieces, CREDENTIALS))
        return _summary(proxy.url, (), seconds, "doc-headers", declaration=declaration)


def flagged_by_key(summary: dict[str, Any]) -> dict[str, list[str]]:
    """Each check that failed or warned (advisory), with the keys it named ('-' for none)."""
    from ccrest.selfcheck import failing_by_key

    found = {c: set(k) for c, k in failing_by_key(summary).items()}
    for test in summary["tests"]:
        for f in test["findings"]:
            if f["outcome"] in ("fail", "warn"):  # a rule between keys: each key it showed
                found.setdefault(f["check"], set()).update([f.get("key", "-"), *f.get("keys", [])])
    return {check: sorted(keys) for check, keys in sorted(found.items())}


def run_mutant(m: Mutant) -> Result:
    from ccrest.spec import catalogue

    if m.equivalent:
        return Result(m.name, m.operator, m.catches, m.equivalent, {}, "equivalent", 0.0)
    cat = catalogue()
    advisory = all(cat.check(c).certainty == "advisory" for c, _ in m.catches)
    started = time.monotonic()
    with ExitStack() as stack:
        sim = _upstream(m.form, m.config, m.charging)
        stack.callback(sim.stop)
        proxy = stack.enter_context(Proxy(sim.url, m.pieces, CREDENTIALS))
        summary = _summary(
            proxy.url, m.families, m.seconds, "doc-headers", declaration=m.declaration
        )
    return Result(
        m.name,
        m.operator,
        m.catches,
        "",
        flagged_by_key(summary),
        summary["verdict"],
        time.monotonic() - started,
        advisory,
    )


def run_variant(v: Variant) -> Result:
    """A conformant variation: the whole suite, which must find that it conforms."""
    from ccrest.selfcheck import failing_by_key

    started = time.monotonic()
    with ExitStack() as stack:
        sim = _upstream(v.form, v.config, v.charging, v.vehicle)
        stack.callback(sim.stop)
        proxy = stack.enter_context(Proxy(sim.url, v.pieces, CREDENTIALS))
        summary = _summary(
            proxy.url, (), VARIANT_SECONDS, v.scheme, str(v.config.get("rest_mode", "without-uid"))
        )
    return Result(
        v.name,
        "variant",
        (),
        "",
        failing_by_key(summary),
        summary["verdict"],
        time.monotonic() - started,
    )


# -- many at once ---------------------------------------------------------------------------


def _by_name(kind: str) -> dict[str, Any]:
    from ccrest.mutate.variants import generate as variants
    from ccrest.spec import catalogue

    made = generate(catalogue()) if kind == "mutant" else variants(catalogue())
    return {x.name: x for x in made}


_CACHE: dict[str, dict[str, Any]] = {}


def _run_named(kind: str, name: str) -> Result:
    known = _CACHE.setdefault(kind, _by_name(kind))
    item = known[name]
    return run_mutant(item) if kind == "mutant" else run_variant(item)


def run_all(
    kind: str,
    names: Sequence[str],
    jobs: int = 2,
    progress: Callable[[Result, int, int], None] | None = None,
) -> list[Result]:
    """Each named mutant (or variant) run, ``jobs`` at a time, each in a process of its own
    pool (a run in process leaves nothing behind, but it owns the process's signal handlers)."""
    results: list[Result] = []
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(_run_named, kind, name) for name in names]
        for future in futures:
            result = future.result()
            results.append(result)
            if progress is not None:
                progress(result, len(results), len(names))
    return results


def table(results: Sequence[Result]) -> str:
    """The kill table: per operator, how many mutants, equivalent, killed; then each survivor
    with what it should have been caught by."""
    by_operator: dict[str, Counter[str]] = {}
    for r in results:
        counts = by_operator.setdefault(r.operator, Counter())
        counts["mutants"] += 1
        counts["equivalent"] += bool(r.equivalent)
        counts["killed"] += r.killed
    width = max(len(o) for o in by_operator)
    lines = [f"{'operator':<{width}}  mutants  equivalent  killed"]
    for operator, c in sorted(by_operator.items()):
        lines.append(
            f"{operator:<{width}}  {c['mutants']:>7}  {c['equivalent']:>10}  {c['killed']:>6}"
        )
    live = [r for r in results if not r.equivalent]
    killed = sum(r.killed for r in live)
    lines.append(
        f"\nkilled {killed} of {len(live)} mutants that are not equivalent "
        f"({100 * killed / max(1, len(live)):.0f} %); {len(results) - len(live)} equivalent"
    )
    for r in live:
        if not r.killed:
            missed = ", ".join(f"{c}[{k}]" for c, k in r.missed) or f"verdict {r.verdict}"
            lines.append(f"SURVIVED {r.name}: not caught by {missed}")
    return "\n".join(lines)


def variant_table(results: Sequence[Result]) -> str:
    lines = [f"{'variant':<48} verdict"]
    for r in results:
        extra = (
            ""
            if r.verdict == "conforms"
            else "  FALSE ALARM: " + ", ".join(f"{c}[{','.join(k)}]" for c, k in r.failing.items())
        )
        lines.append(f"{r.name:<48} {r.verdict}{extra}")
    ok = sum(r.verdict == "conforms" for r in results)
    lines.append(f"\n{ok} of {len(results)} allowed variants conform")
    return "\n".join(lines)
