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
    from relsim.model.request_path import measured, model_warnings
    from relsim.report.formatting import format_horizon, plural

    problems = []
    for path in args.model:
        try:
            model = load(path)
        except ModelError as exc:
            problems.extend(exc.problems)
            continue
        emit(f"{path}: ok ({plural(len(model.domains), 'domain')}, {plural(len(model.components), 'component')}, "
             f"{plural(len(model.services), 'service')}, measures the {measured(model)}, "
             f"horizon {format_horizon(model.horizon)})")
        for warning in model_warnings(model):
            print(f"{path}: warning: {warning}", file=sys.stderr)
        _estimate_events(path, model)
    if problems:
        raise ModelError(problems)
    return 0


def _estimate_events(path: str, model: Any) -> None:
    """Print the estimated events per replication; warn when ``relsim run`` would refuse it."""
    from relsim.model.estimate import events_per_replication
    from relsim.model.limits import DEFAULT_MAX_EVENTS

    estimate = events_per_replication(model)
    emit(f"{path}: about {estimate:,.2g} events per replication (an estimate from the failure rates "
         "and the horizon)")
    if estimate > DEFAULT_MAX_EVENTS:
        print(f"{path}: warning: relsim run refuses more than {DEFAULT_MAX_EVENTS:,} events per replication; "
              "shorten the horizon or pass --max-events N", file=sys.stderr)
