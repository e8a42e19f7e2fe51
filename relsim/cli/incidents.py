"""``relsim incidents``: post-incident reports of one simulated replication (docs/incidents.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from relsim.cli.common import BadInput, emit, horizon_arg, seed_arg, whole

__all__ = ["add_parsers", "incidents"]


def add_parsers(sub: Any) -> None:
    """Register ``relsim incidents``."""
    p = sub.add_parser("incidents", help="post-incident reports (timeline, impact, factors, action items) of "
                                         "the incidents of one replication")
    p.add_argument("model", help="model file (YAML) with alerts: or teams:")
    p.add_argument("--seed", type=seed_arg, default=0, help="base seed (default 0)")
    p.add_argument("--replication", type=whole(0), default=0, help="replication index (default 0)")
    p.add_argument("--horizon", type=horizon_arg, default=None, help="simulated time, e.g. 30d (positive)")
    p.add_argument("--format", choices=("md", "html"), default="md", help="Markdown (default) or one HTML page")
    p.add_argument("--out", default=None, help="write to this file instead of standard output")
    p.set_defaults(handler=incidents)


def incidents(args: argparse.Namespace) -> int:
    """Write the post-incident reports of replication ``--replication``."""
    from relsim.incidents import post_incident_reports
    from relsim.model import load
    from relsim.report.incidents import render_incidents

    model = load(args.model)
    if not model.spec.alerts and not model.spec.teams:
        raise BadInput(f"{args.model}: incident reports need an 'alerts:' or a 'teams:' section "
                       "(docs/incidents.md)")
    doc = post_incident_reports(model, args.seed, args.replication, args.horizon)
    text = render_incidents(doc, args.format, model.calendar)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        emit(text.rstrip("\n"))
    return 0
