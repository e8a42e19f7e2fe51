"""Commands that run variants of a model: ``compare``, ``sweep`` and ``sensitivity``.

Each runs every variant with the same seed and replications (common random
numbers) and prints a table, or with ``--json`` / ``--csv`` machine-readable
output.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from relsim.cli.common import (
    BadInput,
    add_output_options,
    add_run_options,
    bad_value,
    emit,
    show_progress,
)

__all__ = ["add_parsers", "parse_assignment", "split_values"]


def split_values(text: str) -> list[str]:
    """Split ``"1,2,lognormal(mean=1h, sd=2h)"`` on commas outside brackets."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return out


def _value(text: str) -> Any:
    """A command-line value as a model file would read it (``3`` → int, ``true`` → bool)."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return text if value is None else value


def parse_assignment(text: str, option: str, count: int | None = None) -> tuple[str, list[Any]]:
    """``"path=v1,v2"`` → ``("path", [v1, v2])``; ``count`` values exactly if given."""
    path, sep, rest = text.partition("=")
    path = path.strip()
    if not sep or not path or not rest.strip():
        raise BadInput(f"{option} {text!r}: expected dotted.path=value1,value2,...")
    values = split_values(rest)
    if any(v == "" for v in values):
        raise BadInput(f"{option} {text!r}: empty value")
    if count is not None and len(values) != count:
        raise BadInput(f"{option} {text!r}: expected exactly {count} values (low,high), got {len(values)}")
    return path, [_value(v) for v in values]


def add_parsers(sub: Any) -> None:
    """Register ``compare``, ``sweep`` and ``sensitivity``."""
    c = sub.add_parser("compare", help="run variants with common random numbers; paired differences with CIs")
    c.add_argument("model", nargs="+", help="model files; the first is the baseline")
    add_run_options(c, runs_help="replications per variant (default 100)")
    add_output_options(c, csv_help="print the paired differences as CSV instead of tables")
    c.set_defaults(handler=run_compare)

    s = sub.add_parser("sweep", help="run a grid of dotted-path overrides (tidy table)")
    s.add_argument("model")
    s.add_argument("--set", dest="assign", action="append", required=True, metavar="PATH=V1,V2,...",
                   help="values of a model field; several --set form a grid")
    s.add_argument("--metric", action="append", default=None,
                   help="metric(s) to report (default: all that apply)")
    add_run_options(s, runs_help="replications per point (default 100)")
    add_output_options(s)
    s.set_defaults(handler=run_sweep)

    t = sub.add_parser("sensitivity", help="one-at-a-time sensitivity of a metric (tornado data)")
    t.add_argument("model")
    t.add_argument("--vary", action="append", required=True, metavar="PATH=LOW,HIGH",
                   help="a parameter and its low and high values (repeat for each)")
    t.add_argument("--metric", default="availability", help="metric to study (default availability)")
    add_run_options(t, runs_help="replications per variant (default 100)")
    add_output_options(t)
    t.set_defaults(handler=run_sensitivity)


def _shared(args: argparse.Namespace) -> dict[str, Any]:
    return {"runs": args.runs, "seed": args.seed, "horizon": args.horizon, "jobs": args.jobs,
            "backend": args.backend, "scheduler": args.scheduler, "progress": show_progress(args)}


def run_compare(args: argparse.Namespace) -> int:
    """``relsim compare``: variants side by side, then paired differences with 95 % CIs."""
    from relsim import report
    from relsim.compare import compare

    comp = bad_value(compare, args.model, **_shared(args))
    if args.json:
        emit(json.dumps(comp.to_dict(), indent=2))
    elif args.csv:
        emit(comp.differences().to_csv(index=False).rstrip("\n"))
    else:
        emit(report.comparison_tables(comp))
    return 0


def run_sweep(args: argparse.Namespace) -> int:
    """``relsim sweep``: one row per grid point and metric."""
    from relsim.report.formatting import format_ci, format_value
    from relsim.sweep import sweep

    grid: dict[str, list[Any]] = {}
    for text in args.assign:
        path, values = parse_assignment(text, "--set")
        if path in grid:
            raise BadInput(f"--set {path} given twice")
        grid[path] = values
    table = bad_value(sweep, args.model, grid, metrics=args.metric, **_shared(args))
    return _emit(args, table, list(grid), ["metric", "mean", "95% CI"],
                 lambda r: [r["metric"], format_value(r["metric"], r["mean"]),
                            format_ci(r["metric"], r["ci_low"], r["ci_high"])])


def run_sensitivity(args: argparse.Namespace) -> int:
    """``relsim sensitivity``: each parameter alone at its low and high value."""
    from relsim.report.formatting import format_ci, format_signed, format_value
    from relsim.sensitivity import sensitivity

    ranges: dict[str, tuple[Any, Any]] = {}
    for text in args.vary:
        path, values = parse_assignment(text, "--vary", count=2)
        ranges[path] = (values[0], values[1])
    table = bad_value(sensitivity, args.model, ranges, metric=args.metric, **_shared(args))
    m = args.metric
    if not (args.json or args.csv) and len(table):
        emit(f"{m} of the base model: {format_value(m, table['baseline'].iloc[0])}; "
             f"each parameter alone at low and high, largest swing first\n")
    return _emit(args, table, ["parameter", "low", "high"], ["at low", "at high", "high − low", "95% CI"],
                 lambda r: [format_value(m, r["at_low"]), format_value(m, r["at_high"]),
                            format_signed(m, r["difference"]),
                            format_ci(m, r["difference_ci_low"], r["difference_ci_high"])])


def _emit(args: argparse.Namespace, table: Any, keys: list[str], heads: list[str], cells: Any) -> int:
    from relsim import report

    if args.json:
        emit(json.dumps(report.frame_records(table), indent=2))
    elif args.csv:
        emit(table.to_csv(index=False).rstrip("\n"))
    else:
        emit(report.text.sweep_table(table, keys, heads, cells))
        if "metric" in table:  # a sweep with costs: what each point's added nines cost
            from relsim.report.cost import sweep_cost_lines

            extra = sweep_cost_lines(table)
            if extra:
                emit("\n".join(extra))
    return 0
