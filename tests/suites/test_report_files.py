"""Report files are written whole, where they belong: never through a link planted in the
report folder, never into a file given as the folder, never for a run that did not happen."""

from __future__ import annotations

import re
from pathlib import Path

REPORTS = ("conformance.json", "conformance.md", "conformance.html", "conformance.xml")
VERDICT_LINE = re.compile(r"ccrest: (CONFORMS|PARTIAL|DOES NOT|INTERRUPTED|NOT TEST)")


def test_a_planted_link_is_replaced_never_followed(run_suite, pytester) -> None:
    folder = pytester.path / "reports"
    folder.mkdir()
    outside = pytester.path / "outside"
    outside.mkdir()
    for name in REPORTS:
        (outside / name).write_text("not a report: must stay as it is")
        (folder / name).symlink_to(outside / name)
    result = run_suite("-m", "auth", reports=True)
    assert result.ret == 0
    for name in REPORTS:
        assert (outside / name).read_text() == "not a report: must stay as it is", name
        assert not (folder / name).is_symlink() and (folder / name).stat().st_size > 100, name
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")], "no temp file left"


def test_html_moved_elsewhere_leaves_no_earlier_page_beside_this_runs_reports(
    run_suite, pytester
) -> None:
    """--html=FILE after an earlier run: the folder holds only this run's reports (no earlier
    conformance.html beside them), and the moved page is one file (no assets/ folder)."""
    assert run_suite("-m", "auth", reports=True).ret == 0
    folder = pytester.path / "reports"
    assert (folder / "conformance.html").is_file()
    moved = pytester.path / "x.html"
    result = run_suite("-m", "schema", f"--html={moved}", reports=True)
    assert result.ret == 0
    assert not (folder / "conformance.html").exists(), "an earlier run's page beside this run's"
    assert "families schema were selected" in (folder / "conformance.md").read_text()
    page = moved.read_text()
    assert "assets/style.css" not in page and not (pytester.path / "assets").exists()
    result.stdout.fnmatch_lines([f"reports: {folder}/conformance.*; HTML: {moved}"])


def test_a_file_as_the_report_folder_is_a_usage_error(run_suite, pytester) -> None:
    taken = pytester.path / "taken"
    taken.write_text("a file")
    result = run_suite("-m", "auth", f"--report-dir={taken}", reports=True)
    assert result.ret == 4
    result.stderr.fnmatch_lines([f"*--report-dir {taken}: {taken} is a file, not a folder*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert taken.read_text() == "a file"


def test_a_usage_error_touches_no_report_and_states_no_verdict(tmp_path: Path) -> None:
    """In a folder that holds an earlier run's reports, a run that never began (a wrong
    choice, a number that is none, a controller without a password, --guided without a
    terminal): the reports stay as they were, and no verdict line is printed."""
    from tests import terminal

    run = terminal.run(["check", "-m", "auth"], tmp_path)
    assert run.code == 0 and "ccrest: PARTIAL RUN" in run.text.splitlines()[-1]
    before = {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (tmp_path / "reports").iterdir()
    }
    for args in (
        ["--auth-scheme", "bassic"],
        ["--timeout", "abc"],
        ["http://127.0.0.1:9"],
        ["--guided"],
    ):
        session = terminal.run(["check", *args], tmp_path, {"CC_PASSWORD": ""})
        assert session.code == 4, (args, session.text[-1500:])
        assert not VERDICT_LINE.search(session.text), f"{args}: {session.text[-500:]}"
        after = {
            p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (tmp_path / "reports").iterdir()
        }
        assert after == before, f"{args}: an earlier run's reports were touched"


def test_a_report_path_with_no_reports_is_refused(run_suite, pytester) -> None:
    """--html or --junitxml beside --no-reports was silently ignored (pytest-html even wrote
    its own page, without the verdict): a usage error that names both, before any request."""
    for given in ("--html=page.html", "--junitxml=ci.xml"):
        result = run_suite("-m", "auth", given)  # run_suite adds --no-reports
        assert result.ret == 4, given
        option = given.split("=")[0]
        assert f"{option} with --no-reports: --no-reports writes no report" in result.stderr.str()
        assert not VERDICT_LINE.search(result.stdout.str()), "no run, no verdict"
        assert not [p.name for p in pytester.path.iterdir() if p.suffix in (".html", ".xml")]
