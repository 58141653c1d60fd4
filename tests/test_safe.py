"""The display-safe boundary: a long text (remembered once made safe, as a device that answers
a megabyte each time sends the same megabyte) comes out exactly as a short one would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ccrest import safe


@given(st.text(min_size=1, max_size=40), st.booleans())
def test_a_long_text_is_made_safe_as_its_pieces_are(piece: str, lines: bool) -> None:
    big = piece * (safe.LARGE // len(piece) + 1)
    assert len(big) > safe.LARGE
    shown = safe.text(big, lines=lines)
    assert safe.text(big, lines=lines) is shown  # remembered
    assert shown == safe._text(big, lines)
    if "\r" not in piece:  # a CRLF may straddle two pieces when lines are kept
        assert shown == safe.text(piece, lines=lines) * (len(big) // len(piece))
    assert safe.UNSAFE_KEEPING_LINES.search(shown) is None


def test_a_remembered_text_keeps_lines_only_when_asked() -> None:
    big = "a\nb\x00" * safe.LARGE
    assert "\n" in safe.text(big, lines=True)
    assert "\n" not in safe.text(big) and "\\n" in safe.text(big)
