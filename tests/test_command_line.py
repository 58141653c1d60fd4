"""The command line as its users meet it: one settings model (``ccrest.options``) behind pytest's
options, ``ccrest check``'s, ``ccrest watch``'s and the README's table; usage errors exit 4 in
every subcommand with its own usage line and a "did you mean"."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from ccrest import cli
from ccrest.options import CHECK, OPTIONS, PYTEST, WATCH, Option, markdown_table, placed
from ccrest.verdict import EXIT_USAGE

ROOT = Path(__file__).resolve().parents[1]
CCREST = Path(sys.executable).with_name("ccrest")  # the installed command


def sample(option: Option) -> str | None:
    """A value a user could give the option (None for a flag), not its default."""
    if option.kind == "flag":
        return None
    if option.kind == "choice":
        return next(c for c in reversed(option.choices) if c != option.default)
    return {
        "url": "http://127.0.0.1:9",
        "seconds": "7",
        "password-env": "LAB_PW",
        "path": "somewhere.toml",
    }.get(option.kind, {"shard": "1/2", "profile": "field-5.33"}.get(option.key, "manufacturer"))


def expected(option: Option, given: str | None) -> object:
    if given is None:
        return True
    if option.kind == "seconds":
        return float(given)
    return given


def same(option: Option, got: object, want: object) -> bool:
    """Equal, a path by where it points (``ccrest check`` makes paths absolute)."""
    if option.kind == "path" or option.key in ("report_dir", "inventory"):
        return Path(str(got)).resolve() == Path(str(want)).resolve()
    return got == want


def test_the_readme_option_table_is_the_models() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- options:begin[^>]*-->\n(.*?)\n<!-- options:end -->", readme, re.S)
    assert found, "README.md has no generated option table (options:begin ... options:end)"
    assert found.group(1) == markdown_table(), (
        "README's option table differs from the model: paste `python -m ccrest.options`"
    )


@pytest.mark.parametrize("option", placed(PYTEST), ids=lambda o: o.flag)
def test_every_suite_option_works_in_check_and_in_pytest_alike(
    option: Option, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given to ``ccrest check`` (no ``--``) it reaches the suites' pytest as given to pytest."""
    assert CHECK in option.places, f"{option.flag}: a suite option ccrest check does not take"
    given = sample(option)
    argv = [option.flag] + ([given] if given is not None else [])
    want = expected(option, given)

    plain = pytester.parseconfig("-p", "ccrest.plugin", *argv)
    assert same(option, plain.getoption(option.dest), want)

    monkeypatch.chdir(pytester.path)
    monkeypatch.delenv("CC_URL", raising=False)
    monkeypatch.setenv("CC_PASSWORD", "pw-from-env")
    monkeypatch.setenv("LAB_PW", "pw-from-env")
    captured: list[list[str]] = []
    with (
        mock.patch("ccrest.configure.benches_from"),  # the values, not a device, are tested here
        mock.patch("ccrest.configure.report_folder"),
        mock.patch.object(pytest, "main", lambda args, plugins=(): captured.append(args) or 0),
    ):
        assert cli.main(["check", *argv]) == 0
    (args,) = captured
    through = pytester.parseconfig(*args)
    if option.secret:  # never on pytest's command line: in the variable --password-env names
        assert not any(given in a for a in args if given)
        variable = through.getoption("password_env")
        assert variable == "CC_PASSWORD" and os.environ[variable] == given
    else:
        assert same(option, through.getoption(option.dest), want)


@pytest.mark.parametrize("option", placed(WATCH), ids=lambda o: o.flag)
def test_every_watch_option_is_taken_by_ccrest_watch(option: Option) -> None:
    _, own = cli.parser()
    given = sample(option) if option.key != "duration" else "90m"
    argv = [option.flag] + ([given] if given is not None else [])
    parsed = own["watch"].parse_args(argv)
    want = expected(option, given)
    assert same(option, getattr(parsed, option.dest), want)


TYPOS = [
    (["chek"], "usage: ccrest ", "did you mean check?"),
    (["check", "--profle", "x"], "usage: ccrest check ", "did you mean --profile?"),
    (["check", "--auth-scheme", "bassic"], "usage: ccrest check ", "did you mean basic?"),
    (["check", "--profile", "doc-5.33.4"], "ccrest check: --profile", "did you mean doc-5.33.5?"),
    (["watch", "--intervall", "2"], "usage: ccrest watch ", "did you mean --interval?"),
    (["sim", "--prot", "1"], "usage: ccrest sim ", "did you mean --port?"),
    (["report", "dif", "a", "b"], "usage: ccrest report ", "did you mean diff?"),
    (["report", "merge", "--outt", "x"], "usage: ccrest report merge ", "did you mean --out?"),
    (["report", "history", "x", "--markdwn", "y"], "usage: ccrest report history ", "--markdown?"),
    (
        ["report", "diff", "a", "b", "--fail-on", "regresion"],
        "usage: ccrest report diff ",
        "regression?",
    ),
    (["selfcheck", "--matrx"], "usage: ccrest selfcheck ", "did you mean --matrix?"),
    (["coverage", "--markdwn"], "usage: ccrest coverage ", "unrecognized arguments: --markdwn"),
    (["example", "lba"], "usage: ccrest example ", "did you mean lab?"),
]


@pytest.mark.parametrize(("argv", "usage", "hint"), TYPOS, ids=[" ".join(t[0]) for t in TYPOS])
def test_a_typo_in_every_subcommand_exits_4_with_its_usage_and_a_hint(
    argv: list[str], usage: str, hint: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [str(CCREST), *argv], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert done.returncode == EXIT_USAGE, done.stderr
    assert usage in done.stderr and hint in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "pytest.main()" not in done.stderr
    assert done.stdout == "", "a usage error states no verdict"


@pytest.mark.parametrize("name", ["lab", "profile", "config"])
def test_the_examples_print_files_ccrest_reads(name: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(CCREST), "example", name], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.strip(), done.stderr
    path = tmp_path / f"{name}.toml"
    path.write_text(done.stdout, encoding="utf-8")
    if name == "lab":
        from ccrest.inventory import load

        assert load(path)
    elif name == "profile":
        from ccrest.profiles import load as load_profile
        from ccrest.spec import catalogue

        assert load_profile(str(path), catalogue()).name
    else:
        from ccrest.config import read_file

        assert read_file(path)


def test_the_missing_password_names_the_variable_the_file_names(tmp_path: Path) -> None:
    (tmp_path / "ccrest.toml").write_text('password_env = "MY_PW"\n', encoding="utf-8")
    done = subprocess.run(
        [str(CCREST), "check", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=120,
    )
    assert done.returncode == EXIT_USAGE
    assert "set MY_PW" in done.stderr and "CC_PASSWORD" not in done.stderr, done.stderr


def test_every_option_is_in_one_place_only() -> None:
    """No second list of settings: each flag and key once in the model."""
    flags = [o.flag for o in OPTIONS if o.flag]
    keys = [o.key for o in OPTIONS]
    assert len(flags) == len(set(flags)) and len(keys) == len(set(keys))
