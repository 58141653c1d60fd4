"""``ccrest-sim`` / ``python -m ccrest.simulator``: a charge controller on a local port.

The option names are a contract: scripts and CI depend on them.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Sequence

from ccrest import __version__
from ccrest.simulator.app import Simulator, is_loopback
from ccrest.simulator.auth import DEFAULT_PASSWORDS, PASSWORD_ENV, Credentials
from ccrest.simulator.defects import DEFECTS, FAULTS
from ccrest.simulator.device import REST_MODES, DeviceConfig
from ccrest.simulator.sources import FORMATS, ReplayError
from ccrest.usage import Parser


def _parser(prog: str = "ccrest-sim") -> argparse.ArgumentParser:
    p = Parser(
        prog=prog,
        description="Simulate an EV charge controller serving the Legacy REST API (v5.33.5).",
        epilog=(
            "Passwords default to "
            + ", ".join(f"{r}: {pw!r}" for r, pw in DEFAULT_PASSWORDS.items())
            + "; set them with the options or, to keep them off the command line, with "
            + " and ".join(PASSWORD_ENV.values())
            + ". The control API under /sim/ answers only on a loopback address unless "
            "the X-Sim-Token header carries the token (--control-token or CCREST_SIM_TOKEN)."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    p.add_argument("--operator-password", help=f"or {PASSWORD_ENV['operator']}")
    p.add_argument("--manufacturer-password", help=f"or {PASSWORD_ENV['manufacturer']}")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="full_state as text/plain key:value lines, as real firmware (default), or JSON",
    )
    p.add_argument(
        "--rest-mode",
        choices=REST_MODES,
        default="without-uid",
        help="the Config UI's REST interface setting (default without-uid)",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="simulated seconds per real second (default 1; 0 stops the clock)",
    )
    p.add_argument("--latency-ms", type=float, default=0.0, help="delay every REST answer")
    p.add_argument("--replay", metavar="FILE", help="serve a recorded full_state capture")
    p.add_argument("--version", action="version", version=f"ccrest-sim {__version__}")
    p.add_argument("--control-token", help="token for the control API (or CCREST_SIM_TOKEN)")
    p.add_argument(
        "--defect",
        metavar="NAME",
        action="append",
        default=[],
        choices=sorted(DEFECTS),
        help="behave like a defective firmware build (repeatable); see `python -m "
        "ccrest.selfcheck --list`",
    )
    p.add_argument(
        "--fault",
        metavar="NAME",
        action="append",
        default=[],
        choices=sorted(FAULTS),
        help="misbehave on the wire: " + ", ".join(sorted(FAULTS)) + " (repeatable)",
    )
    p.add_argument(
        "--set",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="a device setting, e.g. --set phases=1 --set schuko=true (repeatable)",
    )
    return p


def _settings(parser: argparse.ArgumentParser, pairs: Sequence[str]) -> dict[str, object]:
    settings: dict[str, object] = {}
    for pair in pairs:
        name, eq, text = pair.partition("=")
        if not eq:
            parser.error(f"--set {pair!r}: write NAME=VALUE, e.g. --set phases=1")
        try:
            settings[name.strip()] = DeviceConfig.parse(name.strip(), text.strip())
        except ValueError as exc:
            parser.error(f"--set {pair!r}: {exc}")
    return settings


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    parser = _parser(prog or "ccrest-sim")
    args = parser.parse_args(argv)
    if args.speed < 0 or args.latency_ms < 0:
        parser.error("--speed and --latency-ms must be 0 or more")
    if not 0 <= args.port <= 65535:
        parser.error(f"--port {args.port}: a port is 0 to 65535")
    settings = _settings(parser, args.set)
    if args.replay and settings:
        parser.error("--set describes a modelled device; it has no effect with --replay")
    try:
        config = DeviceConfig().replace(rest_mode=args.rest_mode, **settings)
    except ValueError as exc:
        parser.error(str(exc))
    credentials = Credentials.from_env(
        operator=args.operator_password, manufacturer=args.manufacturer_password
    )
    try:
        sim = Simulator(
            config,
            host=args.host,
            port=args.port,
            fmt=args.format,
            credentials=credentials,
            speed=args.speed,
            latency_ms=args.latency_ms,
            replay=args.replay,
            rest_mode=args.rest_mode,
            control_token=args.control_token or os.environ.get("CCREST_SIM_TOKEN") or None,
            defects=[*args.defect, *args.fault],
        ).start()
    except ReplayError as exc:
        parser.error(str(exc))
    except OSError as exc:
        parser.error(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror}; "
            "choose another --port (0 picks a free one) or --host"
        )

    stop = threading.Event()  # before the URL is printed: a caller may stop it at once
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    what = f"replaying {args.replay}" if args.replay else f"format {args.format}"
    if args.defect or args.fault:
        what += ", defects: " + ", ".join([*args.defect, *args.fault])
    print(f"ccrest-sim listening on {sim.url} ({what}, rest mode {args.rest_mode})", flush=True)
    if not is_loopback(args.host) and not (
        args.control_token or os.environ.get("CCREST_SIM_TOKEN")
    ):
        print(f"ccrest-sim control token: {sim.control_token}", flush=True)

    stop.wait()
    sim.stop()
    print("ccrest-sim stopped", flush=True)
    return 0
