"""A broken or hostile device, or a bad option, cannot hurt the run: options that would test
nothing fail before the first request, a password is masked in every encoding a device can
echo it in, and a run ends by its deadline with its reports written."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from ccrest.simulator import Credentials, Simulator
from tests.suites.conftest import device

OPTION_CASES = [
    (("--controller-url=",), "--controller-url is empty"),
    (("--timeout=nan",), "--timeout nan: give a finite number of seconds, more than 0"),
    (("--timeout=inf",), "--timeout inf: give a finite number of seconds, more than 0"),
    (("--sample-seconds=nan",), "--sample-seconds nan: give a finite number of seconds"),
    (("--run-deadline=0",), "--run-deadline 0.0: give a finite number of seconds, more than 0"),
    (("--controller-url=http://[::1", "--password=x"), "controller URL 'http://[::1': "),
    (("--record=/nonexistent-folder/x.json",), "--record /nonexistent-folder/x.json: the folder"),
]


@pytest.mark.parametrize(("args", "says"), OPTION_CASES, ids=[a[0] for a, _ in OPTION_CASES])
def test_bad_option_is_a_usage_error_before_any_request(run_suite, args, says) -> None:
    result = run_suite(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert says in result.stderr.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_an_empty_cc_url_is_not_the_simulator(run_suite, monkeypatch) -> None:
    """An unset CI variable must not turn a device run into a green simulator run."""
    monkeypatch.setenv("CC_URL", "")
    result = run_suite()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "CC_URL is empty" in result.stderr.str()


def test_a_password_outside_latin1_is_refused_without_showing_it(run_suite) -> None:
    secret = "Пароль-секрет-2026"
    result = run_suite("--controller-url=http://127.0.0.1:9", f"--password={secret}", "-l")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str() + result.stderr.str()
    assert "outside Latin-1" in output and "--auth-scheme basic" in output
    assert secret not in output and "Traceback" not in output and "INTERNALERROR" not in output


SECRET = "Zürich-Secret-7f3a"  # Latin-1, so both schemes can carry it; distinctive


def forms(secret: str) -> dict[str, bytes]:
    """Every encoding the echoing device uses, and a few more a report could show."""
    basic = base64.b64encode(f"operator:{secret}".encode()).decode()
    return {
        "raw": secret.encode(),
        "latin-1": secret.encode("latin-1"),
        "json": json.dumps(secret)[1:-1].encode(),
        "percent": quote(secret, safe="").encode(),
        "plus": quote_plus(secret, safe="").encode(),
        "basic": basic.encode(),
        "prefix": secret[: len(secret) // 2 + 2].encode(),
    }


@pytest.mark.parametrize("scheme", ["doc-headers", "basic"])
def test_an_echoed_password_is_masked_in_every_encoding(run_suite, pytester, scheme) -> None:
    """The device echoes the password as sent, JSON-escaped, percent-encoded, in Latin-1 and
    across the 1 MiB cut; no report and no terminal line holds any of them."""
    credentials = Credentials(operator=SECRET, manufacturer="other-" + SECRET)
    with Simulator(credentials=credentials, defects=["echo-password"]) as sim:
        result = run_suite(
            f"--controller-url={sim.url}",
            f"--password={SECRET}",
            f"--auth-scheme={scheme}",
            "-m",
            "schema",
            "-v",
            reports=True,
        )
    assert result.ret == 1
    texts = {p.name: p.read_bytes() for p in (Path(pytester.path) / "reports").iterdir()}
    texts["terminal"] = (result.stdout.str() + result.stderr.str()).encode()
    for where, data in texts.items():
        for name, form in forms(SECRET).items():
            assert form not in data, f"the password ({name}) leaked into {where} ({scheme})"
    assert b"debug_echo_0" in texts["conformance.json"], "the echo was seen, masked"


def test_the_run_ends_by_its_deadline_with_its_reports(run_suite, pytester) -> None:
    """A slow device (200 ms an answer) and a 3 s deadline: what had not begun is not tested,
    with the reason; the verdict is partial, the exit code 7, the reports are written."""
    with device(latency_ms=200) as dev:
        result = run_suite(*dev.args, "--run-deadline=3", reports=True)
    assert result.ret == 7
    summary = json.loads((Path(pytester.path) / "reports" / "conformance.json").read_text())
    assert summary["verdict"] == "partial"
    assert "the run deadline (3 s) passed" in summary["run"]["scope"]["selection"]
    cut = [t for t in summary["tests"] if "run deadline passed" in t["message"]]
    assert cut and all(t["outcome"] == "skipped" for t in cut)


def test_debug_log_keeps_no_password(run_suite, pytester) -> None:
    """pytest --debug writes the command line before any plugin runs; the suite masks it."""
    secret = "Distinct-Debug-Pw-4711"
    log = Path(pytester.path) / "debug.log"
    with device() as dev:
        result = run_suite(
            f"--controller-url={dev.url}", f"--password={secret}", f"--debug={log}", "-m", "auth"
        )
    assert log.is_file() and log.stat().st_size > 1000
    assert secret.encode() not in log.read_bytes()
    assert secret not in result.stdout.str() + result.stderr.str()
