"""The simulator's header-block reader against the standard library's, on generated blocks.

``ccrest.simulator.head`` replaced the e-mail parser the standard library reads request headers
with. Two properties hold it to that parser: whatever it accepts, the standard library reads
to the same fields (trailing whitespace aside, which RFC 9110 section 5.5 excludes from a
value), and whatever the standard library flags as damaged, it refuses. Well-formed blocks
(RFC 9112 section 5: token ":" OWS value OWS) it always accepts.
"""

from __future__ import annotations

import http.client
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccrest.simulator import head

TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# pieces of header lines, hostile ones among them: folds, bare CR, NEL, NUL, spaces in names
PIECES = [
    "Authorization", "authorization", "Username", "Password", "Connection", "Content-Length",
    "Transfer-Encoding", "X", "From ", ":", ": ", " ", "\t", "\r", "\n", "\x00", "\x0b",
    "\x0c", "\x1c", "\x85", "\xa0", "\xff", "Basic b3BlcmF0b3I6b3BlcmF0b3ItcHc=", "close",
    "keep-alive", "0", "a", "é", "=", ",", ";", '"',
]  # fmt: skip
ENDINGS = ["\r\n", "\n"]


def stdlib(lines: list[bytes]) -> http.client.HTTPMessage:
    return http.client.parse_headers(io.BytesIO(b"".join(lines) + b"\r\n"))


def line_bytes(text: str, ending: str) -> bytes:
    return (text + ending).encode("iso-8859-1")


hostile_lines = st.lists(
    st.builds(
        line_bytes,
        st.lists(st.sampled_from(PIECES), max_size=6).map("".join),
        st.sampled_from(ENDINGS),
    ),
    max_size=6,
)
visible = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=12)
well_formed_lines = st.lists(
    st.builds(
        lambda name, ows1, value, ows2, ending: line_bytes(f"{name}:{ows1}{value}{ows2}", ending),
        st.text(TCHAR, min_size=1, max_size=12),
        st.sampled_from(["", " ", "\t", "  "]),
        st.lists(visible, max_size=3).map(" ".join),
        st.sampled_from(["", " ", "\t"]),
        st.sampled_from(ENDINGS),
    ),
    max_size=8,
)


def agrees(ours: head.Fields, theirs: http.client.HTTPMessage) -> None:
    assert not theirs.defects
    assert len(ours) == len(theirs.items())
    for (name, value), (their_name, their_value) in zip(ours.items(), theirs.items(), strict=True):
        assert name == their_name
        assert value == their_value.rstrip(" \t")
        assert ours.get(name.upper()) == (theirs.get(name) or "").rstrip(" \t")


@settings(max_examples=400, deadline=None)
@given(hostile_lines)
def test_what_it_accepts_the_standard_library_reads_alike(lines: list[bytes]) -> None:
    try:
        ours = head.parse(lines)
    except head.Malformed as refused:
        assert refused.status == 400
        return
    agrees(ours, stdlib(lines))


@settings(max_examples=400, deadline=None)
@given(hostile_lines)
def test_what_the_standard_library_flags_it_refuses(lines: list[bytes]) -> None:
    if stdlib(lines).defects:
        with pytest.raises(head.Malformed):
            head.parse(lines)


@settings(max_examples=300, deadline=None)
@given(well_formed_lines)
def test_a_well_formed_block_is_read_as_the_standard_library_reads_it(
    lines: list[bytes],
) -> None:
    agrees(head.parse(lines), stdlib(lines))


@pytest.mark.parametrize(
    "line",
    [b"X: a\r\n", b"X:a\r\n", b"X: a \t\r\n", b"X:\r\n", b"X: \xe9\xff\r\n", b"X: a\tb\n"],
    ids=["plain", "no-space", "trailing-ows", "empty", "obs-text", "tab-inside"],
)
def test_allowed_shapes_are_read(line: bytes) -> None:
    agrees(head.parse([line]), stdlib([line]))


@pytest.mark.parametrize(
    "lines",
    [
        [b"X: a\r\n", b" folded\r\n"],
        [b"\tX: a\r\n"],
        [b"X : a\r\n"],
        [b": a\r\n"],
        [b"No colon\r\n"],
        [b"X: a\rY: b\r\n"],
        [b"X: a\x85Y: b\r\n"],
        [b"X: a\x00b\r\n"],
        [b"From someone\r\n"],
    ],
    ids=[
        "obs-fold",
        "leading-tab",
        "space-before-colon",
        "empty-name",
        "no-colon",
        "bare-cr",
        "nel",
        "nul",
        "mbox-from-line",
    ],
)
def test_refused_shapes(lines: list[bytes]) -> None:
    """RFC 9112 section 5.1 (no whitespace before the colon: 400), 5.2 (obs-fold: a server
    may refuse with 400), RFC 9110 section 5.5 (CR, LF, NUL in a value: refuse or replace)."""
    with pytest.raises(head.Malformed) as refused:
        head.parse(lines)
    assert refused.value.status == 400


def test_limits_are_the_standard_library_s() -> None:
    too_long = io.BytesIO(b"X: " + b"a" * head.MAX_LINE + b"\r\n\r\n")
    with pytest.raises(head.Malformed, match="Line too long") as refused:
        head.read(too_long)
    assert refused.value.status == 431
    with pytest.raises(head.Malformed, match="Too many headers"):
        head.read(io.BytesIO(b"X: y\r\n" * head.MAX_LINES + b"\r\n"))
    with pytest.raises(http.client.HTTPException):
        http.client.parse_headers(io.BytesIO(b"X: y\r\n" * head.MAX_LINES + b"\r\n"))
    fields = head.read(io.BytesIO(b"X: y\r\n" * (head.MAX_LINES - 1) + b"\r\nbody"))
    assert len(fields) == head.MAX_LINES - 1
