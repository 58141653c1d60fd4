"""Where a folder that ships with ccrest is: copied into the package in a wheel (hatch
force-include), or at the checkout's top level. One source either way."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def shipped(folder: str, marker: str) -> tuple[Path | None, tuple[Path, ...]]:
    """The folder holding ``marker``: ``ccrest/_<folder>`` in a wheel, else ``<checkout>/<folder>``;
    with the places looked in, for the message when neither has it."""
    candidates = (PACKAGE / f"_{folder}", PACKAGE.parents[1] / folder)
    for candidate in candidates:
        if (candidate / marker).is_file():
            return candidate, candidates
    return None, candidates
