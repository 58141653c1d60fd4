"""What changed in the interface between two builds, and whom each change can break.

Pure: the ``interface`` records of two summaries (``ccrest.interface``) in, a list of changes
out, each marked with the clients it can break (``READERS``): one that reads full_state's keys
by line number, one that looks keys up by name, one that matches or parses values, one that
picks its parser by Content-Type. A change is what the software reading the device sees, not
a verdict: a build may conform and still break an integration (firmware 5.33 inserted
``voltage_v`` after ``power_w``, so every line after it moved).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ccrest.report.summary import rename_of
from ccrest.spec import Catalogue

READERS = {
    "position": "a client that reads keys by line number",
    "name": "a client that looks keys up by name",
    "value": "a client that matches or parses values",
    "content-type": "a client that picks its parser by Content-Type",
}
EVERY = ["position", "name", "value"]
KINDS = (
    "status",
    "body form",
    "content type",
    "line form",
    "removed",
    "renamed",
    "added",
    "reordered",
    "new value",
    "number format",
    "per-key status",
    "per-key form",
    "per-key content type",
)
SHOWN = 3  # values or keys named in one change's words; the rest are counted


def change(
    kind: str, key: str, before: str, after: str, breaks: Sequence[str], detail: str = ""
) -> dict[str, Any]:
    assert kind in KINDS and all(b in READERS for b in breaks)
    return {
        "change": kind,
        "key": key,
        "before": before,
        "after": after,
        "breaks": list(breaks),
        "detail": detail,
    }


def compare(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, cat: Catalogue
) -> dict[str, Any]:
    """The interface section of a diff: ``recorded`` False (and which run lacks it) for a
    report written before ccrest kept the observations, else every change in KINDS order."""
    missing = [side for side, record in (("old", old), ("new", new)) if record is None]
    if old is None or new is None:
        return {"recorded": False, "missing": missing, "changes": [], "notes": []}
    before, after = old["full_state"], new["full_state"]
    notes = [
        f"values as {before['reads']} full_state read(s) of the old build and "
        f"{after['reads']} of the new one showed them: a run that reads fewer states sees "
        "fewer values"
    ]
    beyond = {side: fs.get("more_keys", 0) for side, fs in (("old", before), ("new", after))}
    if any(beyond.values()):
        notes.append(
            f"keys past the first {len(before['keys']) or len(after['keys'])} not recorded "
            f"({beyond['old']} in the old build, {beyond['new']} in the new one): not compared"
        )
    changes = [*_body(before, after), *_keys(before, after, cat)]
    per_key_old, per_key_new = old.get("per_key") or {}, new.get("per_key") or {}
    if per_key_old and per_key_new:
        changes += _per_key(per_key_old, per_key_new)
    else:
        sides = [s for s, p in (("old", per_key_old), ("new", per_key_new)) if not p]
        notes.append(
            f"per-key answers not recorded in the {' and '.join(sides)} run (its per-key "
            "family did not run): not compared"
        )
    changes.sort(key=lambda c: KINDS.index(c["change"]))
    return {"recorded": True, "missing": [], "changes": changes, "notes": notes}


def _media(content_type: str) -> str:
    """A Content-Type compared as a client compares it: case and spaces aside."""
    return re.sub(r"\s+", "", content_type).lower()


def _body(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    if before["status"] != after["status"]:
        out.append(
            change(
                "status",
                "full_state",
                str(before["status"]),
                str(after["status"]),
                EVERY,
                "every reader of full_state gets another answer",
            )
        )
    if before["form"] != after["form"]:
        out.append(
            change(
                "body form",
                "full_state",
                before["form"],
                after["form"],
                EVERY,
                "text lines and a JSON object are parsed differently: every reader must change",
            )
        )
    if _media(before["content_type"]) != _media(after["content_type"]):
        out.append(
            change(
                "content type",
                "full_state",
                before["content_type"] or "(none)",
                after["content_type"] or "(none)",
                ["content-type"],
            )
        )
    return out + _line_form(before.get("lines"), after.get("lines"))


LINE_FORM = {  # field of the record's lines, whom a change of it breaks, and how
    "ending": (
        ["value"],
        "a client that splits the lines itself reads a CR into each value, or one line",
    ),
    "bom": (["name"], "the first key's name begins with U+FEFF for a client that keeps it"),
    "separator": (
        ["name", "value"],
        "a client that splits at the colon without trimming reads "
        "the space into the key or the value",
    ),
}


def _line_form(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """How the text form's lines are written (both runs' text bodies; a report from before
    ccrest kept it is not compared)."""
    if not before or not after:
        return []
    out = []
    for field, (breaks, detail) in LINE_FORM.items():
        if before[field] != after[field]:
            was, now = (
                ("with a byte order mark" if v else "without one") if field == "bom" else str(v)
                for v in (before[field], after[field])
            )
            out.append(change("line form", f"full_state lines: {field}", was, now, breaks, detail))
    return out


def _fits(
    entry: Mapping[str, Any], cat: Catalogue, name: str
) -> Callable[[Mapping[str, Any]], bool]:
    """Does a candidate's value fit what ``name`` carried: a documented key's rule, else the
    same kind of value (numbers for numbers, text for text)."""

    def fits(candidate: Mapping[str, Any]) -> bool:
        if name in cat and candidate["values"]:
            return cat.key(name).violation(candidate["values"][0]) is None
        return ("formats" in entry) == ("formats" in candidate)

    return fits


def _keys(
    before: Mapping[str, Any], after: Mapping[str, Any], cat: Catalogue
) -> list[dict[str, Any]]:
    old = {k["key"]: k for k in before["keys"]}
    new = {k["key"]: k for k in after["keys"]}
    if not old or not new:
        return []  # one of them read no keys: its status or form says why
    text = before["form"] == after["form"] == "text"
    unit = "line" if text else "member"
    removed = [k for k in old if k not in new]
    pool = [k for k in new if k not in old]
    renames: dict[str, str] = {}
    for name in removed:
        fits = _fits(old[name], cat, name)

        def candidate_fits(c: str, fits: Callable[[Mapping[str, Any]], bool] = fits) -> bool:
            return fits(new[c])

        target = rename_of(name, pool, candidate_fits)
        if target is not None:
            renames[name] = target
            pool.remove(target)
    out = []
    for name in removed:
        if name in renames:
            continue
        out.append(
            change(
                "removed",
                name,
                f"{unit} {old[name]['at']}",
                "-",
                ["name"],
                "a client that looks it up finds nothing",
            )
        )
    for was, now in renames.items():
        out.append(
            change(
                "renamed",
                now,
                was,
                now,
                ["name"],
                f"{was} ({unit} {old[was]['at']}) is now {now} ({unit} {new[now]['at']}) with "
                "a value of the same kind",
            )
        )
    order = list(new)
    kept = {renames.get(k, k) for k in old if k in new or k in renames}
    for name in pool:
        place = order.index(name)
        previous = order[place - 1] if place else "(the start)"
        inserted = any(k in kept for k in order[place + 1 :])
        where = f"{unit} {new[name]['at']}"
        if inserted:
            words = f"inserted after {previous}: the {unit}s after it moved"
            out.append(change("added", name, "-", where, ["position"] if text else [], words))
        else:
            out.append(change("added", name, "-", where, [], f"appended after {previous}"))
    pairs = [(was, renames.get(was, was)) for was in old if was in new or was in renames]
    if text:
        gone = [n for n in removed if n not in renames]
        out += _reordered(old, new, pairs, pool, gone)
    for was, now in pairs:
        out += _values(old[was], new[now], cat, now)
    return out


def _reordered(
    old: Mapping[str, Mapping[str, Any]],
    new: Mapping[str, Mapping[str, Any]],
    pairs: Sequence[tuple[str, str]],
    added: Sequence[str],
    removed: Sequence[str],
) -> list[dict[str, Any]]:
    """One change for every key of both builds whose line moved, with the keys inserted or
    removed before them (the cause) and whether the order itself changed."""
    moved = [(now, old[was]["at"], new[now]["at"]) for was, now in pairs]
    moved = [m for m in moved if m[1] != m[2]]
    if not moved:
        return []
    last = max(m[2] for m in moved)
    inserted = [n for n in added if new[n]["at"] <= last]
    gone = [n for n in removed if old[n]["at"] <= max(m[1] for m in moved)]
    in_new_order = [old[was]["at"] for was, now in sorted(pairs, key=lambda p: new[p[1]]["at"])]
    causes = [f"{n} was inserted at line {new[n]['at']}" for n in inserted]
    causes += [f"{n} was removed from line {old[n]['at']}" for n in gone]
    if in_new_order != sorted(in_new_order):
        causes.append("the order of the keys changed")
    runs: list[list[tuple[str, int, int]]] = []
    for m in moved:
        if runs and runs[-1][-1][2] - runs[-1][-1][1] == m[2] - m[1]:
            runs[-1].append(m)
        else:
            runs.append([m])
    shifts = [_shift(run) for run in runs[:SHOWN]]
    if len(runs) > SHOWN:
        shifts.append(f"and {len(runs) - SHOWN} more runs of keys")
    return [
        change(
            "reordered",
            ", ".join(inserted + gone) or moved[0][0],
            f"lines {min(m[1] for m in moved)}-{max(m[1] for m in moved)}",
            f"lines {min(m[2] for m in moved)}-{last}",
            ["position"],
            "; ".join(shifts) + (f", since {' and '.join(causes)}" if causes else ""),
        )
    ]


def _shift(run: Sequence[tuple[str, int, int]]) -> str:
    delta = run[0][2] - run[0][1]
    lines = (
        f"{abs(delta)} line{'s' if abs(delta) != 1 else ''} {'later' if delta > 0 else 'earlier'}"
    )
    if len(run) == 1:
        return f"{run[0][0]} {lines} ({run[0][1]}->{run[0][2]})"
    return (
        f"{run[0][0]} … {run[-1][0]} ({len(run)} keys) {lines} "
        f"({run[0][1]}->{run[0][2]} … {run[-1][1]}->{run[-1][2]})"
    )


def _shape(value: object) -> str:
    """A text compared by its words, not its numbers: 'Charging 7.4 kW' is 'Charging 10.9 kW'."""
    return re.sub(r"[0-9]+", "0", str(value))


def _listed(values: Sequence[object]) -> str:
    shown = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values[:SHOWN])
    return shown + (f" and {len(values) - SHOWN} more" if len(values) > SHOWN else "") or "-"


def _same_format(a: str, b: str) -> bool:
    """Two number formats a client parses alike: a minus is a sign any format may carry (a
    signed +N.dd reading -3.00 on a cold day, an unsigned N.dd going below zero)."""

    def pattern(f: str) -> str:
        return re.escape(f).replace(r"\-", "[+-]?")

    return a == b or bool(re.fullmatch(pattern(a), b) or re.fullmatch(pattern(b), a))


def _tokens(value: object) -> set[str]:
    return {t for t in str(value).split(";") if t}


def _values(
    before: Mapping[str, Any], after: Mapping[str, Any], cat: Catalogue, key: str
) -> list[dict[str, Any]]:
    """A value never seen before (an enumerated key: one the specification does not list
    either; a text: by its words; a ';'-list of tokens: a token neither run's old build nor
    the specification's example shows), or a number written another way. Values are compared
    in the states (conn_state) both runs read, where both records say: a state only the new
    run reached shows values of that state, not new ones. A token the specification's example
    shows (plug_locking_failed) is documented vocabulary, whatever the device's condition."""
    spec = cat.key(key) if key in cat else None
    cut = " (the old run kept only some of its values)" if before.get("more_values") else ""
    if "formats" in before:
        formats = after.get("formats")
        fresh_formats = (
            [f for f in formats if not any(_same_format(f, g) for g in before["formats"])]
            if formats
            else []
        )
        if formats and not fresh_formats:
            return []
        now = (
            ", ".join(fresh_formats)
            if fresh_formats
            else "not a number: " + _listed(after["values"])
        )
        return [
            change(
                "number format",
                key,
                ", ".join(before["formats"]),
                now,
                ["value"],
                "a number written another way (decimals, sign, separators, items)",
            )
        ]
    if (
        spec is not None
        and spec.enum is None
        and (spec.change == "static" or "$ref" in spec.schema)
    ):
        # an identity (serial, model, firmware: the diff's identity part shows it) or an
        # identifier of a lexical form (a card's UID): which one it shows is no vocabulary
        return []
    examples = spec.schema.get("examples") if spec is not None else None
    shown = [str(e) for e in examples] if isinstance(examples, list) else []
    token_list = any(";" in e for e in shown)  # errors: a list of tokens, not one text
    documented = {t for e in shown for t in _tokens(e)}

    def known(value: object, old: Sequence[object]) -> bool:
        if spec is not None and spec.enum is not None:
            return value in old or str(value) in spec.enum
        if token_list:
            return _tokens(value) <= documented.union(*(_tokens(v) for v in old))
        return _shape(value) in {_shape(v) for v in old}

    old_by, new_by = before.get("by_state"), after.get("by_state")
    if isinstance(old_by, Mapping) and isinstance(new_by, Mapping):
        pairs = [(old_by[s], new_by[s]) for s in new_by if s in old_by]
        old_values = [v for old, _ in pairs for v in old]
    else:  # a record without states (an older ccrest): every read together
        pairs = [(before["values"], after["values"])]
        old_values = before["values"]
    fresh = list(dict.fromkeys(v for old, new in pairs for v in new if not known(v, old)))
    if not fresh:
        return []
    words = (
        "never seen before and not a value the specification lists"
        if spec is not None and spec.enum is not None
        else "a text never seen before (numbers in it aside)"
    )
    return [change("new value", key, _listed(old_values), _listed(fresh), ["value"], words + cut)]


def _per_key(
    before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Each key's own answer (/rest/<key>): status, form and Content-Type, keys that changed
    the same way folded into one change."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for name in sorted(set(before) & set(after)):
        was, now = before[name], after[name]
        for kind, field in (
            ("per-key status", "status"),
            ("per-key form", "form"),
            ("per-key content type", "content_type"),
        ):
            a, b = str(was.get(field, "-")), str(now.get(field, "-"))
            if field == "status":
                if a == b:
                    continue
            elif was["status"] != 200 or now["status"] != 200:
                continue  # the form of an answer that is no value: the status says it
            elif _media(a) == _media(b):
                continue
            grouped.setdefault((kind, a, b), []).append(name)
    out = []
    for (kind, a, b), names in grouped.items():
        if kind == "per-key status":
            breaks = ["name"] if a == "200" else []
            words = "the endpoint no longer answers 200" if a == "200" else "now answers"
        elif kind == "per-key form":
            breaks, words = (
                ["value"],
                "a bare text, a JSON scalar and key:value are parsed differently",
            )
        else:
            breaks, words = ["content-type"], ""
        shown = ", ".join(names[:SHOWN]) + (
            f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
        )
        out.append(change(kind, shown, a or "(none)", b or "(none)", breaks, words))
    return out


def breaks_words(breaks: Sequence[str]) -> str:
    """Whom a change can break, in words ("no reader" for an additive change)."""
    return "; ".join(READERS[b] for b in breaks) or "no reader (additive)"
