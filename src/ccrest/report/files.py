"""Report files written whole or not at all: a temporary file beside the report, then renamed
over it. A reader never sees half a report, and a link planted where a report goes is
replaced, never followed out of the folder."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path

SURROGATE = re.compile("[\ud800-\udfff]")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


MODE = 0o666 & ~_umask()  # what open() would have given a new file


def write_text(path: Path, text: str) -> None:
    """``text`` to ``path`` atomically, as UTF-8 (a lone surrogate, which UTF-8 cannot carry,
    becomes U+FFFD: a writer never fails on what a device sent)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = SURROGATE.sub("\ufffd", text).encode("utf-8")
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temporary, MODE)
        os.replace(temporary, path)  # replaces a link at path itself, never its target
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_json(path: Path, data: object) -> None:
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
