"""``ccrest example lab|profile|config``: an example file to start from, printed as shipped
(the wheel carries ``examples/``; a checkout reads it at the top level)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ccrest.shipped import shipped
from ccrest.usage import Parser

EXAMPLES = {
    "lab": ("lab.toml", "a lab's inventory: ccrest check --inventory lab.toml"),
    "profile": ("acme-5.33.toml", "a profile: ccrest check --profile acme-5.33.toml"),
    "config": ("ccrest.toml", "the settings file ccrest check and ccrest watch read"),
    "declaration": ("declaration.toml", "a model's declaration: ccrest check --declaration FILE"),
}


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    parser = Parser(
        prog=prog or "ccrest example",
        description="Print an example file to start from: "
        + "; ".join(f"{name}, {what}" for name, (_, what) in EXAMPLES.items()),
    )
    parser.add_argument("name", choices=list(EXAMPLES), help="which example")
    args = parser.parse_args(argv)
    folder, looked = shipped("examples", "lab.toml")
    if folder is None:
        parser.error(f"no examples found (looked in {', '.join(map(str, looked))}); reinstall")
    sys.stdout.write((folder / EXAMPLES[args.name][0]).read_text(encoding="utf-8"))
    return 0
