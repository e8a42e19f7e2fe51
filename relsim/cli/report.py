"""``relsim report``: the architecture-review report of one or several models (HTML or Markdown)."""

from __future__ import annotations

import argparse
import importlib.util
import shlex
import sys
from pathlib import Path
from typing import Any

from relsim.cli.common import (
    BadInput,
    add_run_options,
    bad_value,
    positive_int,
    show_progress,
    whole,
)
from relsim.cli.variants import parse_assignment

__all__ = ["add_parsers", "reproduce_command", "run_report"]


def add_parsers(sub: Any) -> None:
    """Register ``relsim report``."""
    r = sub.add_parser("report", help="write an architecture-review report (one self-contained HTML file, or "
                                      "Markdown) of one or several models")
    r.add_argument("model", nargs="+", help="model files; with several, the first is the baseline of the comparison")
    add_run_options(r, runs_help="replications per model (default 100); with --until, the first batch")
    r.add_argument("--until", default=None, metavar="RULE",
                   help="run the first model until a metric is precise enough (as relsim run --until); the "
                        "others then run as many replications")
    r.add_argument("--max-runs", type=positive_int, default=None, help="upper bound on replications with --until")
    r.add_argument("--vary", action="append", default=None, metavar="PATH=LOW,HIGH",
                   help="a parameter of the first model and its low and high values, for the sensitivity "
                        "(tornado) section; repeat for each")
    r.add_argument("--importance-runs", type=whole(0), default=None, metavar="N",
                   help="replications of each variant for the importance measures (default: --runs; 0 leaves "
                        "them out; they cost N × (1 + 2 × elements) replications)")
    r.add_argument("--format", choices=("html", "md"), default=None,
                   help="html (one self-contained file) or md (Markdown, figures in a folder beside it); "
                        "default from the -o suffix, else html")
    r.add_argument("-o", "--output", required=True, metavar="FILE", help="the report file to write")
    r.set_defaults(handler=run_report)


def reproduce_command(args: argparse.Namespace) -> str:
    """The command line that writes the same report, with every value that decides the numbers spelt out."""
    from relsim.units import format_duration_spec

    words = ["relsim", "report", *args.model, "--runs", str(args.runs), "--seed", str(args.seed)]
    if args.horizon is not None:
        words += ["--horizon", format_duration_spec(args.horizon)]
    if args.until:
        words += ["--until", args.until]
    if args.max_runs:
        words += ["--max-runs", str(args.max_runs)]
    for v in args.vary or ():
        words += ["--vary", v]
    if args.importance_runs is not None:
        words += ["--importance-runs", str(args.importance_runs)]
    words += ["--format", _format(args), "-o", args.output]
    return shlex.join(words)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    return "md" if Path(args.output).suffix.lower() in (".md", ".markdown") else "html"


def run_report(args: argparse.Namespace) -> int:
    """Run every model with common random numbers, then write the report."""
    from relsim.compare import compare
    from relsim.experiment import run as run_model
    from relsim.model import load
    from relsim.report import html, review
    from relsim.stopping import StoppingRule

    models = [load(path) for path in args.model]
    ranges: dict[str, tuple[Any, Any]] = {}
    for text in args.vary or ():
        path, values = parse_assignment(text, "--vary", count=2)
        ranges[path] = (values[0], values[1])
    if args.max_runs is not None and not args.until:
        raise BadInput("--max-runs only bounds --until")
    common = {"seed": args.seed, "horizon": args.horizon, "jobs": args.jobs, "backend": args.backend,
              "scheduler": args.scheduler, "progress": show_progress(args)}
    runs = args.runs
    if args.until:
        try:
            rule = StoppingRule.parse(args.until)
        except ValueError as exc:
            raise BadInput(f"--until: {exc}") from None
        first = bad_value(run_model, models[0], runs=runs, until=rule,
                          max_runs=args.max_runs or max(100000, runs), **common)
        runs = len(first.runs)  # every model runs as many, for paired differences
    comparison = None
    if len(models) > 1:
        comparison = bad_value(compare, models, runs=runs, **common)
        results, labels = [comparison.results[label] for label in comparison.labels], comparison.labels
    else:
        results, labels = [bad_value(run_model, models[0], runs=runs, **common)], [models[0].name]
    sensitivity = None
    if ranges:
        from relsim.sensitivity import sensitivity as sens

        sensitivity = bad_value(sens, models[0], ranges, runs=runs, **common)
    notes: list[str] = []
    importance = _importance(args, models, runs, common, notes)
    cutsets = _cutsets(models, runs, common, notes)
    doc = review.build(models, results, command=reproduce_command(args), comparison=comparison,
                       sensitivity=sensitivity, importance=importance, cutsets=cutsets,
                       labels=labels, notes=notes)
    out = Path(args.output)
    try:
        text = html.render_markdown(doc, out) if _format(args) == "md" else html.render_html(doc)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"relsim: wrote {out}", file=sys.stderr)
    return 0


def _importance(args: argparse.Namespace, models: list[Any], runs: int, common: dict[str, Any],
                notes: list[str]) -> list[Any] | None:
    n = runs if args.importance_runs is None else args.importance_runs
    if n == 0:
        notes.append("Importance measures left out (--importance-runs 0).")
        return None
    if importlib.util.find_spec("relsim.importance") is None:
        notes.append("Importance measures are not available in this version of relsim.")
        return None
    from relsim.importance import importance

    keep = {k: common[k] for k in ("seed", "horizon", "jobs", "backend")}
    return [bad_value(importance, m, runs=n, **keep) for m in models]


def _cutsets(models: list[Any], runs: int, common: dict[str, Any], notes: list[str]) -> list[Any] | None:
    if importlib.util.find_spec("relsim.cutsets") is None:
        notes.append("Minimal cut sets are not available in this version of relsim.")
        return None
    from relsim.cutsets import cutsets

    # the shares of downtime come from traced replications: the same seed and number as the report's runs
    return [bad_value(cutsets, m, max_order=3, runs=runs, seed=common["seed"], horizon=common["horizon"])
            for m in models]
