"""One-at-a-time sensitivity of a metric to each parameter (data for a tornado chart).

Each parameter is set to its low and then its high value while every other
parameter keeps the base model's value; all runs use the same seed and
replication indices (common random numbers), so the change of the metric
between low and high is estimated as a paired difference with a tight
interval (:mod:`relsim.intervals`). Parameters are ranked by the size of
that change, the *swing*. One-at-a-time analysis shows main effects only,
not interactions; use :func:`relsim.sweep` for a grid [1]_.

References
----------
.. [1] A. Saltelli et al., *Global Sensitivity Analysis: The Primer*,
   Wiley, 2008, §1.2.1 (one-at-a-time and tornado plots, and their limits).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from relsim.backends import Backend, use_backend
from relsim.experiment import run
from relsim.intervals import paired_differences
from relsim.model import Model, load

__all__ = ["sensitivity"]

COLUMNS = [
    "parameter", "low", "high", "metric", "baseline", "at_low", "at_high", "at_low_se", "at_high_se",
    "difference", "difference_ci_low", "difference_ci_high", "swing", "model", "seed", "runs",
]


def sensitivity(
    model: Model | str | os.PathLike[str] | dict[str, Any],
    ranges: Mapping[str, Sequence[Any]],
    metric: str = "availability",
    runs: int = 100,
    seed: int = 0,
    horizon: float | str | None = None,
    jobs: int = 1,
    backend: str | Backend | None = None,
    *,
    scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Metric at the low and high value of each parameter, the others at base values.

    Parameters
    ----------
    model : Model, path or dict
        The base model.
    ranges : mapping of dotted path to (low, high)
        E.g. ``{"components.db-1.failures[0].repair": ("exp(mean=2h)",
        "exp(mean=12h)"), "services.web.needs": (3, 5)}``.
    metric : str
        The metric to study (a row of :meth:`Results.summary`).
    runs, seed, horizon, jobs, backend, scheduler, progress
        As for :func:`relsim.run`; every run uses the same seed and
        replications (common random numbers).

    Returns
    -------
    DataFrame
        One row per parameter, largest ``swing`` first: ``low``, ``high``,
        ``baseline`` (the base model's mean), ``at_low``, ``at_high`` (means)
        and their standard errors, ``difference`` (at_high − at_low, paired)
        with its 95 % interval, and ``swing`` = |difference|.
    """
    base = model if isinstance(model, Model) else load(model)
    if not ranges:
        raise ValueError("sensitivity needs at least one parameter range")
    variants = {}
    for path, pair in ranges.items():
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValueError(f"sensitivity parameter {path!r}: expected (low, high), got {pair!r}")
        variants[path] = (base.with_overrides({path: pair[0]}), base.with_overrides({path: pair[1]}))
    rows = []
    with use_backend(backend, jobs, scheduler) as shared:
        def once(m: Model) -> Any:
            return run(m, runs=runs, seed=seed, horizon=horizon, backend=shared, progress=progress)

        reference = once(base)
        summary = reference.summary()
        if metric not in summary.index:
            raise ValueError(f"unknown metric {metric!r}; known: {', '.join(summary.index)}")
        for path, (low_model, high_model) in variants.items():
            lo, hi = once(low_model), once(high_model)
            slo, shi = lo.summary().loc[metric], hi.summary().loc[metric]
            if metric in lo.runs and metric in hi.runs:
                d = paired_differences(lo.runs, hi.runs, [metric]).loc[metric]
                diff, dlo, dhi = float(d["mean"]), float(d["ci_low"]), float(d["ci_high"])
            else:  # pooled metrics (mean_outage, outage_p95, ...) have no per-run pairs
                diff, dlo, dhi = float(shi["mean"] - slo["mean"]), math.nan, math.nan
            rows.append({
                "parameter": path, "low": ranges[path][0], "high": ranges[path][1], "metric": metric,
                "baseline": float(summary.loc[metric, "mean"]),
                "at_low": float(slo["mean"]), "at_high": float(shi["mean"]),
                "at_low_se": float(slo["se"]), "at_high_se": float(shi["se"]),
                "difference": diff, "difference_ci_low": dlo, "difference_ci_high": dhi,
                "swing": abs(diff), "model": base.name, "seed": seed, "runs": runs,
            })
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.sort_values("swing", ascending=False, kind="stable", ignore_index=True)
