"""A person at a real terminal: the installed ``ccrest`` in a pseudo-terminal that is its
controlling terminal (pexpect), as a shell at the bench gives it. The test is the person: it
reads each instruction off the screen, acts through the simulator's control API as a hand on
the hardware would, and answers with Enter, ``s`` or ``q``; Ctrl-C is the terminal's
interrupt character, which the line discipline turns into SIGINT for the foreground job."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from ccrest.simulator.control import handle
from tests.artifacts import strict_json
from tests.suites.conftest import PASSWORD, SUITES, device

CCREST = str(Path(sys.executable).with_name("ccrest"))
DATA = json.loads((SUITES / "scenarios.json").read_text())
INSTRUCTION = re.compile(r">>> ([^\r\n]+)\r?\n")
WALKED = ["idle", "type2-connected", "type2-charging", "type2-ventilation", "schuko-connected"]


def actions() -> dict[str, tuple[str, dict]]:
    """What a hand at the bench does for each instruction: the simulator operation the
    scenario pairs with the same words (and the reset words: bring it to rest)."""
    done: dict[str, tuple[str, dict]] = {DATA["reset_guide"]["say"]: ("reset", {})}
    for scenario in DATA["scenarios"]:
        for (operation, arguments), words in zip(
            scenario["steps"], scenario["guide"]["steps"], strict=True
        ):
            done.setdefault(words, (operation, arguments))
        if scenario["guide"].get("config"):
            done.setdefault(scenario["guide"]["config"], ("config", scenario.get("config", {})))
    return done


def spawn(*args: str, cwd: Path) -> pexpect.spawn:
    env = dict(os.environ) | {"CC_PASSWORD": PASSWORD, "TERM": "xterm", "COLUMNS": "160"}
    return pexpect.spawn(
        CCREST,
        list(args),
        cwd=str(cwd),
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 160),
    )


def test_a_person_walks_the_scenarios_with_enter_skip_and_quit(tmp_path: Path) -> None:
    """Three scenarios walked with Enter, a step skipped with ``s`` (that scenario is not
    tested), the walk stopped with ``q`` (the rest not tested); the reports say a person drove
    them, and the verdict is interrupted (exit 2), as Ctrl-C would make it."""
    hand = actions()
    said: list[str] = []
    with device(charging=False) as dev:
        child = spawn(
            "check",
            dev.url,
            "--guided",
            "-m",
            "states",
            "-k",
            " or ".join(WALKED),
            "--step-timeout",
            "30",
            "--report-dir",
            str(tmp_path / "reports"),
            cwd=tmp_path,
        )
        try:
            while child.expect([INSTRUCTION, pexpect.EOF]) == 0:
                words = child.match.group(1).strip()
                said.append(words)
                if words.startswith("Switch the EV simulator to state D"):
                    child.sendline("s")  # this step cannot be done at this bench
                    continue
                if words.startswith("Enable the Schuko socket"):
                    child.sendline("q")  # enough for today
                    continue
                operation, arguments = hand[words]
                handle(dev.sim.device, "POST", operation, dict(arguments))
                child.sendline("")  # Enter: done
            child.expect(pexpect.EOF)
        finally:
            child.close()
    assert child.exitstatus == 2, child.before
    assert said[0].startswith("Bring the controller to rest"), said
    assert "Present an authorised RFID card" in said
    data = strict_json(tmp_path / "reports" / "conformance.json")
    assert isinstance(data, dict)
    tests = {t["id"].rpartition("[")[2].rstrip("]"): t for t in data["tests"]}
    for walked in ("idle", "type2-connected", "type2-charging"):
        assert tests[walked]["outcome"] == "passed", tests[walked]
    assert (
        "the person skipped the step: Switch the EV simulator to state D"
        in (tests["type2-ventilation"]["message"])
    )
    assert "the person stopped the guided walk" in tests["schuko-connected"]["message"]
    assert data["verdict"] == "interrupted", data["verdict_reason"]
    html = (tmp_path / "reports" / "conformance.html").read_text()
    assert "person" in html


def test_ctrl_c_stops_a_watch_in_a_terminal_and_keeps_its_reports(tmp_path: Path) -> None:
    """The watch shows its progress on the terminal; the interrupt character stops it, the
    verdict is interrupted (exit 2) and every report is written."""
    with device() as dev:
        child = spawn(
            "watch",
            dev.url,
            "--for",
            "10m",
            "--interval",
            "0.2",
            "--report-dir",
            str(tmp_path / "reports"),
            cwd=tmp_path,
        )
        try:
            child.expect(r"ccrest watch: 0:00:\d\d of 0:10:00, \d+ samples", timeout=30)
            child.sendintr()
            child.expect(pexpect.EOF, timeout=60)
        finally:
            child.close()
    assert child.exitstatus == 2, child.before
    data = strict_json(tmp_path / "reports" / "watch.json")
    assert isinstance(data, dict) and data["verdict"] == "interrupted"
    for name in ("watch.md", "watch.html", "watch-samples.jsonl"):
        assert (tmp_path / "reports" / name).is_file(), name


@pytest.mark.parametrize("stdin_only", [False, True], ids=["dev-tty", "stdin"])
def test_the_terminal_operator_reads_a_line_from_a_terminal(stdin_only: bool) -> None:
    """The operator opens the controlling terminal, or standard input when only that is one,
    and hears Enter, s and q as a person types them."""
    script = (
        "import os, sys, time\n"
        "from ccrest.guided import TerminalOperator\n"
        + (
            "import fcntl, signal, termios\n"
            "signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
            "fcntl.ioctl(0, termios.TIOCNOTTY)\n"  # no controlling terminal: stdin is still one
            "assert not os.path.exists('/proc/self/fd/0') or os.isatty(0)\n"
            if stdin_only
            else ""
        )
        + "op = TerminalOperator.open()\n"
        "assert op is not None, 'no terminal'\n"
        "for _ in range(3):\n"
        "    op.tell('Do the thing', None)\n"
        "    ends = time.time() + 20\n"
        "    heard = ''\n"
        "    while not heard and time.time() < ends:\n"
        "        heard = op.poll(); time.sleep(0.02)\n"
        "    print('HEARD', heard, flush=True)\n"
    )
    child = pexpect.spawn(sys.executable, ["-c", script], encoding="utf-8", timeout=30)
    try:
        heard = []
        for answer in ("", "s", "q"):
            child.expect(">>> Do the thing")
            child.sendline(answer)
            child.expect(r"HEARD (\w+)")
            heard.append(child.match.group(1))
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert heard == ["done", "skip", "quit"]
    assert child.exitstatus == 0
