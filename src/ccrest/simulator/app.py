"""The simulator as a Python object: start on a port (0 = a free one), get its URL, stop."""

from __future__ import annotations

import ipaddress
import secrets
import socket
import threading
from collections.abc import Sequence
from pathlib import Path

from ccrest.simulator.auth import Credentials
from ccrest.simulator.clock import SimClock
from ccrest.simulator.defects import Defect, fresh, named
from ccrest.simulator.device import Device, DeviceConfig
from ccrest.simulator.server import SimServer
from ccrest.simulator.sources import DeviceSource, ReplaySource, Source


class SimulatorError(RuntimeError):
    """An exception raised inside the simulator's server thread, re-raised in the caller."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Simulator:
    """A charge controller on a local port, driven in-process through ``.device``."""

    def __init__(
        self,
        config: DeviceConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        fmt: str = "text",
        credentials: Credentials | None = None,
        speed: float = 1.0,
        latency_ms: float = 0.0,
        replay: Path | str | None = None,
        rest_mode: str | None = None,
        control_token: str | None = None,
        defects: Sequence[Defect | str] = (),
    ) -> None:
        self.host, self._port = host, port
        self.defects = tuple(named([d])[0] if isinstance(d, str) else fresh(d) for d in defects)
        self.credentials = credentials or Credentials()
        self.latency_ms = latency_ms
        self.clock = SimClock(speed)
        self._speed = speed
        self.device: Device | None = None
        source: Source
        if replay is not None:
            source = ReplaySource(Path(replay), rest_mode or "without-uid")
        else:
            config = config or DeviceConfig()
            if rest_mode is not None:
                config = config.replace(rest_mode=rest_mode)
            self.device = Device(config, self.clock)
            source = DeviceSource(self.device, fmt, self.defects)
        self.source = source
        control_token = control_token or None  # an empty token (CCREST_SIM_TOKEN=) is none
        if control_token is None and not is_loopback(host):
            control_token = secrets.token_urlsafe(16)
        self.control_token = control_token
        self._server: SimServer | None = None
        self._thread: threading.Thread | None = None
        self._held: socket.socket | None = None

    def start(self) -> Simulator:
        if self._server is not None or self._held is not None:
            return self
        if any(d.refuse for d in self.defects):
            # a bound socket that does not listen answers every connection with a refusal
            self._held = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
            self._held.bind((self.host, self._port))
            return self
        self._server = SimServer(
            (self.host, self._port),
            self.source,
            self.credentials,
            self.device,
            latency_s=self.latency_ms / 1000.0,
            control_token=self.control_token,
            defects=self.defects,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"ccrest-sim:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._held is not None:
            return int(self._held.getsockname()[1])
        if self._server is None:
            return self._port
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def peak_in_flight(self) -> int:
        """The most requests it ever answered at once (one client, used politely: 1)."""
        return self._server.peak_in_flight if self._server is not None else 0

    def reset(self) -> None:
        """A freshly booted device, and no errors kept from before."""
        self.clock.set_speed(self._speed)
        if self.device is not None:
            self.device.reset()
        if self._server is not None:
            self._server.errors.clear()

    def raise_errors(self) -> None:
        """Re-raise, in the caller's thread, the first exception the server thread met."""
        if self._server is not None and self._server.errors:
            first = self._server.errors[0]
            count = len(self._server.errors)
            self._server.errors.clear()
            raise SimulatorError(
                f"the simulator's server thread raised {count} exception(s); the first: "
                f"{type(first).__name__}: {first}"
            ) from first
