"""Generated hostile devices (Hypothesis): values, key names, identity, the body's form and
encoding, the Content-Type, the status line's reason and other headers, built from markup of
every report's language, terminal escapes, controls, lone surrogates and the run's password in
its encodings. For each, a whole run of the suite against the fake device, and then:

- every report is written and its reader takes it (strict JSON, well-formed XML, CommonMark);
- the verdict is the same in the terminal and in all four reports;
- no device byte escapes its context: no markup of the device's in the Markdown, no element
  of the device's in the HTML or in what its script inserts, no escape sequence in the
  terminal;
- the password, in none of its encodings, anywhere.

CI runs a fixed, derandomized sample; ``bench/fuzz.py`` runs many more examples. Hypothesis
keeps no example database (the repository holds none)."""

from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccrest.verdict import WORDS, Verdict
from tests.artifacts import (
    html_injections,
    html_verdict,
    junit,
    junit_properties,
    markdown,
    strict_json,
)
from tests.hostile import Script, conformant_pairs, hostile
from tests.strategies import MARK, header_text, hostile_text, secret_forms
from tests.suites.conftest import check_in_process

SECRET = "Fuzz-Sëcret-Pw-7f3a"  # Latin-1 but not ASCII: its encodings differ
EXAMPLES = int(os.environ.get("CCREST_FUZZ_EXAMPLES", "12"))
BASE = conformant_pairs()
IDENTITY = ("cp_vendor", "cp_model", "firmware_ver", "cc_serial_n", "manuf_serial_n", "cp_id")
LEAK_PORT = 9  # the discard port: a report that fetched from it would be found by its text


@st.composite
def devices(draw: st.DrawFn) -> Script:
    text = hostile_text(LEAK_PORT, SECRET)
    pairs = dict(BASE)
    for key in draw(st.lists(st.sampled_from(list(pairs)), max_size=5, unique=True)):
        pairs[key] = draw(text)
    for key in draw(st.lists(st.sampled_from(IDENTITY), min_size=1, max_size=3, unique=True)):
        pairs[key] = draw(text)
    for _ in range(draw(st.integers(0, 3))):
        pairs[draw(text)] = draw(text)
    return Script(
        list(pairs.items()),
        SECRET,
        form=draw(st.sampled_from(["text", "json"])),
        encoding=draw(st.sampled_from(["utf-8", "latin-1"])),
        content_type=draw(
            st.sampled_from([b"text/plain", b"application/json"]) | header_text(LEAK_PORT, SECRET)
        ),
        reason=draw(header_text(LEAK_PORT, SECRET)),
        headers=[
            b"X-Device: " + h for h in draw(st.lists(header_text(LEAK_PORT, SECRET), max_size=2))
        ],
        cookie=draw(st.booleans()),
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("CCREST_FUZZ_RANDOM") != "1",  # bench/fuzz.py: random
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=devices())
def test_no_device_byte_escapes_its_context(tmp_path_factory, script: Script) -> None:
    folder = tmp_path_factory.mktemp("fuzz") / "reports"
    with hostile(script) as dev:
        code, terminal = check_in_process(
            folder, f"--controller-url={dev.url}", f"--password={SECRET}"
        )
    assert code in (0, 1, 6), terminal[-3000:]

    data = strict_json(folder / "conformance.json")
    assert isinstance(data, dict)
    words = WORDS[Verdict(data["verdict"])]
    md = markdown((folder / "conformance.md").read_text(encoding="utf-8"))
    assert md.unsafe == [], f"device bytes became Markdown markup: {md.unsafe}"
    assert len(md.h1) == 1 and md.h1[0].endswith(f": {words}"), md.h1
    for table in md.tables:
        assert len({len(row) for row in table}) == 1, "a value broke a table row"
    root = junit(folder / "conformance.xml")
    assert junit_properties(root)["ccrest.verdict"] == data["verdict"]
    page = (folder / "conformance.html").read_text(encoding="utf-8")
    assert html_injections(page, MARK) == []
    assert html_verdict(page).endswith(f": {words}")
    if code == 1:
        assert re.search(rf"^verdict: {re.escape(words)}", terminal, re.M), terminal[-2000:]
    assert "\x1b" not in terminal, "an escape sequence reached the terminal"

    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    files["terminal"] = terminal.encode("utf-8", "surrogatepass")
    for where, content in files.items():
        for form in secret_forms(SECRET):
            assert form.encode("utf-8") not in content, f"{form!r} reached {where}"
