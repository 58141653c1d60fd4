"""ccrest watch: a whole session on a simulator whose clock runs 600 times as fast (plug, card,
an hour of charging, the vehicle pausing, unplug) gives its transitions and no fault; a meter
that runs backwards is a fault marked on the timeline where it happened; Ctrl-C still writes."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from ccrest.report import watchpage
from ccrest.watch import parse_duration, read_rows
from tests.artifacts import markdown
from tests.suites.conftest import PASSWORD, device, watch_of

SPEED = 1800  # device seconds per second: an hour and a half of charging in three seconds
DEFECT_PACE = {"speed": 600, "samples": 40}  # a defect's rule sees 40 samples, each <= ~1 min
SESSION = (  # (the device's seconds, what the device does), driven by the device's clock
    (240, lambda d: d.plug(max_current=16)),
    (480, lambda d: d.present_card("04a3b2c1d2e380")),
    (3000, lambda d: d.set_vehicle(paused=True)),
    (3360, lambda d: d.set_vehicle(paused=False)),
    (4560, lambda d: d.unplug()),
)


def watched(
    folder: Path,
    until: float,
    *defects: str,
    session=SESSION,
    profile: str | None = None,
    speed: float = SPEED,
    samples: int = 0,
) -> dict:
    """A watch of a simulator until its clock reads ``until`` and at least ``samples`` were
    taken, the session acted out on the same clock (no wall-clock timing). A rule over time
    needs its device seconds per sample bounded: on a loaded machine each sample takes longer,
    so a defect test runs the clock slower (``speed``) and asks for its samples."""
    with device(*defects, charging=False, speed=speed) as dev:
        clock = dev.sim.device.clock

        def drive() -> None:
            for at, act in session:
                while clock.now() < at:
                    time.sleep(0.002)
                act(dev.sim.device)

        driver = threading.Thread(target=drive, daemon=True)
        driver.start()
        taken = iter(range(1_000_000))

        def stop() -> bool:  # called once before each sample
            return next(taken) >= samples and clock.now() >= until

        summary = watch_of(dev.url, PASSWORD, 120, 0.04, folder, profile=profile, stop=stop)
        driver.join(timeout=10)
    watchpage.write(folder, summary, read_rows(folder / "watch-samples.jsonl"))
    return summary


def test_a_whole_session_is_watched_without_a_fault(tmp_path) -> None:
    summary = watched(tmp_path, 5400, samples=60)
    # a watch judges full_state over time only: what it judged passed, never "conforms"
    assert summary["verdict"] == "partial", summary["faults"]
    assert summary["exit_code"] == 0
    assert summary["clock_rate"] == SPEED
    states = [
        t["changed"]["conn_state"][1]
        for t in summary["transitions"]
        if "conn_state" in t["changed"]
    ]
    assert states == [
        "'vehicle_connected_type2'",
        "'vehicle_charging_type2'",
        "'vehicle_connected_type2'",  # the vehicle pauses
        "'vehicle_charging_type2'",
        "'no_vehicle_connected'",
    ]
    lines = (tmp_path / "watch-samples.jsonl").read_text().splitlines()
    assert len(lines) == summary["samples"] + summary["unreadable"] >= 60
    charged = [json.loads(line)["time_since_charging_start"] for line in lines]
    assert max(charged) >= 3600, "more than an hour of charging, in device time"
    page = (tmp_path / "watch.html").read_text()
    assert '<svg id="ccrest-timeline"' in page and "vehicle_charging_type2" in page
    assert 'class="ccrest-fault-mark"' not in page


def test_a_meter_running_backwards_is_marked_where_it_happened(tmp_path) -> None:
    summary = watched(tmp_path, 1200, "meter-runs-backwards", session=SESSION[:2], **DEFECT_PACE)
    assert summary["verdict"] == "does-not-conform"
    (fault,) = [f for f in summary["faults"] if f["check"] == "temp.counter-monotonic"]
    assert fault["key"] == "meter_wh" and fault["count"] >= 5
    rows = read_rows(tmp_path / "watch-samples.jsonl")
    marked = [r["t"] for r in rows if "temp.counter-monotonic" in r.get("failed", ())]
    assert marked[0] == pytest.approx(fault["first_t"], abs=0.01)
    page = (tmp_path / "watch.html").read_text()
    assert page.count('class="ccrest-fault-mark"') == len([r for r in rows if r.get("failed")])
    assert "temp.counter-monotonic" in (tmp_path / "watch.md").read_text()


def test_a_stop_still_writes_the_reports(tmp_path) -> None:
    """Ctrl-C ends the loop (KeyboardInterrupt, here raised by the stop check itself)."""
    calls = []

    def stop() -> bool:
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return False

    with device(charging=False) as dev:
        summary = watch_of(dev.url, PASSWORD, 60, 0.05, tmp_path, stop=stop)
    assert summary["interrupted"] and summary["samples"] == 4
    assert (summary["verdict"], summary["exit_code"]) == ("interrupted", 2)
    watchpage.write(tmp_path, summary, read_rows(tmp_path / "watch-samples.jsonl"))
    md = markdown((tmp_path / "watch.md").read_text())
    assert md.h1[0].endswith(": INTERRUPTED") and "(Ctrl-C)" in md.html


@pytest.mark.parametrize(
    ("text", "seconds"), [("2h", 7200), ("90m", 5400), ("1h30m", 5400), ("45s", 45), ("10", 10)]
)
def test_durations(text, seconds) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "2 hours", "-5m", "h"])
def test_bad_durations_are_refused(text) -> None:
    with pytest.raises(ValueError, match="give a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("defect", "check"),
    [
        ("timer-stands-still", "temp.timer-advances"),
        ("meter-runs-fast", "temp.energy-follows-power"),
    ],
)
def test_the_rules_over_time_judge_the_last_samples(tmp_path, defect, check) -> None:
    summary = watched(tmp_path, 1800, defect, session=SESSION[:2], **DEFECT_PACE)
    assert [f["check"] for f in summary["faults"]] == [check]


def test_the_command_watches_and_writes_its_reports(tmp_path, monkeypatch, capsys) -> None:
    from ccrest.cli import main

    monkeypatch.delenv("CC_URL", raising=False)
    monkeypatch.delenv("CC_PASSWORD", raising=False)
    assert main(["watch", "--for", "1s"]) == 4
    assert "give the controller's URL" in capsys.readouterr().err
    with device() as dev:
        assert main(["watch", dev.url]) == 4, "no password"
        assert "set CC_PASSWORD" in capsys.readouterr().err
        monkeypatch.setenv("CC_PASSWORD", PASSWORD)
        assert main(["watch", dev.url, "--for", "2 hours"]) == 4
        code = main(
            ["watch", dev.url, "--for", "1.5s", "--interval", "0.2", "--report-dir", str(tmp_path)]
        )
    out = capsys.readouterr().out
    assert code == 0 and "ccrest watch: PARTIAL RUN, WHAT RAN PASSED" in out
    assert {p.name for p in tmp_path.iterdir()} == {
        "watch.json",
        "watch.md",
        "watch.html",
        "watch-samples.jsonl",
    }


def test_a_watch_that_cannot_test_stops_at_once_and_says_why(tmp_path) -> None:
    """A refused password: the watch ends on its first answer (not after --for), not testable,
    with the reason in ccrest check's words."""
    with device() as dev:
        started = time.monotonic()
        summary = watch_of(dev.url, "not-the-password", 600, 0.5, tmp_path)
    assert time.monotonic() - started < 30, "it stopped on the first answer"
    assert (summary["verdict"], summary["exit_code"]) == ("not-testable", 6)
    assert "refused the credentials of 'operator' (401)" in summary["verdict_reason"]


def test_a_watch_opens_a_controller_as_check_does(tmp_path) -> None:
    """A device that reads Basic credentials only: ccrest check's preflight tries the other
    scheme and goes on; the watch, opened the same way, watches instead of giving up."""
    from ccrest.mutate.pieces import refuse_header_scheme
    from ccrest.mutate.proxy import Proxy

    with device() as dev, Proxy(dev.url, [refuse_header_scheme()]) as proxy:
        summary = watch_of(proxy.url, PASSWORD, 1.0, 0.2, tmp_path)
    assert summary["verdict"] == "partial" and summary["samples"] >= 3, summary["verdict_reason"]


def test_a_profiles_waiver_holds_in_a_watch_as_in_check(tmp_path) -> None:
    """The same fold as ccrest check's: a deviation the profile waives is kept as waived, not a
    fault that fails the watch; without the profile the same device does not conform."""
    profile = tmp_path / "waives.toml"
    profile.write_text(
        '[profile]\nname = "waives"\nextends = "doc-5.33.5"\n\n'
        '[[waivers]]\ncheck = "temp.timer-advances"\nreason = "known in this build"\n',
        encoding="utf-8",
    )
    plain = watched(
        tmp_path / "plain", 1800, "timer-stands-still", session=SESSION[:2], **DEFECT_PACE
    )
    assert plain["verdict"] == "does-not-conform"
    waived = watched(
        tmp_path / "waived",
        1800,
        "timer-stands-still",
        session=SESSION[:2],
        profile=str(profile),
        **DEFECT_PACE,
    )
    assert waived["verdict"] == "partial", waived["verdict_reason"]
    assert [(f["check"], f["outcome"]) for f in waived["faults"]] == [
        ("temp.timer-advances", "waived")
    ]


def through(folder: Path, *parts, seconds: float = 30.0) -> dict:
    """A watch of the reference device behind a proxy with ``parts``, every 20 ms."""
    from ccrest.mutate.matrix import CREDENTIALS, _upstream
    from ccrest.mutate.matrix import PASSWORD as UPSTREAM
    from ccrest.mutate.proxy import Proxy

    sim = _upstream("text")
    try:
        with Proxy(sim.url, parts, CREDENTIALS) as proxy:
            return watch_of(proxy.url, UPSTREAM, seconds, 0.02, folder)
    finally:
        sim.stop()


def counted_full_states(every: int, answer):
    """A piece: every ``every``-th full_state read gets ``answer(request)`` instead."""
    from ccrest.mutate.proxy import Piece

    seen = [0]
    lock = threading.Lock()

    def request(req, context):
        if req.path != "/rest/full_state":
            return req
        with lock:
            seen[0] += 1
            hit = seen[0] % every == 0
        return answer(req) if hit else req

    return Piece(request=request)


def test_a_sample_the_device_answers_with_an_error_is_a_fault(tmp_path) -> None:
    """As ``ccrest check`` judges a full_state read, so the watch judges each sample: one
    answered 503 fails fs.answers, it is not a sample quietly skipped."""
    from ccrest.mutate.proxy import Answer

    refused = counted_full_states(
        5, lambda req: Answer(503, [("Content-Type", "text/plain")], b"busy\n")
    )
    summary = through(tmp_path, refused, seconds=2.0)
    assert summary["unreadable"] >= 3 and summary["samples"] > summary["unreadable"]
    assert (summary["verdict"], summary["exit_code"]) == ("does-not-conform", 1)
    (fault,) = summary["faults"]
    assert fault["check"] == "fs.answers" and "answered 503" in fault["message"]
    assert fault["count"] == summary["unreadable"]


def test_a_device_that_stops_answering_ends_the_watch_and_says_so(tmp_path) -> None:
    """A controller that goes silent is never a watch that passed: its silent samples fail
    fs.answers, and the watch says it stopped sending and why, before its time was up."""
    from ccrest.mutate.proxy import Conduct, Piece

    seen = [0]

    def dead_after_twenty(req, turn):
        seen[0] += 1
        return Conduct.RESET_UNANSWERED if seen[0] > 20 else Conduct.ANSWER

    summary = through(tmp_path, Piece(conduct=dead_after_twenty), seconds=30.0)
    assert summary["watched_s"] < 30 and "stopped answering" in summary["stopped"]
    assert (summary["verdict"], summary["exit_code"]) == ("does-not-conform", 1)
    assert [f["check"] for f in summary["faults"]] == ["fs.answers"]
    line = watchpage.last_line(summary, tmp_path)
    assert (
        "DOES NOT CONFORM" in line and "stopped sending: the controller stopped answering" in line
    )
