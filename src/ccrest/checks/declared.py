"""The device against its declaration (``ccrest.declare``): what it reports must be what the
model was declared to implement. A device that reports a feature declared absent, or lacks one
declared present, fails the ``decl.*`` check; the message names the declaration's file and
line, what was observed and what was declared.

Pure: the first full_state's values and the declaration in, findings out. Each rule lists its
cases as (contradicted?, key, declared field, why); a rule none of whose keys the device sends
is not tested (the schema checks fail the missing key).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from ccrest.checks.common import fail, not_tested, number, numbers, text
from ccrest.checks.http import state_shown
from ccrest.declare import Declaration
from ccrest.exchange import Exchange
from ccrest.findings import Finding, show
from ccrest.spec import Catalogue, catalogue

Values = Mapping[str, object]
Case = tuple[bool, str, str, str]  # contradicted?, the key that shows it, the field, why


def _against(
    check_id: str, values: Values, decl: Declaration, key: str, field: str, why: str
) -> Finding:
    """``key = observed: why (declared: field = value, file:line)``."""
    declared = decl.said(field)
    seen = values.get(key)
    return fail(
        check_id,
        f"{key} = {show(seen)}: {why} (declared: {declared})",
        key=key,
        observed=seen,
        allowed=f"as declared: {declared}",
    )


def schuko(v: Values, d: Declaration) -> Iterable[Case]:
    """A Schuko socket declared absent is never enabled nor used. One declared may be disabled:
    schuko_cfg is the installation's setting (the Config UI), not the hardware."""
    cfg, conn = text(v, "schuko_cfg"), text(v, "conn_state") or ""
    yield (
        not d.schuko and cfg == "enable",
        "schuko_cfg",
        "schuko",
        "a Schuko socket declared absent is enabled",
    )
    yield (
        not d.schuko and conn.endswith("_schuko"),
        "conn_state",
        "schuko",
        "a vehicle on a Schuko socket declared absent",
    )


def type2(v: Values, d: Declaration) -> Iterable[Case]:
    """A tethered cable declared: cable_attached on, type2_proximity its rating (or
    cable_attached), sig_current within its rating; none declared: cable_attached off; no Type 2
    outlet at all: no vehicle on Type 2."""
    attached, proximity = text(v, "cable_attached"), text(v, "type2_proximity")
    conn, offered, rating = text(v, "conn_state") or "", number(v, "sig_current"), d.tethered_cable
    fitting = ("cable_attached", str(rating), "short_circuit")
    cable = "tethered_cable"
    yield (
        bool(rating) and attached == "off",
        "cable_attached",
        cable,
        "the declared tethered cable is not attached",
    )
    yield (
        not rating and attached == "on",
        "cable_attached",
        cable,
        "a tethered cable declared absent",
    )
    yield (
        not rating and proximity == "cable_attached",
        "type2_proximity",
        cable,
        "a tethered cable declared absent",
    )
    yield (
        bool(rating) and proximity not in (None, *fitting),
        "type2_proximity",
        cable,
        f"a tethered {rating} A cable reads cable_attached or {rating}",
    )
    yield (
        bool(rating) and offered is not None and offered > rating,
        "sig_current",
        cable,
        f"more than the tethered cable's {rating} A offered",
    )
    outlet = bool(rating) or d.type2_socket
    yield (
        not outlet and conn.endswith("_type2"),
        "conn_state",
        "type2_socket",
        "a Type 2 outlet declared absent",
    )


def phases(v: Values, d: Declaration) -> Iterable[Case]:
    """No more phases than declared are live (not 0) in current_a and voltage_v. Fewer are no
    contradiction: the same three-phase model lists one value in one field build (5.22.5) and
    three in another (5.22.3), and one wired to a single phase measures one; a slot for a phase
    the model lacks reads 0, and a single-phase model may be wired to L2 or L3 (installers
    rotate phases to balance a site), so which slot is live says nothing."""
    for key in ("current_a", "voltage_v"):
        listed = numbers(v, key) or []
        # 0 within the key's tolerance (schemas/): an idle transformer reads a hair off zero
        live = [n for n in listed if abs(n) > catalogue().key(key).tolerance]
        yield (
            len(live) > d.phases,
            key,
            "phases",
            f"{len(live)} live phases where {d.phases} {'is' if d.phases == 1 else 'are'} declared",
        )


def meter(v: Values, d: Declaration) -> Iterable[Case]:
    """The meter configured is the declared one."""
    yield (
        text(v, "ocpp_meter_cfg") != d.meter,
        "ocpp_meter_cfg",
        "meter",
        "another meter than the declared one",
    )


def rcmb(v: Values, d: Declaration) -> Iterable[Case]:
    """Without an RCMB declared: no RCMB trip, no residual current; with one: its state."""
    yield (
        d.rcmb and v.get("rcmb_state") is None,
        "rcmb_state",
        "rcmb",
        "the declared RCMB reports no state",
    )
    yield (
        not d.rcmb and text(v, "rcmb_state") == "triggered",
        "rcmb_state",
        "rcmb",
        "an RCMB declared absent has tripped",
    )
    for key in ("rcmb_max", "rcmb_values"):
        measured = any(numbers(v, key) or ())
        yield (
            not d.rcmb and measured,
            key,
            "rcmb",
            "a residual current from an RCMB declared absent",
        )


def rest_mode(v: Values, d: Declaration) -> Iterable[Case]:
    """without-uid: auth_uid empty. (with-uid is not judged on a read: an authorization
    without a UID may be a backend's remote start; the privacy family judges a presented card.)"""
    uid = text(v, "auth_uid") or ""
    yield (
        d.rest_mode == "without-uid" and bool(uid),
        "auth_uid",
        "rest_mode",
        "a card's UID shown without UID",
    )


def max_current(v: Values, d: Declaration) -> Iterable[Case]:
    """Neither the installation's maximum (max_current: an installer may set it lower than the
    model's) nor the current offered is above the declared maximum."""
    limit, offered = number(v, "max_current"), number(v, "sig_current")
    yield (
        (limit or 0) > d.max_current,
        "max_current",
        "max_current",
        "a maximum above the declared one",
    )
    yield (
        (offered or 0) > d.max_current,
        "sig_current",
        "max_current",
        "more offered than the declared maximum",
    )


def slave(v: Values, d: Declaration) -> Iterable[Case]:
    """A slave declared: slave_state reports its status (an empty one is what its schema says a
    controller with no slave configured reports). None declared is not contradicted by a
    status: the specification lists no value for "no slave", and every value it lists is
    allowed."""
    seen = text(v, "slave_state")
    yield d.slave and seen == "", "slave_state", "slave", "no status of the declared slave"


RULE_TABLE: tuple[tuple[str, Callable[[Values, Declaration], Iterable[Case]], tuple[str, ...]], ...]
RULE_TABLE = (
    ("decl.schuko", schuko, ("schuko_cfg", "conn_state")),
    ("decl.type2", type2, ("cable_attached", "type2_proximity", "sig_current", "conn_state")),
    ("decl.phases", phases, ("current_a", "voltage_v")),
    ("decl.meter", meter, ("ocpp_meter_cfg",)),
    ("decl.rcmb", rcmb, ("rcmb_state", "rcmb_max", "rcmb_values")),
    ("decl.rest-mode", rest_mode, ("auth_uid",)),
    ("decl.max-current", max_current, ("max_current", "sig_current")),
    ("decl.slave", slave, ("slave_state",)),
)
RULES = {check: cases for check, cases, _ in RULE_TABLE}
RULE_KEYS = {check: keys for check, _, keys in RULE_TABLE}  # each rule's rows in the matrix


def judge(check_id: str, values: Values, decl: Declaration) -> list[Finding]:
    """One rule's findings: a failure per contradicted case, each under ``check_id``."""
    keys = RULE_KEYS[check_id]
    if all(values.get(k) is None for k in keys):
        return [not_tested(check_id, f"{', '.join(keys)} missing from full_state")]
    return [
        _against(check_id, values, decl, key, field, why)
        for hit, key, field, why in RULES[check_id](values, decl)
        if hit
    ]


def check_all(values: Values, decl: Declaration) -> list[Finding]:
    return [f for check_id in RULES for f in judge(check_id, values, decl)]


def open_as_declared(cat: Catalogue, exchange: Exchange, decl: Declaration) -> list[Finding]:
    """A REST interface declared anonymous answers full_state without credentials, with the
    state (a refusal contradicts the declaration). One declared to ask for credentials is
    judged by the auth family's no-credentials checks, not a second time here."""
    if decl.credentials != "anonymous":
        return [
            not_tested(
                "decl.credentials",
                f"declared {decl.said('credentials')}: auth.no-credentials-refused judges that",
            )
        ]
    if exchange.transport_failed:
        return [not_tested("decl.credentials", f"no answer: {exchange.error}", exchange=exchange)]
    if exchange.status == 200 and state_shown(cat, exchange):
        return []
    what = f"answered {exchange.status}" + ("" if exchange.status != 200 else " without the state")
    return [
        fail(
            "decl.credentials",
            f"/rest/full_state without credentials {what}: the REST interface is declared to "
            f"answer without them (declared: {decl.said('credentials')})",
            observed=exchange.status,
            allowed="200 with the state, as declared",
            exchange=exchange,
        )
    ]
