"""ccrest as a firmware pipeline installs it: a wheel built by `pip wheel .`, installed into a
fresh virtual environment beside pytest-timeout, pytest-xdist and pytest-rerunfailures, used
from an empty directory. The wheel and the environment are built once per session."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BESIDE = ("pytest-timeout", "pytest-xdist", "pytest-rerunfailures")


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(where), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = where.glob("ccrest-*.whl")
    env_dir = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=300)
    installed = subprocess.run(
        [str(env_dir / "bin" / "pip"), "install", "-q", str(wheel), *BESIDE],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    return env_dir


def run(venv: Path, cwd: Path, *command: str, **env: str) -> subprocess.CompletedProcess:
    path = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CC_", "PYTEST"))}
    return subprocess.run(
        [str(venv / "bin" / command[0]), *command[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**clean, "PATH": path, **env},
    )


def test_check_runs_from_an_empty_directory(venv: Path, tmp_path: Path) -> None:
    result = run(venv, tmp_path, "ccrest", "check", "-q")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    summary = json.loads((tmp_path / "reports" / "conformance.json").read_text())
    assert summary["verdict"] == "conforms" and summary["counts"]["passed"] > 250
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("ccrest: CONFORMS: http://127.0.0.1:")
    assert f"reports in {tmp_path / 'reports'}" in last


def test_versions(venv: Path, tmp_path: Path) -> None:
    from ccrest import __version__

    assert run(venv, tmp_path, "ccrest", "--version").stdout.strip() == f"ccrest {__version__}"
    assert run(venv, tmp_path, "ccrest-sim", "--version").stdout.strip().endswith(__version__)


def test_the_installed_package_says_what_it_is(venv: Path, tmp_path: Path) -> None:
    """pip show names the licence; the licence text, the examples and the help travel along."""
    shown = run(venv, tmp_path, "pip", "show", "-f", "ccrest").stdout
    assert re.search(r"^License(-Expression)?: MIT$", shown, re.M), shown
    assert "Author: the ccrest maintainers" in shown and re.search(
        r"licenses/LICENSE$", shown, re.M
    )
    lab = run(venv, tmp_path, "ccrest", "example", "lab")
    assert lab.returncode == 0 and "[controllers." in lab.stdout
    helped = run(venv, tmp_path, "ccrest", "check", "--help").stdout
    assert "ccrest example lab" in helped and "examples/lab.toml" not in helped
    top = run(venv, tmp_path, "ccrest", "--help").stdout
    assert "writes HTML, JSON, Markdown and JUnit reports" in top  # not cut mid-sentence
    assert "3 an internal error" in " ".join(top.split())


def test_check_a_device_with_a_profile_file_after_a_space(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "field.toml").write_text('[profile]\nname = "lab"\nextends = "field-5.33"\n')
    log = tmp_path / "sim.log"
    with log.open("w") as out:
        sim = subprocess.Popen(
            [str(venv / "bin" / "ccrest"), "sim", "--port", "0"], stdout=out, cwd=tmp_path
        )
    try:
        for _ in range(100):
            found = re.search(r"http://127\.0\.0\.1:\d+", log.read_text())
            if found:
                break
            time.sleep(0.1)
        assert found, log.read_text()
        result = run(
            venv,
            tmp_path,
            "ccrest",
            "check",
            found.group(0),
            "--profile",
            "field.toml",
            "-m",
            "schema or per_key",
            CC_PASSWORD="operator-pw",
        )
    finally:
        sim.terminate()
        sim.wait(timeout=30)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    summary = json.loads((tmp_path / "reports" / "conformance.json").read_text())
    assert summary["profile"]["name"] == "lab" and summary["verdict"] == "partial"


def test_other_projects_pytest_is_untouched(venv: Path, tmp_path: Path) -> None:
    """With ccrest and pytest-timeout in one environment, another project's pytest starts,
    runs, and knows no ccrest option."""
    (tmp_path / "test_other.py").write_text("def test_other():\n    assert True\n")
    result = run(venv, tmp_path, "python", "-m", "pytest", "-q", "--timeout=30")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
    help_text = run(venv, tmp_path, "python", "-m", "pytest", "--help").stdout
    assert "--controller-url" not in help_text and "--run-deadline" not in help_text


@pytest.mark.parametrize(
    ("engine_option", "says"),
    [
        (("-n", "2"), "-n (pytest-xdist): one controller must not see parallel requests"),
        (
            ("-p", "pytest_rerunfailures", "--reruns", "2"),
            "a conformance verdict is never retried into green",
        ),
        (("--reruns", "2"), "unrecognized arguments: --reruns"),
        (("--timeout-method", "thread"), "unrecognized arguments: --timeout-method"),
    ],
    ids=["xdist", "rerunfailures-loaded", "rerunfailures-installed", "timeout-installed"],
)
def test_plugins_that_change_a_verdict_are_refused(venv, tmp_path, engine_option, says) -> None:
    """pytest-xdist is one of ccrest's plugins, and its -n is refused with the reason. Other
    plugins installed beside ccrest are not loaded (--disable-plugin-autoload): their options
    are unknown to a run, and one loaded by name that would change a verdict is refused."""
    result = run(venv, tmp_path, "ccrest", "check", "--", *engine_option)
    assert result.returncode == 4, result.stdout[-2000:] + result.stderr[-2000:]
    assert says in result.stderr and "Traceback" not in result.stderr
