"""``relsim rare``: a tiny unavailability by importance sampling on the model's Markov chain."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from relsim.cli.common import BadInput, emit, positive_int, seed_arg

__all__ = ["add_parsers", "rare"]


def add_parsers(sub: Any) -> None:
    """Register ``relsim rare``."""
    r = sub.add_parser("rare", help="estimate a tiny unavailability by importance sampling "
                                    "(balanced failure biasing) on the model's Markov chain")
    r.add_argument("model", help="model file (YAML) with exponential elements")
    r.add_argument("--cycles", type=positive_int, default=100_000,
                   help="regenerative cycles (default 100000)")
    r.add_argument("--seed", type=seed_arg, default=0, help="seed (default 0)")
    r.add_argument("--bias", type=float, default=0.7,
                   help="failure-biasing probability, 0 < bias < 1 (default 0.7)")
    r.add_argument("--exact", action="store_true", help="also solve the chain and show the exact value")
    r.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    r.set_defaults(handler=rare)


def rare(args: argparse.Namespace) -> int:
    """Exit 2 with the reasons if the model is outside the solver's class."""
    from relsim.analytic import rare_unavailability, solve
    from relsim.errors import Unsupported
    from relsim.model import load
    from relsim.units import format_duration

    model = load(args.model)
    if not 0.0 < args.bias < 1.0:
        raise BadInput(f"--bias must be strictly between 0 and 1, got {args.bias}")
    try:
        est = rare_unavailability(model, cycles=max(args.cycles, 2), seed=args.seed, bias=args.bias)
        exact = solve(model) if args.exact else None
    except Unsupported as exc:
        raise BadInput(str(exc)) from None
    doc: dict[str, Any] = {
        "model": model.name, "seed": args.seed, "cycles": est.cycles, "bias": est.bias,
        "n_states": est.n_states, "seconds": est.seconds,
        "unavailability": {"mean": est.mean, "se": est.se, "ci95": list(est.ci),
                           "relative_error": None if math.isinf(est.relative_error) else est.relative_error},
        "outages_per_year": {"mean": est.outages_per_year, "se": est.outages_per_year_se},
    }
    if exact is not None:
        z = (est.mean - exact.unavailability) / est.se if est.se > 0 else None
        doc["unavailability"].update(exact=exact.unavailability, z=z)
        doc["outages_per_year"]["exact"] = exact.outages_per_year
    if args.json:
        emit(json.dumps(doc, indent=2))
        return 0
    lines = [
        f"model {model.name!r}: {est.cycles} regenerative cycles with balanced failure biasing "
        f"(bias {est.bias}), Markov chain of {est.n_states} states, {est.seconds:.2f} s",
        "",
        f"unavailability    {est.mean:.6g}  95% CI [{est.ci[0]:.6g}, {est.ci[1]:.6g}]  "
        f"relative error {est.relative_error:.3g}",
        f"availability      {1 - est.mean:.12f}",
        f"downtime per year {format_duration(est.mean * 365 * 86400)}",
        f"outages per year  {est.outages_per_year:.6g} +- {est.outages_per_year_se:.2g}",
    ]
    if exact is not None:
        z = doc["unavailability"]["z"]
        lines.append(f"exact             unavailability {exact.unavailability:.6g}"
                     + (f", |z| = {abs(z):.2f}" if z is not None else "")
                     + f"; outages per year {exact.outages_per_year:.6g}")
    emit("\n".join(lines))
    return 0
