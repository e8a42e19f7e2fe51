"""``relsim examples``: the bundled example models, listed or copied to a directory."""

from __future__ import annotations

import argparse
from typing import Any

from relsim.cli.common import BadInput, emit

__all__ = ["add_parsers", "examples"]


def add_parsers(sub: Any) -> None:
    """Register ``relsim examples list`` and ``relsim examples copy DIR [NAME ...]``."""
    e = sub.add_parser("examples", help="list the bundled example models or copy them to a directory")
    actions = e.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="name and one-line description of each example")
    c = actions.add_parser("copy", help="copy example models to DIR (all, or the NAMEs given)")
    c.add_argument("dest", metavar="DIR", help="directory to copy into (created if missing)")
    c.add_argument("names", nargs="*", metavar="NAME", help="examples to copy (default: all)")
    c.add_argument("--overwrite", action="store_true", help="replace files that already exist in DIR")
    e.set_defaults(handler=examples)


def examples(args: argparse.Namespace) -> int:
    """List the examples, or copy them (exit 2 on an unknown name or an existing file)."""
    from relsim import examples as bundled
    from relsim.report.formatting import text_table

    if args.action == "list":
        emit(text_table(["example", "what it shows"], [[n, bundled.describe(n)] for n in bundled.names()], left=2))
        return 0
    try:
        copied = bundled.copy(args.dest, args.names or None, overwrite=args.overwrite)
    except KeyError as exc:
        raise BadInput(exc.args[0] if exc.args else str(exc)) from None
    except FileExistsError as exc:
        raise BadInput(str(exc).replace("(pass overwrite=True)", "(add --overwrite)")) from None
    except NotADirectoryError as exc:
        raise BadInput(str(exc)) from None
    emit(f"copied {len(copied)} example model{'s' * (len(copied) != 1)} to {args.dest}; "
         f"try: relsim run {copied[0]}" if copied else "nothing to copy")
    return 0
