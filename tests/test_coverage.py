"""Requirement coverage: every check covers a requirement, every check a requirement names
exists, a requirement no check enforces says why, and the README and the HTML report show
the table the data makes."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from ccrest import coverage
from ccrest.spec import Catalogue, SpecError

ROOT = Path(__file__).resolve().parents[1]


def test_every_check_covers_a_requirement_and_every_named_check_exists(cat: Catalogue) -> None:
    assert coverage.problems(coverage.requirements(), cat.checks) == []


def test_a_check_covering_nothing_is_named(cat: Catalogue) -> None:
    reqs = [
        replace(r, checks=tuple(c for c in r.checks if c != "auth.challenge"))
        for r in coverage.requirements()
    ]
    assert coverage.problems(reqs, cat.checks) == [
        "check 'auth.challenge' covers no requirement; add it to the one it enforces"
    ]


def test_a_requirement_naming_a_missing_check_is_named(cat: Catalogue) -> None:
    reqs = list(coverage.requirements())
    reqs[1] = replace(reqs[1], checks=(*reqs[1].checks, "http.no-such-check"))
    assert coverage.problems(reqs, cat.checks) == [
        f"requirement {reqs[1].id!r} names check 'http.no-such-check', which does not exist"
    ]


def test_a_requirement_twice_is_named(cat: Catalogue) -> None:
    reqs = list(coverage.requirements())
    assert coverage.problems([*reqs, reqs[0]], cat.checks) == [
        f"requirement {reqs[0].id!r} is listed 2 times; keep one"
    ]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"checks": [], "uncovered": None}, "'uncovered' is a required property"),
        ({"uncovered": "but it has checks"}, "should not be valid under"),
        ({"where": ""}, "where: '' should be non-empty"),
    ],
)
def test_the_data_keeps_its_shape(tmp_path: Path, change: dict, says: str) -> None:
    """A requirement without checks must say why; one with checks is not 'uncovered'."""
    data = json.loads((ROOT / "schemas" / "requirements.json").read_text())
    entry = next(r for r in data["requirements"] if r["checks"])
    for k, v in change.items():
        if v is None:
            entry.pop(k, None)
        else:
            entry[k] = v
    (tmp_path / "requirements.json").write_text(json.dumps(data))
    shutil.copy(ROOT / "schemas" / "requirements.schema.json", tmp_path)
    with pytest.raises(SpecError, match=re.escape(says)):
        coverage.load(tmp_path)


def test_uncovered_requirements_are_rows_of_their_own(cat: Catalogue) -> None:
    rows = coverage.rows(cat, coverage.requirements())
    uncovered = [r for r in rows if r.requirement.uncovered]
    assert uncovered, "the specification has passages no check can enforce"
    table = coverage.markdown(rows)
    for row in uncovered:
        assert f"| `{row.requirement.id}` |" in table and "**none**" in table


def test_every_enforcing_check_is_proven_by_a_generated_mutant(cat: Catalogue) -> None:
    """Each check of a covered requirement must catch at least one generated mutant."""
    rows = coverage.rows(cat, coverage.requirements())
    assert [(r.requirement.id, r.unproven) for r in rows if r.unproven] == []


def test_the_readme_shows_the_table_the_data_makes(cat: Catalogue) -> None:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- coverage:begin -->\n(.*?)\n<!-- coverage:end -->", text, re.S)
    assert match, "README.md needs the coverage table between its markers"
    expected = coverage.markdown(coverage.rows(cat, coverage.requirements()))
    assert match.group(1).strip() == expected.strip(), "regenerate it: ccrest coverage"


def test_the_table_renders_as_a_table_in_commonmark(cat: Catalogue) -> None:
    """Through a CommonMark renderer (with GFM tables): one row per requirement, and a cell
    holding '|' or '<KEY>' stays one cell of text."""
    from markdown_it import MarkdownIt

    rows = coverage.rows(cat, coverage.requirements())
    odd = replace(rows[0].requirement, where="a | b, http://controller_ip/rest/<KEY>")
    rows = [replace(rows[0], requirement=odd), *rows[1:]]
    html = MarkdownIt("commonmark").enable("table").render(coverage.markdown(rows))
    assert html.count("<tr>") == len(rows) + 1
    assert "a | b, http://controller_ip/rest/&lt;KEY&gt;" in html
    assert "<KEY>" not in html
