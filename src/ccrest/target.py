"""The controller under test: the embedded simulator or a URL, the one client, the preflight
that says why a device cannot be tested (the plugin ends the run, or in a lab only that
controller's checks), and --record's capture of what a run saw."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ccrest import observe, safe
from ccrest.bench import EMBEDDED_CARD, Bench, Settings, Target, deadline_words
from ccrest.client import Client
from ccrest.exchange import Exchange
from ccrest.masking import KNOWN
from ccrest.spec import Catalogue, catalogue

if TYPE_CHECKING:
    from ccrest.simulator import Simulator


def start_embedded(settings: Settings) -> Simulator:
    """The bundled simulator on a free port, charging a vehicle so every family has data."""
    from ccrest.simulator import Credentials, DeviceConfig, Simulator

    passwords = {"operator": "operator-pw", "manufacturer": "manufacturer-pw"}
    passwords[settings.username] = settings.password
    sim = Simulator(
        DeviceConfig(rest_mode=settings.rest_mode),
        credentials=Credentials(**passwords),
        port=0,
        speed=1.0,
        replay=settings.replay,  # checked when the settings were (configure)
        rest_mode=settings.rest_mode,
    ).start()
    if sim.device is not None:
        sim.device.plug(max_current=16)  # a session in progress: every family has data to judge
        sim.device.present_card(EMBEDDED_CARD)
    return sim


def preflight(target: Target, cat: Catalogue) -> str:
    """Can the device be tested at all? The first full_state is kept on the target; the
    answer is why not, in words (masked), or "" when it can.

    Credentials refused in the configured scheme are tried once in the other: if they open
    full_state there, the password is right and the scheme is what the device refuses. The
    run goes on in the scheme that works, and the refusal is kept for auth.scheme-works (a
    device refusing the specification's own headers deviates; one refusing Basic does not)."""
    s = target.settings
    target.first = observe.full_state(target.client, cat)
    if target.first.exchange.status in REFUSED:
        other = "basic" if s.scheme == "doc-headers" else "doc-headers"
        probe = target.client.get(
            "/rest/full_state", credentials=(s.username, s.password), scheme=other
        )
        if probe.status == 200:
            target.refused = target.first.exchange
            target.client.use_scheme(other)
            target.first = observe.full_state(target.client, cat)
    return untestable(target.first.exchange, target.url, s.username, target.client.scheme)


# refusals of credentials; a 404 too, which a device may send to hide a resource from a
# request it refuses (RFC 9110 15.5.5): the other scheme is tried before "switched off"
REFUSED = (401, 403, 404)


def untestable(ex: Exchange, url: str, username: str, scheme: str) -> str:
    """Why a device whose first full_state answer is ``ex`` cannot be tested (unreachable,
    credentials refused, the REST interface off), in words, masked; "" when it can be."""
    where = f"{url}/rest/full_state"
    if ex.transport_failed and ex.broken:
        reason = f"the controller at {url} answered full_state, but not usably: {ex.error}"
    elif ex.transport_failed:
        reason = (
            f"cannot reach the controller at {url}: {ex.error}. Check the address, that "
            "the controller is powered and reachable from this machine, and --timeout"
        )
    elif ex.status in (401, 403):
        reason = (
            f"{where} refused the credentials of {username!r} ({ex.status}) with the "
            f"{scheme} scheme. Check --username and --password (or CC_USERNAME, CC_PASSWORD) "
            "and --auth-scheme"
        )
    elif ex.status == 404:
        reason = (
            f"{where} answered 404: the REST interface looks switched off. Enable it in the "
            "Config UI (SYSTEM / General: REST interface = Enabled (without UID)), or check "
            "--controller-url"
        )
    else:
        return ""
    return safe.text(KNOWN.text(reason))


def open_target(bench: Bench, stop_at: float | None) -> Target:
    """Start the embedded simulator if needed and open the one client (its ``stop_at`` the run
    deadline); the preflight is the caller's next step."""
    settings = bench.settings
    sim = start_embedded(settings) if settings.embedded else None
    url = sim.url if sim is not None else settings.url
    assert url is not None
    client = Client(url, settings.username, settings.password, settings.scheme, settings.timeout)
    client.stop_at = stop_at
    client.stop_reason = deadline_words(settings)
    bench.target = Target(url, client, settings, sim)
    return bench.target


def opened(bench: Bench, stop_at: float | None = None) -> tuple[Target, str]:
    """The bench's controller opened and preflighted: the target, and why it cannot be tested
    ("" when it can). ``ccrest check`` (the plugin) and ``ccrest watch`` both begin here."""
    target = open_target(bench, stop_at)
    return target, preflight(target, bench.cat)


def record_capture(target: Target, path: Path) -> None:
    """The first full_state and each key's first 200 answer, as a capture (no credentials:
    bodies were masked when recorded, and no request header is kept).

    A live key's own answer is kept only where it disagreed with the full_state read around
    it, to reproduce that problem; where it agreed, the replay derives it from full_state, so
    that a counter that moved between two reads does not look like a fault in the replay.
    """
    from ccrest import capture
    from ccrest.checks.perkey import matches_full_state
    from ccrest.wire import parse_full_state, parse_key_value

    cat = catalogue()
    if target.first is None or target.first.exchange.status != 200:
        return
    first = target.first.exchange
    gets = [ex for ex in target.client.history if ex.method == "GET" and ex.status == 200]
    states = [(i, ex) for i, ex in enumerate(gets) if ex.url.endswith("/rest/full_state")]

    def state_near(i: int, step: int) -> Mapping[str, object]:
        """The full_state read just before (step -1) or just after (step 1) answer i."""
        near = [ex for j, ex in states if (j - i) * step > 0]
        ex = (near[-1] if step < 0 else near[0]) if near else first
        return parse_full_state(ex.body, ex.content_type).values

    keys: dict[str, tuple[bytes, str]] = {}
    seen: set[str] = set()
    for i, ex in enumerate(gets):
        name = ex.url.rsplit("/rest/", 1)[-1] if "/rest/" in ex.url else ""
        if name not in cat or name in seen:
            continue
        seen.add(name)
        spec = cat.key(name)
        value = parse_key_value(ex.body, ex.content_type, key=name).value
        agrees = not matches_full_state(spec, state_near(i, -1), value, state_near(i, 1))
        if not (spec.dynamic and agrees):
            keys[name] = (ex.body, ex.content_type or "")
    values = target.first.values
    identity = {k: str(values[k]) for k in ("cp_vendor", "cp_model", "firmware_ver") if k in values}
    capture.write(
        path,
        (first.body, first.content_type or ""),
        keys,
        target={"url": target.url, **identity},
        note=f"recorded by ccrest from {target.url}",
    )
