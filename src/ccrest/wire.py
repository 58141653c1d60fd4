"""Turn what a controller sends into values and findings, never into an exception.

Real firmware answers ``/rest/full_state`` as ``text/plain`` lines ``key:value`` (the value is
everything after the first colon, sometimes after a space); the specification's header table
suggests JSON. Both are read here, the form is told apart and named, and anything odd in a body
becomes a finding so that one broken line cannot hide the other forty keys.

This is where a device's values and key names enter as text, so they are made display-safe
here, once (``ccrest.safe``): a control character or a lone surrogate becomes visible text
(``\x1b``), and ``wire.control-character`` names the key that held it. Everything after the
parser (rules, reports, the terminal) sees only safe text.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ccrest import safe
from ccrest.findings import Finding, quoted, show

EXCERPT = 80
BLANK = " \t"  # what pads a key or a value ("key: value"); any other character is the value's


class BodyForm(StrEnum):
    TEXT = "text"
    JSON = "json"


@dataclass
class FullState:
    """A parsed ``full_state`` body: ``values`` has each key's first value, ``occurrences`` all,
    ``positions`` where each key first stood (the text form's line number, the JSON form's
    member number), as a client that reads by position counts."""

    form: BodyForm | None
    values: dict[str, object] = field(default_factory=dict)
    occurrences: dict[str, list[object]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, value: object, at: int = 0) -> None:
        self.occurrences.setdefault(key, []).append(value)
        self.values.setdefault(key, value)
        self.positions.setdefault(key, at)


@dataclass
class KeyValue:
    """A parsed ``/rest/<KEY>`` body: the bare value (None when there is none) and findings."""

    form: BodyForm
    value: object
    findings: list[Finding] = field(default_factory=list)


def _is_json_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def charset(content_type: str | None) -> str | None:
    """The character set a Content-Type declares (``text/plain; charset=ISO-8859-1``), when
    it is one Python knows; None when none is declared."""
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            try:
                return codecs.lookup(value.strip().strip('"')).name
            except LookupError:
                return None
    return None


def _decode(body: bytes, findings: list[Finding], content_type: str | None = None) -> str:
    """The body as text: in the charset its Content-Type declares (a Latin-1 body that says so
    is read as Latin-1, RFC 2046 4.1.2), else as UTF-8 (JSON's, and what the specification's
    application/json means); bytes that are not of it are a finding."""
    declared = charset(content_type)
    if declared is not None and declared not in ("utf-8", "utf-8-sig"):
        try:
            return body.decode(declared)
        except UnicodeDecodeError:
            pass  # not what it says it is: judged as UTF-8 below
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        findings.append(
            Finding(
                "wire.not-utf8",
                f"body is not UTF-8: byte {body[exc.start]:#04x} at offset {exc.start} "
                "(read on with U+FFFD in its place)",
                observed=body[max(0, exc.start - 16) : exc.start + 16],
                allowed="UTF-8 text",
            )
        )
        return body.decode("utf-8", errors="replace").removeprefix("\ufeff")


def _excerpt(text: str) -> str:
    return safe.text(text if len(text) <= EXCERPT else text[:EXCERPT] + "…")


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def parse_full_state(body: bytes, content_type: str | None = None) -> FullState:
    """Parse a ``full_state`` body in the text (``key:value``) or JSON-object form."""
    findings: list[Finding] = []
    text = _decode(body, findings, content_type)
    if not text.strip():
        state = FullState(form=None, findings=findings)
        state.findings.append(
            Finding(
                "wire.empty-body",
                f"full_state body is empty ({len(body)} bytes)",
                observed=text,
                allowed="one key:value line or JSON member per documented key",
            )
        )
        return state
    # The body's own shape decides its form, not the label: field firmware labels bodies
    # wrongly, and whether the label fits is the http.content-type check's question.
    if _looks_like_json(text) or (_is_json_type(content_type) and _is_json(text)):
        return _parse_json_object(text, content_type, findings)
    return _parse_text(text, findings)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return False
    return True


LISTED = 10  # lines of one kind of trouble listed one by one; the rest are counted


def _parse_text(text: str, findings: list[Finding]) -> FullState:
    state = FullState(form=BodyForm.TEXT, findings=findings)
    bad: dict[str, int] = {}
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.removesuffix("\r")
        if not line.strip(BLANK):
            continue
        key, colon, value = line.partition(":")
        key, value = key.strip(BLANK), value.strip(BLANK)
        if not colon or not key:
            check = "wire.line-without-colon" if not colon else "wire.empty-key"
            bad[check] = bad.get(check, 0) + 1
            if bad[check] > LISTED:
                continue
        if not colon:
            state.findings.append(
                Finding(
                    "wire.line-without-colon",
                    f"line {number} has no colon: {quoted(_excerpt(line))}",
                    observed=_excerpt(line),
                    allowed="key:value",
                )
            )
        elif not key:
            state.findings.append(
                Finding(
                    "wire.empty-key",
                    f"line {number} has an empty key: {quoted(_excerpt(line))}",
                    observed=_excerpt(line),
                    allowed="key:value with a key name before the colon",
                )
            )
        else:
            state.add(*_clean(key, value, state.findings), number)
    for check, count in bad.items():
        if count > LISTED:
            state.findings.append(
                Finding(
                    check,
                    f"{count - LISTED} more lines like the {LISTED} above ({count} in all)",
                    observed=count,
                    allowed="key:value",
                )
            )
    _report_duplicates(state)
    return state


def _parse_json_object(text: str, content_type: str | None, findings: list[Finding]) -> FullState:
    state = FullState(form=BodyForm.JSON, findings=findings)
    pairs: list[tuple[str, object]] = []

    def keep_pairs(items: list[tuple[str, object]]) -> dict[str, Any]:
        # Called once per object, innermost first: the last call is the top level, whose
        # pairs (duplicates included, which a dict would drop) are the ones kept.
        pairs[:] = items
        return dict(items)

    try:
        document = json.loads(text, object_pairs_hook=keep_pairs)
    except RecursionError:
        state.findings.append(
            Finding(
                "wire.json-invalid",
                "JSON body is nested too deep to be read (thousands of levels)",
                observed=_excerpt(text),
                allowed="a JSON object of key/value pairs",
            )
        )
        return state
    except json.JSONDecodeError as exc:
        state.findings.append(
            Finding(
                "wire.json-invalid",
                f"body{' announced as ' + content_type if content_type else ''} is not valid "
                f"JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                observed=_excerpt(text),
                allowed="a JSON object",
            )
        )
        return state
    if not isinstance(document, dict):
        state.findings.append(
            Finding(
                "wire.json-not-object",
                f"JSON body is {_json_kind(document)}, not an object of key/value pairs",
                observed=_excerpt(text),
                allowed="a JSON object",
            )
        )
        return state
    for number, (key, value) in enumerate(pairs, start=1):
        state.add(*_clean(key, value, state.findings), number)
    _report_duplicates(state)
    return state


CONTROL_LISTED = 10  # keys with a control character named one by one


def _clean(key: str, value: object, findings: list[Finding]) -> tuple[str, object]:
    """A key and its value display-safe; a control character or a lone surrogate in either is
    a finding on that key (shown escaped: the reader sees what was sent)."""
    texts = [key, *_texts(value)]
    if all(safe.is_safe(t) for t in texts):  # a control character is never safe: one scan
        return key, value
    shown_key, shown_value = safe.text(key), safe.tree(value)
    if any(safe.has_control(t) for t in texts):
        listed = sum(f.check_id == "wire.control-character" for f in findings)
        if listed < CONTROL_LISTED:
            findings.append(
                Finding(
                    "wire.control-character",
                    f"{show(shown_key, 60)} holds a control character or a lone surrogate: "
                    f"{show(shown_value)} (shown escaped)",
                    key=shown_key,
                    observed=show(shown_value)
                    if not isinstance(shown_value, str)
                    else shown_value[:200],
                    allowed="printable text (a TAB at most)",
                )
            )
    return shown_key, shown_value


def _texts(value: object) -> list[str]:
    """Every text inside a value (a JSON value may nest)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (str(k), *_texts(v))]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "an object"


def _report_duplicates(state: FullState) -> None:
    repeated = [(k, vs) for k, vs in state.occurrences.items() if len(vs) > 1]
    for key, values in repeated[:LISTED]:
        shown = ", ".join(show(v) for v in values[:5]) + (", …" if len(values) > 5 else "")
        state.findings.append(
            Finding(
                "wire.duplicate-key",
                f"{key} appears {len(values)} times, with values {shown}",
                key=key,
                observed=list(values[:5]),
                allowed="each key once",
            )
        )
    if len(repeated) > LISTED:
        state.findings.append(
            Finding(
                "wire.duplicate-key",
                f"{len(repeated) - LISTED} more keys appear more than once "
                f"({len(repeated)} in all)",
                observed=len(repeated),
                allowed="each key once",
            )
        )


def parse_key_value(
    body: bytes, content_type: str | None = None, key: str | None = None
) -> KeyValue:
    """Parse a ``/rest/<KEY>`` body: a bare text value, or a JSON scalar when announced as JSON.

    A body announced as JSON that is no JSON at all (a bare word) is read as the text it is; one
    shaped as a JSON container but broken is a finding. An empty text body is the empty value
    (``errors`` or ``auth_uid`` may well be empty).
    """
    findings: list[Finding] = []
    text = _decode(body, findings, content_type)
    if (_is_json_type(content_type) or _looks_like_json(text)) and text.strip():
        try:
            value = json.loads(text)
        except RecursionError:
            findings.append(
                Finding(
                    "wire.json-invalid",
                    "JSON body is nested too deep to be read (thousands of levels)",
                    observed=_excerpt(text),
                    allowed="a bare value",
                )
            )
            return KeyValue(BodyForm.JSON, None, findings)
        except json.JSONDecodeError as exc:
            if not _looks_like_json(text):
                return _bare_value(text, key, findings)
            findings.append(
                Finding(
                    "wire.json-invalid",
                    f"body announced as {content_type} is not valid JSON: {exc.msg}",
                    key=key,
                    observed=_excerpt(text),
                    allowed="a JSON scalar",
                )
            )
            return KeyValue(BodyForm.JSON, None, findings)
        if isinstance(value, (dict, list)):
            findings.append(
                Finding(
                    "wire.per-key-not-scalar",
                    f"JSON body is {_json_kind(value)}, not a single value",
                    key=key,
                    observed=_excerpt(text),
                    allowed="a JSON string or number",
                )
            )
            return KeyValue(BodyForm.JSON, None, findings)
        return KeyValue(BodyForm.JSON, _clean(key or "", value, findings)[1], findings)
    return _bare_value(text, key, findings)


def _bare_value(text: str, key: str | None, findings: list[Finding]) -> KeyValue:
    # one line end closes the answer; only blanks are padding (a control character at an end
    # is the value's, and a finding)
    value = text.removesuffix("\n").removesuffix("\r").strip(BLANK)
    if key and value.startswith(key + ":"):
        findings.append(
            Finding(
                "wire.per-key-prefixed",
                f"body repeats the key: {quoted(_excerpt(value))} instead of the bare value",
                key=key,
                observed=_excerpt(value),
                allowed="the bare value",
            )
        )
        value = value[len(key) + 1 :].strip(BLANK)
    return KeyValue(BodyForm.TEXT, _clean(key or "", value, findings)[1], findings)
