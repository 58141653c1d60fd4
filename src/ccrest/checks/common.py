"""Small helpers the rules share: findings, and reading numbers from values as they travel."""

from __future__ import annotations

from collections.abc import Mapping

from ccrest.exchange import Exchange
from ccrest.findings import Finding, Outcome

CHARGING = ("vehicle_charging_type2", "vehicle_charging_schuko")


def fail(
    check_id: str,
    message: str,
    *,
    key: str | None = None,
    observed: object = None,
    allowed: str | None = None,
    exchange: Exchange | None = None,
    at: tuple[float, ...] = (),
) -> Finding:
    return Finding(check_id, message, key, observed, allowed, Outcome.FAIL, exchange, at)


def not_tested(
    check_id: str, reason: str, *, key: str | None = None, exchange: Exchange | None = None
) -> Finding:
    """A check that could not be judged; ``exchange``, the request whose answer it lacked, for
    the reports (the client counts every unanswered request for the verdict)."""
    return Finding(check_id, reason, key, outcome=Outcome.NOT_TESTED, exchange=exchange)


def info(check_id: str, message: str, *, key: str | None = None) -> Finding:
    """Worth reporting, not a failure (e.g. anonymous access on a device declared so)."""
    return Finding(check_id, message, key, outcome=Outcome.PASS)


def text(values: Mapping[str, object], key: str) -> str | None:
    value = values.get(key)
    if value is None or isinstance(value, bool | dict | list):
        return None
    return str(value).strip()


def number(values: Mapping[str, object], key: str) -> float | None:
    """A single number as the device shows it ('+25.30', '3600', 3600); None if it is none."""
    value = values.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def numbers(values: Mapping[str, object], key: str) -> list[float] | None:
    """A comma-separated list of numbers ('14.0,14.5,14.1', '0.0, 0.0'); None if it is none."""
    raw = text(values, key)
    if raw is None or raw == "":
        return None
    try:
        return [float(part) for part in raw.split(",")]
    except ValueError:
        return None


def resolution(values: Mapping[str, object], key: str) -> float:
    """The smallest step a shown number can take (0.1 for '14.0', 1 for '230')."""
    raw = text(values, key) or ""
    decimals = max((len(p.split(".")[1]) for p in raw.split(",") if "." in p), default=0)
    return 10.0**-decimals
