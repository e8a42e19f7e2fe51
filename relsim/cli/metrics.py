"""``relsim metrics``: the metrics relsim reports, from the metric registry."""

from __future__ import annotations

import argparse
import json
from typing import Any

from relsim.cli.common import emit

__all__ = ["add_parsers", "list_metrics"]


def add_parsers(sub: Any) -> None:
    """Register ``relsim metrics``."""
    m = sub.add_parser("metrics", help="list the metrics relsim reports (those that apply to MODEL, if given)")
    m.add_argument("model", nargs="?", default=None, help="model file: list only the metrics that apply to it")
    m.add_argument("--json", action="store_true", help="print JSON instead of a table")
    m.set_defaults(handler=list_metrics)


def list_metrics(args: argparse.Namespace) -> int:
    """Name, unit, summary kind, when it applies and meaning of each metric."""
    from relsim.metric_registry import FEATURES, METRICS
    from relsim.model.behaviour_registry import load_all
    from relsim.report.formatting import text_table

    load_all()  # installed plugins register their metrics on import (docs/extending.md)

    chosen = list(METRICS.values())
    if args.model is not None:
        from relsim.model import load

        model = load(args.model)
        chosen = [m for m in chosen if m.applies_to(model)]
    if args.json:
        emit(json.dumps([{"name": m.name, "unit": m.unit, "kind": m.kind, "applies": FEATURES[m.applies][1],
                          "exact": m.exact, "description": m.description,
                           "source": m.source or "relsim"} for m in chosen], indent=2))
        return 0
    body = [[m.name, m.unit, m.kind, FEATURES[m.applies][1] if m.applies != "always" else "always",
             m.description] for m in chosen]
    emit(text_table(["metric", "unit", "summary", "applies with", "meaning"], body, left=5))
    return 0
