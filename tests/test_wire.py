"""Bodies as controllers send them, good and bad: trouble is a finding, never an exception."""

from __future__ import annotations

import pytest

from ccrest.wire import BodyForm, parse_full_state, parse_key_value


def ids(findings) -> list[str]:
    return [f.check_id for f in findings]


class TestFullStateText:
    def test_lf_lines(self) -> None:
        state = parse_full_state(b"conn_state:no_vehicle_connected\npower_w:0\n", "text/plain")
        assert state.form is BodyForm.TEXT
        assert state.values == {"conn_state": "no_vehicle_connected", "power_w": "0"}
        assert state.findings == []

    def test_crlf_lines_and_no_final_newline(self) -> None:
        state = parse_full_state(b"a:1\r\nb:2")
        assert state.values == {"a": "1", "b": "2"}

    def test_trims_around_key_and_value(self) -> None:
        state = parse_full_state(b"  meter_wh : 426416 \t\n")
        assert state.values == {"meter_wh": "426416"}

    def test_value_is_everything_after_the_first_colon(self) -> None:
        state = parse_full_state(b"display_text: 12:30 <b>x:y</b>\n")
        assert state.values == {"display_text": "12:30 <b>x:y</b>"}

    def test_empty_values_are_kept(self) -> None:
        state = parse_full_state(b"auth_uid:\nerrors: \n")
        assert state.values == {"auth_uid": "", "errors": ""}
        assert state.findings == []

    def test_blank_lines_are_skipped(self) -> None:
        state = parse_full_state(b"a:1\n\n\r\nb:2\n")
        assert state.values == {"a": "1", "b": "2"}
        assert state.findings == []

    def test_line_without_colon(self) -> None:
        state = parse_full_state(b"a:1\nthis line has no colon\nb:2\n")
        assert state.values == {"a": "1", "b": "2"}
        assert ids(state.findings) == ["wire.line-without-colon"]
        assert "line 2" in state.findings[0].message

    def test_empty_key(self) -> None:
        state = parse_full_state(b":orphan\na:1\n")
        assert ids(state.findings) == ["wire.empty-key"]
        assert state.values == {"a": "1"}

    def test_duplicate_key_keeps_both_values(self) -> None:
        state = parse_full_state(b"power_w:3600\nconn_state:x\npower_w:0\n")
        assert state.values["power_w"] == "3600"
        assert state.occurrences["power_w"] == ["3600", "0"]
        (finding,) = state.findings
        assert finding.check_id == "wire.duplicate-key" and finding.key == "power_w"
        assert finding.observed == ["3600", "0"]
        assert finding.message == "power_w appears 2 times, with values '3600', '0'"

    def test_not_utf8_is_a_finding_and_the_rest_is_read(self) -> None:
        state = parse_full_state(b"cp_vendor:Acme \xff\xfe\nmeter_wh:1\n")
        assert ids(state.findings) == ["wire.not-utf8"]
        assert "byte 0xff at offset 15" in state.findings[0].message
        assert state.values["meter_wh"] == "1"
        assert state.values["cp_vendor"].startswith("Acme ")

    def test_utf8_byte_order_mark_is_not_a_key_character(self) -> None:
        state = parse_full_state(b"\xef\xbb\xbfconn_state:a\n")
        assert state.values == {"conn_state": "a"}

    @pytest.mark.parametrize("body", [b"", b"   \r\n\n"], ids=["empty", "whitespace"])
    def test_empty_body(self, body: bytes) -> None:
        state = parse_full_state(body, "text/plain")
        assert state.form is None
        assert state.values == {}
        assert ids(state.findings) == ["wire.empty-body"]


class TestFullStateJson:
    def test_object(self) -> None:
        state = parse_full_state(b'{"meter_wh": 426416, "conn_state": "x"}', "application/json")
        assert state.form is BodyForm.JSON
        assert state.values == {"meter_wh": 426416, "conn_state": "x"}
        assert state.findings == []

    def test_json_recognised_without_content_type(self) -> None:
        assert parse_full_state(b'  {"a": "1"}').form is BodyForm.JSON

    def test_json_content_type_with_parameters(self) -> None:
        state = parse_full_state(b'{"a": "1"}', "application/json; charset=utf-8")
        assert state.form is BodyForm.JSON

    def test_duplicate_key_keeps_both_values(self) -> None:
        state = parse_full_state(b'{"a": 1, "b": {"a": 9}, "a": 2}', "application/json")
        assert state.occurrences["a"] == [1, 2]
        assert state.values["b"] == {"a": 9}
        assert ids(state.findings) == ["wire.duplicate-key"]

    @pytest.mark.parametrize(
        ("body", "kind"),
        [(b"[1, 2]", "an array"), (b"42", "a number"), (b'"x"', "a string"), (b"null", "null")],
    )
    def test_not_an_object(self, body: bytes, kind: str) -> None:
        state = parse_full_state(body, "application/json")
        assert state.form is BodyForm.JSON
        assert state.values == {}
        assert ids(state.findings) == ["wire.json-not-object"]
        assert kind in state.findings[0].message

    def test_invalid_json(self) -> None:
        state = parse_full_state(b'{"a": 1,', "application/json")
        assert ids(state.findings) == ["wire.json-invalid"]
        assert "application/json" in state.findings[0].message

    def test_text_body_announced_as_json_is_read_as_text(self) -> None:
        """Firmware sends key:value lines whatever the header says: read what was sent (the
        label is judged by http.content-type)."""
        state = parse_full_state(b"a:1\nb:2\n", "application/json")
        assert state.form is BodyForm.TEXT
        assert state.values == {"a": "1", "b": "2"} and state.findings == []

    def test_json_body_announced_as_text_is_read_as_json(self) -> None:
        state = parse_full_state(b'{"a": 1}', "text/plain")
        assert state.form is BodyForm.JSON and state.values == {"a": 1}


class TestPerKey:
    def test_bare_text_value(self) -> None:
        value = parse_key_value(b"no_vehicle_connected\r\n", "text/plain")
        assert (value.form, value.value, value.findings) == (
            BodyForm.TEXT,
            "no_vehicle_connected",
            [],
        )

    def test_empty_text_is_the_empty_value(self) -> None:
        assert parse_key_value(b"", "text/plain").value == ""

    def test_json_scalars(self) -> None:
        assert parse_key_value(b"426416", "application/json").value == 426416
        assert parse_key_value(b'"on"', "application/json").value == "on"

    def test_digits_in_text_stay_text(self) -> None:
        assert parse_key_value(b"426416", "text/plain").value == "426416"

    @pytest.mark.parametrize("body", [b'{"meter_wh": 1}', b"[1]"])
    def test_json_container_is_not_a_value(self, body: bytes) -> None:
        value = parse_key_value(body, "application/json", key="meter_wh")
        assert value.value is None
        assert ids(value.findings) == ["wire.per-key-not-scalar"]
        assert value.findings[0].key == "meter_wh"

    def test_invalid_json(self) -> None:
        value = parse_key_value(b"{", "application/json")
        assert ids(value.findings) == ["wire.json-invalid"]

    def test_bare_word_announced_as_json_is_read_as_text(self) -> None:
        value = parse_key_value(b"no_vehicle_connected", "application/json")
        assert (value.form, value.value, value.findings) == (
            BodyForm.TEXT,
            "no_vehicle_connected",
            [],
        )

    def test_key_value_line_instead_of_bare_value(self) -> None:
        value = parse_key_value(
            b"conn_state:no_vehicle_connected\n", "text/plain", key="conn_state"
        )
        assert value.value == "no_vehicle_connected"
        assert ids(value.findings) == ["wire.per-key-prefixed"]

    def test_value_that_merely_contains_a_colon(self) -> None:
        value = parse_key_value(b"12:30 ready", "text/plain", key="display_text")
        assert value.value == "12:30 ready"
        assert value.findings == []

    def test_not_utf8(self) -> None:
        value = parse_key_value(b"Acme\xff", "text/plain")
        assert ids(value.findings) == ["wire.not-utf8"]


def test_every_wire_finding_id_is_catalogued(cat) -> None:
    bodies = [
        parse_full_state(b""),
        parse_full_state(b"\xff:1\nx\n:y\na:1\na:2"),
        parse_full_state(b"{", "application/json"),
        parse_full_state(b"[]", "application/json"),
        parse_key_value(b"[]", "application/json"),
        parse_key_value(b"k:v", "text/plain", key="k"),
        parse_full_state(b"conn_state:charging\x1b[2K\n"),
    ]
    seen = {f.check_id for body in bodies for f in body.findings}
    assert seen == {c for c in cat.checks if c.startswith("wire.")}


@pytest.mark.parametrize(
    "body",
    [
        b"cp_model:\r# forged\n",
        b"rcd_state:\x1fokay\x1c\n",
        b"rcd_state:okay\x0b\n",
        "rcd_state:okay\u0085\n".encode(),
    ],
)
def test_a_control_character_at_either_end_of_a_value_is_kept_and_named(body: bytes) -> None:
    """Only blanks pad a value: a control character at its start or end is the device's, shown
    and named (a CR that starts a value could start a forged heading in a report)."""
    state = parse_full_state(body)
    (key,) = state.values
    assert "\\x" in str(state.values[key]) or "\\r" in str(state.values[key])
    assert [f.check_id for f in state.findings] == ["wire.control-character"]


def test_a_per_key_answer_keeps_a_control_character_but_not_its_line_end() -> None:
    assert parse_key_value(b"okay\r\n", "text/plain", key="rcd_state").value == "okay"
    answer = parse_key_value(b"\rokay\n", "text/plain", key="rcd_state")
    assert answer.value == "\\rokay"
    assert [f.check_id for f in answer.findings] == ["wire.control-character"]


def test_a_declared_charset_is_honoured() -> None:
    """A text/plain body that says it is Latin-1 is read as Latin-1 (RFC 2046 4.1.2); one
    that does not say so is judged as UTF-8."""
    body = "cp_vendor:Müller GmbH\n".encode("latin-1")
    declared = parse_full_state(body, "text/plain; charset=ISO-8859-1")
    assert declared.values["cp_vendor"] == "Müller GmbH" and declared.findings == []
    undeclared = parse_full_state(body, "text/plain")
    assert [f.check_id for f in undeclared.findings] == ["wire.not-utf8"]
