"""A charge controller that behaves like the real device, and can misbehave on purpose.

It models the device (``device``), serves the Legacy REST API and a control API over HTTP
(``server``), and replays recorded captures (``sources``). It never imports ``ccrest.spec``:
the suite and the simulator are two independent readings of the specification.
"""

from ccrest.simulator.app import Simulator, SimulatorError
from ccrest.simulator.auth import Credentials
from ccrest.simulator.clock import SimClock
from ccrest.simulator.device import Device, DeviceConfig, DeviceError

__all__ = [
    "Credentials",
    "Device",
    "DeviceConfig",
    "DeviceError",
    "SimClock",
    "Simulator",
    "SimulatorError",
]
