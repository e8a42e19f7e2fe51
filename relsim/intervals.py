"""Confidence intervals over independent replications.

Means with Student-t intervals, ratios of totals with the delta method, and
paired differences of two variants run with common random numbers (the same
seed and replication indices, so each replication of one variant sees the
same failures of shared elements as the same replication of the other). A
paired difference is the mean of the per-replication differences; its
variance is var(A) + var(B) − 2 cov(A, B), so the positive correlation that
common random numbers induce narrows the interval [1]_.

References
----------
.. [1] A. M. Law, *Simulation Modeling and Analysis*, 5th ed., McGraw-Hill,
   2015, §10.2 (comparing two systems: paired-t intervals) and §11.2
   (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from relsim.evidence import MIN_EVENTS

__all__ = ["mean_ci", "paired_differences", "ratio_ci"]

LEVEL = 0.95


def _t(n: int) -> float:
    return float(stats.t.ppf(0.5 + LEVEL / 2, n - 1)) if n > 1 else math.nan


def mean_ci(values: Iterable[float]) -> dict[str, float]:
    """Mean, standard error and 95 % Student-t interval of i.i.d. values (NaNs dropped)."""
    x = np.asarray(list(values) if not isinstance(values, np.ndarray | pd.Series) else values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return {"mean": math.nan, "se": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 0}
    mean = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    half = _t(n) * se
    return {"mean": mean, "se": se, "ci_low": mean - half, "ci_high": mean + half, "n": n}


def ratio_ci(num: np.ndarray, den: np.ndarray) -> dict[str, float]:
    """Σnum / Σden over replications with its delta-method standard error."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    n = len(num)
    if n == 0 or den.sum() == 0:
        return {"mean": math.nan, "se": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": n}
    ratio = float(num.sum() / den.sum())
    se = float(math.sqrt((num - ratio * den).var(ddof=1) / n) / den.mean()) if n > 1 else math.nan
    half = _t(n) * se
    return {"mean": ratio, "se": se, "ci_low": ratio - half, "ci_high": ratio + half, "n": n}


def paired_differences(base: pd.DataFrame, other: pd.DataFrame, metrics: Iterable[str]) -> pd.DataFrame:
    """``other − base`` per metric from per-replication rows matched on ``replication``.

    Returns one row per metric: mean, se, ci_low, ci_high, n (replications
    present in both), ``events`` (replications where the two differ),
    ``established`` (at least :data:`relsim.evidence.MIN_EVENTS` of them;
    otherwise the interval is left out, NaN) and ``significant`` (an
    established interval excludes 0).
    """
    joined = base.merge(other, on="replication", how="inner", suffixes=("_a", "_b"))
    rows = {}
    for m in metrics:
        if f"{m}_a" not in joined or f"{m}_b" not in joined:
            continue
        diff = joined[f"{m}_b"].to_numpy(float) - joined[f"{m}_a"].to_numpy(float)
        row = mean_ci(diff)
        # With common random numbers most replications may not differ at
        # all; the interval rests on those that do (relsim.evidence).
        events = int(np.sum(~np.isnan(diff) & (diff != 0)))
        row["events"], row["established"] = events, events >= MIN_EVENTS
        if not row["established"]:
            row["ci_low"] = row["ci_high"] = math.nan
        lo, hi = row["ci_low"], row["ci_high"]
        row["significant"] = bool(lo > 0 or hi < 0) if not math.isnan(lo) else False
        rows[m] = row
    table = pd.DataFrame.from_dict(rows, orient="index",
                                   columns=["mean", "se", "ci_low", "ci_high", "n", "events", "established",
                                            "significant"])
    table.index.name = "metric"
    return table
