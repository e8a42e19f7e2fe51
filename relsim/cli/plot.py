"""``relsim plot KIND MODEL -o FILE``: one figure of a model or of its results, as PNG or SVG."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from relsim.cli.common import BadInput, add_run_options, bad_value, show_progress

__all__ = ["KINDS", "add_parsers", "run_plot"]

#: The figures ``relsim plot`` draws, with what each shows.
KINDS = {
    "topology": "failure domains, components, services, load balancers and DNS names (no simulation)",
    "availability": "ECDF of downtime per replication (minutes per year) against the availability objective",
    "outages": "CDF of outage durations with the RTO objective",
    "attribution": "downtime per year by root-cause element (Pareto, 95 % CIs)",
    "attribution-kind": "downtime per year by kind of failure (Pareto, 95 % CIs)",
    "rto": "histogram of recovery times per incident against the RTO objective",
    "importance": "criticality importance per element (runs N × (1 + 2 × elements) replications)",
}


def add_parsers(sub: Any) -> None:
    """Register ``relsim plot``."""
    p = sub.add_parser("plot", help="draw one figure (topology, availability, outages, attribution, ...) "
                                    "to a PNG or SVG file")
    p.add_argument("kind", choices=list(KINDS), help="; ".join(f"{k}: {v}" for k, v in KINDS.items()))
    p.add_argument("model", help="model file (YAML)")
    add_run_options(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the figure file: .png or .svg")
    p.set_defaults(handler=run_plot)


def run_plot(args: argparse.Namespace) -> int:
    """Draw the figure and write it."""
    from relsim.model import load

    suffix = Path(args.output).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise BadInput(f"-o {args.output}: the figure file must end in .png or .svg")
    model = load(args.model)
    fig = _figure(args, model)
    import matplotlib

    try:
        # SVG keeps text as text: smaller files whose words can be searched and copied
        with matplotlib.rc_context({"svg.fonttype": "none"}):
            fig.savefig(args.output, dpi=150, bbox_inches="tight",
                        metadata={"Date": None} if suffix == ".svg" else None)
    except OSError as exc:
        raise BadInput(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"relsim: wrote {args.output}", file=sys.stderr)
    return 0


def _figure(args: argparse.Namespace, model: Any) -> Any:
    from relsim.report import plots
    from relsim.report.topology import topology

    if args.kind == "topology":
        return topology(model)
    keep = {"seed": args.seed, "horizon": args.horizon, "jobs": args.jobs, "backend": args.backend}
    if args.kind == "importance":
        from relsim.importance import importance

        return plots.importance(bad_value(importance, model, runs=args.runs, **keep)).figure
    from relsim.experiment import run

    results = bad_value(run, model, runs=args.runs, scheduler=args.scheduler, progress=show_progress(args), **keep)
    draw = {"availability": lambda: plots.availability(results),
            "outages": lambda: plots.outage_cdf(results),
            "attribution": lambda: plots.downtime_attribution(results, "element"),
            "attribution-kind": lambda: plots.downtime_attribution(results, "kind"),
            "rto": lambda: plots.incident_histogram(results, "duration_s")}[args.kind]
    return draw().figure
