"""Subcommands that run variants of a model: ``compare``, ``sweep`` and ``sensitivity``.

Each runs every variant with the same seed and replications (common random
numbers) and prints a table, or with ``--json`` / ``--csv`` machine-readable
output. :mod:`relsim.cli` registers them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import pandas as pd
import yaml

from relsim.backends import BACKENDS
from relsim.cli import _CORE, _BadInput, _duration_arg, _fmt, _positive_int, _seed

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
        raise _BadInput(f"{option} {text!r}: expected dotted.path=value1,value2,...")
    values = split_values(rest)
    if any(v == "" for v in values):
        raise _BadInput(f"{option} {text!r}: empty value")
    if count is not None and len(values) != count:
        raise _BadInput(f"{option} {text!r}: expected exactly {count} values (low,high), got {len(values)}")
    return path, [_value(v) for v in values]


def _common(p: argparse.ArgumentParser, machine: bool = True) -> None:
    p.add_argument("--runs", type=_positive_int, default=100, help="replications per variant (default 100)")
    p.add_argument("--seed", type=_seed, default=0, help="base seed shared by all variants (default 0)")
    p.add_argument("--horizon", type=_duration_arg, default=None, help="simulated time per replication")
    p.add_argument("--jobs", type=_positive_int, default=1, help="workers (default 1)")
    p.add_argument("--backend", choices=BACKENDS, default=None, help="where replications run")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="existing Dask scheduler")
    p.add_argument("--progress", action="store_true", help="progress bar on stderr")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    if machine:
        p.add_argument("--csv", action="store_true", help="print CSV instead of a table")


def add_parsers(sub: Any) -> None:
    """Register ``compare``, ``sweep`` and ``sensitivity`` on the ``relsim`` parser."""
    c = sub.add_parser("compare", help="run variants with common random numbers; paired differences with CIs")
    c.add_argument("model", nargs="+", help="model files; the first is the baseline")
    _common(c, machine=False)

    s = sub.add_parser("sweep", help="run a grid of dotted-path overrides (tidy table)")
    s.add_argument("model")
    s.add_argument("--set", dest="assign", action="append", required=True, metavar="PATH=V1,V2,...",
                   help="values of a model field; several --set form a grid")
    s.add_argument("--metric", action="append", default=None, help="metric(s) to report (default all)")
    _common(s)

    t = sub.add_parser("sensitivity", help="one-at-a-time sensitivity of a metric (tornado data)")
    t.add_argument("model")
    t.add_argument("--vary", action="append", required=True, metavar="PATH=LOW,HIGH",
                   help="a parameter and its low and high values (repeat for each)")
    t.add_argument("--metric", default="availability", help="metric to study (default availability)")
    _common(t)


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the library; a ValueError about the values given becomes exit status 2."""
    from relsim.model import ModelError

    try:
        return fn(*args, **kwargs)
    except ModelError:
        raise
    except ValueError as exc:
        raise _BadInput(str(exc)) from None


def _shared(args: argparse.Namespace) -> dict[str, Any]:
    show = args.progress or (not args.json and not getattr(args, "csv", False) and sys.stderr.isatty())
    return {"runs": args.runs, "seed": args.seed, "horizon": args.horizon, "jobs": args.jobs,
            "backend": args.backend, "scheduler": args.scheduler, "progress": show}


def _jsonable(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(df.to_json(orient="records"))


def _table(header: list[str], body: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in (header, *body)) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in (header, *body))


def _ci(metric: str, lo: float, hi: float) -> str:
    return "-" if math.isnan(lo) else f"[{_fmt(metric, lo)}, {_fmt(metric, hi)}]"


def _signed(metric: str, x: float) -> str:
    if math.isnan(x):
        return "-"
    text = _fmt(metric, abs(x))
    return ("-" if x < 0 else "+") + text


def run_compare(args: argparse.Namespace) -> int:
    from relsim.compare import compare

    comp = _call(compare, args.model, **_shared(args))
    if args.json:
        print(json.dumps(comp.to_dict(), indent=2))
        return 0
    first = comp.results[comp.baseline]
    print(f"{len(comp.labels)} variants, {len(first.runs)} replications each, seed {first.seed}, "
          "common random numbers\n")
    wide = comp.side_by_side()
    shown = [m for m in wide.index if m in _CORE or _used(comp, str(m))]
    print(_table(["metric", *comp.labels],
                 [[str(m), *(_fmt(str(m), wide.loc[m, v]) for v in comp.labels)] for m in shown]))
    diffs = comp.differences()
    for label in comp.labels[1:]:
        d = diffs[(diffs["variant"] == label) & diffs["metric"].isin(shown)]
        print(f"\n{label} − {comp.baseline} (paired over replications, 95% CI):")
        body = [[r.metric, _signed(r.metric, r.mean), _ci(r.metric, r.ci_low, r.ci_high),
                 "yes" if r.significant else "no"] for r in d.itertuples()]
        print(_table(["metric", "difference", "95% CI", "significant"], body))
    return 0


def _used(comp: Any, metric: str) -> bool:
    """Whether any variant exercises the mechanism a metric measures (as ``relsim run`` hides unused ones)."""
    for res in comp.results.values():
        row = res.summary().loc[metric]
        if row["n"] > 0 and not (row["mean"] == 0 and row["ci_high"] == 0):
            return True
    return False


def run_sweep(args: argparse.Namespace) -> int:
    from relsim.sweep import sweep

    grid: dict[str, list[Any]] = {}
    for text in args.assign:
        path, values = parse_assignment(text, "--set")
        if path in grid:
            raise _BadInput(f"--set {path} given twice")
        grid[path] = values
    table = _call(sweep, args.model, grid, metrics=args.metric, **_shared(args))
    return _emit(args, table, list(grid), ["metric", "mean", "95% CI"],
                 lambda r: [r["metric"], _fmt(r["metric"], r["mean"]), _ci(r["metric"], r["ci_low"], r["ci_high"])])


def run_sensitivity(args: argparse.Namespace) -> int:
    from relsim.sensitivity import sensitivity

    ranges: dict[str, tuple[Any, Any]] = {}
    for text in args.vary:
        path, values = parse_assignment(text, "--vary", count=2)
        ranges[path] = (values[0], values[1])
    table = _call(sensitivity, args.model, ranges, metric=args.metric, **_shared(args))
    m = args.metric
    if not (args.json or args.csv) and len(table):
        print(f"{m} of the base model: {_fmt(m, table['baseline'].iloc[0])}; "
              f"each parameter alone at low and high, largest swing first\n")
    return _emit(args, table, ["parameter", "low", "high"], ["at low", "at high", "high − low", "95% CI"],
                 lambda r: [_fmt(m, r["at_low"]), _fmt(m, r["at_high"]), _signed(m, r["difference"]),
                            _ci(m, r["difference_ci_low"], r["difference_ci_high"])])


def _emit(args: argparse.Namespace, table: pd.DataFrame, keys: list[str], heads: list[str], cells: Any) -> int:
    if args.json:
        print(json.dumps(_jsonable(table), indent=2))
    elif args.csv:
        table.to_csv(sys.stdout, index=False)
    else:
        body = [[str(r[k]) for k in keys] + cells(r) for _, r in table.iterrows()]
        print(_table([*keys, *heads], body))
    return 0


COMMANDS = {"compare": run_compare, "sweep": run_sweep, "sensitivity": run_sensitivity}
