"""Exact values beside simulated ones (``relsim run --exact``).

After a run, :class:`CrossCheck` solves the model's Markov chain
(:mod:`relsim.analytic`) and shows, per metric the solver knows (those
marked ``exact`` in :mod:`relsim.metric_registry`), the exact expectation
over the run's horizon and ``|z| = |mean - exact| / se``. A model outside the
solver's class keeps its simulated results, followed by the reasons.
"""

from __future__ import annotations

import math
from typing import Any

from relsim.report.formatting import format_value
from relsim.units import format_duration

__all__ = ["CrossCheck"]

#: Reasons listed in full before "... and N more".
_SHOWN = 5


class CrossCheck:
    """The exact solution of a model next to simulated results, or why there is none."""

    def __init__(self, model: Any, results: Any):
        from relsim.analytic import compare, solve
        from relsim.errors import NotConverged, Unsupported

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
        if self.table is None:
            return None
        return {name: (format_value(name, row["exact"]),
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


def _clean(values: dict[str, float]) -> dict[str, float | None]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in values.items()}
