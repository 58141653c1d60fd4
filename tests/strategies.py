"""Hypothesis strategies for what a hostile device sends: text built from what every reader of
a report would take for an instruction (markup of HTML, Markdown, Jinja and XML; terminal
escape sequences; line ends; controls, lone surrogates and invisible Unicode; a secret in each
encoding it travels in) mixed with arbitrary characters, as values, key names, header values
and status reasons. Each markup fragment carries a marker that, were it obeyed, would show:
a script that sets ``window.__ccrest_pwned``, a request to the ``LEAK`` listener, a heading
that claims the device conforms."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus

from hypothesis import strategies as st

MARK = "ccrest_pwned"
LEAK = "http://127.0.0.1:{port}/leak"  # a listener the test runs; the port is filled in


def markup(port: int) -> list[str]:
    leak = LEAK.format(port=port)
    return [
        f'<img src=x onerror="window.__{MARK}=1">',
        f'<svg onload="window.__{MARK}=2">',
        f'<img src="{leak}/img">',
        f"\"'><script>window.__{MARK}=3</script>",
        f'<a href="javascript:window.__{MARK}=4">x</a>',
        f'<iframe src="{leak}/frame"></iframe>',
        f"<style>body{{background:url({leak}/css)}}</style>",
        '<div style="position:fixed;inset:0;background:#0f0;z-index:9999">CONFORMS</div>',
        f"![{MARK}]({leak}/md-image)",
        f"[{MARK}](javascript:alert(1))",
        f"<{leak}/autolink>",
        f"{leak}/bare www.{MARK}.example",
        "\r# ccrest: forged: CONFORMS\r<!--",
        "\n## Faults\n| x |",
        "-->",
        "| forged | cell |",
        "**bold** _em_ ~~s~~ `code` $x$ :smile: @someone #1",
        "{{ 7*7 }}{% raw %}{{ x }}",
        "&lt;script&gt; &amp; &#60;",
        "<![CDATA[ ]]> <?xml?> ]]>",
        "\x1b]0;ccrest_pwned_title\x07",
        "\x1b]52;c;Y2NyZXN0X3B3bmVk\x07",
        "\x1b[2K\r\x1b[32mccrest: CONFORMS\x1b[0m",
        "\x1b[8m",
        "\x1b[?1049h",
        "\x00\x0c\x08\x7f\x85\x9b",
        "\u202e\u2066\u200b\u2028\u2029\ufeff\ufffe",
        "\ud800",
        "\udfff",
    ]


def secret_forms(secret: str) -> list[str]:
    """A secret in the encodings a device may echo it in (as text)."""
    raw = secret.encode("utf-8")
    return [
        secret,
        quote(secret, safe=""),
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote_plus(secret, safe="")),
        json.dumps(secret)[1:-1],
        raw.decode("latin-1"),  # UTF-8 bytes read as Latin-1, as a header is
        base64.b64encode(f"operator:{secret}".encode()).decode(),
    ]


def hostile_text(port: int, secret: str, max_size: int = 4) -> st.SearchStrategy[str]:
    """A text of a few pieces: markup fragments, a secret's form, arbitrary characters
    (controls, surrogates and format characters included)."""
    piece = st.one_of(
        st.sampled_from(markup(port)),
        st.sampled_from(secret_forms(secret)),
        st.text(
            st.characters(categories=("L", "N", "P", "S", "Zs", "Cc", "Cf", "Cs", "Zl", "Zp")),
            max_size=6,
        ),
    )
    return st.lists(piece, min_size=1, max_size=max_size).map("".join)


def header_text(port: int, secret: str) -> st.SearchStrategy[bytes]:
    """A header value as bytes a device may send (Latin-1 and raw UTF-8; no CR or LF, which
    would end the header)."""
    return hostile_text(port, secret, 3).map(
        lambda t: t.replace("\r", " ").replace("\n", " ").encode("utf-8", "surrogatepass")
    )
