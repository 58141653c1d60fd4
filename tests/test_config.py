"""ccrest.toml, [tool.ccrest] and --config: what is in force, where it came from, and a clear
error with file, line and fix for a file that cannot be used. A password is never in a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccrest import config
from ccrest.simulator import Credentials, Simulator

GIVEN_NOTHING = {"url": None, "username": None, "timeout": None}


def write(folder: Path, text: str, name: str = "ccrest.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_file_values_keep_their_line(tmp_path: Path) -> None:
    write(tmp_path, 'url = "http://127.0.0.1:9"\nprofile = "lab.toml"\ntimeout = 2\n')
    settings = config.resolve(GIVEN_NOTHING, tmp_path, environ={})
    assert settings["url"] == config.Setting("http://127.0.0.1:9", "ccrest.toml:1")
    assert settings["profile"].value == str(tmp_path / "lab.toml"), "relative to the file"
    assert settings["timeout"] == config.Setting(2.0, "ccrest.toml:3")
    assert settings["rest_mode"] == config.Setting("without-uid", "default")


def test_precedence_default_file_environment_command_line(tmp_path: Path) -> None:
    write(tmp_path, 'url = "http://127.0.0.1:1"\nusername = "manufacturer"\ntimeout = 2\n')
    environ = {"CC_URL": "http://127.0.0.1:2", "CC_PASSWORD": "pw-from-env"}
    given = GIVEN_NOTHING | {"timeout": 9.0}
    settings = config.resolve(given, tmp_path, environ=environ)
    assert settings["url"].source == "environment CC_URL"
    assert settings["username"].source == "ccrest.toml:2"
    assert settings["timeout"] == config.Setting(9.0, "command line")
    assert settings["password"] == config.Setting("pw-from-env", "environment CC_PASSWORD")


def test_pyproject_table_and_explicit_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[project]\nname = "x"\n\n[tool.ccrest]\nrest_mode = "with-uid"\n',
        "pyproject.toml",
    )
    settings = config.resolve(GIVEN_NOTHING, tmp_path, environ={})
    assert settings["rest_mode"] == config.Setting("with-uid", "pyproject.toml:5")
    other = write(tmp_path, 'auth_scheme = "basic"\n', "lab.toml")
    settings = config.resolve(GIVEN_NOTHING, tmp_path, other, environ={})
    assert (
        settings["auth_scheme"].source == "lab.toml:1" and settings["rest_mode"].source == "default"
    )


def test_the_password_comes_from_the_variable_the_file_names(tmp_path: Path) -> None:
    write(tmp_path, 'password_env = "LAB_PW"\n')
    settings = config.resolve(GIVEN_NOTHING, tmp_path, environ={"LAB_PW": "s3cret-value"})
    assert settings["password"] == config.Setting("s3cret-value", "environment LAB_PW")
    shown = config.show(settings)
    assert "s3cret-value" not in shown and "***" in shown and "environment LAB_PW" in shown


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('url = "http://x"\npassword = "hunter2"\n', "ccrest.toml:2: password: a password never"),
        ("colour = 1\n", "ccrest.toml:1: colour: not a ccrest setting; known: url"),
        ('timeout = "soon"\n', "ccrest.toml:1: timeout = 'soon': give a finite number of seconds"),
        ("timeout = nan\n", "ccrest.toml:1: timeout = nan: give a finite number"),
        ('auth_scheme = "digest"\n', "give one of doc-headers, basic"),
        ("url = \n", "not valid TOML"),
    ],
    ids=["password", "unknown", "type", "nan", "choice", "toml"],
)
def test_a_bad_file_names_file_line_and_fix(tmp_path: Path, text: str, says: str) -> None:
    write(tmp_path, text)
    with pytest.raises(config.ConfigError, match=None) as raised:
        config.resolve(GIVEN_NOTHING, tmp_path, environ={})
    assert says in str(raised.value)
    assert "hunter2" not in str(raised.value)


def ccrest(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CC_")}
    return subprocess.run(
        [sys.executable, "-m", "ccrest.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**clean, **env},
    )


@pytest.mark.e2e  # a whole suite run
def test_check_runs_with_the_file_and_shows_it(tmp_path: Path) -> None:
    with Simulator(credentials=Credentials(operator="lab-password-1")) as sim:
        url = sim.url
        write(tmp_path, f'url = "{url}"\npassword_env = "LAB_PW"\nprofile = "field-5.33"\n')
        shown = ccrest(tmp_path, "check", "--show-config", LAB_PW="lab-password-1")
        assert shown.returncode == 0
        assert f"{sim.url}" in shown.stdout and "ccrest.toml:1" in shown.stdout
        assert "lab-password-1" not in shown.stdout
        ran = ccrest(tmp_path, "check", "-q", "-m", "schema", LAB_PW="lab-password-1")
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    summary = json.loads((tmp_path / "reports" / "conformance.json").read_text())
    assert summary["profile"]["name"] == "field-5.33" and summary["target"]["url"] == url
    assert "lab-password-1" not in ran.stdout + ran.stderr


def test_a_bad_file_stops_check_with_exit_4(tmp_path: Path) -> None:
    write(tmp_path, 'password = "x"\n')
    result = ccrest(tmp_path, "check")
    assert result.returncode == 4 and "ccrest.toml:1: password" in result.stderr
    assert "Traceback" not in result.stderr
