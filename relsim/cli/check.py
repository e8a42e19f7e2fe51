"""``relsim check``: validate model files without running them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from relsim.cli.common import emit

__all__ = ["add_parsers", "check"]


def add_parsers(sub: Any) -> None:
    """Register ``relsim check``."""
    c = sub.add_parser("check", help="validate model files without running them")
    c.add_argument("model", nargs="+", help="model file(s)")
    c.set_defaults(handler=check)


def check(args: argparse.Namespace) -> int:
    """Load every file; report all problems of all files at once (exit 2 if any)."""
    from relsim.errors import ModelError
    from relsim.model import load
    from relsim.model.request_path import entry_warning, measured
    from relsim.units import format_duration

    problems = []
    for path in args.model:
        try:
            model = load(path)
        except ModelError as exc:
            problems.extend(exc.problems)
            continue
        emit(f"{path}: ok ({len(model.domains)} domains, {len(model.components)} components, "
             f"{len(model.services)} services, measures the {measured(model)}, "
             f"horizon {format_duration(model.horizon)})")
        warning = entry_warning(model)
        if warning is not None:
            print(f"{path}: warning: {warning}", file=sys.stderr)
    if problems:
        raise ModelError(problems)
    return 0
