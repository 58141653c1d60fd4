"""The reports as their real consumers read them: the Markdown through a CommonMark renderer
(markdown-it-py, with the GitHub tables and strikethrough it implements), the JUnit file
through a strict XML parser, the JSON through a strict JSON parser. Self-tests assert on what
these make of a report, never on the bytes we wrote."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

# what a device's text must never become in Markdown: markup of its own
UNSAFE_TOKENS = ("html_inline", "html_block", "link_open", "image", "code_block", "fence")


@dataclass
class Markdown:
    """A Markdown page as a CommonMark renderer builds it."""

    html: str
    headings: list[tuple[int, str]] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)  # rows of cells' text
    unsafe: list[str] = field(default_factory=list)  # token types a device must not cause

    @property
    def h1(self) -> list[str]:
        return [text for level, text in self.headings if level == 1]

    def rows(self, header: str) -> list[list[str]]:
        """The body rows of the first table whose first header cell is ``header``."""
        for table in self.tables:
            if table and table[0] and table[0][0] == header:
                return table[1:]
        raise AssertionError(f"no table headed {header!r} in {self.headings}")


def _text(token: Token) -> str:
    return "".join(
        child.content if child.type in ("text", "code_inline") else " "
        for child in token.children or ()
        if child.type in ("text", "code_inline", "softbreak", "hardbreak")
    )


def markdown(text: str) -> Markdown:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = md.parse(text)
    page = Markdown(md.render(text))
    table: list[list[str]] | None = None
    row: list[str] | None = None
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            page.headings.append((int(token.tag[1]), _text(tokens[i + 1])))
        elif token.type == "table_open":
            table = []
            page.tables.append(table)
        elif token.type == "tr_open":
            row = []
            assert table is not None
            table.append(row)
        elif (
            token.type == "inline"
            and row is not None
            and tokens[i - 1].type in ("th_open", "td_open")
        ):
            row.append(_text(token))
        elif token.type == "table_close":
            table = row = None
        for t in [token, *(token.children or ())]:
            if t.type in UNSAFE_TOKENS:
                page.unsafe.append(t.type)
    return page


def strict_json(path: Path) -> object:
    """JSON as a strict parser reads it: UTF-8 only, no NaN or Infinity, no lone surrogate."""

    def refuse(name: str) -> object:
        raise ValueError(f"{path}: {name} is not JSON")

    data = json.loads(path.read_bytes().decode("utf-8"), parse_constant=refuse)

    def walk(value: object) -> None:
        if isinstance(value, str):
            value.encode("utf-8")  # a lone surrogate cannot be encoded
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)
    return data


def junit(path: Path) -> ET.Element:
    """The JUnit file's root, parsed by expat (which refuses any malformed XML)."""
    return ET.parse(path).getroot()


def junit_properties(root: ET.Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in root.iter("property")}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str], str]] = []  # tag, attributes, text inside
        self._open: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}, ""))
        if tag in ("script", "style"):
            self._open.append(len(self.found) - 1)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            i = self._open[-1]
            tag, attrs, text = self.found[i]
            self.found[i] = (tag, attrs, text + data)


PYTEST_HTML_OWN = (  # pytest-html's own: a handler and a link its page has
    'onclick="location.reload()"',
    'href="https://pypi.python.org/pypi/pytest-html"',
)
# the fields of pytest-html's data that its app.js inserts as HTML (innerHTML, insertAdjacentHTML)
INSERTED_AS_HTML = ("environment", "resultsTableRow", "log", "tableHtml", "extras")


def html_injections(page: str, marker: str) -> list[str]:
    """Elements that markup from a device would make, in an HTML page and in every fragment
    the page's script (pytest-html's app.js) inserts as HTML from its data: a handler
    attribute, a link or source that leaves the page, a base or refresh, or a script or style
    that holds the device's ``marker``."""
    found = []

    def check(fragment: str, where: str) -> None:
        parser = _Elements()
        parser.feed(fragment)
        for tag, attrs, text in parser.found:
            for name, value in attrs.items():
                if name.startswith("on") and f'{name}="{value}"' not in PYTEST_HTML_OWN:
                    found.append(f"{where}: <{tag} {name}={value!r}>")
                if name in ("href", "src", "action", "formaction", "xlink:href", "srcset"):
                    own = f'{name}="{value}"' in PYTEST_HTML_OWN
                    if value and not own and not value.startswith(("#", "data:")):
                        found.append(f"{where}: <{tag} {name}={value!r}>")
            if tag in ("base", "iframe", "object", "embed", "frame") or (
                tag == "meta" and "refresh" in attrs.get("http-equiv", "").lower()
            ):
                found.append(f"{where}: <{tag}>")
            if tag in ("script", "style") and marker in text:
                found.append(f"{where}: <{tag}> holding the device's text")
            if tag == "div" and "data-jsonblob" in attrs:
                blob(json.loads(attrs["data-jsonblob"]), f"{where} data-jsonblob", False)

    def blob(value: object, where: str, inserted: bool) -> None:
        if isinstance(value, str) and inserted:
            check(value, where)
        elif isinstance(value, dict):
            for k, v in value.items():
                blob(v, f"{where}.{k}", inserted or k in INSERTED_AS_HTML)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                blob(v, f"{where}[{i}]", inserted)

    check(page, "page")
    return found


def html_verdict(page: str) -> str:
    """The text of the page's verdict element (as the server wrote it; there is one)."""
    assert page.count('id="ccrest-verdict"') == 1
    start = page.index('id="ccrest-verdict"')
    return html.unescape(page[page.index(">", start) + 1 : page.index("<", start)])
