"""Each check family passes on a conformant controller and fails, with the right check ID and
message, on one that breaks it. The suites run for real, in a pytester sandbox."""

from __future__ import annotations

import pytest

from ccrest.simulator.defects import Defect, set_value
from ccrest.spec import catalogue
from tests.suites.conftest import PASSWORD, assert_all_passed, assert_failures, device, failures


def test_bundled_simulator_conforms_in_every_family(run_suite) -> None:
    result = run_suite("--sample-seconds", "3")
    assert_all_passed(result)
    result.stdout.fnmatch_lines(["*target: http://127.0.0.1:* (bundled simulator)*"])
    assert not result.parseoutcomes().get("warnings"), "no advisory warning on a conformant device"


@pytest.mark.parametrize(
    "family", ["schema", "per_key", "http", "auth", "privacy", "consistency", "states"]
)
def test_external_conformant_device_passes(run_suite, family: str) -> None:
    with device() as dev:
        result = run_suite("-m", family, *dev.args)
    assert_all_passed(result)


@pytest.mark.parametrize(
    ("family", "defect", "expected"),
    [
        (
            "schema",
            "enum-unknown-value",
            {
                "test_value_conforms[conn_state]": "[fs.value-valid] conn_state = 'charging': "
                "not one of no_vehicle_connected, vehicle_connected_schuko, *"
            },
        ),
        (
            "schema",
            "missing-key",
            {"test_key_present[wlan_state]": "[fs.key-present] wlan_state is missing *"},
        ),
        (
            "schema",
            "undocumented-key",
            {
                "test_no_undocumented_keys": "[fs.no-undocumented-key] undocumented key "
                "debug_level = '3'*"
            },
        ),
        (
            "schema",
            "duplicated-key",
            {"test_no_key_appears_twice": "[wire.duplicate-key] power_w appears 2 times*"},
        ),
        (
            "per_key",
            "per-key-differs",
            {
                "test_per_key_matches_full_state[cp_model]": "[pk.matches-full-state] "
                "/rest/cp_model = 'CC613_OTHER' but full_state says 'CC612_2M3PR'*"
            },
        ),
        (
            "per_key",
            "unknown-key-200",
            {
                "test_unknown_key_is_404": "[pk.unknown-key-404] /rest/ccrest_undocumented_probe "
                "(no such key) answered 200 with an empty body, expected 404*"
            },
        ),
        (
            "http",
            "wrong-content-type",
            {
                "test_content_type_matches_full_state_body": "[http.content-type] "
                "/rest/full_state: the body is text but the answer has Content-Type "
                "'application/json'*"
            },
        ),
        (
            "privacy",
            "uid-shown",
            {
                "test_card_uid_hidden": "[privacy.uid-hidden] auth_uid = '04A3B2C1D2E380' in "
                "full_state: a card UID is shown*"
            },
        ),
        (
            "consistency",
            "charging-in-state-b",
            {
                "test_rule_holds[cons.conn-vs-type2]": "[cons.conn-vs-type2] conn_state = "
                "'vehicle_charging_type2', type2_state = 'b': charging on Type 2 needs pilot "
                "state c or d*"
            },
        ),
    ],
)
def test_defect_fails_the_right_check(run_suite, family, defect, expected) -> None:
    with device(defect) as dev:
        result = run_suite("-m", family, *dev.args)
    assert_failures(result, expected)


def test_writes_accepted_fail_every_write(run_suite) -> None:
    with device("writes-accepted") as dev:
        result = run_suite("-m", "http", *dev.args)
    found = failures(result)
    assert len(found) == 8 and all(t.startswith("test_write_is_refused[") for t in found)
    assert all("[http.read-only]" in m and "answered 200" in m for m in found.values())


ENDPOINTS = ["full_state", *catalogue().keys]
WRONG = [
    f"test_wrong_password_refused[{s}-{p}]"
    for s in ("configured", "other")
    for p in ("wrong", "empty")
]


def test_open_device_fails_every_bad_credential_check(run_suite) -> None:
    with device("no-credentials-needed") as dev:
        result = run_suite("-m", "auth", *dev.args)
    found = failures(result)
    assert set(found) == {
        *(f"test_no_credentials_refused[{e}]" for e in ENDPOINTS),
        *WRONG,
        "test_unknown_user_refused",
        "test_other_role_refused_with_this_password",
        "test_no_other_spelling_of_the_path_opens_it[query]",
    }, "every endpoint, every bad credential, and the one spelling the simulator serves"
    assert (
        "[auth.no-credentials-refused] /rest/full_state without credentials was let in (200)"
        in (found["test_no_credentials_refused[full_state]"])
    )


def test_declared_anonymous_device_is_information_not_failure(run_suite) -> None:
    with device("no-credentials-needed") as dev:
        result = run_suite("-m", "auth", "--allow-anonymous", *dev.args)
    assert result.ret == 0
    outcomes = result.parseoutcomes()
    # nothing refused with 401 (the challenge is not tested); the other spellings of the path
    # answer 404, which hides nothing and shows neither password nor state
    assert not outcomes.get("failed") and outcomes.get("skipped") == 1, outcomes
    result.stdout.fnmatch_lines(["*information: [[]auth.no-credentials-refused[]]*let in (200)*"])
    result.stdout.fnmatch_lines(["*not tested: no 401 answer was seen*"])


def test_any_password_fails_the_wrong_password_check(run_suite) -> None:
    with device("any-password") as dev:
        result = run_suite("-m", "auth", *dev.args)
    assert set(failures(result)) == {*WRONG, "test_other_role_refused_with_this_password"}


def test_other_roles_password_fails_only_the_other_role_check(run_suite) -> None:
    with device("other-roles-password") as dev:
        result = run_suite("-m", "auth", *dev.args)
    found = failures(result)
    assert set(found) == {"test_other_role_refused_with_this_password"}
    assert (
        "'manufacturer' with the operator's password was let in (200)"
        in (found["test_other_role_refused_with_this_password"])
    )


def test_advisory_rule_warns_and_does_not_fail(run_suite) -> None:
    odd_serial = Defect("serial", "", readings=set_value("manuf_serial_n", "999"))
    with device(odd_serial) as dev:
        result = run_suite("-m", "consistency", *dev.args)
    assert_all_passed(result)
    result.stdout.fnmatch_lines(["*advisory: [[]cons.serial-numbers[]] cc_serial_n = *"])


@pytest.mark.parametrize(
    ("defect", "expected"),
    [
        (
            "meter-runs-backwards",
            {
                "test_counter_never_decreases[meter_wh]": "[temp.counter-monotonic] meter_wh "
                "went down 3 times in * s, first from *",
                "test_energy_follows_power": "[temp.energy-follows-power] meter_wh grew by -*",
            },
        ),
        (
            "timer-stands-still",
            {
                "test_charging_timer_keeps_time": "[temp.timer-advances] "
                "time_since_charging_start went from * to * s while * s passed*"
            },
        ),
    ],
)
def test_temporal_defects(run_suite, defect, expected) -> None:
    with device(defect) as dev:
        result = run_suite("-m", "temporal", "--sample-seconds", "3", *dev.args)
    assert_failures(result, expected)


def test_temporal_conformant_passes(run_suite) -> None:
    with device() as dev:
        result = run_suite("-m", "temporal", "--sample-seconds", "3", *dev.args)
    assert_all_passed(result)


def test_states_catch_a_key_left_behind(run_suite) -> None:
    """After the vehicle leaves, the cable rating stays: a transition leaves a key behind."""

    def keep_cable(readings):
        idle = ("conn_state", "no_vehicle_connected", "no_vehicle_connected") in readings
        return [
            ("type2_proximity", "32", "32") if idle and k == "type2_proximity" else (k, t, j)
            for k, t, j in readings
        ]

    with device(Defect("cable-stays", "", readings=keep_cable), charging=False) as dev:
        result = run_suite("-m", "states", *dev.args)
    found = failures(result)
    assert set(found) == {
        "test_scenario[idle]",
        "test_scenario[unplugged-after-charging]",
    }, result.stdout.str()
    assert (
        "[states.scenario-reached] after plug, card, advance, unplug: type2_proximity = '32', "
        "expected 'no_cable'" in found["test_scenario[unplugged-after-charging]"]
    )


def test_states_skip_without_a_control_interface(run_suite, tmp_path) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_text("conn_state:no_vehicle_connected\n")
    with device(charging=False, replay=capture) as dev:
        result = run_suite("-m", "states", *dev.args)
    result.assert_outcomes(skipped=25)
    result.stdout.fnmatch_lines(["*not testable here because the simulator replays a capture*"])


def test_password_never_reaches_the_terminal(run_suite) -> None:
    with device("enum-unknown-value", "no-credentials-needed") as dev:
        result = run_suite("-v", *dev.args)
    assert result.ret == 1
    assert PASSWORD not in result.stdout.str() + result.stderr.str()
