"""What does not change between runs, from a file: ``ccrest.toml`` in the working directory,
``--config FILE``, or ``[tool.ccrest]`` in the working directory's ``pyproject.toml``.

Precedence, lowest first: the defaults, the file, the environment (``CC_URL``, ``CC_USERNAME``,
and the password from the variable the file names), the command line. Every value in force
keeps where it came from, for ``ccrest check --show-config``. A password is never in the file:
the file names the environment variable that holds it (``password_env``, default CC_PASSWORD).
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ccrest.options import DEFAULTS as SUITE_DEFAULTS

FILE = "ccrest.toml"
DEFAULT_PASSWORD_ENV = "CC_PASSWORD"
CHOICES = {"auth_scheme": ("doc-headers", "basic"), "rest_mode": ("without-uid", "with-uid")}
FIELDS: dict[str, type] = {  # name in the file -> its type
    "url": str,
    "username": str,
    "password_env": str,
    "auth_scheme": str,
    "rest_mode": str,
    "profile": str,
    "report_dir": str,
    "timeout": float,
    "sample_seconds": float,
    "run_deadline": float,
}
PATHS = ("report_dir",)  # relative to the file's folder (a profile too, when it is a file)
ENVIRONMENT = {"url": "CC_URL", "username": "CC_USERNAME"}
DEFAULTS = {"report_dir": "reports", "password_env": DEFAULT_PASSWORD_ENV} | SUITE_DEFAULTS


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file, line and fix."""


@dataclass(frozen=True)
class Setting:
    value: object
    source: str  # "default", "ccrest.toml:3", "environment CC_URL", "command line"


def _line(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith((f"{key} ", f"{key}=")):
            return number
    return 1


def read_toml(path: Path, error: type[ValueError]) -> tuple[str, dict]:
    """A TOML file's text and data, or ``error`` naming the file and the fix."""
    try:
        text = path.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror}); give a readable file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not valid TOML ({exc}); fix the file") from None


def read_file(path: Path, table: str | None = None) -> dict[str, Setting]:
    """The settings of one file (``table``: the dotted table holding them, in pyproject.toml)."""
    text, data = read_toml(path, ConfigError)
    for part in (table or "").split(".") if table else ():
        data = data.get(part, {})
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [{table}] must be a table of settings")
    settings = {}
    for key, value in data.items():
        where = f"{path.name}:{_line(text, key)}"
        if key == "password":
            raise ConfigError(
                f"{where}: password: a password never goes into a file; set it in an "
                f"environment variable and name that variable with password_env "
                f"(default {DEFAULT_PASSWORD_ENV})"
            )
        if key not in FIELDS:
            raise ConfigError(f"{where}: {key}: not a ccrest setting; known: {', '.join(FIELDS)}")
        settings[key] = Setting(_checked(key, value, where), where)
        if key in PATHS or (key == "profile" and str(value).endswith(".toml")):
            resolved = (path.parent / str(value)).resolve()
            settings[key] = Setting(str(resolved), where)
    return settings


def _checked(key: str, value: object, where: str) -> object:
    wanted = FIELDS[key]
    if wanted is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: {key} = {value!r}: give a number of seconds")
        if not math.isfinite(value) or value < 0:
            raise ConfigError(f"{where}: {key} = {value!r}: give a finite number, 0 or more")
        return float(value)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key} = {value!r}: give a non-empty text")
    if key in CHOICES and value not in CHOICES[key]:
        raise ConfigError(f"{where}: {key} = {value!r}: give one of {', '.join(CHOICES[key])}")
    return value


def find(cwd: Path, explicit: Path | None) -> tuple[Path, str | None] | None:
    """The file in force: --config, else ./ccrest.toml, else ./pyproject.toml's [tool.ccrest]."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"--config {explicit}: no such file")
        return explicit, None
    if (cwd / FILE).is_file():
        return cwd / FILE, None
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            return None  # not ours to judge: another tool's file
        if isinstance(data.get("tool"), dict) and "ccrest" in data["tool"]:
            return pyproject, "tool.ccrest"
    return None


def resolve(
    command_line: Mapping[str, object],
    cwd: Path,
    explicit: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Setting]:
    """Every setting in force with where it came from (command-line values that are None were
    not given)."""
    environ = os.environ if environ is None else environ
    settings = {key: Setting(value, "default") for key, value in DEFAULTS.items()}
    found = find(cwd, explicit)
    if found is not None:
        settings |= read_file(*found)
    for key, variable in ENVIRONMENT.items():
        if variable in environ:
            settings[key] = Setting(environ[variable], f"environment {variable}")
    for key, value in command_line.items():
        if value is not None:
            settings[key] = Setting(value, "command line")
    variable = str(settings["password_env"].value)
    if "password" not in settings and environ.get(variable):
        settings["password"] = Setting(environ[variable], f"environment {variable}")
    return settings


def show(settings: Mapping[str, Setting]) -> str:
    """The settings in force, secrets masked, each with where it came from."""
    lines = []
    for key in (
        "url",
        "username",
        "password",
        *[k for k in FIELDS if k not in ("url", "username")],
    ):
        if key not in settings:
            if key == "url":
                lines.append(f"{key:<15} (none: the bundled simulator)")
            elif key == "password":
                lines.append(f"{key:<15} (not set)")
            continue
        setting = settings[key]
        value = "***" if key == "password" else setting.value
        lines.append(f"{key:<15} {value!s:<40} {setting.source}")
    return "\n".join(lines)
