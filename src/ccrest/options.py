"""Every setting of a run, declared once: ``OPTIONS``, one ``Option`` each, with its type,
default, choices, help, environment variable, where it may be set and whether it is secret.

From this one table come: the suites' pytest options (``pytest_addoption``, registered by
``ccrest.plugin``), the arguments of ``ccrest check`` and ``ccrest watch`` (``add_arguments``)
and what ``ccrest check`` hands to pytest (``pass_on``), the JSON Schemas that check
``ccrest.toml`` / ``[tool.ccrest]`` and a lab's inventory (``file_schema``), the values' own
checks (``parse``: the same words whichever way a value came), ``--show-config``'s order and
masking, and the README's option table (``markdown_table``; a self-test compares them).

There is no ``pytest11`` entry point: installing ccrest adds no option to anybody else's
pytest run. This module only declares; the plugin and the command act on the values.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ccrest.usage import suggestion

# the built-in profile a run uses unless told otherwise (``ccrest.profiles.DEFAULT``); kept here
# so that the command line starts without loading jsonschema and the profiles
DEFAULT_PROFILE = "doc-5.33.5"

AUTH_SCHEMES = ("doc-headers", "basic")
REST_MODES = ("without-uid", "with-uid")
# where a setting may be given
PYTEST = "pytest"  # an option of the suites (plain pytest, tox) ...
CHECK = "check"  # ... and of ``ccrest check`` (every PYTEST option is one)
WATCH = "watch"  # ``ccrest watch``
FILE = "file"  # ccrest.toml, --config, [tool.ccrest]
CONTROLLER = "controller"  # a lab inventory's [controllers.NAME]
DEFAULTS_TABLE = "defaults"  # a lab inventory's [defaults]
EVERYWHERE = frozenset({PYTEST, CHECK, WATCH, FILE, CONTROLLER, DEFAULTS_TABLE})
RUN = frozenset({PYTEST, CHECK})


class SettingError(ValueError):
    """A value a setting cannot take; the message names the setting, the value and the fix."""


@dataclass(frozen=True)
class Option:
    key: str  # the setting's name (in files, inventories, --show-config)
    flag: str  # its command-line option ("" where none)
    help: str  # what it is, in a sentence (the default is added from ``default``)
    kind: str = "text"  # text | choice | seconds | flag | path | url | password-env
    default: Any = None
    shown_default: str = ""  # the default in words, where it is not a value
    choices: tuple[str, ...] = ()
    env: str = ""  # the environment variable that stands for it
    metavar: str = ""
    positive: bool = True  # seconds: above 0 (else 0 or more)
    secret: bool = False
    places: frozenset[str] = RUN

    @property
    def dest(self) -> str:
        """Its attribute in pytest's and argparse's options (the URL's is its flag's)."""
        return "controller_url" if self.key == "url" else self.key

    def default_words(self) -> str:
        if self.shown_default:
            return self.shown_default
        if self.kind == "flag":
            return "off"
        if self.default is None:
            return ""
        return f"{self.default:g}" if isinstance(self.default, float) else str(self.default)


OPTIONS: tuple[Option, ...] = (
    Option(
        "url",
        "--controller-url",
        "`http://HOST[:PORT]` of the controller; no path, no credentials in it",
        kind="url",
        env="CC_URL",
        shown_default="the bundled simulator",
        metavar="URL",
        places=frozenset({PYTEST, CHECK, WATCH, FILE, CONTROLLER}),
    ),
    Option(
        "username",
        "--username",
        "`operator` or `manufacturer`",
        default="operator",
        env="CC_USERNAME",
        places=EVERYWHERE,
    ),
    Option(
        "password",
        "--password",
        "the role's password (required with a URL); better in the environment variable "
        "--password-env names, off the shell history and the process list",
        shown_default="from `CC_PASSWORD`",
        secret=True,
    ),
    Option(
        "password_env",
        "--password-env",
        "the environment variable that holds the password (a password never goes in a file)",
        kind="password-env",
        default="CC_PASSWORD",
        metavar="NAME",
        places=frozenset({PYTEST, CHECK, WATCH, FILE, CONTROLLER}),
    ),
    Option(
        "auth_scheme",
        "--auth-scheme",
        "the specification's `Username`/`Password` headers (its curl example), or RFC 7617 Basic",
        kind="choice",
        default="doc-headers",
        choices=AUTH_SCHEMES,
        places=EVERYWHERE,
    ),
    Option(
        "rest_mode",
        "--rest-mode",
        "the REST interface setting the device is expected to have",
        kind="choice",
        default="without-uid",
        choices=REST_MODES,
        places=EVERYWHERE,
    ),
    Option(
        "timeout",
        "--timeout",
        "seconds per request; a body must be complete within twice that",
        kind="seconds",
        default=5.0,
        places=frozenset({PYTEST, CHECK, WATCH, FILE}),
    ),
    Option(
        "sample_seconds",
        "--sample-seconds",
        "how long the temporal checks watch the controller (one reading a second; longer than "
        "a meter's refresh of up to 10 s, so that a stopped meter shows; under 0.5, one reading "
        "in all, no rule over time judged: the verdict is then partial)",
        kind="seconds",
        default=12.0,
        positive=False,
        places=frozenset({PYTEST, CHECK, FILE}),
    ),
    Option(
        "run_deadline",
        "--run-deadline",
        "the whole run's bound: checks not begun by then are not tested (exit 7, verdict "
        "partial), and the reports are written",
        kind="seconds",
        default=600.0,
        places=frozenset({PYTEST, CHECK, FILE}),
    ),
    Option(
        "profile",
        "--profile",
        "what the device is expected to do: a built-in profile (doc-5.33.5, the specification "
        "as written; field-5.22, field-5.33) or a profile file (see Profiles)",
        default=DEFAULT_PROFILE,
        metavar="NAME|FILE",
        places=EVERYWHERE,
    ),
    Option(
        "declaration",
        "--declaration",
        "what the model implements (a TOML file with a `[device]` table: sockets, phases, "
        "OCPP version, meter, ...; see Declaring a model): the device is held to it and "
        "judged as it declares; replaces a profile's `[device]`",
        kind="path",
        shown_default="the profile's `[device]`, else undeclared",
        metavar="FILE",
        places=frozenset({PYTEST, CHECK, FILE}),
    ),
    Option(
        "replay",
        "--replay",
        "check a recorded capture instead of a device (a full_state body, or a capture "
        "--record wrote)",
        kind="path",
        metavar="FILE",
    ),
    Option(
        "record",
        "--record",
        "save what the run observed (full_state and every per-key answer, no credentials) "
        "as a capture",
        kind="path",
        metavar="FILE",
    ),
    Option(
        "report_dir",
        "--report-dir",
        "the folder the reports go to (made if missing): conformance.{html,xml,json,md} of a "
        "check (--html and --junitxml move those two), watch.{html,json,md} of a watch",
        kind="path",
        default="reports",
        metavar="DIR",
        places=frozenset({PYTEST, CHECK, WATCH, FILE}),
    ),
    Option("no_reports", "--no-reports", "write no report files (a quick local run)", "flag"),
    Option(
        "allow_anonymous",
        "--allow-anonymous",
        "the device is set up to answer without credentials: report it as information, not "
        "as a failure (a profile says so with `allow_anonymous = true` in `[profile]`)",
        kind="flag",
        default=False,
        places=frozenset({PYTEST, CHECK, FILE, CONTROLLER, DEFAULTS_TABLE}),
    ),
    Option(
        "guided",
        "--guided",
        "a person walks the states scenarios at the bench, at this terminal (see below)",
        kind="flag",
        default=False,
    ),
    Option(
        "step_timeout",
        "--step-timeout",
        "with --guided: seconds a step may take before it is not tested",
        kind="seconds",
        default=120.0,
        places=frozenset({PYTEST, CHECK, FILE}),
    ),
    Option(
        "inventory",
        "--inventory",
        "a lab's controllers (TOML: `ccrest example lab` prints one): check them all, each "
        "in order; with -n N, N at a time",
        kind="path",
        metavar="FILE",
    ),
    Option(
        "shard",
        "--shard",
        "with --inventory: check every N-th controller from the K-th (a CI matrix of N jobs; "
        "`ccrest report merge` joins their reports)",
        metavar="K/N",
    ),
    Option(
        "duration",
        "--for",
        "how long a watch lasts: 2h, 90m, 45s, 1h30m",
        default="10m",
        metavar="DURATION",
        places=frozenset({WATCH}),
    ),
    Option(
        "interval",
        "--interval",
        "seconds between a watch's samples",
        kind="seconds",
        default=1.0,
        places=frozenset({WATCH}),
    ),
)
BY_KEY = {o.key: o for o in OPTIONS}
BY_FLAG = {o.flag: o for o in OPTIONS if o.flag}
DEFAULTS: dict[str, object] = {o.key: o.default for o in OPTIONS if o.default is not None}
# pytest's own options ``ccrest check`` takes before ``--`` too (the README shows them)
PYTEST_OWN: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
    (("-m",), {"dest": "markexpr", "metavar": "EXPR", "help": "only these families: -m auth"}),
    (("-k",), {"dest": "keyword", "metavar": "EXPR", "help": "only tests matching EXPR"}),
    (("-n",), {"dest": "numprocesses", "metavar": "N", "help": "with --inventory: N at a time"}),
    (("-v", "--verbose"), {"action": "count", "default": 0, "help": "more output"}),
    (("-q", "--quiet"), {"action": "count", "default": 0, "help": "less output"}),
    (("-x", "--exitfirst"), {"action": "store_true", "help": "stop at the first failure"}),
    (("--html",), {"metavar": "FILE", "help": "write the HTML report to FILE instead"}),
    (("--junitxml",), {"metavar": "FILE", "help": "write the JUnit XML report to FILE instead"}),
)


def placed(place: str) -> list[Option]:
    return [o for o in OPTIONS if place in o.places]


# -- one check per kind, whichever way a value came ------------------------------------------


def parse(option: Option, value: object, where: str = "") -> object:
    """The value as the run uses it, or SettingError naming ``where`` (a file and line, an
    environment variable; the option by default) and the fix."""
    name = where or option.flag or option.key
    said = f"{name} {value!r}" if name.startswith("-") else f"{name} = {value!r}"
    if option.kind == "flag":
        if isinstance(value, bool):
            return value
        raise SettingError(f"{said}: give true or false")
    if option.kind == "seconds":
        try:
            ok = isinstance(value, (int, float, str)) and not isinstance(value, bool)
            number = float(value) if ok else math.nan  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or number < 0 or (option.positive and number == 0):
            more = "more than 0" if option.positive else "0 or more"
            raise SettingError(f"{said}: give a finite number of seconds, {more}")
        return number
    if not isinstance(value, str) or not value.strip():
        raise SettingError(f"{said}: give a non-empty text")
    if option.kind == "choice" and value not in option.choices:
        raise SettingError(
            f"{said}: give one of {', '.join(option.choices)}" + suggestion(value, option.choices)
        )
    if option.kind == "password-env" and not _variable_name(value):
        raise SettingError(
            f"{said}: give the name of an environment variable (letters, digits, "
            "_), not the password"
        )
    return value


VARIABLE = r"^[A-Za-z_][A-Za-z0-9_]*$"  # an environment variable's name


def _variable_name(text: str) -> bool:
    return re.fullmatch(VARIABLE, text) is not None


# -- pytest's options, ccrest's arguments ---------------------------------------------------


def _argparse_type(option: Option) -> Callable[[str], object]:
    def checked(text: str) -> object:
        try:
            return parse(option, text)
        except SettingError as exc:
            raise argparse.ArgumentTypeError(str(exc).removeprefix(f"{option.flag} ")) from None

    return checked


def _help(option: Option) -> str:
    words = option.help.replace("`", "")
    default = option.default_words()
    if option.env:
        words += f" (or {option.env})"
    if default and option.kind != "flag":
        words += f"; default {default}"
    return words.replace("%", "%%")


def pytest_addoption(parser: Any) -> None:
    """The suites' options (the hook ``ccrest.plugin`` registers)."""
    group = parser.getgroup("ccrest", "ccrest: the controller under test")
    for option in placed(PYTEST):
        kwargs: dict[str, Any] = {"help": _help(option), "dest": option.dest}
        if option.kind == "flag":
            kwargs["action"] = "store_true"
        else:
            kwargs["default"] = option.default
            if option.kind != "choice":
                kwargs["metavar"] = _metavar(option)
            if option.kind == "choice":
                kwargs["choices"] = option.choices
            elif option.kind == "seconds":
                kwargs["type"] = float  # the plugin words a bad number (pytest's own is terse)
        group.addoption(option.flag, **kwargs)


def add_arguments(parser: argparse.ArgumentParser, place: str) -> None:
    """``ccrest check`` / ``ccrest watch``'s options: every setting of that place, not given
    unless given (None), so a file and the environment can stand in for it."""
    for option in placed(place):
        if not option.flag:
            continue
        kwargs: dict[str, Any] = {"help": _help(option), "dest": option.dest, "default": None}
        if option.kind == "flag":
            kwargs["action"] = "store_const"
            kwargs["const"] = True
        else:
            kwargs["type"] = _argparse_type(option)
            kwargs["metavar"] = _metavar(option)
        parser.add_argument(option.flag, **kwargs)
    if place == CHECK:
        for flags, kwargs in PYTEST_OWN:
            parser.add_argument(*flags, **kwargs)


def _metavar(option: Option) -> str:
    if option.metavar:
        return option.metavar
    if option.kind == "choice":
        return "{" + ",".join(option.choices) + "}"
    return "SECONDS" if option.kind == "seconds" else option.key.upper()


def pass_on(values: Mapping[str, object]) -> list[str]:
    """The suite options as pytest gets them from ``ccrest check``: NAME=VALUE always (a value
    after a space could be taken for a test path); secrets never (the environment carries
    them); pytest's own options as given."""
    out = []
    for option in placed(PYTEST):
        value = values.get(option.key)
        if value is None or option.secret or value is False:
            continue
        if option.kind == "flag":
            out.append(option.flag)
        elif isinstance(value, float):
            out.append(f"{option.flag}={value:g}")
        else:
            out.append(f"{option.flag}={value}")
    return out


def pytest_own(args: argparse.Namespace) -> list[str]:
    out: list[str] = []
    for flags, kwargs in PYTEST_OWN:
        value = getattr(args, kwargs.get("dest", flags[-1].lstrip("-").replace("-", "_")))
        if kwargs.get("action") == "count":
            out += [flags[0]] * int(value or 0)
        elif kwargs.get("action") == "store_true":
            out += [flags[0]] if value else []
        elif value is not None:
            out += [f"{flags[-1]}={value}"] if flags[-1].startswith("--") else [flags[0], value]
    return out


# -- files --------------------------------------------------------------------------------


def file_schema(place: str) -> dict[str, Any]:
    """The JSON Schema of a table of settings in ``place`` (FILE, CONTROLLER, DEFAULTS_TABLE):
    generated, so a file accepts exactly what the model says it may set."""
    properties: dict[str, Any] = {}
    for option in placed(place):
        if option.kind == "flag":
            schema: dict[str, Any] = {"type": "boolean"}
        elif option.kind == "seconds":
            schema = {"type": "number", ("exclusiveMinimum" if option.positive else "minimum"): 0}
        elif option.kind == "choice":
            schema = {"enum": list(option.choices)}
        elif option.kind == "password-env":
            schema = {"type": "string", "pattern": VARIABLE}
        else:
            schema = {"type": "string", "minLength": 1}
        schema["description"] = option.help
        properties[option.key] = schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


# -- the README's table ---------------------------------------------------------------------

PLACE_WORDS = {
    FILE: "ccrest.toml",
    CONTROLLER: "inventory",
    DEFAULTS_TABLE: "[defaults]",
    WATCH: "watch",
}


def markdown_table() -> str:
    """The README's option table, as the model makes it."""
    lines = [
        "| option (environment) | default | also in | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for option in OPTIONS:
        if option.flag:
            head = f"`{option.flag}"
            if option.kind == "choice":
                head += " " + "\\|".join(option.choices)
            elif option.kind != "flag":
                head += " " + _metavar(option).replace("|", "\\|")
            head += "`" + (f" (`{option.env}`)" if option.env else "")
        else:
            head = f"`{option.key}` (file only)"
        default = option.default_words()
        if default and default != "off" and not option.shown_default:
            default = f"`{default}`"
        also = ", ".join(w for p, w in PLACE_WORDS.items() if p in option.places)
        if PYTEST not in option.places and option.flag:
            also = also.replace("watch", "`ccrest watch` only")
        meaning = option.help.replace("|", "\\|")
        lines.append(f"| {head} | {default} | {also} | {meaning} |")
    return "\n".join(lines)


def unknown(words: Sequence[str], known: Iterable[str]) -> str:
    """A usage message for unknown options, each with its nearest known one."""
    known = list(known)
    return "; ".join(f"{w}{suggestion(w.split('=', 1)[0], known)}" for w in words)


if __name__ == "__main__":  # the README's table: python -m ccrest.options
    print(markdown_table())
