"""Simulated results beside the exact values of the same model.

A replication of horizon ``T`` starts all up, so the expectation of what it
reports is the *from-new* value over ``[0, T]``
(:meth:`ExactResult.from_new`), not the steady state; the two differ by the
start-up transient, which is small but resolvable for short horizons. The
comparison therefore uses the from-new values and lists the steady state
beside them. ``z = (mean - exact) / se`` with the simulator's standard error
(for ``mean_outage``, a ratio of totals, the delta-method one): ``|z| < 3``
is expected about 99.7 % of the time for a correct simulator and a long
enough run.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from relsim.analytic.exact import METRICS, ExactResult, solve
from relsim.model import Model

__all__ = ["compare"]


def compare(results: Any, exact: ExactResult | Model) -> pd.DataFrame:
    """One row per metric: simulated ``mean`` and ``se``, ``exact``, ``steady_state``, ``z``.

    Parameters
    ----------
    results : relsim.Results
        What :func:`relsim.run` returned for the model.
    exact : ExactResult or Model
        The exact solution (or the model, which is then solved).

    Returns
    -------
    pandas.DataFrame
        Indexed by metric name (those of :data:`relsim.analytic.exact.METRICS`
        present in the results). ``exact`` is the expectation over the
        results' horizon from all up; ``z`` is NaN when the simulated
        standard error is zero or unknown.
    """
    if isinstance(exact, Model):
        exact = solve(exact)
    summary = results.summary()
    expected = exact.from_new(results.horizon)
    rows = []
    for name in METRICS:
        if name not in summary.index:
            continue
        mean = float(summary.loc[name, "mean"])
        se = float(summary.loc[name, "se"])
        value = expected[name]
        z = (mean - value) / se if se > 0 and math.isfinite(se) else math.nan
        rows.append({"metric": name, "mean": mean, "se": se, "exact": value,
                     "steady_state": getattr(exact, name), "z": z})
    return pd.DataFrame(rows, columns=["metric", "mean", "se", "exact", "steady_state", "z"]).set_index("metric")
