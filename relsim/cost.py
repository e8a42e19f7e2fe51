"""What an added nine costs: cost differences against availability differences (docs/maintenance-and-cost.md).

The *nines* of an availability A are ``−log10(1 − A)`` (99.9 % is 3 nines).
Between a baseline and a variant run with common random numbers
(:func:`relsim.compare`), the cost per added nine is

    R = (C_v − C_b) / (N_v − N_b),   N_x = −log10(U_x),  U_x = 1 − mean availability of x,

with ``C`` the mean ``cost_per_year``. Its standard error is the delta
method on the paired per-replication values (cost difference, the two
unavailabilities): with g = (ΔC, U_b, U_v) and ΔN = log10(U_b / U_v),

    ∂R/∂ΔC = 1/ΔN,  ∂R/∂U_b = −ΔC / (ΔN² · U_b · ln 10),  ∂R/∂U_v = ΔC / (ΔN² · U_v · ln 10).

:func:`cost_per_nine` gives it for every variant of a comparison;
:func:`sweep_cost_per_nine` the same from a sweep's table against its first
point (means only: a sweep keeps no per-replication values).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["cost_per_nine", "nines", "sweep_cost_per_nine"]

_LN10 = math.log(10.0)


def nines(availability: float) -> float:
    """``−log10(1 − availability)``: 0.999 is 3 nines (inf for 1)."""
    u = 1.0 - float(availability)
    return math.inf if u <= 0 else -math.log10(u)


def _paired(base: pd.DataFrame, other: pd.DataFrame) -> dict[str, float]:
    merged = base[["replication", "availability", "cost_per_year"]].merge(
        other[["replication", "availability", "cost_per_year"]], on="replication", suffixes=("_b", "_v"))
    n = len(merged)
    dc = (merged["cost_per_year_v"] - merged["cost_per_year_b"]).to_numpy(float)
    ub = 1.0 - merged["availability_b"].to_numpy(float)
    uv = 1.0 - merged["availability_v"].to_numpy(float)
    m_dc, m_ub, m_uv = dc.mean(), ub.mean(), uv.mean()
    out = {"n": float(n), "cost_difference": m_dc, "nines_baseline": nines(1 - m_ub),
           "nines_variant": nines(1 - m_uv)}
    se_dc = dc.std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
    t = float(stats.t.ppf(0.975, n - 1)) if n > 1 else math.nan
    out["cost_difference_se"] = se_dc
    out["cost_difference_ci_low"], out["cost_difference_ci_high"] = m_dc - t * se_dc, m_dc + t * se_dc
    if m_ub <= 0 or m_uv <= 0 or m_ub == m_uv or n < 2:
        out.update(nines_added=out["nines_variant"] - out["nines_baseline"], cost_per_nine=math.nan,
                   se=math.nan, ci_low=math.nan, ci_high=math.nan)
        return out
    dn = math.log10(m_ub / m_uv)
    r = m_dc / dn
    grad = np.array([1.0 / dn, -m_dc / (dn * dn * m_ub * _LN10), m_dc / (dn * dn * m_uv * _LN10)])
    cov = np.cov(np.vstack([dc, ub, uv]), ddof=1) / n
    se = float(math.sqrt(max(float(grad @ cov @ grad), 0.0)))
    out.update(nines_added=dn, cost_per_nine=r, se=se, ci_low=r - t * se, ci_high=r + t * se)
    return out


def cost_per_nine(comparison: Any) -> pd.DataFrame:
    """Cost difference, nines added and cost per added nine of each variant against the baseline.

    Parameters
    ----------
    comparison : relsim.Comparison
        Variants of a model with a ``costs`` section, run with common random
        numbers.

    Returns
    -------
    DataFrame
        One row per variant: ``variant``, ``baseline``, ``cost_difference``
        (per year, with ``_se``, ``_ci_low``, ``_ci_high``), ``nines_baseline``,
        ``nines_variant``, ``nines_added``, ``cost_per_nine`` with ``se``,
        ``ci_low``, ``ci_high`` (delta method; NaN when the nines do not
        change or an unavailability is 0) and ``n``.
    """
    first = comparison.results[comparison.baseline].runs
    if "cost_per_year" not in first:
        raise ValueError("cost per nine needs a model with a costs section (cost_per_year)")
    rows = []
    for label in comparison.labels[1:]:
        row = _paired(first, comparison.results[label].runs)
        rows.append({"variant": label, "baseline": comparison.baseline, **row})
    return pd.DataFrame(rows)


def sweep_cost_per_nine(table: pd.DataFrame, baseline_point: int = 0) -> pd.DataFrame:
    """Cost per added nine of each point of a :func:`relsim.sweep` table against ``baseline_point``.

    From the means of ``availability`` and ``cost_per_year`` (the sweep must
    keep both metrics); no interval, since a sweep table keeps no
    per-replication values — compare two points with :func:`relsim.compare`
    for one.
    """
    need = {"availability", "cost_per_year"}
    if not need <= set(table["metric"]):
        raise ValueError("the sweep table needs the metrics availability and cost_per_year")
    wide = table[table["metric"].isin(need)].pivot(index="point", columns="metric", values="mean")
    base = wide.loc[baseline_point]
    out = pd.DataFrame({"point": wide.index})
    out["nines"] = [nines(a) for a in wide["availability"]]
    out["cost_per_year"] = wide["cost_per_year"].to_numpy()
    out["cost_difference"] = out["cost_per_year"] - float(base["cost_per_year"])
    out["nines_added"] = out["nines"] - nines(float(base["availability"]))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cost_per_nine"] = np.where(out["nines_added"] != 0, out["cost_difference"] / out["nines_added"],
                                        np.nan)
    return out
