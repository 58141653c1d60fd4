"""Every rule outside consistency, fed observations by hand: it passes on what conforms, fails
with the right check ID and words on what does not, and says when it cannot judge."""

from __future__ import annotations

import pytest

from ccrest.checks import auth, fullstate, http, perkey, privacy, states, temporal
from ccrest.checks.temporal import Sample
from ccrest.exchange import Exchange
from ccrest.findings import Finding, Outcome
from ccrest.spec import Catalogue
from ccrest.wire import BodyForm, parse_full_state, parse_key_value

URL = "http://127.0.0.1:8080"


def answer(status: int = 200, body: bytes = b"", ct: str = "text/plain", **kw) -> Exchange:
    return Exchange(
        "GET",
        URL + kw.pop("path", "/rest/full_state"),
        status=status,
        body=body,
        response_headers={"Content-Type": ct} if ct else {},
        **kw,
    )


def broken(error: str = "connection reset by the controller") -> Exchange:
    return Exchange("GET", URL + "/rest/full_state", error=error)


def outcome(findings: list[Finding]) -> tuple[str, ...]:
    return tuple(sorted({f"{f.outcome.value}:{f.check_id}" for f in findings}))


def documented(cat: Catalogue) -> bytes:
    lines = []
    for spec in cat:
        lines.append(f"{spec.name}:{spec.enum[0] if spec.enum else spec.examples[0]}")
    return ("\n".join(lines) + "\n").encode()


class TestFullState:
    def test_conformant_answer(self, cat: Catalogue) -> None:
        ex = answer(body=documented(cat))
        state = parse_full_state(ex.body, ex.content_type)
        findings = fullstate.answers(ex, state) + fullstate.no_undocumented(cat, ex, state)
        findings += fullstate.well_formed(ex, state) + fullstate.no_duplicates(ex, state)
        for key in cat.keys:
            findings += fullstate.key_present(cat, key, ex, state)
            findings += fullstate.value_valid(cat, key, ex, state)
        assert findings == []

    @pytest.mark.parametrize(
        ("ex", "says"),
        [
            (answer(503, b"busy"), "full_state answered 503, expected 200"),
            (broken(), "no answer: connection reset by the controller"),
            (answer(body=b"a:1\n", truncated=True), "larger than the 4 B the suite reads"),
            (answer(body=b""), "full_state body is empty"),
            (answer(body=b"{broken", ct="application/json"), "is not valid JSON"),
            (answer(body=b"[1]", ct="application/json"), "is an array, not an object"),
        ],
    )
    def test_answers_fails(self, ex: Exchange, says: str) -> None:
        state = None if ex.transport_failed else parse_full_state(ex.body, ex.content_type)
        findings = fullstate.answers(ex, state)
        assert findings and says in findings[0].message
        assert findings[0].exchange is ex

    def test_unusable_answer_makes_value_checks_not_tested(self, cat: Catalogue) -> None:
        ex = answer(503)
        for findings in (
            fullstate.key_present(cat, "conn_state", ex, None),
            fullstate.value_valid(cat, "conn_state", ex, None),
            fullstate.no_undocumented(cat, ex, None),
            fullstate.well_formed(ex, None),
        ):
            assert [f.outcome for f in findings] == [Outcome.NOT_TESTED]
            assert "503" in findings[0].message

    def test_missing_invalid_extra_and_malformed(self, cat: Catalogue) -> None:
        body = documented(cat).replace(b"wlan_state:", b"wlan_status:")
        body = body.replace(b"conn_state:no_vehicle_connected", b"conn_state:charging")
        body += b"garbage line\nmeter_wh:1\n"
        ex = answer(body=body)
        state = parse_full_state(body)
        assert outcome(fullstate.key_present(cat, "wlan_state", ex, state)) == (
            "fail:fs.key-present",
        )
        (bad,) = fullstate.value_valid(cat, "conn_state", ex, state)
        assert bad.message.startswith("conn_state = 'charging': not one of")
        (extra,) = fullstate.no_undocumented(cat, ex, state)
        assert "wlan_status = '" in extra.message
        assert outcome(fullstate.well_formed(ex, state)) == ("fail:wire.line-without-colon",)
        assert outcome(fullstate.no_duplicates(ex, state)) == ("fail:wire.duplicate-key",)


class TestPerKey:
    def spec(self, cat: Catalogue, key: str):
        return cat.key(key)

    def test_answers(self) -> None:
        ok = answer(body=b"okay", path="/rest/rcd_state")
        assert perkey.answers("rcd_state", ok, parse_key_value(ok.body, "text/plain")) == []
        (f,) = perkey.answers("rcd_state", answer(404, path="/rest/rcd_state"), None)
        assert (f.check_id, f.message) == (
            "pk.answers",
            "/rest/rcd_state answered 404, expected 200",
        )
        prefixed = answer(body=b"rcd_state:okay")
        (f,) = perkey.answers(
            "rcd_state", prefixed, parse_key_value(prefixed.body, key="rcd_state")
        )
        assert f.check_id == "wire.per-key-prefixed"

    def test_value_valid(self, cat: Catalogue) -> None:
        ex = answer(body=b"tripped")
        (f,) = perkey.value_valid(cat.key("rcd_state"), ex, parse_key_value(ex.body))
        assert f.message == "/rest/rcd_state = 'tripped': not one of disable, triggered, okay"
        (f,) = perkey.value_valid(
            cat.key("rcd_state"), ex, parse_key_value(ex.body), {"rcd_state": "okay"}
        )
        assert f.outcome is Outcome.FAIL, "a value of its own is judged here"

    def test_a_moving_invalid_value_is_one_fault(self, cat: Catalogue) -> None:
        """A negative meter read in full_state and again per key has moved on between the two
        reads: fs.value-valid reports it once; a fixed key's different value is its own fault."""
        ex = answer(body=b"-426420")
        parsed = parse_key_value(ex.body)
        (f,) = perkey.value_valid(cat.key("meter_wh"), ex, parsed, {"meter_wh": "-426416"})
        assert f.outcome is Outcome.NOT_TESTED and "fs.value-valid judges it" in f.message
        (f,) = perkey.value_valid(cat.key("meter_wh"), ex, parsed, {"meter_wh": "426416"})
        assert f.outcome is Outcome.FAIL, "full_state's value is valid: this one is the fault"
        assert not cat.key("schuko_cfg").dynamic
        ex = answer(body=b"on")
        (f,) = perkey.value_valid(
            cat.key("schuko_cfg"), ex, parse_key_value(ex.body), {"schuko_cfg": "yes"}
        )
        assert f.outcome is Outcome.FAIL

    def test_json_number_is_the_same_value_as_its_text(self, cat: Catalogue) -> None:
        """A JSON full_state may carry 16 as a number; the bare text 16 per key is that value."""
        spec = cat.key("max_current")
        assert perkey.matches_full_state(spec, {"max_current": 16}, "16", {"max_current": 16}) == []
        assert (
            perkey.matches_full_state(spec, {"max_current": "16"}, 16, {"max_current": "16"}) == []
        )
        (f,) = perkey.matches_full_state(spec, {"max_current": 16}, "32", {"max_current": 16})
        assert f.message == "/rest/max_current = '32' but full_state says 16"
        cp_id = cat.key("cp_id")  # two texts stay texts: '+49…' is not '49…' in an identifier
        assert perkey.matches_full_state(cp_id, {"cp_id": "+4983"}, "4983", {"cp_id": "+4983"})

    @pytest.mark.parametrize("value", [32, "32"])
    def test_whole_number_enum_value_valid_as_json_number_or_text(self, cat, value) -> None:
        """type2_proximity's 32 is a cable rating; as the JSON number 32 it is the same value,
        valid in full_state and per key alike (decided: compare values as values)."""
        assert cat.key("type2_proximity").violation(value) is None
        ct = "application/json" if isinstance(value, int) else "text/plain"
        ex = answer(body=b"32", ct=ct, path="/rest/type2_proximity")
        parsed = parse_key_value(ex.body, ct)
        assert parsed.value == value
        assert perkey.value_valid(cat.key("type2_proximity"), ex, parsed) == []

    def test_json_number_outside_the_enum_says_so_without_listing_it(self, cat) -> None:
        problem = cat.key("type2_proximity").violation(33)
        assert problem == (
            "type2_proximity = 33: not one of no_cable, 13, 20, 32, 63, cable_attached, "
            "short_circuit"
        )
        assert cat.key("conn_state").violation(1) is not None  # no number is a state word
        assert cat.key("type2_proximity").violation(True) is not None

    def test_empty_enumerated_value_says_what_empty_means(self, cat: Catalogue) -> None:
        problem = cat.key("slave_state").violation("")
        assert problem is not None
        assert problem.startswith("slave_state = '': empty (the controller reports no slave status")
        assert "the specification lists available, occupied" in problem

    def test_same_invalid_value_as_full_state_is_reported_once(self, cat: Catalogue) -> None:
        ex = answer(body=b"tripped")
        (f,) = perkey.value_valid(
            cat.key("rcd_state"), ex, parse_key_value(ex.body), {"rcd_state": "tripped"}
        )
        assert f.outcome is Outcome.NOT_TESTED and "fs.value-valid judges it" in f.message

    @pytest.mark.parametrize(
        ("key", "before", "value", "after", "ok"),
        [
            ("cp_model", "CC612", "CC612", "CC612", True),
            ("cp_model", "CC612", "CC613", "CC612", False),
            (
                "conn_state",
                "vehicle_connected_type2",
                "vehicle_charging_type2",
                "vehicle_charging_type2",
                True,
            ),
            (
                "conn_state",
                "no_vehicle_connected",
                "vehicle_charging_type2",
                "no_vehicle_connected",
                False,
            ),
            ("meter_wh", "100", "105", "110", True),
            ("meter_wh", "100", "99", "110", False),
            ("meter_wh", "100", "111", "110", False),
            ("transaction_wh", "500", "3", "5", True),  # a new session began in between
            ("power_w", "11000", "11080", "11040", True),
            ("power_w", "11000", "3000", "11040", False),
            ("current_a", "16.0,16.0,16.0", "16.2,15.9,16.0", "16.0,16.0,16.0", True),
            ("current_a", "16.0,16.0,16.0", "16.0", "16.0,16.0,16.0", False),
            ("voltage_v", "230,230,230", "231,229,230", "230,230,230", True),
        ],
    )
    def test_matches_full_state(self, cat, key, before, value, after, ok) -> None:
        findings = perkey.matches_full_state(cat.key(key), {key: before}, value, {key: after})
        assert (findings == []) is ok, findings
        if not ok:
            assert findings[0].message.startswith(f"/rest/{key} = '{value}' but full_state says")

    def test_unknown_key(self) -> None:
        assert perkey.unknown_key("x", answer(404)) == []
        (f,) = perkey.unknown_key("x", answer(200))
        assert "answered 200 with an empty body, expected 404" in f.message


class TestHttp:
    def test_write_refused(self, cat: Catalogue) -> None:
        values = {"cp_vendor": "Acme Inc.", "conn_state": "x"}
        refused = Exchange("POST", URL + "/rest/cp_vendor", status=405)
        assert http.write_refused(cat, refused, values, values | {"conn_state": "y"}) == []
        accepted = Exchange("PUT", URL + "/rest/cp_vendor", status=200, body=b"ok\n")
        (f,) = http.write_refused(cat, accepted, values, values)
        assert "PUT /rest/cp_vendor answered 200: the API is read-only" in f.message
        assert f.check_id == "http.read-only"
        crashed = Exchange("DELETE", URL + "/rest/full_state", status=500)
        (f,) = http.write_refused(cat, crashed, values, values)
        assert "not a server failure" in f.message
        # RFC 9110 15.6.2: 501 for a method the server supports for no resource
        unsupported = Exchange("PATCH", URL + "/rest/full_state", status=501)
        assert http.write_refused(cat, unsupported, values, values) == []
        (f,) = http.write_refused(cat, unsupported, values, values | {"cp_vendor": "probe"})
        assert "cp_vendor changed" in f.message, "a 501 that wrote something still fails"
        (f,) = http.write_refused(cat, refused, values, values | {"cp_vendor": "probe"})
        assert "cp_vendor changed from 'Acme Inc.' to 'probe'" in f.message

    def test_a_write_answered_like_a_read_is_advisory(self, cat: Catalogue) -> None:
        """The specification says read-only, not how to refuse: a write answered as the read
        of the same path that changed nothing is read-only in effect (http.write-refused, an
        advisory); one answered 'ok' claims it was accepted (http.read-only fails)."""
        values = {"cp_vendor": "Acme Inc."}
        like_get = Exchange("POST", URL + "/rest/cp_vendor", status=200, body=b"Acme Inc.\n")
        (f,) = http.write_refused(cat, like_get, values, values)
        assert f.check_id == "http.write-refused" and cat.check(f.check_id).certainty == "advisory"
        body = b"conn_state:idle\nmeter_wh:1\npower_w:0\ncp_vendor:Acme Inc.\n"
        state = Exchange("PUT", URL + "/rest/full_state", status=200, body=body)
        (f,) = http.write_refused(cat, state, values, values)
        assert f.check_id == "http.write-refused"

    def test_write_with_no_full_state_after_it_is_not_judged_unchanged(self, cat) -> None:
        """A full_state that could not be read after the write (the device stopped answering,
        the run deadline passed) is no evidence that every static key became null."""
        refused = Exchange("POST", URL + "/rest/cp_vendor", status=405)
        (f,) = http.write_refused(cat, refused, {"cp_vendor": "Acme Inc."}, None)
        assert f.outcome is Outcome.NOT_TESTED and "not known" in f.message

    @pytest.mark.parametrize(
        ("ct", "form", "ok"),
        [
            ("text/plain; charset=utf-8", BodyForm.TEXT, True),
            ("application/json", BodyForm.JSON, True),
            ("application/vnd.x+json", BodyForm.JSON, True),
            ("application/json", BodyForm.TEXT, False),
            ("text/html", BodyForm.TEXT, False),
            ("", BodyForm.TEXT, False),
        ],
    )
    def test_content_type(self, ct: str, form: BodyForm, ok: bool) -> None:
        findings = http.content_type_matches(answer(body=b"x", ct=ct), form)
        assert (findings == []) is ok

    def test_head(self) -> None:
        get = answer(body=b"a:1\n")
        head = Exchange("HEAD", get.url, status=200, response_headers=get.response_headers)
        assert http.head_agrees(get, head) == []
        (f,) = http.head_agrees(get, Exchange("HEAD", get.url, status=405))
        assert f.message == "HEAD /rest/full_state answered 405, GET 200"
        with_body = Exchange(
            "HEAD", get.url, status=200, response_headers=get.response_headers, body=b"x"
        )
        (f,) = http.head_agrees(get, with_body)
        assert "HEAD answered with a 1 B body" in f.message

    def test_outside(self, cat: Catalogue) -> None:
        leak = answer(body=b"conn_state:a\nmeter_wh:1\npower_w:0\n", path="/")
        (f,) = http.outside_no_leak(cat, leak)
        assert "(outside /rest/) shows the controller's state: conn_state, meter_wh" in f.message
        assert http.outside_no_leak(cat, answer(body=b"<html>Config UI</html>", path="/")) == []
        assert http.outside_no_leak(cat, answer(404, b"conn_state:a\nmeter_wh:1\npower_w:0")) == []


class TestAuth:
    def test_scheme_works(self) -> None:
        assert auth.scheme_works(answer(200), "basic", "operator") == []
        (f,) = auth.scheme_works(answer(401), "basic", "operator")
        assert f.message == "the basic scheme for 'operator' answered 401, expected 200"

    @pytest.mark.parametrize(
        ("status", "allow", "outcome_", "says"),
        [
            (401, False, None, None),
            (200, False, Outcome.FAIL, "was let in (200): anyone on the controller's network"),
            (200, True, Outcome.PASS, "declared open to anonymous reads"),
            (403, False, None, None),  # RFC 9110 15.5.4: refused, and credentials were sent
            (500, True, Outcome.FAIL, "answered 500, expected 401 (or 403, or 404 hiding"),
            (404, False, None, None),  # RFC 9110 15.5.5: a forbidden resource hidden
            (400, False, Outcome.FAIL, "answered 400, expected 401 (or 403, or 404 hiding"),
        ],
    )
    def test_refused(self, status, allow, outcome_, says) -> None:
        findings = auth.refused("auth.wrong-password-refused", answer(status), "x", allow)
        if outcome_ is None:
            assert findings == []
        else:
            (f,) = findings
            assert f.outcome is outcome_ and says in f.message

    def test_a_path_variant_may_be_refused_or_unknown_but_not_open(self, cat) -> None:
        state = b"conn_state:a\nmeter_wh:1\npower_w:0\n"
        for closed in (
            answer(401),
            answer(404, b"not found"),
            answer(400),
            answer(200, b"<html/>"),
        ):
            assert auth.variant_closed(cat, closed, "x", False) == []
        (f,) = auth.variant_closed(cat, answer(200, state), "/rest/full_state/", False)
        assert f.check_id == "auth.no-credentials-refused" and "every spelling" in f.message
        assert auth.variant_closed(cat, answer(200, state), "x", True) == [], "declared open"

    def test_a_401_names_how_to_authenticate(self) -> None:
        challenged = answer(401, ct="text/plain")
        challenged = Exchange(
            "GET", challenged.url, status=401, response_headers={"WWW-Authenticate": "Basic"}
        )
        assert auth.challenged([challenged, answer(403)]) == []
        (f,) = auth.challenged([challenged, answer(401)])
        assert f.check_id == "auth.challenge" and "1 of 2 answers 401" in f.message
        (f,) = auth.challenged([answer(403)])
        assert f.outcome is Outcome.NOT_TESTED, "a 403 needs no challenge"

    def test_a_refusal_gives_nothing_away(self, cat: Catalogue) -> None:
        assert auth.discloses_nothing(cat, [answer(401, b"unauthorized\n")]) == []
        (f,) = auth.discloses_nothing(cat, [answer(401, b"wrong: ***", echoed=True)])
        assert "repeat the password" in f.message
        leaking = answer(403, b"conn_state:a\nmeter_wh:1\npower_w:0\n")
        (f,) = auth.discloses_nothing(cat, [leaking])
        assert "show the state they refuse" in f.message


AUTHORIZED = {"auth_state": "authorized_for_charging", "free_charging": "off"}


class TestPrivacy:
    @pytest.mark.parametrize("uid", ["", "********", "0000000000", "xxxx"])
    def test_hidden(self, uid: str) -> None:
        assert privacy.uid_hidden([("full_state", AUTHORIZED | {"auth_uid": uid}, None)]) == []

    def test_shown(self) -> None:
        (f,) = privacy.uid_hidden([("full_state", AUTHORIZED | {"auth_uid": "04A3B2C1"}, None)])
        assert f.outcome is Outcome.FAIL and "auth_uid = '04A3B2C1' in full_state" in f.message

    def test_the_card_uid_in_another_key(self) -> None:
        """Without UID, the UID of a card the suite presented shows in no key at all."""
        seen = AUTHORIZED | {"auth_uid": "", "display_text": "Welcome, card 04A3B2C1D2E380"}
        (f,) = privacy.uid_hidden([("full_state", seen, None)], ["04a3b2c1d2e380"])
        assert f.key == "display_text" and "shows the card UID" in f.message
        other = AUTHORIZED | {"auth_uid": "", "display_text": "Welcome"}
        assert privacy.uid_hidden([("full_state", other, None)], ["04a3b2c1d2e380"]) == []

    @pytest.mark.parametrize(
        "values",
        [
            {"auth_state": "wait_for_auth", "auth_uid": ""},
            {"auth_state": "authorized_for_charging", "free_charging": "on", "auth_uid": ""},
        ],
        ids=["no-card", "free-charging"],
    )
    def test_not_tested_without_a_card(self, values) -> None:
        (f,) = privacy.uid_hidden([("full_state", values, None)])
        assert f.outcome is Outcome.NOT_TESTED and "no card was presented" in f.message


def sample(at: float, **values: str) -> Sample:
    base = {"conn_state": "vehicle_charging_type2", "auth_state": "authorized_for_charging"}
    return Sample(at, 0.005, base | values)


class TestTemporal:
    def test_counter(self) -> None:
        rising = [sample(t, meter_wh=str(100 + t)) for t in range(4)]
        assert temporal.counter_never_decreases("meter_wh", rising, session=False) == []
        falling = [sample(0, meter_wh="100"), sample(1, meter_wh="95")]
        (f,) = temporal.counter_never_decreases("meter_wh", falling, session=False)
        assert f.message == "meter_wh went down from 100 to 95 within 1.0 s"
        assert f.at == (1,)

    def test_a_register_running_backwards_is_one_fault(self) -> None:
        backwards = [sample(t, meter_wh=str(100 - 5 * t)) for t in range(4)]
        (f,) = temporal.counter_never_decreases("meter_wh", backwards, session=False)
        assert f.message == "meter_wh went down 3 times in 3.0 s, first from 100 to 95 within 1.0 s"
        assert f.observed == [100, 95] and f.at == (1, 2, 3), "each sample it was seen in"

    def test_session_counter_may_reset_between_sessions(self) -> None:
        reset = [
            sample(0, transaction_wh="500"),
            sample(1, transaction_wh="0", conn_state="no_vehicle_connected"),
        ]
        assert temporal.counter_never_decreases("transaction_wh", reset, session=True) == []
        (f,) = temporal.counter_never_decreases(
            "transaction_wh",
            [sample(0, transaction_wh="500"), sample(1, transaction_wh="0")],
            session=True,
        )
        assert f.check_id == "temp.session-counter-monotonic" and "in one session" in f.message

    def test_timer(self) -> None:
        keeps_time = [sample(t, time_since_charging_start=str(100 + t)) for t in range(4)]
        assert temporal.timer_advances(keeps_time) == []
        stands = [sample(t, time_since_charging_start="100") for t in range(4)]
        (f,) = temporal.timer_advances(stands)
        assert f.message == "time_since_charging_start went from 100 to 100 s while 3.0 s passed"

    def test_timer_not_tested(self) -> None:
        idle = [
            sample(t, conn_state="no_vehicle_connected", time_since_charging_start="0")
            for t in range(4)
        ]
        (f,) = temporal.timer_advances(idle)
        assert f.outcome is Outcome.NOT_TESTED and "was not charging" in f.message
        short = [sample(t / 2, time_since_charging_start="100") for t in range(3)]
        (f,) = temporal.timer_advances(short)
        assert f.outcome is Outcome.NOT_TESTED and "too short" in f.message

    @pytest.mark.parametrize(
        ("grown", "ok"), [(9, True), (8, True), (10, True), (12, False), (0, False), (-5, False)]
    )
    def test_energy(self, cat: Catalogue, grown: int, ok: bool) -> None:
        # 11 kW for 3 s is 9.2 Wh, on a 1 Wh register
        s = [
            sample(0, meter_wh="426416", power_w="11000"),
            sample(3, meter_wh=str(426416 + grown), power_w="11000"),
        ]
        assert (temporal.energy_follows_power(cat, s) == []) is ok

    @pytest.mark.parametrize(
        ("start", "grown", "ok"),
        [
            (431800, 0, True),  # 100 Wh register: 30.6 Wh in 10 s may not show yet
            (431800, 100, True),  # or show as one step
            (431800, 300, False),  # three steps is ten times too much
            (431830, 30, True),  # 10 Wh register: three steps
            (431830, 0, False),  # it must move at least twice in 10 s
            (431837, 0, False),  # a 1 Wh register that stands still while 11 kW flow
        ],
    )
    def test_energy_on_a_coarse_meter(self, cat: Catalogue, start, grown, ok) -> None:
        # 11 kW for 10 s is 30.6 Wh; a register steps in 1, 10 or 100 Wh
        s = [
            sample(0, meter_wh=str(start), power_w="11000"),
            sample(10, meter_wh=str(start + grown), power_w="11000"),
        ]
        assert (temporal.energy_follows_power(cat, s) == []) is ok

    @pytest.mark.parametrize(
        ("readings", "step"),
        [
            ([426416, 426425, 426434], 1),
            ([431800, 431900], 100),
            ([431800, 431800, 431800], 100),
            ([431810, 431840, 431870], 10),
            ([1000, 2000], 1000),  # a register in whole kWh (never coarser than that)
            ([0, 0], 1000),
            ([431000, 432000, 433000], 1000),
        ],
    )
    def test_register_resolution(self, readings, step) -> None:
        assert temporal.register_resolution([float(r) for r in readings]) == step

    @staticmethod
    def polled(seconds: int, refresh: int, wh_per_s: float = 11000 / 3600, lag: float = 0.5):
        """A meter read out every ``refresh`` s (its value the energy at its last refresh),
        read every second at 11 kW, on a 1 Wh register."""
        return [
            sample(
                t,
                meter_wh=str(426416 + int(((t - lag) // refresh * refresh + lag) * wh_per_s)),
                power_w="11000",
            )
            for t in range(seconds + 1)
        ]

    @pytest.mark.parametrize("refresh", [2, 3, 5, 10])
    def test_a_meter_read_out_in_steps_passes_when_watched_over_two_refreshes(
        self, cat: Catalogue, refresh: int
    ) -> None:
        """A polled meter (every 2 to 10 s: Modbus, SML) grows in steps; between two of its
        refreshes it grows as power says (an outside audit's device failed here)."""
        assert temporal.energy_follows_power(cat, self.polled(22, refresh)) == []

    def test_a_meter_read_out_in_steps_that_grows_wrong_fails(self, cat: Catalogue) -> None:
        too_fast = self.polled(22, 5, wh_per_s=2 * 11000 / 3600)
        (f,) = temporal.energy_follows_power(cat, too_fast)
        assert f.outcome is Outcome.FAIL and "between two of its refreshes" in f.message

    def test_a_meter_seen_to_refresh_once_is_not_judged(self, cat: Catalogue) -> None:
        (f,) = temporal.energy_follows_power(cat, self.polled(12, 10, lag=3))
        assert f.outcome is Outcome.NOT_TESTED and "refreshed 1 time(s) in 12.0 s" in f.message
        assert "watch longer (--sample-seconds 22)" in f.message

    def test_a_meter_still_for_longer_than_any_refresh_has_stopped(self, cat: Catalogue) -> None:
        frozen = [sample(t, meter_wh="426417", power_w="11000") for t in range(13)]
        (f,) = temporal.energy_follows_power(cat, frozen)
        assert f.outcome is Outcome.FAIL and f.key == "meter_wh"
        assert "held still for 12.0 s while power_w read 11000 to 11000 W" in f.message
        short = frozen[:11]  # 10 s still: a meter refreshing every 10 s may look so
        (f,) = temporal.energy_follows_power(cat, short)
        assert f.outcome is Outcome.NOT_TESTED

    @staticmethod
    def timer(seconds: int, refresh: int, rate: float = 1.0, lag: float = 0.5):
        """A charging timer refreshed every ``refresh`` s, read every second."""
        return [
            sample(
                t,
                time_since_charging_start=str(100 + int(((t - lag) // refresh * refresh) * rate)),
            )
            for t in range(seconds + 1)
        ]

    @pytest.mark.parametrize("refresh", [2, 5, 10])
    def test_a_timer_refreshed_in_steps_passes_over_two_refreshes(self, refresh: int) -> None:
        assert temporal.timer_advances(self.timer(22, refresh)) == []

    def test_a_timer_refreshed_in_steps_that_runs_fast_fails(self) -> None:
        (f,) = temporal.timer_advances(self.timer(22, 5, rate=2.0))
        assert f.outcome is Outcome.FAIL and "between two of its refreshes" in f.message

    def test_a_timer_seen_to_refresh_once_is_not_judged(self) -> None:
        (f,) = temporal.timer_advances(self.timer(12, 10, lag=3))
        assert f.outcome is Outcome.NOT_TESTED and "refreshed 1 time(s)" in f.message

    def test_a_slow_timer_that_moves_second_by_second_still_fails(self) -> None:
        """Its holds are not a refresh (it never jumps): the rule's own fault."""
        slow = [sample(t, time_since_charging_start=str(100 + int(t * 0.8))) for t in range(13)]
        (f,) = temporal.timer_advances(slow)
        assert f.outcome is Outcome.FAIL and "went from 100 to 109 s" in f.message

    def test_energy_without_power(self, cat: Catalogue) -> None:
        idle = [sample(0, meter_wh="1000", power_w="0"), sample(3, meter_wh="1000", power_w="0")]
        assert temporal.energy_follows_power(cat, idle) == []
        idle[1] = sample(3, meter_wh="1005", power_w="0")
        (f,) = temporal.energy_follows_power(cat, idle)
        assert "meter_wh grew by 5 Wh in 3.0 s while power_w read 0 to 0 W" in f.message


class TestTemporalNew:
    def test_transaction_grows_no_faster_than_the_meter(self) -> None:
        with_meter = [
            sample(0, transaction_wh="100", meter_wh="5000"),
            sample(10, transaction_wh="130", meter_wh="5030"),
        ]
        assert temporal.transaction_within_meter_growth(with_meter) == []
        idle = {"conn_state": "vehicle_connected_type2"}
        growing = [
            sample(0, transaction_wh="101", meter_wh="5123", **idle),
            sample(10, transaction_wh="401", meter_wh="5123", **idle),
        ]
        (f,) = temporal.transaction_within_meter_growth(growing)
        assert f.key == "transaction_wh" and "grew by 300 Wh while meter_wh grew by 0" in f.message
        new_session = [
            sample(0, transaction_wh="900", meter_wh="5000", conn_state="no_vehicle_connected"),
            sample(10, transaction_wh="0", meter_wh="5000"),
        ]
        assert temporal.transaction_within_meter_growth(new_session) == []

    def test_coarse_registers_pass(self) -> None:
        """A transaction counter and a meter in whole kWh move in steps of their own."""
        coarse = [
            sample(0, transaction_wh="1000", meter_wh="431000"),
            sample(10, transaction_wh="2000", meter_wh="431000"),
        ]
        assert temporal.transaction_within_meter_growth(coarse) == []

    def test_power_in_kw_is_blamed_on_power(self, cat: Catalogue) -> None:
        """The meter grows as voltage x current say; power_w reads a thousandth: power_w is
        the key in the wrong unit, not the meter."""
        charging = {"voltage_v": "230,230,230", "current_a": "16.0,16.0,16.0", "power_w": "11"}
        samples = [
            sample(0, meter_wh="426000", **charging),
            sample(10, meter_wh="426030", **charging),
            sample(20, meter_wh="426061", **charging),
        ]
        (f,) = temporal.energy_follows_power(cat, samples)
        assert f.key == "power_w" and "power in kW" in f.message

    def test_a_meter_that_jumps_is_blamed_on_the_meter(self, cat: Catalogue) -> None:
        idle = {"conn_state": "no_vehicle_connected", "power_w": "0"}
        idle |= {"voltage_v": "230,230,230", "current_a": "0.0,0.0,0.0"}
        samples = [sample(0, meter_wh="426123", **idle), sample(10, meter_wh="427123", **idle)]
        (f,) = temporal.energy_follows_power(cat, samples)
        assert f.key == "meter_wh"


class TestPresence:
    def test_a_key_missing_now_and_then(self, cat: Catalogue) -> None:
        whole = documented(cat)
        without = b"".join(
            line + b"\n" for line in whole.splitlines() if not line.startswith(b"wlan_state:")
        )
        reads = [(answer(body=b), parse_full_state(b)) for b in (whole, without, whole)]
        (f,) = fullstate.present_in_every_read(cat, "wlan_state", reads)
        assert f.check_id == "fs.key-present" and "missing from 1 of 3" in f.message
        assert fullstate.present_in_every_read(cat, "conn_state", reads) == []
        always = [(answer(body=without), parse_full_state(without))] * 3
        (f,) = fullstate.present_in_every_read(cat, "wlan_state", always)
        assert "is missing from full_state" in f.message


class TestStates:
    def test_expectation(self) -> None:
        values = {"conn_state": "vehicle_charging_type2", "errors": "plug_locking_failed;;"}
        assert (
            states.expectation(
                {
                    "conn_state": "vehicle_charging_type2",
                    "errors": {"contains": "plug_locking_failed"},
                },
                values,
                "plug, card",
            )
            == []
        )
        (f,) = states.expectation({"conn_state": "no_vehicle_connected"}, values, "unplug")
        assert f.message == (
            "after unplug: conn_state = 'vehicle_charging_type2', expected 'no_vehicle_connected'"
        )

    def test_expectation_one_of_names_ocpp_15_and_16(self) -> None:
        """OCPP 1.5's occupied names the state 1.6 calls charging (spec: both lists)."""
        wanted = {"ocpp_state": {"one_of": ["charging", "occupied"]}}
        for seen in ("charging", "occupied"):
            assert states.expectation(wanted, {"ocpp_state": seen}, "card") == []
        (f,) = states.expectation(wanted, {"ocpp_state": "available"}, "card")
        assert f.message == (
            "after card: ocpp_state = 'available', expected one of 'charging', 'occupied'"
        )

    def test_expectation_every_within_the_key_tolerance(self, cat) -> None:
        """An idle phase reading a hair below zero is at rest; an amp and more is not."""
        wanted = {"current_a": {"every": "0"}}
        tol = cat.key("current_a").tolerance
        assert states.expectation(wanted, {"current_a": "0.00,-0.01,0.00"}, "unplug", cat) == []
        (f,) = states.expectation(wanted, {"current_a": f"0.0,{tol + 0.5:g},0.0"}, "unplug", cat)
        assert "expected 0 on every phase (within" in f.message
        assert states.expectation(wanted, {"current_a": "0.00,-0.01,0.00"}, "unplug") != []
