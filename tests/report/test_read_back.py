"""Reports read back (``report diff``, ``report merge``) are input like a device's bytes:
anything that is not a summary is refused with exit 4 and a message, never a traceback, and
what is shown from one is display-safe."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ccrest.report.__main__ import main as report_main
from tests.report.test_summary import rec, summarise

DEEP = "[" * 100_000 + "]" * 100_000


def a_summary(cat, **changes) -> dict:
    return summarise([rec("a", ("fs.answers",), ())], cat, 0) | changes


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (DEEP, "nested too deep"),
        ('{"verdict": ' + DEEP[:5000] + DEEP[-5000:] + "}", "nested too deep"),
        ('{"verdict": "\\ud800"}', "is not a ccrest conformance summary"),
        (b"\xff\xfe{}", "is not JSON"),
    ],
    ids=["deep-array", "deep-value", "surrogate", "not-utf8"],
)
def test_diff_refuses_crafted_input_with_exit_4(tmp_path: Path, content, says) -> None:
    path = tmp_path / "crafted.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    done = subprocess.run(
        [sys.executable, "-m", "ccrest.report", "diff", str(path), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 4, done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr + done.stdout


def test_diff_shows_crafted_text_display_safe(cat, tmp_path: Path, capsys) -> None:
    """A summary whose identity holds an escape sequence and a lone surrogate (valid JSON
    escapes): the diff prints them as text."""
    old = a_summary(cat)
    new = a_summary(cat)
    new["target"] = new["target"] | {"firmware_ver": "5.33\u001b]0;pwned\u0007\ud800"}
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))  # ensure_ascii: \\ud800 as an escape
    assert report_main(["diff", str(tmp_path / "old.json"), str(tmp_path / "new.json")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b]0;pwned\\x07\ufffd" in out


@pytest.mark.parametrize(
    "name", ["javascript:alert(1)//", "../../etc", "ok\n", "a" * 41, "<b>x</b>"]
)
def test_merge_refuses_a_controller_name_no_inventory_allows(cat, tmp_path: Path, name) -> None:
    """A fleet links each controller's page by its name: only an inventory's names (letters,
    digits, '.', '_', '-') are taken."""
    folder = tmp_path / "shard" / "x"
    folder.mkdir(parents=True)
    summary = a_summary(cat, device={"name": name})
    (folder / "conformance.json").write_text(json.dumps(summary))
    with pytest.raises(SystemExit) as exit_info:
        report_main(["merge", str(tmp_path / "shard"), "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 4
    assert not (tmp_path / "out" / "fleet.html").exists()


def test_a_controller_without_a_report_is_named_in_every_fleet_page(tmp_path: Path) -> None:
    """An inventory's controller whose worker wrote nothing (stopped, killed): the fleet names
    it, not testable, on every page, instead of failing to draw."""
    from ccrest.report import fleet
    from tests.artifacts import markdown, strict_json

    built = fleet.build({}, expected=["bench-1"])
    fleet.write(tmp_path, built)
    assert (built["verdict"], built["exit_code"]) == ("not-testable", 6)
    data = strict_json(tmp_path / "fleet.json")
    assert isinstance(data, dict) and data["devices"][0]["untestable"] == fleet.MISSING
    assert markdown((tmp_path / "fleet.md").read_text()).rows("controller")[0][0] == "bench-1"
    assert "bench-1" in (tmp_path / "fleet.html").read_text()
