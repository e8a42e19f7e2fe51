"""Stopping rules: run until a metric is known to a given precision.

``"availability ci<1e-5"`` asks for the half-width of the 95 % confidence
interval of the mean availability to be below 1e-5; ``"availability
rel<0.01"`` for the half-width relative to the mean below 1 %. Durations
may carry units (``"downtime_per_year ci<1m"``).

The run proceeds in batches of replications 0..n-1 and checks the rule only
at batch ends. Each next n is computed from the replications so far alone
(the classic two-stage estimate n·(h/target)² [1]_, bounded to grow at least
×1.25 and at most ×4 per batch), so for a given seed the sequence of batch
ends is fixed and the final result equals a fixed-size run of the same n,
whatever the backend or the number of workers. A metric that has shown no
variation yet (every replication identical, e.g. no outage at all) never
counts as precise: its half-width of 0 only means too few runs.

References
----------
.. [1] A. M. Law, *Simulation Modeling and Analysis*, 5th ed., McGraw-Hill,
   2015, §9.4.1 (obtaining a specified precision).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from relsim.columns import as_columns, length
from relsim.intervals import t_quantile
from relsim.metric_registry import METRICS as REGISTRY
from relsim.metric_registry import names
from relsim.metrics import summary_rows
from relsim.units import parse_duration

__all__ = ["StoppingRule"]

_RULE = re.compile(r"^\s*([A-Za-z_]\w*)\s+(ci|rel)\s*<=?\s*(\S+)\s*$")
#: Every metric of the registry can be a target. Summary rows that are not
#: plain per-replication means (ratios of totals, pooled statistics) appear
#: once some outage was detected or needed a failover; until then they
#: count as not yet precise.
METRICS = tuple(REGISTRY)
_POOLED = tuple(n for n in METRICS if n not in names("replication"))
GROWTH = (1.25, 4.0)


@dataclass(frozen=True)
class StoppingRule:
    """``metric`` known to ``target``: absolute (``kind="ci"``) or relative (``"rel"``) half-width."""

    metric: str
    kind: str
    target: float

    @classmethod
    def parse(cls, text: str) -> StoppingRule:
        """Parse ``"availability ci<1e-5"`` or ``"downtime_per_year rel<5%"``."""
        m = _RULE.match(text)
        if not m:
            raise ValueError(f"stopping rule {text!r}: expected 'METRIC ci<TARGET' or 'METRIC rel<TARGET', "
                             "e.g. 'availability ci<1e-5'")
        metric, kind, raw = m.groups()
        if metric not in REGISTRY:  # the registry itself: plugins may have added metrics since import
            raise ValueError(f"stopping rule {text!r}: unknown metric {metric!r} (one of {', '.join(REGISTRY)})")
        try:
            target = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
        except ValueError:
            try:
                target = parse_duration(raw)
            except ValueError:
                raise ValueError(f"stopping rule {text!r}: target {raw!r} is not a number or a duration") from None
        if not target > 0 or not math.isfinite(target):
            raise ValueError(f"stopping rule {text!r}: target must be > 0, got {raw!r}")
        return cls(metric, kind, target)

    def __str__(self) -> str:
        return f"{self.metric} {self.kind}<{self.target:g}"

    def measure(self, runs: Any, outages: Any, seed: int = 0) -> dict[str, float]:
        """Mean, standard error, 95 % half-width and the value the rule compares.

        ``runs`` and ``outages`` are tables: columns (:mod:`relsim.columns`) or DataFrames.
        """
        runs, outages = as_columns(runs), as_columns(outages)
        if self.metric in _POOLED:
            table = summary_rows(runs, outages, seed)
            row = table.get(self.metric, {"mean": math.nan, "se": math.nan})
            mean, se, n = float(row["mean"]), float(row["se"]), length(runs)
        else:
            values = np.asarray(runs[self.metric], dtype=float) if self.metric in runs else np.array([])
            values = values[~np.isnan(values)]
            n = len(values)
            mean = float(values.mean()) if n else math.nan
            se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        # t_quantile(n, 0.95) is stats.t.ppf(0.975, n - 1) without importing scipy.stats (~0.9 s)
        half = float(t_quantile(n, 0.95) * se) if n > 1 and math.isfinite(se) else math.nan
        if self.kind == "rel":
            value = half / abs(mean) if mean else math.inf
        else:
            value = half
        return {"mean": mean, "se": se, "half_width": half, "value": value, "n": n}

    def met(self, measured: dict[str, float]) -> bool:
        """Whether the measured precision reaches the target (never on zero variation)."""
        se, value = measured["se"], measured["value"]
        return bool(math.isfinite(se) and se > 0 and value < self.target)

    def next_runs(self, n: int, measured: dict[str, float], max_runs: int) -> int:
        """How many replications the next batch should end at."""
        value = measured["value"]
        lo, hi = math.ceil(n * GROWTH[0]), math.ceil(n * GROWTH[1])
        if self.met(measured) or not math.isfinite(value) or measured["se"] <= 0:
            want = 2 * n
        else:
            want = math.ceil(1.1 * n * (value / self.target) ** 2)
        return int(min(max_runs, max(lo, min(hi, want))))

    def report(self, measured: dict[str, float], runs: int, max_runs: int) -> dict[str, Any]:
        """What ``Results.stopping`` holds: the rule, the verdict and the precision reached."""
        half, mean = measured["half_width"], measured["mean"]
        return {
            "rule": str(self),
            "metric": self.metric,
            "kind": self.kind,
            "target": self.target,
            "met": self.met(measured),
            "runs": runs,
            "max_runs": max_runs,
            "mean": _num(mean),
            "half_width": _num(half),
            "relative_half_width": _num(half / abs(mean)) if mean else None,
        }


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)
