"""``relsim importance``: which element to harden first (docs/importance.md)."""

from __future__ import annotations

import argparse
from typing import Any

from relsim.cli.common import (
    BACKENDS,
    BadInput,
    add_output_options,
    bad_value,
    duration_arg,
    emit,
    positive_int,
    seed_arg,
)

__all__ = ["add_parsers", "run_importance"]


def add_parsers(sub: Any) -> None:
    """Register ``relsim importance``."""
    p = sub.add_parser("importance", help="importance measures per element (Birnbaum, criticality, "
                       "Fussell-Vesely, RAW, RRW) with CIs, ranked: harden this first")
    p.add_argument("model", help="model file")
    p.add_argument("--runs", type=positive_int, default=200,
                   help="replications per variant: the model, and each element never failing and "
                        "always down (default 200)")
    p.add_argument("--seed", type=seed_arg, default=0, help="base seed, shared by every variant (default 0)")
    p.add_argument("--horizon", type=duration_arg, default=None, help="simulated time per replication, e.g. 10y")
    p.add_argument("--jobs", type=positive_int, default=1, help="worker processes (default 1)")
    p.add_argument("--backend", choices=BACKENDS, default=None,
                   help="where replications run (default: processes if --jobs > 1)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of an existing Dask scheduler (implies --backend dask)")
    p.add_argument("--element", action="append", default=None, metavar="NAME",
                   help="measure only this element (repeat for several; default: every element with failures)")
    exact = p.add_mutually_exclusive_group()
    exact.add_argument("--exact", dest="exact", action="store_true", default=None,
                       help="also give exact values (exit 2 if the model is not Markovian); "
                            "by default they are given when it is")
    exact.add_argument("--no-exact", dest="exact", action="store_false", help="simulation only")
    add_output_options(p, csv_help="print the whole table (every column) as CSV")
    p.set_defaults(handler=run_importance)


def run_importance(args: argparse.Namespace) -> int:
    """Run the variants with common random numbers and print the ranked table."""
    from relsim import report
    from relsim.backends import open_backend
    from relsim.errors import Unsupported
    from relsim.importance import importance
    from relsim.model import load
    from relsim.report.importance import importance_table

    model = load(args.model)
    with bad_value(open_backend, args.backend, args.jobs, args.scheduler) as backend:
        try:
            table = bad_value(importance, model, runs=args.runs, seed=args.seed, horizon=args.horizon,
                              backend=backend, elements=args.element, exact=args.exact)
        except Unsupported as exc:
            raise BadInput("--exact: " + str(exc)) from None
    if args.json:
        emit(report.to_json(report.frame_records(table)))
    elif args.csv:
        emit(table.to_csv(index=False).rstrip("\n"))
    else:
        emit(importance_table(table))
    return 0
