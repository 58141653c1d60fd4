"""Profiles and waivers: strict by default, honest about known deviations, and a waiver that
no longer waives anything fails the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccrest.profiles import ProfileError, load
from ccrest.spec import Catalogue
from tests.suites.conftest import failures

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "acme-5.33.toml"
FIELD = ROOT / "captures" / "field-5.33-renamed-keys.txt"
CONFORMING = ROOT / "captures" / "sim-charging.txt"


def summary(pytester: pytest.Pytester) -> dict:
    return json.loads((pytester.path / "reports" / "conformance.json").read_text())


def test_example_profile_passes_the_field_device_with_its_deviations(run_suite, pytester) -> None:
    result = run_suite(f"--profile={EXAMPLE}", f"--replay={FIELD}", reports=True)
    assert result.ret == 0
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes["xfailed"] == 1
    result.stdout.fnmatch_lines(["*profile: acme-5.33 (*acme-5.33.toml)*"])
    data = summary(pytester)
    assert data["verdict"] == "conforms" and data["profile"]["name"] == "acme-5.33"
    assert data["profile"]["extends"] == ["doc-5.33.5"]
    (waiver,) = data["profile"]["waivers"]
    assert waiver["status"] == "in use" and waiver["where"] == "acme-5.33.toml:21"
    deviations = {(d["kind"], d["key"]) for d in data["profile"]["deviations"]}
    assert deviations == {
        ("alias", "rcmb_max"),
        ("alias", "rcmb_values"),
        ("optional-absent", "manuf_serial_n"),
        ("extra-value", "ocpp_meter_cfg"),
    }
    assert data["keys"]["errors"]["columns"]["schema"]["state"] == "waived"
    assert data["keys"]["rcmb_max"]["verdict"] == "pass"


def test_default_profile_names_exactly_those_deviations(run_suite) -> None:
    result = run_suite(f"--replay={FIELD}", "-m", "schema or per_key")
    assert set(failures(result)) == {
        "test_key_present[manuf_serial_n]",
        "test_key_present[rcmb_max]",
        "test_key_present[rcmb_values]",
        "test_value_conforms[ocpp_meter_cfg]",
        "test_value_conforms[errors]",
        "test_no_undocumented_keys",
        "test_per_key_answers[manuf_serial_n]",
        "test_per_key_answers[rcmb_max]",
        "test_per_key_answers[rcmb_values]",
    }


def test_shipped_field_profile_shows_only_new_deviations(run_suite) -> None:
    result = run_suite("--profile=field-5.33", f"--replay={FIELD}")
    assert set(failures(result)) == {"test_value_conforms[errors]"}, "localised errors are new"


def test_waiver_no_longer_needed_fails_the_run(run_suite, pytester) -> None:
    result = run_suite(f"--profile={EXAMPLE}", f"--replay={CONFORMING}", reports=True)
    assert result.ret == 1
    assert result.parseoutcomes().get("failed", 0) == 0, "no check failed: the waiver did"
    result.stdout.fnmatch_lines(
        [
            "*waiver no longer needed (the deviation did not occur; remove it): fs.value-valid on "
            "errors: localised error text, ticket FW-1234 (acme-5.33.toml:21)*"
        ]
    )
    data = summary(pytester)
    assert data["profile"]["waivers"][0]["status"] == "no longer needed"
    assert data["verdict"] == "does-not-conform"


def test_waiver_not_exercised_is_not_judged(run_suite) -> None:
    result = run_suite(f"--profile={EXAMPLE}", f"--replay={CONFORMING}", "-m", "http")
    assert result.ret == 0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            '[profile]\nname = "x"\n\n[keys.rcmb_maxx]\naliases = ["a"]\n',
            "*bad.toml:4: [[]keys.rcmb_maxx[]]: 'rcmb_maxx' is not a key the specification "
            "documents (did you mean rcmb_state, rcmb_max, rcmb_values?)*",
        ),
        (
            '[profile]\nname = "x"\n\n[[waivers]]\ncheck = "fs.valid"\nreason = "r"\n',
            "*bad.toml:4: waiver 1: check 'fs.valid' does not exist*use a check ID from*",
        ),
        (
            '[profile]\nname = "x"\nextends = "bad.toml"\n',
            "*'extends' makes a cycle (bad.toml -> bad.toml); break it*",
        ),
        ('[profile\nname = "x"\n', "*bad.toml: not valid TOML (*line 1*); fix the syntax there*"),
        (
            '[profile]\nname = "x"\n[keys.errors]\nrequird = false\n',
            "*bad.toml:3: [[]keys.errors[]]: Additional properties are not allowed ('requird'*",
        ),
        (
            '[profile]\nname = "x"\n[keys.meter_wh]\nextra_values = ["lots"]\n',
            "*extra_values only apply to keys with a list of documented values*",
        ),
    ],
    ids=["unknown-key", "unknown-check", "cycle", "toml-syntax", "typo", "extra-on-pattern"],
)
def test_bad_profile_stops_the_run_with_file_line_and_fix(run_suite, pytester, text, says) -> None:
    bad = pytester.path / "bad.toml"
    bad.write_text(text)
    result = run_suite(f"--profile={bad}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--profile: {says}"])
    assert "Traceback" not in result.stderr.str()


def test_unknown_profile_name(run_suite) -> None:
    result = run_suite("--profile=acme")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*'acme': no such profile; *built-in profile (doc-5.33.5, field-5.22, field-5.33)*"]
    )


def test_extends_merges(cat: Catalogue, tmp_path: Path) -> None:
    child = tmp_path / "child.toml"
    child.write_text(
        f'[profile]\nname = "child"\nextends = "{EXAMPLE}"\n\n'
        '[keys.rcmb_max]\naliases = ["rcmbmax"]\n\n[keys.manuf_serial_n]\nrequired = true\n'
    )
    profile = load(str(child), cat)
    assert profile.chain == ("child", "acme-5.33", "doc-5.33.5")
    assert profile.keys["rcmb_max"].aliases == ("rcmb_max_values", "rcmbmax")
    assert profile.keys["manuf_serial_n"].required is True
    assert len(profile.waivers) == 1
    applied = profile.apply(cat)
    assert applied.key("ocpp_meter_cfg").violation("modbus_meter_nzr_ecocount_s85_or_sl85") is None
    assert cat.key("ocpp_meter_cfg").violation("modbus_meter_nzr_ecocount_s85_or_sl85")


def test_default_profile_is_the_specification(cat: Catalogue) -> None:
    profile = load("doc-5.33.5", cat)
    assert (profile.keys, profile.waivers, profile.source) == ({}, (), "built-in")


def test_alias_that_is_a_documented_key_is_refused(cat: Catalogue, tmp_path: Path) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text('[profile]\nname = "p"\n[keys.rcmb_max]\naliases = ["rcmb_values"]\n')
    with pytest.raises(ProfileError, match="alias 'rcmb_values' is itself a documented key"):
        load(str(bad), cat)


def expiring(tmp_path: Path, expires: str) -> Path:
    """The example profile, its waiver given a day it expires and a ticket."""
    text = EXAMPLE.read_text()
    text = text.replace(
        'description = "Acme wallboxes on firmware 5.33"',
        'description = "Acme wallboxes on firmware 5.33"\n'
        'ticket_url = "https://tracker.example/browse/{ticket}"',
    )
    text = text.replace(
        'reason = "localised error text, ticket FW-1234"',
        f'reason = "localised error text"\nticket = "FW-1234"\nexpires = {expires}',
    )
    path = tmp_path / "acme-expiring.toml"
    path.write_text(text)
    return path


def test_an_expired_waiver_waives_nothing_and_fails_the_run(run_suite, pytester, tmp_path) -> None:
    """Past its day the waiver no longer waives: the deviation fails as it would without it,
    and the run names the waiver (its ticket, its line) and why it fails."""
    profile = expiring(tmp_path, "2000-01-31")
    result = run_suite(f"--profile={profile}", f"--replay={FIELD}", reports=True)
    assert result.ret == 1
    assert set(failures(result)) == {"test_value_conforms[errors]"}
    result.stdout.fnmatch_lines(
        [
            "*waiver expired on 2000-01-31 (it waives nothing now*): fs.value-valid on errors: "
            "localised error text, FW-1234 (acme-expiring.toml:*)*"
        ]
    )
    data = summary(pytester)
    (waiver,) = data["profile"]["waivers"]
    assert waiver["status"] == "expired" and waiver["days_left"] < 0
    assert waiver["ticket_url"] == "https://tracker.example/browse/FW-1234"
    assert data["verdict"] == "does-not-conform"
    assert "1 waiver has expired" in data["verdict_reason"]
    md = (pytester.path / "reports" / "conformance.md").read_text()
    assert "ticket FW-1234, expires 2000-01-31): **expired**" in md


def test_a_waiver_before_its_day_waives_as_before(run_suite, pytester, tmp_path) -> None:
    profile = expiring(tmp_path, "2999-12-31")
    result = run_suite(f"--profile={profile}", f"--replay={FIELD}", reports=True)
    assert result.ret == 0 and result.parseoutcomes()["xfailed"] == 1
    (waiver,) = summary(pytester)["profile"]["waivers"]
    assert waiver["status"] == "in use" and waiver["days_left"] > 0
    assert (waiver["expires"], waiver["ticket"]) == ("2999-12-31", "FW-1234")


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("expires = 2027-02-30", "not valid TOML"),
        ('expires = "2027-02-30"', "is not a day of the calendar; give YYYY-MM-DD"),
        ('expires = "soon"', "does not match"),
        ('ticket = "FW 1234"', "does not match"),
    ],
)
def test_a_bad_expiry_or_ticket_is_named_with_its_line(tmp_path, cat, line, says) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[profile]\nname = "x"\n\n[[waivers]]\ncheck = "fs.value-valid"\nreason = "r"\n'
        + line
        + "\n"
    )
    with pytest.raises(ProfileError, match=r"bad\.toml") as error:
        load(str(path), cat)
    assert says in str(error.value)
