"""The suite proved on purpose-built broken firmware: every catalogued defect makes the run fail
with exactly its documented checks; the reference simulator and every capture meant to
conform give zero failures; captures that do not conform fail exactly where their note says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccrest.profiles import builtin_dir
from ccrest.selfcheck import Outcome, check_defect, failing_by_key, failing_checks, table
from ccrest.simulator.defects import DEFECTS
from tests.suites.conftest import PASSWORD, SUITES, device

CAPTURES = Path(__file__).resolve().parents[2] / "captures"
INDEX = json.loads((CAPTURES / "index.json").read_text())["captures"]


def run_summary(run_suite, pytester, *args: str) -> tuple[int, dict]:
    result = run_suite(*args, reports=True)
    return result.ret, json.loads((pytester.path / "reports" / "conformance.json").read_text())


def test_catalogue_is_broad() -> None:
    assert len(DEFECTS) >= 30
    families = {c.split(".")[0] for d in DEFECTS.values() for c in d.catches}
    assert {"fs", "pk", "http", "auth", "privacy", "cons", "temp", "states"} <= families


@pytest.mark.parametrize("name", DEFECTS)
def test_defect_is_caught_by_its_documented_checks(name: str) -> None:
    """Each defect its own test (xdist spreads them over the workers): the real suite, run in
    this process as ``ccrest check`` runs it (``engine.run_in_process``, no process start per
    defect), against a simulator with that defect."""
    outcome = check_defect(DEFECTS[name], SUITES, in_process=True)
    assert outcome.verdict == "does-not-conform"
    assert outcome.caught == outcome.expected, table([outcome])


def test_reference_simulator_gives_zero_failures(run_suite, pytester) -> None:
    with device() as dev:
        ret, summary = run_summary(run_suite, pytester, *dev.args, "--sample-seconds", "3")
    assert ret == 0 and failing_checks(summary) == set()
    assert summary["counts"]["skipped"] == 0, "the reference runs every check"


REPLAYS = [(c, profile) for c in INDEX for profile in c["expect"]]


@pytest.mark.parametrize(
    ("capture", "profile"), REPLAYS, ids=[f"{c['file']}-{p}" for c, p in REPLAYS]
)
def test_capture_replays_as_its_index_says(run_suite, pytester, capture: dict, profile) -> None:
    """Exactly the deviations captures/index.json lists for the profile, each by check and key:
    a real body passes under the field profile naming its firmware and fails under the
    specification as written with its real deviations, no more."""
    ret, summary = run_summary(
        run_suite,
        pytester,
        f"--replay={CAPTURES / capture['file']}",
        f"--profile={profile}",
        *capture.get("options", ()),
    )
    assert summary["target"]["url"].startswith("http://127.0.0.1:")
    expected = capture["expect"][profile]
    assert failing_by_key(summary) == expected
    assert ret == (1 if expected else 0)


def test_every_field_capture_is_judged_under_every_shipped_profile(cat) -> None:
    shipped = {p.stem for p in builtin_dir(cat).glob("*.toml")}
    for capture in INDEX:
        if capture["origin"] == "field":
            assert set(capture["expect"]) == shipped, capture["file"]
            assert capture["expect"]["doc-5.33.5"], "a real body deviates from the text somewhere"
            assert capture["source"] and capture["firmware"] and "edits" in capture
            named = f"field-{'.'.join(capture['firmware'].split('.')[:2])}"
            assert capture["expect"][named] == {}, f"{capture['file']} passes under {named}"


def test_every_capture_is_indexed() -> None:
    files = {p.name for p in CAPTURES.iterdir() if p.name not in ("index.json", "README.md")}
    declarations = {c["declaration"] for c in INDEX if "declaration" in c}
    assert files == {c["file"] for c in INDEX} | declarations


FIELD = [c for c in INDEX if c["origin"] == "field"]


@pytest.mark.parametrize("capture", FIELD, ids=[c["file"] for c in FIELD])
def test_a_field_capture_passes_with_its_declaration(run_suite, pytester, capture: dict) -> None:
    """Each real body with its model's declaration (captures/*.declaration.toml), under the
    field profile naming its firmware: no deviation, and every declared feature as declared."""
    named = f"field-{'.'.join(capture['firmware'].split('.')[:2])}"
    ret, summary = run_summary(
        run_suite,
        pytester,
        f"--replay={CAPTURES / capture['file']}",
        f"--profile={named}",
        f"--declaration={CAPTURES / capture['declaration']}",
        *capture.get("options", ()),
    )
    assert failing_by_key(summary) == {} and ret == 0
    assert summary["declaration"]["source"].endswith(capture["declaration"])
    declared = [t for t in summary["tests"] if "test_as_declared[" in t["id"]]
    assert len(declared) == 8 and {t["outcome"] for t in declared} == {"passed"}


def test_record_then_replay(run_suite, pytester, tmp_path) -> None:
    """A live run saved with --record replays as the same device, without its password."""
    recording = tmp_path / "recorded.json"
    with device() as dev:
        result = run_suite(*dev.args, f"--record={recording}")
    assert result.ret == 0
    text = recording.read_text()
    assert PASSWORD not in text
    data = json.loads(text)
    assert data["format"] == "ccrest-capture/1"
    assert {"cp_model", "firmware_ver", "cp_id"} <= set(data["keys"]), "static keys as answered"
    ret, summary = run_summary(run_suite, pytester, f"--replay={recording}")
    assert ret == 0 and failing_checks(summary) == set()
    assert summary["target"]["cp_model"] == "CC612_2M3PR"


def test_recording_keeps_a_per_key_problem(run_suite, pytester, tmp_path) -> None:
    recording = tmp_path / "recorded.json"
    with device("per-key-differs") as dev:
        run_suite(*dev.args, f"--record={recording}")
    ret, summary = run_summary(run_suite, pytester, f"--replay={recording}")
    assert ret == 1 and failing_checks(summary) == {"pk.matches-full-state"}


def test_replay_options_are_checked(run_suite, tmp_path) -> None:
    missing = run_suite(f"--replay={tmp_path / 'nope.txt'}")
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines(["*--replay *nope.txt: no such file*"])
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = run_suite(f"--replay={empty}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*empty.txt holds no key to replay*"])
    both = run_suite(f"--replay={empty}", "--controller-url", "http://127.0.0.1:1")
    both.stderr.fnmatch_lines(["*--replay and --controller-url exclude each other*"])


def test_kill_table_reads_well() -> None:
    rows = [
        Outcome(
            "a-defect",
            frozenset({"fs.value-valid"}),
            frozenset({"fs.value-valid"}),
            "does-not-conform",
        ),
        Outcome("sneaky", frozenset({"temp.timer-advances"}), frozenset(), "conforms"),
    ]
    text = table(rows)
    assert "a-defect  yes     fs.value-valid" in text
    assert "sneaky    NO      temp.timer-advances  MISSED: temp.timer-advances" in text
    assert text.endswith("killed 1 of 2 defects (50 %); 1 caught by exactly the documented checks")


def test_every_defect_names_check_ids(cat) -> None:
    for defect in DEFECTS.values():
        assert isinstance(defect.catches, tuple) and defect.catches, defect.name
        assert set(defect.catches) <= set(cat.checks), defect.name
