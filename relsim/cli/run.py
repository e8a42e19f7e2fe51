"""``relsim run``: replications of one model, metrics with confidence intervals."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from relsim.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    BadInput,
    add_output_options,
    add_run_options,
    emit,
    positive_int,
    show_progress,
)

__all__ = ["add_parsers", "run"]


def add_parsers(sub: Any) -> None:
    """Register ``relsim run``."""
    r = sub.add_parser("run", help="run replications and print metrics with confidence intervals")
    r.add_argument("model", help="model file (YAML)")
    add_run_options(r, runs_help="replications (default 100); with --until, the first batch")
    add_output_options(r, csv_help="print the summary as CSV (one row per metric) instead of a table")
    r.add_argument("--out", default=None, metavar="DIR", help="write results incrementally as Parquet to DIR")
    r.add_argument("--resume", action="store_true", help="complete the interrupted run in --out DIR")
    r.add_argument("--until", default=None, metavar="RULE",
                   help="run until a metric is precise enough, e.g. 'availability ci<1e-5' or "
                        "'availability rel<0.01' (any metric of 'relsim metrics')")
    r.add_argument("--max-runs", type=positive_int, default=None,
                   help="upper bound on replications with --until (default 100000)")
    r.add_argument("--attribution", action="store_true", help="add downtime by root cause (element and failure)")
    r.add_argument("--exact", action="store_true",
                   help="also solve the model's Markov chain (exponential models) and show exact values")
    r.add_argument("--max-events", type=positive_int, default=None, metavar="N",
                   help="events one replication may take (default 5,000,000): a run estimated to need more "
                        "is refused before it starts, a replication that takes more stops the run")
    r.add_argument("--engine", choices=("auto", "simpy", "lean", "batch"), default="auto",
                   help="which engine runs the replications (default auto: the lean engine for the models it "
                        "runs, SimPy for the rest; the results are the same on each). batch: replications in "
                        "lockstep with numpy, several times faster for simple models, equal in distribution only")
    r.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the model; print the table (or JSON, CSV). Ctrl-C prints what finished."""
    from relsim.errors import BehaviourError, Interrupted
    from relsim.experiment import DEFAULT_MAX_RUNS
    from relsim.experiment import run as run_model
    from relsim.model import load
    from relsim.stopping import StoppingRule

    if args.csv and (args.attribution or args.exact):
        raise BadInput("--csv prints the summary only; use --json with --attribution or --exact")
    model = load(args.model)
    _warn(args.model, model)
    if args.resume and not args.out:
        raise BadInput("--resume needs --out DIR (the directory of the interrupted run)")
    if args.scheduler and args.backend not in (None, "dask"):
        raise BadInput(f"--scheduler needs the dask backend, not --backend {args.backend}")
    if args.max_runs is not None and not args.until:
        raise BadInput("--max-runs only bounds --until")
    if args.engine == "lean":
        from relsim.engine.lean import lean_plan

        refused = lean_plan(model)
        if isinstance(refused, str):
            raise BadInput(f"--engine lean: the lean engine does not run {args.model} ({refused}); "
                           "use --engine auto or simpy")
    if args.engine == "batch":
        from relsim.engine.batch import batch_refusal

        reason = batch_refusal(model)
        if reason is not None:
            raise BadInput(f"--engine batch: the batch engine does not run {args.model} ({reason}); "
                           "use --engine auto")
    rule = None
    if args.until:
        try:
            rule = StoppingRule.parse(args.until)
        except ValueError as exc:
            raise BadInput(f"--until: {exc}") from None
        _check_applies(rule.metric, model)
    max_runs = args.max_runs or max(DEFAULT_MAX_RUNS, args.runs)
    if rule is not None and args.runs > max_runs:
        raise BadInput(f"--runs ({args.runs}) must be <= --max-runs ({max_runs})")
    try:
        results = run_model(model, runs=args.runs, seed=args.seed, horizon=args.horizon, jobs=args.jobs,
                            backend=args.backend, scheduler=args.scheduler, out=args.out, resume=args.resume,
                            until=rule, max_runs=max_runs, progress=show_progress(args), engine=args.engine,
                            **({"max_events": args.max_events} if args.max_events else {}))
    except BehaviourError as failed:
        # The run stopped cleanly: report the replications that finished before it.
        print(f"relsim: {failed}", file=sys.stderr)
        if failed.partial is not None and failed.partial.n_runs:
            print(f"relsim: {failed.partial.n_runs} replications finished before it; their summary follows",
                  file=sys.stderr)
            print_results(args, model, failed.partial)
        return EXIT_BAD_INPUT
    except Interrupted as stop:
        # Nothing finished is lost: report the replications that completed.
        print(f"relsim: {stop}", file=sys.stderr)
        if args.out:
            print(f"relsim: finished replications are saved in {args.out}; add --resume to complete the run",
                  file=sys.stderr)
        if stop.partial.n_runs:
            print_results(args, model, stop.partial)
        return EXIT_INTERRUPTED
    print_results(args, model, results)
    return 0


def _warn(path: str, model: Any) -> None:
    from relsim.model.request_path import model_warnings

    for warning in model_warnings(model):
        print(f"{path}: warning: {warning}", file=sys.stderr)


def _check_applies(metric: str, model: Any) -> None:
    """A stopping rule on a metric the model cannot produce would never stop."""
    from relsim.metric_registry import FEATURES, METRICS

    m = METRICS[metric]
    if not m.applies_to(model):
        raise BadInput(f"--until: metric {metric!r} does not apply to model {model.name!r}: "
                       f"it needs {FEATURES[m.applies][1]}")


def print_results(args: argparse.Namespace, model: Any, results: Any) -> None:
    """Print ``results`` as the options ask: table, ``--json`` or ``--csv``."""
    from relsim import report

    table = None
    if args.attribution:
        from relsim.attribution import attribution

        table = attribution(results)
    check = None
    if args.exact:
        from relsim.report.exact import CrossCheck

        check = CrossCheck(model, results)
    if args.json:
        emit(json.dumps(report.results_document(results, table, check), indent=2))
        return
    if args.csv:
        emit(report.summary_csv(results).rstrip("\n"))
        return
    emit(report.results_table(model, results, check.columns() if check is not None else None))
    if check is not None:
        emit("\n" + check.note())
    if results.stopping is not None:
        emit("\n" + report.text.stopping_line(results.stopping))
    if table is not None:
        emit("\n" + report.attribution_table(table))
