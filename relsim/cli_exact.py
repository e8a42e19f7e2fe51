"""Exact values on the command line: ``relsim run --exact`` and ``relsim rare``.

``run --exact`` solves the model's Markov chain (:mod:`relsim.analytic`) after
the simulation and shows, per metric, the exact expectation over the run's
horizon and ``|z| = |mean - exact| / se``. A model outside the solver's class
still gets its simulated results, followed by the reasons (exit status 0).

``rare MODEL`` estimates a tiny unavailability by balanced failure biasing
on the model's chain. :mod:`relsim.cli` registers both. Printing is this
module's job (``noqa: T201``), as it is :mod:`relsim.cli`'s.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from relsim.model import Model, load
from relsim.units import format_duration

__all__ = ["CrossCheck", "add_parser", "cross_check", "rare"]

#: Reasons listed in full before "... and N more".
_SHOWN = 5


class CrossCheck:
    """The exact solution of a model next to simulated results, or why there is none."""

    def __init__(self, model: Model, results: Any):
        from relsim.analytic import Unsupported, compare, solve
        from relsim.analytic.markov import NotConverged

        self.horizon = results.horizon
        self.reasons: list[str] = []
        self.exact: Any = None
        self.table: Any = None
        try:
            self.exact = solve(model)
        except Unsupported as exc:
            self.reasons = exc.reasons
            return
        except NotConverged as exc:
            self.reasons = [str(exc)]
            return
        self.table = compare(results, self.exact)

    def columns(self) -> dict[str, tuple[str, str]] | None:
        """Per metric, the ``exact`` and ``|z|`` cells of the text table."""
        from relsim.cli import _fmt

        if self.table is None:
            return None
        return {name: (_fmt(name, row["exact"]),
                       "-" if math.isnan(row["z"]) else f"{abs(row['z']):.2f}")
                for name, row in self.table.iterrows()}

    def note(self) -> str:
        """The lines printed under the table."""
        if self.exact is None:
            lines = ["exact: not available, the exact solver cannot solve this model:"]
            lines += [f"  - {r}" for r in self.reasons[:_SHOWN]]
            if len(self.reasons) > _SHOWN:
                lines.append(f"  ... and {len(self.reasons) - _SHOWN} more")
            return "\n".join(lines)
        ex = self.exact
        return (f"exact: Markov chain of {ex.n_states} states; 'exact' is the expected value of a "
                f"{format_duration(self.horizon)} replication from all up, |z| = |mean - exact| / se.\n"
                f"steady state: availability {ex.availability:.10f} (unavailability "
                f"{ex.unavailability:.4g}), {ex.outages_per_year:.4g} outages per year, "
                f"mean outage {format_duration(ex.mean_outage) if ex.outages_per_year > 0 else '-'}")

    def add_to(self, doc: dict[str, Any]) -> None:
        """Add ``exact`` and ``z`` to each solved metric of a ``--json`` document."""
        if self.exact is None:
            doc["exact"] = {"solved": False, "reasons": self.reasons}
            return
        for name, row in self.table.iterrows():
            if name in doc["metrics"]:
                doc["metrics"][name]["exact"] = float(row["exact"])
                doc["metrics"][name]["z"] = None if math.isnan(row["z"]) else float(row["z"])
        doc["exact"] = {"solved": True, "n_states": self.exact.n_states, "horizon_s": self.horizon,
                        "steady_state": _clean(self.exact.metrics())}


def cross_check(model: Model, results: Any) -> CrossCheck:
    """Solve ``model`` exactly (if it can be) for ``results``."""
    return CrossCheck(model, results)


def _clean(values: dict[str, float]) -> dict[str, float | None]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in values.items()}


def add_parser(sub: Any) -> None:
    """Register ``relsim rare``."""
    from relsim.cli import _positive_int, _seed

    r = sub.add_parser("rare", help="estimate a tiny unavailability by importance sampling "
                                    "(balanced failure biasing) on the model's Markov chain")
    r.add_argument("model", help="model file (YAML) with exponential elements")
    r.add_argument("--cycles", type=_positive_int, default=100_000,
                   help="regenerative cycles (default 100000)")
    r.add_argument("--seed", type=_seed, default=0, help="seed (default 0)")
    r.add_argument("--bias", type=float, default=0.7,
                   help="failure-biasing probability, 0 < bias < 1 (default 0.7)")
    r.add_argument("--exact", action="store_true", help="also solve the chain and show the exact value")
    r.add_argument("--json", action="store_true", help="print a JSON object instead of text")


def rare(args: argparse.Namespace) -> int:
    """``relsim rare``: exit 2 with the reasons if the model is outside the solver's class."""
    import json

    from relsim.analytic import Unsupported, rare_unavailability, solve
    from relsim.cli import EXIT_BAD_INPUT

    model = load(args.model)
    if not 0.0 < args.bias < 1.0:
        print(f"relsim: --bias must be strictly between 0 and 1, got {args.bias}",  # noqa: T201
              file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        est = rare_unavailability(model, cycles=max(args.cycles, 2), seed=args.seed, bias=args.bias)
        exact = solve(model) if args.exact else None
    except Unsupported as exc:
        print(f"relsim: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_BAD_INPUT
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
        print(json.dumps(doc, indent=2))  # noqa: T201
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
    print("\n".join(lines))  # noqa: T201
    return 0
