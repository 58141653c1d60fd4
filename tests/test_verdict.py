"""The verdict's rules in ``ccrest.verdict.decide``, one fact at a time, and the README's table
of exit codes, which must be the module's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ccrest.verdict import (
    EXIT_CODES,
    EXIT_CONFORMS,
    EXIT_DEADLINE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NOTHING,
    EXIT_UNANSWERED,
    Facts,
    Verdict,
    decide,
    explain,
)

README = Path(__file__).resolve().parents[1] / "README.md"
UNANSWERED = {"unanswered": 2, "unanswered_error": "POST http://127.0.0.1:1/rest/x -> reset"}


def test_a_whole_run_that_passed_conforms() -> None:
    assert decide(Facts(passed=300, not_tested=30)).verdict is Verdict.CONFORMS


def test_a_request_the_device_left_unanswered_keeps_the_run_from_conforms() -> None:
    d = decide(Facts(passed=300, not_tested=30, **UNANSWERED))  # type: ignore[arg-type]
    assert (d.verdict, d.exit_code) == (Verdict.PARTIAL, EXIT_UNANSWERED)
    assert d.reason.startswith("the controller gave no usable answer to 2 requests of the run")
    assert "(the first: POST http://127.0.0.1:1/rest/x -> reset)" in d.reason
    sentence = explain(d.verdict, d.reason, {"complete": True})
    assert sentence.startswith("Partial verdict: the controller") and "not judged" in sentence


@pytest.mark.parametrize(
    ("facts", "verdict", "code"),
    [
        ({"failed": 1}, Verdict.DOES_NOT_CONFORM, EXIT_FAILED),
        ({"lost": "stopped answering"}, Verdict.INTERRUPTED, EXIT_INTERRUPTED),
        ({"interrupted": "Ctrl-C"}, Verdict.INTERRUPTED, EXIT_INTERRUPTED),
        ({"deadline": "the run deadline passed"}, Verdict.PARTIAL, EXIT_UNANSWERED),
        ({"complete": False, "selection": "-m auth"}, Verdict.PARTIAL, EXIT_UNANSWERED),
    ],
    ids=["a-failure", "lost", "interrupted", "with-the-deadline", "a-selection"],
)
def test_what_outranks_an_unanswered_check_and_what_it_outranks(
    facts: dict[str, object], verdict: Verdict, code: int
) -> None:
    d = decide(Facts(passed=10, **UNANSWERED, **facts))  # type: ignore[arg-type]
    assert (d.verdict, d.exit_code) == (verdict, code)


def test_without_an_unanswered_check_the_deadline_and_a_selection_keep_their_codes() -> None:
    assert decide(Facts(passed=1, deadline="cut")).exit_code == EXIT_DEADLINE
    assert decide(Facts(passed=1, complete=False, selection="-m auth")).exit_code == EXIT_CONFORMS
    assert decide(Facts(not_tested=3, **UNANSWERED)).exit_code == EXIT_NOTHING  # type: ignore[arg-type]


WALKED_BY_NOBODY = {"unwalked": "the target has no simulator control interface"}


@pytest.mark.parametrize(
    ("facts", "verdict", "code"),
    [
        ({}, Verdict.PARTIAL, EXIT_CONFORMS),
        ({"failed": 1}, Verdict.DOES_NOT_CONFORM, EXIT_FAILED),
        (UNANSWERED, Verdict.PARTIAL, EXIT_UNANSWERED),
        ({"deadline": "the run deadline passed"}, Verdict.PARTIAL, EXIT_DEADLINE),
        ({"passed": 0}, Verdict.NOT_TESTED, EXIT_NOTHING),
    ],
    ids=["alone", "a-failure", "unanswered", "with-the-deadline", "nothing-judged"],
)
def test_a_states_family_nothing_drove_is_never_conforms(
    facts: dict[str, object], verdict: Verdict, code: int
) -> None:
    d = decide(Facts(**({"passed": 300, "not_tested": 25} | WALKED_BY_NOBODY | facts)))  # type: ignore[arg-type]
    assert (d.verdict, d.exit_code) == (verdict, code)
    if not facts:
        assert d.reason == (
            "the states family was not walked: the target has no simulator control interface; "
            "--guided walks it with a person at the bench"
        )
        assert explain(d.verdict, d.reason, {"complete": True}).startswith("Partial verdict: ")


def test_the_readme_lists_every_exit_code_and_no_other() -> None:
    table = README.read_text().split("| code | verdict | meaning |", 1)[1].split("\n\n", 1)[0]
    listed = {int(m) for m in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)}
    assert listed == set(EXIT_CODES)
