"""``python -m ccrest.report diff OLD.json NEW.json [--html FILE]`` and
``python -m ccrest.report merge DIR... [--out DIR]`` (also as ``ccrest report``).

diff's exit codes: 0 no regression, 1 a regression, 4 a usage error or an unreadable summary.
merge's: the worst controller's, as the lab run's (0, 1, 5 or 6), 4 when a folder holds none.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ccrest import safe
from ccrest.report.diff import compare, render_html, render_text
from ccrest.report.files import write_text
from ccrest.report.summary import schema_problem
from ccrest.usage import Parser
from ccrest.verdict import EXIT_USAGE


def _load(path: str, parser: argparse.ArgumentParser) -> dict[str, Any]:
    """A summary read back, refused (exit 4, with the reason) unless it is one, and every text
    in it made display-safe: a file may have been crafted, as a device's bytes may be."""
    try:
        data = safe.tree(json.loads(Path(path).read_text(encoding="utf-8")))
        problem = schema_problem(data)
    except OSError as exc:
        parser.exit(EXIT_USAGE, f"{parser.prog}: cannot read {path}: {exc.strerror}\n")
    except RecursionError:
        parser.exit(
            EXIT_USAGE, f"{parser.prog}: {path} is nested too deep to be a conformance summary\n"
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        why = safe.text(str(exc))
        parser.exit(
            EXIT_USAGE, f"{parser.prog}: {path} is not JSON ({why}); give a conformance.json\n"
        )
    if problem is not None:
        parser.exit(
            EXIT_USAGE, f"{parser.prog}: {path} is not a ccrest conformance summary: {problem}\n"
        )
    assert isinstance(data, dict)
    return data


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    parser = Parser(prog=prog or "ccrest report")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    diff = commands.add_parser("diff", help="what regressed, was fixed or changed between runs")
    diff.add_argument("old", help="conformance.json of the earlier run (the old build)")
    diff.add_argument("new", help="conformance.json of the later run (the new build)")
    diff.add_argument("--html", metavar="FILE", help="also write the diff as an HTML page")
    merge = commands.add_parser(
        "merge", help="one fleet summary from the report folders of a lab's shards"
    )
    merge.add_argument("dirs", nargs="+", metavar="DIR", help="a shard's report folder")
    merge.add_argument("--out", default=".", help="where fleet.{json,md,html} go (default .)")
    args, rest = parser.parse_known_args(argv)
    if rest:  # named by the subcommand's own parser: its usage line, its options' hints
        {"diff": diff, "merge": merge}[args.command].error(
            f"unrecognized arguments: {' '.join(rest)}"
        )
    if args.command == "merge":
        return _merge(args, parser)
    result = compare(_load(args.old, parser), _load(args.new, parser))
    sys.stdout.write(render_text(result))
    if args.html:
        write_text(Path(args.html), render_html(result))
    return 1 if result["regression"] else 0


def _merge(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from ccrest.report import fleet

    roots = [Path(d) for d in args.dirs]
    for root in roots:
        if not root.is_dir():
            parser.exit(
                EXIT_USAGE, f"{parser.prog}: merge: {root} is not a folder; give report folders\n"
            )
    try:
        summaries = fleet.collect(roots)
    except fleet.FleetError as exc:
        parser.exit(EXIT_USAGE, f"{parser.prog}: merge: {exc}\n")
    result = fleet.build(summaries, expected=sorted(summaries))
    fleet.write(Path(args.out), result)
    sys.stdout.write(fleet.render_md(result))
    return int(result["exit_code"])


if __name__ == "__main__":
    sys.exit(main())
