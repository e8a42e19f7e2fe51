"""The ``relsim`` command line: run, check and trace models.

Bad input (an invalid model, a bad option value) prints one message per
problem to stderr and exits with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

from relsim.model import Model, ModelError, load
from relsim.units import format_duration, parse_duration

__all__ = ["main"]

EXIT_BAD_INPUT = 2

#: How each metric is shown in the table: "fraction", "duration", "count".
_STYLE = {
    "availability": "fraction",
    "request_success": "fraction",
    "latency_p50": "duration",
    "latency_p95": "duration",
    "latency_p99": "duration",
    "served_fraction": "fraction",
    "slo_met": "fraction",
    "downtime_per_year": "duration",
    "mean_outage": "duration",
    "outage_p95": "duration",
    "outage_max": "duration",
    "degraded_per_year": "duration",
    "split_brain_per_year": "duration",
    "mttd": "duration",
    "rto_mean": "duration",
    "rto_p50": "duration",
    "rto_p95": "duration",
    "rto_p99": "duration",
    "rto_max": "duration",
    "rpo_mean": "duration",
    "rpo_p95": "duration",
    "rpo_max": "duration",
    "restore_rto": "duration",
    "write_latency_added": "duration",
    "p_data_loss": "fraction",
}

#: Shown for models with a ``data`` section even when zero.
_DATA = ("writes_lost_per_year", "data_loss_events_per_year", "p_data_loss", "write_latency_added",
         "rpo_mean", "rpo_p95", "rpo_max")

#: Always shown in the table; other metrics only when they are not all zero.
_CORE = ("availability", "served_fraction", "downtime_per_year", "outages_per_year", "failures_per_year")


class _BadInput(Exception):
    """An option value the user got wrong (exit 2)."""


def _user_errors() -> tuple[type[Exception], ...]:
    from relsim.backends import BackendError
    from relsim.store import StoreMismatch

    return (StoreMismatch, BackendError)


def _duration_arg(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _whole(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


_positive_int = _whole(1)
_seed = _whole(0)


def _parser() -> argparse.ArgumentParser:
    from relsim import __version__

    p = argparse.ArgumentParser(prog="relsim", description="Discrete-event reliability simulation.")
    p.add_argument("--version", action="version", version=f"relsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run replications and print metrics with confidence intervals")
    r.add_argument("model", help="model file (YAML)")
    r.add_argument("--runs", type=_positive_int, default=100,
                   help="replications (default 100); with --until, the first batch")
    r.add_argument("--seed", type=_seed, default=0, help="base seed (default 0)")
    r.add_argument("--horizon", type=_duration_arg, default=None, help="simulated time per replication, e.g. 10y")
    r.add_argument("--jobs", type=_positive_int, default=1, help="worker processes (default 1)")
    r.add_argument("--json", action="store_true", help="print the JSON document instead of a table")
    r.add_argument("--backend", choices=("serial", "processes", "dask"), default=None,
                   help="where replications run (default: processes if --jobs > 1)")
    r.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of an existing Dask scheduler (implies --backend dask)")
    r.add_argument("--out", default=None, metavar="DIR", help="write results incrementally as Parquet to DIR")
    r.add_argument("--resume", action="store_true", help="complete the interrupted run in --out DIR")
    r.add_argument("--until", default=None, metavar="RULE",
                   help="run until a metric is precise enough, e.g. 'availability ci<1e-5' or 'availability rel<0.01'")
    r.add_argument("--max-runs", type=_positive_int, default=None,
                   help="upper bound on replications with --until (default 100000)")
    r.add_argument("--progress", action="store_true",
                   help="show a progress bar on stderr even when it is not a terminal or with --json")
    r.add_argument("--attribution", action="store_true", help="add downtime by root cause (element and failure)")
    r.add_argument("--exact", action="store_true",
                   help="also solve the model's Markov chain (exponential models) and show exact values")

    c = sub.add_parser("check", help="validate a model file without running it")
    c.add_argument("model", nargs="+", help="model file(s)")

    t = sub.add_parser("trace", help="print the event trace of one replication as JSON lines")
    t.add_argument("model")
    t.add_argument("--seed", type=_seed, default=0)
    t.add_argument("--replication", type=int, default=0)
    t.add_argument("--horizon", type=_duration_arg, default=None)

    g = sub.add_parser("signals", help="golden signals (traffic, errors, saturation, latency) of one replication")
    g.add_argument("model")
    g.add_argument("--seed", type=_seed, default=0)
    g.add_argument("--replication", type=int, default=0)
    g.add_argument("--step", type=_duration_arg, default=60.0, help="bin width (default 1m)")
    g.add_argument("--horizon", type=_duration_arg, default=None)
    g.add_argument("--csv", action="store_true", help="print every bin as CSV (default: the bins with errors)")

    from relsim.cli_variants import add_parsers

    add_parsers(sub)
    from relsim.cli_exact import add_parser as add_rare_parser

    add_rare_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "check":
            return _check(args)
        if args.command == "trace":
            return _trace(args)
        if args.command == "signals":
            return _signals(args)
        if args.command == "rare":
            from relsim.cli_exact import rare

            return rare(args)
        from relsim.cli_variants import COMMANDS

        return COMMANDS[args.command](args)
    except ModelError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        n = len(exc.problems)
        print(f"relsim: {n} problem{'s' * (n != 1)} found", file=sys.stderr)
        return EXIT_BAD_INPUT
    except _BadInput as exc:
        print(f"relsim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except _user_errors() as exc:
        # Wrong values the library itself rejects (an override path, a
        # results directory of another run, an unreachable scheduler).
        print(f"relsim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("relsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _run(args: argparse.Namespace) -> int:
    from relsim.experiment import DEFAULT_MAX_RUNS, Interrupted, run
    from relsim.stopping import StoppingRule

    model = load(args.model)
    if args.resume and not args.out:
        raise _BadInput("--resume needs --out DIR (the directory of the interrupted run)")
    if args.scheduler and args.backend not in (None, "dask"):
        raise _BadInput(f"--scheduler needs the dask backend, not --backend {args.backend}")
    if args.max_runs is not None and not args.until:
        raise _BadInput("--max-runs only bounds --until")
    rule = None
    if args.until:
        try:
            rule = StoppingRule.parse(args.until)
        except ValueError as exc:
            raise _BadInput(f"--until: {exc}") from None
    max_runs = args.max_runs or max(DEFAULT_MAX_RUNS, args.runs)
    if rule is not None and args.runs > max_runs:
        raise _BadInput(f"--runs ({args.runs}) must be <= --max-runs ({max_runs})")
    show = args.progress or (not args.json and sys.stderr.isatty())
    try:
        results = run(model, runs=args.runs, seed=args.seed, horizon=args.horizon, jobs=args.jobs,
                      backend=args.backend, scheduler=args.scheduler, out=args.out, resume=args.resume,
                      until=rule, max_runs=max_runs, progress=show)
    except Interrupted as stop:
        # Nothing finished is lost: report the replications that completed.
        print(f"relsim: {stop}", file=sys.stderr)
        if args.out:
            print(f"relsim: finished replications are saved in {args.out}; add --resume to complete the run",
                  file=sys.stderr)
        if len(stop.partial.runs):
            _print_results(args, model, stop.partial)
        return 130
    _print_results(args, model, results)
    return 0


def _print_results(args: argparse.Namespace, model: Model, results: Any) -> None:
    from relsim.attribution import attribution

    table = attribution(results) if args.attribution else None
    check = None
    if getattr(args, "exact", False):
        from relsim.cli_exact import cross_check

        check = cross_check(model, results)
    if args.json:
        doc = results.to_dict()
        if table is not None:
            doc["attribution"] = json.loads(table.to_json(orient="records"))
        if check is not None:
            check.add_to(doc)
        print(json.dumps(doc, indent=2))
        return
    print(format_table(model, results, check.columns() if check is not None else None))
    if check is not None:
        print("\n" + check.note())
    if results.stopping is not None:
        st = results.stopping
        word = "met" if st["met"] else f"NOT met within --max-runs {st['max_runs']}"
        half = "-" if st["half_width"] is None else f"{st['half_width']:.3g}"
        rel = "" if st["relative_half_width"] is None else f", relative {st['relative_half_width']:.3g}"
        print(f"\nstopping rule {st['rule']}: {word} after {st['runs']} replications "
              f"(95% CI half-width {half}{rel})")
    if table is not None:
        print("\n" + format_attribution(table))


def format_attribution(table: Any) -> str:
    """Downtime by root cause as a text table (``relsim run --attribution``)."""
    if len(table) == 0:
        return "downtime by cause: no outages"
    header = ("cause", "failure", "outages/y", "downtime/y", "95% CI", "share")
    body = []
    for r in table.itertuples():
        body.append((str(r.cause_element), f"#{r.cause_spec} {r.cause_kind}", f"{r.outages_per_year:.4g}",
                     _fmt("downtime_per_year", r.downtime_per_year),
                     f"[{_fmt('downtime_per_year', r.downtime_per_year_ci_low)}, "
                     f"{_fmt('downtime_per_year', r.downtime_per_year_ci_high)}]",
                     f"{100 * r.share:.1f}%" if r.share >= 0.001 else "<0.1%"))
    widths = [max(len(row[i]) for row in (header, *body)) for i in range(len(header))]
    lines = ["downtime by cause (element, failure spec index and kind):"]
    for row in (header, *body):
        lines.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)


def _check(args: argparse.Namespace) -> int:
    problems = []
    for path in args.model:
        try:
            model = load(path)
        except ModelError as exc:
            problems.extend(exc.problems)
            continue
        print(f"{path}: ok ({_describe(model)})")
    if problems:
        raise ModelError(problems)
    return 0


def _trace(args: argparse.Namespace) -> int:
    from relsim.trace import trace, trace_lines

    if args.replication < 0:
        raise _BadInput(f"--replication must be >= 0, got {args.replication}")
    model = load(args.model)
    for line in trace_lines(trace(model, args.seed, args.replication, args.horizon)):
        print(line)
    return 0


def _signals(args: argparse.Namespace) -> int:
    from relsim.golden_signals import golden_signals

    if args.replication < 0:
        raise _BadInput(f"--replication must be >= 0, got {args.replication}")
    model = load(args.model)
    if model.spec.workload is None:
        raise _BadInput("signals needs a model with a 'workload' (the requests to follow)")
    frame = golden_signals(model, args.seed, args.replication, args.step, args.horizon)
    if args.csv:
        frame.to_csv(sys.stdout, index=False)
        return 0
    totals = frame.attrs["totals"]
    print(f"model '{model.name}', seed {args.seed}, replication {args.replication}: "
          f"{len(frame)} bins of {format_duration(args.step)}; "
          f"{totals['offered']:.6g} requests offered, {totals['failed']:.6g} failed")
    bad = frame[frame["errors"] > 0]
    if bad.empty:
        print("no bin has errors")
    else:
        print(bad.to_string(index=False))
    return 0


def _describe(model: Model) -> str:
    return (f"{len(model.domains)} domains, {len(model.components)} components, "
            f"{len(model.services)} services, entry '{model.entry}', "
            f"horizon {format_duration(model.horizon)}")


def _fmt(metric: str, x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    style = _STYLE.get(metric, "count")
    if style == "fraction":
        return f"{x:.6f}"
    if style == "duration":
        return format_duration(x)
    return f"{x:.4g}"


def format_table(model: Model, results: Any, exact: dict[str, tuple[str, str]] | None = None) -> str:
    """The human-readable result table of ``relsim run``.

    ``exact`` maps metrics to their ``exact`` and ``|z|`` cells (``--exact``).
    """
    s = results.summary()
    lines = [
        f"model {model.name!r}: {len(results.runs)} replications of "
        f"{format_duration(results.horizon)}, seed {results.seed}, entry service '{model.entry}'",
        "",
    ]
    header = ("metric", "mean", "95% CI", "p05", "p50", "p95") + (("exact", "|z|") if exact else ())
    body = []
    core = set(_CORE)
    if any(svc.data is not None for svc in model.services.values()):
        core |= set(_DATA)  # zero data loss is a result worth showing
    for name, row in s.iterrows():
        if name not in core and (row["n"] == 0 or (row["mean"] == 0 and row["ci_high"] == 0)):
            continue  # a mechanism the model does not use
        ci = "-" if math.isnan(row["ci_low"]) else f"[{_fmt(name, row['ci_low'])}, {_fmt(name, row['ci_high'])}]"
        body.append((str(name), _fmt(name, row["mean"]), ci, _fmt(name, row["p05"]),
                     _fmt(name, row["p50"]), _fmt(name, row["p95"]))
                    + (exact.get(str(name), ("-", "-")) if exact else ()))
    widths = [max(len(r[i]) for r in (header, *body)) for i in range(len(header))]
    for r in (header, *body):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    for name, verdict in results.objectives_met().items():
        word = "met" if verdict["met"] else "NOT met"
        if name == "availability":
            sure = "" if verdict["confident"] is None else (
                " (whole CI above target)" if verdict["confident"] else " (CI reaches below target)")
            lines.append(f"\nobjective {name} >= {verdict['target']}: {word}{sure}")
        else:
            share = verdict["met_fraction"]
            detail = (f"{share:.1%} of {verdict['incidents']} incidents, worst {format_duration(verdict['worst'])}"
                      if verdict["incidents"] else "no incidents")
            lines.append(f"objective {name} <= {format_duration(verdict['target'])}: {word} ({detail})")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
