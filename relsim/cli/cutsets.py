"""``relsim cutsets``: minimal cut sets of the entry service (docs/importance.md)."""

from __future__ import annotations

import argparse
from typing import Any

from relsim.cli.common import (
    add_output_options,
    bad_value,
    duration_arg,
    emit,
    positive_int,
    seed_arg,
    whole,
)

__all__ = ["add_parsers", "run_cutsets"]


def add_parsers(sub: Any) -> None:
    """Register ``relsim cutsets``."""
    p = sub.add_parser("cutsets", help="minimal cut sets of the entry service (which failures together "
                       "take it down) with their share of downtime")
    p.add_argument("model", help="model file")
    p.add_argument("--max-order", type=positive_int, default=3,
                   help="largest cut set looked for (default 3)")
    p.add_argument("--runs", type=whole(0), default=100,
                   help="traced replications for the shares of downtime; 0: cut sets only (default 100)")
    p.add_argument("--seed", type=seed_arg, default=0, help="base seed (default 0)")
    p.add_argument("--horizon", type=duration_arg, default=None, help="simulated time per replication, e.g. 10y")
    add_output_options(p, csv_help="print the table as CSV")
    p.set_defaults(handler=run_cutsets)


def run_cutsets(args: argparse.Namespace) -> int:
    """Find the minimal cut sets, estimate their shares and print them."""
    from relsim import report
    from relsim.cutsets import cutsets
    from relsim.model import load
    from relsim.report.importance import cutsets_table

    model = load(args.model)
    table = bad_value(cutsets, model, max_order=args.max_order, runs=args.runs, seed=args.seed,
                      horizon=args.horizon)
    if args.json:
        emit(report.to_json(report.frame_records(table)))
    elif args.csv:
        out = table.assign(elements=table["elements"].map(" ".join), kinds=table["kinds"].map(" ".join))
        emit(out.to_csv(index=False).rstrip("\n"))
    else:
        emit(cutsets_table(table))
    return 0
