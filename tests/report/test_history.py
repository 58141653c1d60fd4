"""``ccrest report history``: builds in firmware order per model, the faults that appear and
disappear, and bad input named with its file (exit 4, never a traceback). The page in a
browser, on real runs, is ``tests/suites/test_interface_history.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ccrest.report import history
from tests import artifacts

CCREST = str(Path(sys.executable).with_name("ccrest"))


def test_firmware_sorts_naturally() -> None:
    given = ["5.33.9-21459", "5.9.1", "5.22.1-13295", "5.22.10", "5.22.3-13380"]
    ordered = sorted(given, key=history.version_key)
    assert ordered == ["5.9.1", "5.22.1-13295", "5.22.3-13380", "5.22.10", "5.33.9-21459"]


def summary(model: str, firmware: str, *faults: str, verdict: str = "") -> dict[str, Any]:
    return {
        "verdict": verdict or ("does-not-conform" if faults else "conforms"),
        "target": {"url": "http://192.0.2.1", "cp_vendor": "Acme", "cp_model": model}
        | ({"firmware_ver": firmware} if firmware else {}),
        "faults": [
            {"check": c, "key": "k", "observed": "x", "message": "m", "count": 1} for c in faults
        ],
        "tests": [],
    }


def test_builds_per_model_in_firmware_order_with_faults_appearing_and_disappearing() -> None:
    result = history.build(
        [
            ("c", summary("A", "5.33.1", "fs.b")),
            ("a", summary("A", "5.9.0", "fs.a")),
            ("b", summary("A", "5.22.0", "fs.a", "fs.b")),
            ("z", summary("B", "", verdict="not-testable")),
            ("y", summary("B", "1.0")),
        ]
    )
    a, b = result["models"]
    assert (a["model"], b["model"]) == ("Acme A", "Acme B")
    assert [x["firmware"] for x in a["builds"]] == ["5.9.0", "5.22.0", "5.33.1"]
    assert [(x["appeared"], x["disappeared"]) for x in a["builds"]] == [
        ([], []),
        (["fs.b [k] x"], []),
        ([], ["fs.a [k] x"]),
    ]
    assert [x["faults"] for x in a["builds"]] == [1, 2, 1]
    assert [x["firmware"] for x in b["builds"]] == ["1.0", "-"]  # a build without a version last
    assert [x["interface_changes"] for x in a["builds"]] == [None, None, None]  # not recorded
    page = artifacts.markdown(history.render_markdown(result))
    assert [row[0] for row in page.rows("firmware")] == ["5.9.0", "5.22.0", "5.33.1"]
    assert page.unsafe == []


def run(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CCREST, "report", "history", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("missing.json", None, "cannot read"),
        ("broken.json", "{not json", "is not JSON"),
        (
            "other.json",
            json.dumps({"name": "not a summary"}),
            "is not a ccrest conformance summary",
        ),
        ("empty-folder", "folder", "holds no conformance.json"),
    ],
)
def test_bad_input_is_named_with_exit_4(tmp_path: Path, name, content, says) -> None:
    path = tmp_path / name
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_text(content)
    done = run(path, cwd=tmp_path)
    assert done.returncode == 4, done.stdout + done.stderr
    assert says in done.stderr and name in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "history.html").exists()


def test_a_quoted_glob_is_expanded_here(tmp_path: Path) -> None:
    """A CI step passes 'builds/*/conformance.json' quoted: ccrest expands it (and reads what
    it matches: here a broken file, named), and names a glob that matches nothing."""
    (tmp_path / "b1").mkdir()
    (tmp_path / "b1" / "conformance.json").write_text("{not json")
    done = run("*/conformance.json", cwd=tmp_path)
    assert done.returncode == 4 and "b1/conformance.json is not JSON" in done.stderr, done.stderr
    none = run("nothing-*/conformance.json", cwd=tmp_path)
    assert none.returncode == 4, none.stderr
    assert "nothing-*/conformance.json matches no file or folder" in none.stderr
