"""``ccrest watch URL --for 2h``: a long look at a real charging session. full_state is polled
at an interval; every rule that judges one full_state read (the schema family's: each key
present and valid, nothing undocumented; the consistency rules; the card UID hidden) judges
every sample, the temporal rules every pair (and the last 30 samples); each transition of state
is noted. Samples stream to disk as they come (``watch-samples.jsonl``), so memory stays flat
over hours; the reports (``watch.json``, ``.md``, ``.html`` with the timeline) are built at the
end, or on Ctrl-C or SIGTERM, from that file.

The verdict is ``ccrest.verdict``'s, as for ``ccrest check``: a watch judges full_state over
time and nothing else (no per-key, HTTP, auth or states checks), so a watch without a fault is
a partial run whose part passed, never "conforms".
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ccrest import observe
from ccrest.bench import Bench, Target
from ccrest.checks import temporal
from ccrest.checks.common import number
from ccrest.checks.sample import every_check
from ccrest.checks.temporal import Sample
from ccrest.client import Client
from ccrest.findings import Finding, Outcome, show
from ccrest.interrupts import Interrupts, checkpoint
from ccrest.outcome import sort
from ccrest.simctl import clock_speed, find_control
from ccrest.spec import Catalogue
from ccrest.verdict import Decision, Facts, decide
from ccrest.waivers import WaiverLedger

JUDGED = (
    "the watch judges full_state over time only (every sample's values and rules, counters, "
    "timer and energy across samples); the per-key, HTTP, auth and states checks are "
    "ccrest check's"
)

STATES = ("conn_state", "auth_state", "ocpp_state")  # a change of any is a transition
KEPT = (  # what each sample keeps for the timeline (the rest of full_state is judged, not kept)
    *STATES,
    "power_w",
    "current_a",
    "meter_wh",
    "transaction_wh",
    "time_since_charging_start",
)
WINDOW = 30  # the temporal rules over time judge the last 30 samples (half a minute at 1 s)
MAX_TRANSITIONS = 2000
PROGRESS_S = 5.0
WATCH_HISTORY = 16  # exchanges the client keeps during a watch


def parse_duration(text: str) -> float:
    """'2h', '90m', '45s', '1h30m' or plain seconds; a finite duration above 0."""
    match = re.fullmatch(
        r"\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*", text
    )
    if not text.strip() or not match or not any(match.groups()):
        raise ValueError(f"{text!r}: give a duration such as 2h, 90m, 1h30m or 45s")
    h, m, s = (float(g) if g else 0.0 for g in match.groups())
    seconds = h * 3600 + m * 60 + s
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{text!r}: give a duration above 0")
    return seconds


@dataclass
class Fault:
    """One rule broken during the watch, however often: when first and last, and how often."""

    check: str
    key: str
    message: str
    passage: str
    first_t: float
    last_t: float
    count: int = 1
    outcome: str = "fail"  # "warn" for an advisory rule, "waived" where the profile waives it

    def json(self) -> dict[str, object]:
        return {
            "check": self.check,
            "key": self.key,
            "message": self.message,
            "passage": self.passage,
            "first_t": round(self.first_t, 2),
            "last_t": round(self.last_t, 2),
            "count": self.count,
            "outcome": self.outcome,
        }


@dataclass
class Watch:
    """The running state of a watch: bounded however long it runs."""

    cat: Catalogue
    rate: float = 1.0  # device seconds per second of ours (a simulator may run faster)
    rest_mode: str = "without-uid"
    waivers: WaiverLedger = field(default_factory=lambda: WaiverLedger(()))
    samples: int = 0
    unreadable: int = 0
    faults: dict[tuple[str, str], Fault] = field(default_factory=dict)
    transitions: list[dict[str, object]] = field(default_factory=list)
    window: deque[Sample] = field(default_factory=lambda: deque(maxlen=WINDOW))
    previous: Sample | None = None

    def judge_unreadable(self, observed: observe.Observed, t: float) -> list[str]:
        """A sample with no usable full_state (no answer, another status, a body that cannot be
        read): judged as ``ccrest check`` judges such a read (``fs.answers`` and the body's
        form fail), and left out of every rule over time."""
        findings = every_check(self.cat, observed.exchange, observed.state, self.rest_mode)
        return self._fold(findings, t)

    def judge(self, observed: observe.Observed, sample: Sample, t: float) -> list[str]:
        """The findings of one sample (and its pair with the one before); returns the checks
        that failed at it, for the timeline."""
        ex = observed.exchange
        findings = every_check(self.cat, ex, observed.state, self.rest_mode)
        self.window.append(sample)
        if self.previous is not None:
            pair = [self.previous, sample]
            for spec in self.cat:
                if spec.change in ("counter", "session-counter"):
                    findings += temporal.counter_never_decreases(
                        spec.name, pair, session=spec.change == "session-counter"
                    )
            self._transition(self.previous, sample, t)
        if len(self.window) >= 3:
            findings += temporal.timer_advances(list(self.window))
            findings += temporal.energy_follows_power(self.cat, list(self.window))
        self.previous = sample
        return self._fold(findings, t)

    def _fold(self, findings: list[Finding], t: float) -> list[str]:
        """The fold of ccrest check (the profile's waivers, advisory rules a warning) into
        faults by check and key; the checks that failed at this sample."""
        found = sort(findings, self.cat, self.waivers.scope((), ()))
        faults = [(f, "fail") for f in found.failing] + [(f, "warn") for f in found.advisory]
        faults += [(f, "waived") for f in found.findings if f.outcome is Outcome.WAIVED]
        for f, outcome in faults:
            key = (f.check_id, f.key or "")
            fault = self.faults.get(key)
            if fault is None:
                passage = self.cat.check(f.check_id).passage
                self.faults[key] = Fault(
                    f.check_id, f.key or "", f.message[:400], passage, t, t, outcome=outcome
                )
            else:
                fault.count += 1
                fault.last_t = t
        return sorted({f.check_id for f, _ in faults})

    def _transition(self, a: Sample, b: Sample, t: float) -> None:
        changed = {k: [show(a.values.get(k), 60), show(b.values.get(k), 60)] for k in STATES}
        changed = {k: v for k, v in changed.items() if v[0] != v[1]}
        if changed and len(self.transitions) < MAX_TRANSITIONS:
            self.transitions.append({"t": round(t, 2), "changed": changed})


def clock_rate(client: Client) -> float:
    """A simulator says how fast its clock runs (/sim/state); a real controller's is ours."""
    return clock_speed(find_control(client)[0]) or 1.0


def _row(t: float, values: Mapping[str, object], failed: list[str]) -> dict[str, object]:
    row: dict[str, object] = {"t": round(t, 3)}
    for key in KEPT:
        value = values.get(key)
        n = number(values, key)
        row[key] = (
            n
            if n is not None and math.isfinite(n)
            else (str(value)[:60] if value is not None else None)
        )
    if failed:
        row["failed"] = failed
    return row


def run(
    target: Target,
    bench: Bench,
    duration: float,
    interval: float,
    folder: Path,
    *,
    progress: TextIO | None = None,
    stop: Callable[[], bool] = lambda: False,
    signals: Interrupts | None = None,
    untestable: str = "",
) -> dict[str, object]:
    """Watch until ``duration`` passes, ``stop()`` says so, or Ctrl-C; then the summary. The
    target was opened and preflighted as ``ccrest check``'s (``ccrest.target``): its first
    full_state is the first sample, ``untestable`` the preflight's reason, if any."""
    folder.mkdir(parents=True, exist_ok=True)
    client, cat = target.client, bench.cat
    client.keep_latest(WATCH_HISTORY)  # memory flat however long the watch
    rate = clock_rate(client) if not untestable else 1.0
    watch = Watch(cat, rate=rate, rest_mode=bench.settings.rest_mode, waivers=bench.waivers)
    start = time.monotonic()
    next_at, last_progress = start, -math.inf  # the first line after the first sample
    interrupted, last_error = "", ""
    first = target.first
    with open(folder / "watch-samples.jsonl", "w", encoding="utf-8") as out:
        try:
            while not untestable and time.monotonic() - start < duration and not stop():
                checkpoint()  # a Ctrl-C lost in a finalizer ends the watch as one that arrived
                observed = first or observe.full_state(client, cat)
                first = None
                ex = observed.exchange
                t = max(0.0, ex.started + ex.elapsed_s / 2 - start)
                if observed.usable:
                    watch.samples += 1
                    sample = Sample(t * watch.rate, ex.elapsed_s / 2 * watch.rate, observed.values)
                    failed = watch.judge(observed, sample, t)
                    out.write(json.dumps(_row(t, observed.values, failed)) + "\n")
                else:
                    watch.unreadable += 1
                    last_error = ex.summary()[:200]
                    failed = watch.judge_unreadable(observed, t)
                    row = {"t": round(t, 3), "error": last_error}
                    out.write(json.dumps(row | ({"failed": failed} if failed else {})) + "\n")
                out.flush()
                now = time.monotonic()
                if progress is not None and now - last_progress >= PROGRESS_S:
                    last_progress = now
                    progress.write(
                        f"\rccrest watch: {_clock(now - start)} of {_clock(duration)}, "
                        f"{watch.samples} samples, {len(watch.faults)} faults so far"
                    )
                    progress.flush()
                if client.gone:
                    break
                next_at += interval
                time.sleep(max(0.0, next_at - time.monotonic()))
        except KeyboardInterrupt:
            interrupted = (signals.why if signals else "") or "Ctrl-C"
        if signals is not None:  # the watching is over: a signal now cuts no judging or report
            signals.quiet = True  # short (main_watch writes the reports under these handlers)
    if progress is not None:
        progress.write("\n")
    elapsed = time.monotonic() - start
    faults = sorted(watch.faults.values(), key=lambda f: f.first_t)
    decision = judged(
        watch, faults, interrupted, untestable, last_error or client.gone or "", client.lost or ""
    )
    return {
        "verdict": str(decision.verdict),
        "verdict_reason": decision.reason,
        "exit_code": decision.exit_code,
        "target": {"url": client.base_url},
        "watched_s": round(elapsed, 1),
        "planned_s": duration,
        "interval_s": interval,
        "interrupted": bool(interrupted),
        "stopped": client.gone or "",  # why nothing more was sent (the controller went)
        "clock_rate": watch.rate,
        "samples": watch.samples,
        "unreadable": watch.unreadable,
        "http_requests": client.requests,
        "transitions": watch.transitions,
        "faults": [f.json() for f in faults],
    }


def judged(
    watch: Watch,
    faults: list[Fault],
    interrupted: str,
    untestable: str,
    error: str,
    lost: str = "",
) -> Decision:
    """The watch's verdict, decided as ``ccrest check``'s is: samples judged are what passed,
    each fault (not an advisory one) a failure, and the part judged is named."""
    if watch.samples == 0 and not untestable:
        untestable = f"no full_state could be read ({error or 'nothing was read'})"
    return decide(
        Facts(
            passed=watch.samples,
            failed=sum(f.outcome == "fail" for f in faults),
            waived=sum(f.outcome == "waived" for f in faults),
            stale_waivers=len(watch.waivers.stale()),
            expired_waivers=len(watch.waivers.expired()),
            complete=False,
            selection=JUDGED,
            interrupted=interrupted,
            lost=lost,  # the controller stopped answering: the watch ended before its time
            untestable=untestable,
            unit="samples",
        )
    )


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def read_rows(path: Path, limit: int = 1500) -> list[dict[str, object]]:
    """The samples, thinned to about ``limit`` for a chart; a sample with a finding always
    stays. Read line by line: a long watch's file is never held whole."""
    with open(path, encoding="utf-8") as f:
        total = sum(1 for _ in f)
    step = max(1, math.ceil(total / limit))
    rows: list[dict[str, object]] = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i % step and '"failed"' not in line:
                continue
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue
    return rows


def main_watch(
    target: Target,
    bench: Bench,
    duration: float,
    interval: float,
    folder: Path,
    untestable: str = "",
) -> int:
    from ccrest.report import watchpage

    with Interrupts() as signals:  # Ctrl-C or SIGTERM ends the watch; the reports follow
        summary = run(
            target,
            bench,
            duration,
            interval,
            folder,
            progress=sys.stderr if sys.stderr.isatty() else None,
            signals=signals,
            untestable=untestable,
        )
        rows = read_rows(folder / "watch-samples.jsonl")
        watchpage.write(folder, summary, rows)
    print(watchpage.last_line(summary, folder))
    return int(str(summary["exit_code"]))
