"""The control interface under /sim/: drive the device from another process, as a test does.

Each route is one device operation taking a JSON object of named arguments. The same
operations are the Device's Python methods, for in-process use.
"""

from __future__ import annotations

import inspect
import math
import types
import typing
from collections.abc import Callable, Mapping

from ccrest.simulator.device import Device, DeviceError


class ControlError(Exception):
    """A control request that cannot be carried out; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _configure(device: Device, settings: Mapping[str, object]) -> None:
    device.configure(**{k: tuple(v) if isinstance(v, list) else v for k, v in settings.items()})


def _routes(device: Device) -> dict[str, Callable[..., object]]:
    return {
        "reset": device.reset,
        "plug": device.plug,
        "unplug": device.unplug,
        "vehicle": device.set_vehicle,
        "card": device.present_card,
        "trip": device.trip,
        "clear": device.clear,
        "reserve": device.set_reserved,
        "availability": device.set_available,
        "advance": device.advance,
        "config": lambda **settings: _configure(device, settings),
        "clock": device.clock.set_speed,
    }


def describe(device: Device | None) -> dict[str, object]:
    """The control routes and their arguments: what GET /sim/ answers."""
    if device is None:
        return {"replay": True, "routes": {"GET /sim/state": "the replayed capture"}}
    routes: dict[str, object] = {"GET /sim/state": "the model's internal state"}
    for name, operation in _routes(device).items():
        params = [p for p in inspect.signature(operation).parameters if p != "self"]
        routes[f"POST /sim/{name}"] = params if name != "config" else "any device setting"
    return {"replay": False, "routes": routes}


def handle(device: Device | None, method: str, name: str, body: object) -> object:
    """Carry out one control request; raise ControlError with the status to answer."""
    if name in ("", "state") and method == "GET":
        return describe(device) if name == "" else _state(device)
    if device is None:
        raise ControlError(409, "the simulator is replaying a capture; its state cannot change")
    operation = _routes(device).get(name)
    if operation is None:
        raise ControlError(404, f"no control route /sim/{name}; GET /sim/ lists them")
    if method != "POST":
        raise ControlError(405, f"/sim/{name} takes POST with a JSON object")
    if not isinstance(body, dict):
        raise ControlError(400, "the request body must be a JSON object of named arguments")
    if name == "reset" and body:
        raise ControlError(400, "reset takes no arguments; use /sim/config after it")
    _check_values(name, body)
    try:
        inspect.signature(operation).bind(**body)
    except TypeError as exc:
        raise ControlError(400, f"/sim/{name}: {exc}") from exc
    _check_types(name, operation, body)
    try:
        result = operation(**body)
    except DeviceError as exc:
        raise ControlError(409, str(exc)) from exc
    except ValueError as exc:
        raise ControlError(400, f"/sim/{name}: {exc}") from exc
    return {"ok": True, "result": result}


MAX_MAGNITUDE = 1e9  # no setting or duration the model knows comes near this


def _check_values(name: str, value: object, where: str = "") -> None:
    """Every number finite and in range, every text encodable: a value the model cannot
    compute with or render must be refused here, not turn later answers into 500s."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_values(name, item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_values(name, item, f"{where}[{i}]")
    elif isinstance(value, float | int) and not isinstance(value, bool):
        if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
            raise ControlError(400, f"/sim/{name}: {where} must be a finite number below 1e9")
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ControlError(
                400, f"/sim/{name}: {where} is not text (a lone surrogate)"
            ) from None


def _accepts(hint: object, value: object) -> bool:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(_accepts(option, value) for option in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(hint, type) and isinstance(value, hint)


def _check_types(
    name: str, operation: Callable[..., object], body: Mapping[str, typing.Any]
) -> None:
    """JSON arguments must have the types the operation declares, so none reaches the model
    as something it cannot compute with."""
    hints = typing.get_type_hints(operation)
    for arg, value in body.items():
        if arg in hints and not _accepts(hints[arg], value):
            wanted = getattr(hints[arg], "__name__", None) or str(hints[arg])
            raise ControlError(400, f"/sim/{name}: {arg} = {value!r}, expected {wanted}")


def _state(device: Device | None) -> object:
    return {"replay": True} if device is None else device.internal_state()
