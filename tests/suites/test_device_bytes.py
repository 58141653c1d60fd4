"""A device's bytes never forge a verdict, lose a report, drive a terminal or leak a secret.

Each report is read by its real consumer: the HTML by headless Chromium (the DOM its scripts
build, and a listener on 127.0.0.1 that must hear nothing from the page), the Markdown by a
CommonMark renderer, the JUnit and JSON by strict parsers, the terminal as a pseudo-terminal
shows it. The devices are ``tests.hostile`` fakes, which send what no conformant device would.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ccrest.verdict import WORDS, Verdict
from tests import terminal
from tests.artifacts import junit, junit_properties, markdown, strict_json
from tests.browser import browser_or_skip, chrome, requests_made
from tests.hostile import Script, conformant_pairs, hostile
from tests.strategies import MARK, markup, secret_forms
from tests.suites.conftest import PASSWORD

IDENTITY = ("cp_vendor", "cp_model", "firmware_ver", "cc_serial_n", "manuf_serial_n", "cp_id")
REPORTS = ("conformance.json", "conformance.md", "conformance.html", "conformance.xml")


class Listener:
    """A server on loopback that must never be asked anything: a report that fetches from
    it (an image, a frame, a stylesheet) phoned home."""

    def __init__(self) -> None:
        heard = self.heard = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                heard.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()


@pytest.fixture
def listener() -> Iterator[Listener]:
    leak = Listener()
    yield leak
    leak.server.shutdown()
    leak.server.server_close()


def hostile_identity(port: int) -> list[tuple[str, str]]:
    """A charging controller whose identity values (and one value, and one key name) carry
    every markup fragment of ``tests.strategies``, a few to a value (a report keeps 200
    characters of a value)."""
    fragments = markup(port)
    fields = [*IDENTITY, "conn_state"]
    pairs = dict(conformant_pairs())
    for i, name in enumerate(fields):
        pairs[name] = f"{MARK}-{name}" + "".join(fragments[i :: len(fields)])[:180]
    pairs[f"{MARK}<b>key</b>\x1b]0;t\x07"] = "extra"
    return list(pairs.items())


def verdict_words(folder: Path) -> str:
    data = strict_json(folder / "conformance.json")
    assert isinstance(data, dict)
    return WORDS[Verdict(data["verdict"])]


def read_in_chromium(page: Path, port: int) -> dict:
    """What the browser built from the page, after its scripts ran."""
    driver = chrome(logs=True)
    try:
        driver.get(page.as_uri())
        time.sleep(1.0)  # an onerror or a fetched image would have fired by now
        seen = driver.execute_script(
            r"""
            const verdict = document.querySelectorAll('#ccrest-verdict');
            const box = verdict.length ? verdict[0].getBoundingClientRect() : null;
            const top = box ? document.elementFromPoint(box.left + 5, box.top + 5) : null;
            // an element the device's markup made: an attribute (not ccrest's own data-* and
            // title, which carry text) or a script or style that holds the marker or a URL
            const leaky = v => v.includes(arguments[0]) || v.includes('127.0.0.1:' + arguments[1])
                || /^\s*javascript:/i.test(v);
            const marked = [...document.querySelectorAll('*')].filter(e =>
                [...e.attributes].some(a => !a.name.startsWith('data-') && a.name !== 'title'
                    && leaky(a.value))
                || (['SCRIPT', 'STYLE'].includes(e.tagName) && leaky(e.textContent))
            ).map(e => e.outerHTML);
            return {
                pwned: window['__' + arguments[0]] ?? null,
                verdicts: [...verdict].map(e => e.textContent),
                covered: !!(top && verdict.length && !verdict[0].contains(top)),
                marked: marked.map(h => h.slice(0, 200)),
                environment: document.querySelector('#ccrest-environment')?.textContent ?? '',
                pytest_html_environment: document.querySelector('#environment')?.textContent ?? '',
                title: document.title,
            };
            """,
            MARK,
            port,
        )
        seen["requests"] = [u for u in requests_made(driver) if not u.startswith("file:")]
        return seen
    finally:
        driver.quit()


@pytest.mark.parametrize("source", ["device", "capture"])
def test_identity_markup_stays_text_in_the_browser(run_suite, pytester, listener, source) -> None:
    """Markup in identity values (which pytest-html's script would insert as HTML) and in a
    value and a key name: the page the browser builds runs none of it, fetches nothing, and
    states the verdict the JSON states, uncovered; the values show as text."""
    browser_or_skip()
    pairs = hostile_identity(listener.port)
    if source == "device":
        with hostile(Script(pairs, PASSWORD)) as dev:
            run_suite("--controller-url", dev.url, "--password", PASSWORD, reports=True)
    else:
        capture = pytester.path / "customer.txt"
        capture.write_bytes(Script(pairs, PASSWORD).body())
        run_suite(f"--replay={capture}", reports=True)
    folder = pytester.path / "reports"
    seen = read_in_chromium(folder / "conformance.html", listener.port)
    assert seen["pwned"] is None, "a device's script ran in the report"
    assert seen["requests"] == [] and listener.heard == [], "the report fetched something"
    assert seen["marked"] == [], "a device's text became an element or an attribute"
    assert len(seen["verdicts"]) == 1 and verdict_words(folder) in seen["verdicts"][0]
    assert not seen["covered"], "something of the device's covers the verdict"
    assert f"{MARK}-cp_vendor<img" in seen["environment"], "the identity is shown, as text"
    assert MARK not in seen["pytest_html_environment"], "no device text for pytest-html's script"


def test_markdown_from_device_bytes_is_one_cell_of_text(run_suite, pytester, listener) -> None:
    """A CR in a value, raw HTML, images, links and table pipes in values and key names: the
    CommonMark page has exactly one verdict heading, the JSON's, and no markup of the
    device's; the job summary GitHub shows is the same page."""
    pairs = hostile_identity(listener.port)
    step_summary = pytester.path / "step-summary.md"
    os.environ["GITHUB_STEP_SUMMARY"] = str(step_summary)
    try:
        with hostile(Script(pairs, PASSWORD)) as dev:
            run_suite("--controller-url", dev.url, "--password", PASSWORD, reports=True)
    finally:
        del os.environ["GITHUB_STEP_SUMMARY"]
    folder = pytester.path / "reports"
    for text in ((folder / "conformance.md").read_text(), step_summary.read_text()):
        page = markdown(text)
        assert len(page.h1) == 1 and page.h1[0].endswith(": " + verdict_words(folder))
        assert page.unsafe == [], f"device bytes became markup: {page.unsafe}"
        assert all(len(row) == 5 for row in page.rows("check")), "a value broke a table row"
        assert "&lt;img" in page.html, "the device's markup is shown, as text"
        assert "<img" not in page.html and "<script" not in page.html


ESCAPES = ("\x1b]0;ccrest_pwned_title\x07", "\x1b]52;c;Y2NyZXN0\x07", "\x1b[2K\r\x1b[8m")


def test_device_bytes_do_not_drive_the_terminal(tmp_path) -> None:
    """ESC and OSC sequences in values, a key name and the Content-Type header (a window title,
    a clipboard write, erasing the line, concealing what follows): the terminal receives
    none of them, only pytest's colours, and sees them as text."""
    pairs = dict(conformant_pairs())
    pairs["conn_state"] = "charging" + ESCAPES[2] + "ccrest: CONFORMS"
    pairs["cp_vendor"] = "Acme" + ESCAPES[0]
    pairs["debug" + ESCAPES[1]] = "1"
    script = Script(list(pairs.items()), PASSWORD, content_type=b"text/plain" + ESCAPES[0].encode())
    with hostile(script) as dev:
        session = terminal.run(
            ["check", dev.url, "--report-dir", str(tmp_path / "reports"), "--", "-v"],
            tmp_path,
            {"CC_PASSWORD": PASSWORD},
        )
    assert session.code == 1, session.text[-3000:]
    assert session.foreign_escapes() == [], "a device's escape sequence reached the terminal"
    assert "\\x1b]0;ccrest_pwned_title\\x07" in session.text, "shown, as text"
    assert "ccrest: DOES NOT CONFORM" in session.text.splitlines()[-1]


def surrogate_device() -> Script:
    """A JSON full_state with a lone surrogate in a key, in identity values and in a value."""
    pairs = dict(conformant_pairs())
    pairs["cp_vendor"] = "Acme\ud800"
    pairs["firmware_ver"] = "5.33\udfff"
    pairs["x\ud800"] = "y\udc00"
    return Script(list(pairs.items()), PASSWORD, form="json", content_type=b"application/json")


def assert_every_report_whole(folder: Path) -> dict:
    """All four reports, each as its reader takes it, stating one verdict."""
    data = strict_json(folder / "conformance.json")
    assert isinstance(data, dict)
    words = WORDS[Verdict(data["verdict"])]
    assert markdown((folder / "conformance.md").read_text(encoding="utf-8")).h1[0].endswith(words)
    assert junit_properties(junit(folder / "conformance.xml"))["ccrest.verdict"] == data["verdict"]
    page = (folder / "conformance.html").read_text(encoding="utf-8")
    assert re.search(rf'id="ccrest-verdict"[^>]*>[^<]*{re.escape(words)}', page)
    return data


def test_a_lone_surrogate_loses_no_report(run_suite, pytester) -> None:
    with hostile(surrogate_device()) as dev:
        result = run_suite("--controller-url", dev.url, "--password", PASSWORD, reports=True)
    assert result.ret == 1
    data = assert_every_report_whole(pytester.path / "reports")
    assert data["target"]["cp_vendor"] == "Acme\ufffd", "shown, the surrogate replaced"
    faults = {(f["check"], f.get("key")) for f in data["faults"]}
    assert ("wire.control-character", "cp_vendor") in faults


def test_a_lone_surrogate_in_one_lab_controller_spares_the_others(
    run_suite, pytester, monkeypatch, tmp_path
) -> None:
    """Under -n 2, the good controller's reports and the fleet are written whatever the other
    controller sent (a surrogate once killed the worker's report channel)."""
    from tests.suites.conftest import device

    monkeypatch.setenv("LAB_PASSWORD", PASSWORD)
    inventory = tmp_path / "lab.toml"
    with hostile(surrogate_device()) as bad, device() as good:
        inventory.write_text(
            f"[controllers.good]\nurl = '{good.url}'\npassword_env = 'LAB_PASSWORD'\n"
            f"[controllers.bad]\nurl = '{bad.url}'\npassword_env = 'LAB_PASSWORD'\n"
        )
        result = run_suite(
            f"--inventory={inventory}", "-n", "2", "--sample-seconds", "1", reports=True
        )
    assert result.ret == 1, result.stdout.str()[-2000:]
    root = pytester.path / "reports"
    assert assert_every_report_whole(root / "good")["verdict"] == "conforms"
    assert assert_every_report_whole(root / "bad")["verdict"] == "does-not-conform"
    fleet = strict_json(root / "fleet.json")
    assert isinstance(fleet, dict) and fleet["verdict"] == "does-not-conform"
    page = markdown((root / "fleet.md").read_text())
    assert page.h1 == ["ccrest lab: DOES NOT CONFORM (2 controllers)"] and page.unsafe == []


def test_a_watch_of_a_lone_surrogate_writes_its_page(tmp_path) -> None:
    from ccrest.report import watchpage
    from ccrest.watch import read_rows
    from tests.suites.conftest import watch_of

    with hostile(surrogate_device()) as dev:
        summary = watch_of(dev.url, PASSWORD, 0.5, 0.1, tmp_path)
    watchpage.write(tmp_path, summary, read_rows(tmp_path / "watch-samples.jsonl"))
    assert summary["verdict"] == "does-not-conform"
    assert (tmp_path / "watch.html").stat().st_size > 1000
    data = strict_json(tmp_path / "watch.json")
    assert isinstance(data, dict)
    page = markdown((tmp_path / "watch.md").read_text())
    assert page.h1[0].endswith("DOES NOT CONFORM") and page.unsafe == []


def test_junit_is_well_formed_whatever_the_identity(run_suite, pytester) -> None:
    """NUL, ESC and a form feed in the values the test suite is named after."""
    pairs = dict(conformant_pairs())
    pairs["cp_vendor"], pairs["cp_model"] = "Acme\x00Inc", "CC\x1b[31m612"
    pairs["firmware_ver"] = "5.33\x0c5"
    with hostile(Script(list(pairs.items()), PASSWORD)) as dev:
        run_suite("--controller-url", dev.url, "--password", PASSWORD, "-m", "schema", reports=True)
    root = junit(pytester.path / "reports" / "conformance.xml")
    assert root.find("testsuite").get("name") == "ccrest: Acme\\x00Inc CC\\x1b[31m612 5.33\\x0c5"
    assert_every_report_whole(pytester.path / "reports")


ECHOED = "Sëcret-Echo-Pw-7f3a"  # Latin-1, so the specification's Password header carries it


def test_a_secret_echoed_in_headers_and_logs_is_masked(run_suite, pytester) -> None:
    """A device that echoes the password in response headers (percent-encoded, as UTF-8 read
    as Latin-1, JSON-escaped, in the Content-Type) and in a malformed header line, which the
    client logs with the unparsed bytes: the password reaches no report and no terminal, in
    any encoding."""
    forms = secret_forms(ECHOED)
    raw = ECHOED.encode("utf-8")
    script = Script(
        conformant_pairs(),
        ECHOED,
        content_type=b"text/plain; x=" + raw,
        reason=b"OK " + raw,
        headers=[
            b"X-Echo-Percent: " + forms[1].encode(),
            b"X-Echo-Utf8: " + raw,
            b"X-Echo-Json: " + forms[3].encode(),
            b"Broken header line without a colon " + raw,
        ],
    )
    pairs = dict(script.pairs)
    pairs["conn_state"] = "charging"  # a failing check, so its exchange is shown
    script.pairs = list(pairs.items())
    with hostile(script) as dev:
        result = run_suite(
            "--controller-url", dev.url, "--password", ECHOED, "-v", "-rA", reports=True
        )
    assert result.ret == 1
    texts = {p.name: p.read_bytes() for p in (pytester.path / "reports").iterdir()}
    texts["terminal"] = (result.stdout.str() + result.stderr.str()).encode()
    for where, data in texts.items():
        for form in forms:
            for encoded in {form.encode("utf-8"), form.encode("latin-1", "ignore")}:
                assert encoded not in data, f"{form!r} reached {where}"
    shown = texts["conformance.html"].decode()
    assert "X-Echo-Percent: ***" in shown, "the header is kept, masked"
    assert b"unparsed data: 'Broken header line without a colon ***" in texts["terminal"], (
        "the client's warning is kept, masked"
    )


def test_a_device_cookie_is_never_sent_back(run_suite) -> None:
    """A device that sets a cookie: no request, and no probe without credentials, sends it
    back (a session cookie would open the no-credentials probe)."""
    script = Script(conformant_pairs(), PASSWORD, cookie=True)
    with hostile(script) as dev:
        result = run_suite("--controller-url", dev.url, "--password", PASSWORD, "-m", "auth")
    assert result.ret == 0, result.stdout.str()[-2000:]
    assert len(script.seen) > 5 and not [h for h in script.seen if "cookie" in h]


def test_an_undocumented_secret_key_is_shown_masked(run_suite, pytester) -> None:
    """Keys the specification does not document, named like secrets: their values reach no
    report and no terminal (the keys themselves are still reported as undocumented)."""
    pairs = dict(conformant_pairs())
    pairs |= {"wifi_password": "hunter2-wlan", "api_token": "tok-123456", "backend_key": "k-77"}
    with hostile(Script(list(pairs.items()), PASSWORD, form="json")) as dev:
        result = run_suite(
            "--controller-url",
            dev.url,
            "--password",
            PASSWORD,
            "-m",
            "schema",
            "-v",
            reports=True,
        )
    assert result.ret == 1
    texts = {p.name: p.read_text() for p in (pytester.path / "reports").iterdir()}
    texts["terminal"] = result.stdout.str()
    for where, text in texts.items():
        for value in ("hunter2-wlan", "tok-123456", "k-77"):
            assert value not in text, f"{value!r} reached {where}"
    data = strict_json(pytester.path / "reports" / "conformance.json")
    assert isinstance(data, dict) and data["undocumented_keys"]["wifi_password"] == "***"
