"""The temporal samples as a report keeps them: one row per full_state reading, the band of
energy that power_w allowed up to it, and the checks that failed at it.

Pure: the samples the run watched and the findings of its temporal checks in; a JSON-ready
dict out (``samples`` in ``conformance.json``), which the HTML draws as a chart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ccrest.checks.common import number
from ccrest.checks.temporal import Sample, energy_band, register_resolution
from ccrest.findings import Finding, Outcome
from ccrest.spec import Catalogue

KEYS = ("meter_wh", "transaction_wh", "power_w", "time_since_charging_start")
MAX_ROWS = 600  # ten minutes at one reading a second; a longer watch keeps its first 600


def rows(
    cat: Catalogue, samples: Sequence[Sample], findings: Iterable[Finding]
) -> dict[str, Any] | None:
    """``t`` is seconds since the first reading; ``band`` is what meter_wh may read by then,
    from the first reading and the power seen so far (the rule's own arithmetic)."""
    if not samples:
        return None
    samples = samples[:MAX_ROWS]
    failed: dict[float, list[str]] = {}
    for f in findings:
        if f.outcome is Outcome.FAIL:
            for at in f.at:
                failed.setdefault(at, []).append(f.check_id)
    t0 = samples[0].at
    meters = [m for s in samples if (m := _finite(s.values, "meter_wh")) is not None]
    step = register_resolution(meters) if meters else 1.0
    first_meter = None
    powers: list[float] = []
    out = []
    for s in samples:
        row: dict[str, Any] = {"t": round(s.at - t0, 3)}
        row |= {k: _finite(s.values, k) for k in KEYS}
        meter, power = row["meter_wh"], row["power_w"]
        if meter is not None and power is not None:
            powers.append(power)
            if first_meter is None:
                first_meter, first = meter, s
            else:
                low, high = energy_band(cat, powers, s.at - first.at, first.jitter + s.jitter, step)
                row["band"] = [round(first_meter + max(low, 0.0), 1), round(first_meter + high, 1)]
        row["conn_state"] = str(s.values.get("conn_state", ""))[:40]
        if s.at in failed:
            row["failed"] = sorted(set(failed[s.at]))
        out.append(row)
    return {"resolution_wh": step, "rows": out}


def _finite(values: Mapping[str, object], key: str) -> float | None:
    """A device's 'nan' or '1e999' is no point on a chart (and no valid JSON)."""
    n = number(values, key)
    return n if n is not None and math.isfinite(n) else None
