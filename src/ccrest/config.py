"""What does not change between runs, from a file: ``ccrest.toml`` in the working directory,
``--config FILE``, or ``[tool.ccrest]`` in the working directory's ``pyproject.toml``.

Precedence, lowest first: the defaults, the file, the environment (``CC_URL``, ``CC_USERNAME``,
and the password from the variable the file names), the command line. Every value in force
keeps where it came from, for ``ccrest check --show-config``. A password is never in the file:
the file names the environment variable that holds it (``password_env``, default CC_PASSWORD).
What a file may set, and how each value is checked, is the settings model's
(``ccrest.options``); where a mistake stands is ``ccrest.tomlfile``'s.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jsonschema import Draft202012Validator

from ccrest import tomlfile
from ccrest.options import BY_KEY, OPTIONS, SettingError, file_schema, parse, placed
from ccrest.options import FILE as FILE_PLACE
from ccrest.usage import suggestion

FILE = "ccrest.toml"
DEFAULT_PASSWORD_ENV = str(BY_KEY["password_env"].default)
FIELDS = [o.key for o in placed(FILE_PLACE)]
DEFAULTS = {o.key: o.default for o in placed(FILE_PLACE) if o.default is not None}
ENVIRONMENT = {o.key: o.env for o in OPTIONS if o.env and not o.secret}


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file, line and fix."""


@dataclass(frozen=True)
class Setting:
    value: object
    source: str  # "default", "ccrest.toml:3", "environment CC_URL", "command line"


def read_file(path: Path, table: str | None = None) -> dict[str, Setting]:
    """The settings of one file (``table``: the dotted table holding them, in pyproject.toml)."""
    text, data = tomlfile.read(path, ConfigError)
    place: tuple[str, ...] = tuple(table.split(".")) if table else ()
    for part in place:
        data = data.get(part, {})
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [{table}] must be a table of settings")
    check_table(path, text, data, place, FILE_PLACE, ConfigError, "")
    settings = {}
    for key, value in data.items():
        where = f"{path.name}:{tomlfile.line(text, (*place, key))}"
        value = parse(BY_KEY[key], value, f"{where}: {key}")
        if BY_KEY[key].kind == "path" or (key == "profile" and str(value).endswith(".toml")):
            value = str((path.parent / str(value)).resolve())
        settings[key] = Setting(value, where)
    return settings


def check_table(
    path: Path,
    text: str,
    data: object,
    place: tuple[str, ...],
    kind: str,
    error: type[ValueError],
    title: str,
) -> None:
    """A table of settings against the model's schema for ``kind`` (a file's, an inventory
    controller's, its defaults'): the first mistake names the file, the line and the fix."""
    where = f"{path}:{tomlfile.line(text, place)}" + (f": {title}" if title else "")
    if not isinstance(data, dict):
        raise error(f"{where} must be a table of settings")
    if "password" in data:
        at = f"{path}:{tomlfile.line(text, (*place, 'password'))}" + (f": {title}" if title else "")
        raise error(
            f"{at}: password: a password never goes into a file; set it in an environment "
            f"variable and name that variable with password_env (default {DEFAULT_PASSWORD_ENV})"
        )
    schema = file_schema(kind)
    allowed = list(schema["properties"])
    for key in data:
        if key not in allowed:
            at = f"{path}:{tomlfile.line(text, (*place, key))}" + (f": {title}" if title else "")
            what = "not a setting here" if key in BY_KEY else "not a ccrest setting"
            raise error(
                f"{at}: {key}: {what}{suggestion(key, allowed)}; known: {', '.join(allowed)}"
            )
    for problem in Draft202012Validator(schema).iter_errors(data):
        key = str(problem.absolute_path[0]) if problem.absolute_path else ""
        at = f"{path}:{tomlfile.line(text, (*place, key))}" + (f": {title}" if title else "")
        try:
            parse(BY_KEY[key], data[key], key)
        except SettingError as exc:
            raise error(f"{at}: {exc}") from None
        raise error(f"{at}: {key}: {problem.message}")
    for key, value in data.items():  # what a schema cannot say: a number that is not finite
        try:
            parse(BY_KEY[key], value, key)
        except SettingError as exc:
            at = f"{path}:{tomlfile.line(text, (*place, key))}" + (f": {title}" if title else "")
            raise error(f"{at}: {exc}") from None


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
        if environ.get(variable):
            settings[key] = Setting(environ[variable], f"environment {variable}")
    for key, value in command_line.items():
        if value is not None:
            settings[key] = Setting(value, "command line")
    variable = str(settings["password_env"].value)
    if "password" not in settings and environ.get(variable):
        settings["password"] = Setting(environ[variable], f"environment {variable}")
    return settings


def show(settings: Mapping[str, Setting]) -> str:
    """The settings in force, secrets masked, each with where it came from, in the model's
    order."""
    lines = []
    for option in OPTIONS:
        key = option.key
        if key not in settings:
            if key == "url":
                lines.append(f"{key:<15} (none: the bundled simulator)")
            elif key == "password":
                lines.append(f"{key:<15} (not set)")
            continue
        setting = settings[key]
        value = "***" if option.secret else setting.value
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        lines.append(f"{key:<15} {shown:<40} {setting.source}")
    return "\n".join(lines)
