"""Commands that look inside one replication: ``relsim trace`` and ``relsim signals``."""

from __future__ import annotations

import argparse
from typing import Any

from relsim.cli.common import (
    BadInput,
    add_output_options,
    duration_arg,
    emit,
    horizon_arg,
    seed_arg,
    whole,
)

__all__ = ["add_parsers", "signals", "trace"]


def add_parsers(sub: Any) -> None:
    """Register ``relsim trace`` and ``relsim signals``."""
    t = sub.add_parser("trace", help="print the event trace of one replication as JSON lines")
    _one_replication(t)
    t.set_defaults(handler=trace)

    g = sub.add_parser("signals", help="golden signals (traffic, errors, saturation, latency) of one replication")
    _one_replication(g)
    g.add_argument("--step", type=duration_arg, default=60.0, help="bin width (default 1m)")
    add_output_options(g, csv_help="print every bin as CSV (default: a table of the bins with errors)")
    g.set_defaults(handler=signals)


def _one_replication(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="model file (YAML)")
    p.add_argument("--seed", type=seed_arg, default=0, help="base seed (default 0)")
    p.add_argument("--replication", type=whole(0), default=0, help="replication index (default 0)")
    p.add_argument("--horizon", type=horizon_arg, default=None, help="simulated time, e.g. 30d (positive)")


def trace(args: argparse.Namespace) -> int:
    """Every event of replication ``--replication`` as one JSON object per line."""
    from relsim.model import load
    from relsim.report.formatting import format_clock
    from relsim.trace import trace as run_trace
    from relsim.trace import trace_lines

    model = load(args.model)
    events = run_trace(model, args.seed, args.replication, args.horizon)
    # "at" is the same instant as "t" (seconds) as day and clock, for people reading the lines
    for line in trace_lines([{"t": ev["t"], "at": format_clock(ev["t"]), **ev} for ev in events]):
        emit(line)
    return 0


def signals(args: argparse.Namespace) -> int:
    """Traffic, errors, saturation and latency binned over one replication."""
    from relsim import report
    from relsim.golden_signals import golden_signals
    from relsim.model import load
    from relsim.units import format_duration

    model = load(args.model)
    if model.spec.workload is None:
        raise BadInput("signals needs a model with a 'workload' (the requests to follow)")
    frame = golden_signals(model, args.seed, args.replication, args.step, args.horizon)
    if args.csv:
        emit(frame.to_csv(index=False).rstrip("\n"))
        return 0
    totals = frame.attrs["totals"]
    if args.json:
        emit(report.to_json({"model": model.name, "seed": args.seed, "replication": args.replication,
                             "step_s": args.step, "totals": totals, "bins": report.frame_records(frame)}))
        return 0
    emit(f"model '{model.name}', seed {args.seed}, replication {args.replication}: "
         f"{report.formatting.plural(len(frame), 'bin')} of {format_duration(args.step)}; "
         f"{totals['offered']:.6g} requests offered, {totals['failed']:.6g} failed")
    bad = frame[frame["errors"] > 0]
    emit("no bin has errors" if bad.empty else report.formatting.signals_table(bad))
    return 0
