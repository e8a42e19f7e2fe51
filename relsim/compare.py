"""Comparing architectures with common random numbers.

Every variant runs with the same seed and the same replication indices.
Because random streams are keyed by element *name* (docs/model-format.md §14.7), an element
present in two variants fails at the same times in replication *i* of both,
as long as its own failure specs are the same, so per-replication metrics of
the variants are positively correlated and their paired differences vary
much less than differences of independent runs (:mod:`relsim.intervals`).
The first variant is the baseline; differences are ``variant − baseline``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from relsim.backends import Backend, use_backend
from relsim.experiment import run
from relsim.incident_metrics import RATIOS as INCIDENT_RATIOS
from relsim.intervals import paired_differences, paired_quantile_difference, paired_ratio_difference
from relsim.metric_registry import names
from relsim.metrics import FAMILIES, family_events
from relsim.model import Model, load
from relsim.results import Results
from relsim.upkeep_metrics import RATIOS as UPKEEP_RATIOS

__all__ = ["Comparison", "compare"]

ModelLike = Model | str | os.PathLike[str] | dict[str, Any]


@dataclass
class Comparison:
    """Results of several variants run with common random numbers.

    Attributes
    ----------
    results : dict
        :class:`Results` per variant label, in the order given; the first is
        the baseline.
    """

    results: dict[str, Results]

    @property
    def labels(self) -> list[str]:
        return list(self.results)

    @property
    def baseline(self) -> str:
        return self.labels[0]

    def metrics(self) -> pd.DataFrame:
        """Tidy summary: one row per variant × metric (mean, se, ci_low, ci_high, n)."""
        frames = []
        for label, res in self.results.items():
            s = res.summary()[["mean", "se", "ci_low", "ci_high", "n"]].reset_index()
            s.insert(0, "variant", label)
            frames.append(s)
        return pd.concat(frames, ignore_index=True)

    def side_by_side(self) -> pd.DataFrame:
        """Mean of each metric (rows) per variant (columns)."""
        wide = self.metrics().pivot(index="metric", columns="variant", values="mean")
        order = list(self.results[self.baseline].summary().index)
        return wide.reindex(index=[m for m in order if m in wide.index], columns=self.labels)

    def differences(self) -> pd.DataFrame:
        """Paired differences ``variant − baseline`` of every metric the baseline reports.

        Per-replication metrics are paired replication by replication;
        ratios of totals (``mean_outage``, ``mttd``, ``rto_mean``...) with
        the paired delta method, pooled percentiles with a paired bootstrap
        over replications, maxima without an interval
        (:mod:`relsim.intervals`).

        One row per (variant, metric): ``mean``, ``se``, ``ci_low``,
        ``ci_high``, ``n``, ``events`` (replications where the variants
        differ), ``established`` (enough of them for an interval; otherwise
        the interval is NaN) and ``significant`` (the 95 % interval
        excludes 0).
        """
        first = self.results[self.baseline]
        base = first.runs
        shown = list(first.summary().index)
        metrics = [m for m in names("replication") if m in base and m in shown]
        frames = []
        for label in self.labels[1:]:
            other = self.results[label]
            d = paired_differences(base, other.runs, metrics)
            outage = _outage_differences(first, other, [m for m in shown if m not in metrics])
            d = pd.concat([d, outage]) if len(outage) else d
            d = d.reindex([m for m in shown if m in d.index]).reset_index()
            d.insert(0, "baseline", self.baseline)
            d.insert(0, "variant", label)
            frames.append(d)
        cols = ["variant", "baseline", "metric", "mean", "se", "ci_low", "ci_high", "n", "events", "established",
                "significant"]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)

    def plot(self, metric: str = "availability") -> Any:
        """Each variant's ``metric`` with its 95 % CI and the paired differences: a matplotlib Figure.

        Availability is drawn as downtime in minutes per year
        (:func:`relsim.report.plots.comparison`).
        """
        # the presentation layer, imported on first use so that matplotlib loads only for figures
        from relsim.report.plots import comparison

        return comparison(self, metric)

    def to_dict(self) -> dict[str, Any]:
        """JSON document of ``relsim compare --json``."""
        first = self.results[self.baseline]
        variants = {label: res.to_dict() for label, res in self.results.items()}
        diffs: dict[str, dict[str, Any]] = {}
        for row in self.differences().itertuples(index=False):
            diffs.setdefault(row.variant, {})[row.metric] = {
                "mean": _num(row.mean), "se": _num(row.se),
                "ci95": [_num(row.ci_low), _num(row.ci_high)], "significant": bool(row.significant),
                "events": int(row.events), "established": bool(row.established),
            }
        doc = {"baseline": self.baseline, "runs": len(first.runs), "seed": first.seed,
               "variants": variants, "differences": diffs}
        if "cost_per_year" in first.runs:  # a model with costs: what each added nine costs (relsim/cost.py)
            from relsim.cost import cost_per_nine

            doc["cost_per_nine"] = {row["variant"]: {k: float(v) if math.isfinite(float(v)) else None
                                                     for k, v in row.items() if k not in ("variant", "baseline")}
                                    for row in cost_per_nine(self).to_dict("records")}
        return doc

    def __repr__(self) -> str:
        return f"<Comparison of {', '.join(map(repr, self.labels))}: {len(self.results[self.baseline].runs)} runs>"


def _outage_differences(a: Results, b: Results, names: list[str]) -> pd.DataFrame:
    """Paired differences of the outage metrics (ratios, pooled percentiles, maxima) in ``names``."""
    rows = {}
    for prefix, (_, _, quantiles) in FAMILIES.items():
        got_a, got_b = family_events(a.runs, a.outages, prefix), family_events(b.runs, b.outages, prefix)
        if got_a is None or got_b is None:
            continue
        mean_name = {"outage": "mean_outage", "mttd": "mttd"}.get(prefix, f"{prefix}_mean")
        if mean_name in names:
            rows[mean_name] = paired_ratio_difference(got_a[0], got_a[1], got_b[0], got_b[1])
        for q in quantiles:
            if f"{prefix}_p{q}" in names:
                rows[f"{prefix}_p{q}"] = paired_quantile_difference(got_a[2], got_b[2], q / 100, a.seed)
        if f"{prefix}_max" in names:
            rows[f"{prefix}_max"] = paired_quantile_difference(got_a[2], got_b[2], None)
    for name, (num, den) in INCIDENT_RATIOS.items():  # alerts and teams (relsim/incident_metrics.py)
        if name in names and den in a.runs and den in b.runs:
            rows[name] = paired_ratio_difference(a.runs[num], a.runs[den], b.runs[num], b.runs[den])
    for name, (num, den) in UPKEEP_RATIOS.items():  # spares, inspections (relsim/upkeep_metrics.py)
        if name in names and den in a.runs and den in b.runs:
            rows[name] = paired_ratio_difference(a.runs[num], a.runs[den], b.runs[num], b.runs[den])
    if "restore_rto" in names and "restores" in a.runs and "restores" in b.runs:
        rows["restore_rto"] = paired_ratio_difference(a.runs["restore_time_s"], a.runs["restores"],
                                                      b.runs["restore_time_s"], b.runs["restores"])
    for row in rows.values():
        lo, hi = row["ci_low"], row["ci_high"]
        row["significant"] = bool(lo > 0 or hi < 0) if not math.isnan(lo) else False
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "se", "ci_low", "ci_high", "n", "events",
                                                                  "established", "significant"])
    table.index.name = "metric"
    return table


def _labels(models: Sequence[ModelLike], loaded: list[Model]) -> list[str]:
    labels = [m.name for m in loaded]
    if len(set(labels)) == len(labels):
        return labels
    # Same model names (e.g. two edits of one file): fall back to file stems.
    stems = [Path(m).stem if isinstance(m, str | os.PathLike) else None for m in models]
    out, seen = [], set()
    for k, (name, stem) in enumerate(zip(labels, stems)):
        label = name if labels.count(name) == 1 else (stem or f"{name}#{k + 1}")
        while label in seen:
            label = f"{label}#{k + 1}"
        seen.add(label)
        out.append(label)
    return out


def compare(
    models: Sequence[ModelLike] | Mapping[str, ModelLike],
    runs: int = 100,
    seed: int = 0,
    horizon: float | str | None = None,
    jobs: int = 1,
    backend: str | Backend | None = None,
    *,
    scheduler: str | None = None,
    progress: bool = False,
) -> Comparison:
    """Run variants with common random numbers and compare them with the first.

    Parameters
    ----------
    models : sequence or mapping
        Models, model file paths or dicts; a mapping gives the labels, else
        model names are used (file stems where names repeat). The first is
        the baseline.
    runs, seed, horizon, jobs, backend, scheduler, progress
        As for :func:`relsim.run`; every variant uses the same ``seed`` and
        replications ``0 .. runs-1``.

    Returns
    -------
    Comparison
        ``.side_by_side()``, ``.metrics()``, ``.differences()`` (paired,
        with 95 % intervals), ``.results`` per variant.

    Examples
    --------
    >>> c = relsim.compare(["models/a.yaml", "models/b.yaml"], runs=500, seed=1)  # doctest: +SKIP
    >>> c.differences().set_index(["variant", "metric"]).loc[("b", "availability")]  # doctest: +SKIP
    """
    if isinstance(models, Mapping):
        given_labels: list[str] | None = [str(k) for k in models]
        sources = list(models.values())
    else:
        given_labels, sources = None, list(models)
    if len(sources) < 2:
        raise ValueError(f"compare needs at least two models, a baseline and a variant (got {len(sources)}); "
                         "to run one model use relsim run")
    loaded = [m if isinstance(m, Model) else load(m) for m in sources]
    labels = given_labels or _labels(sources, loaded)
    results: dict[str, Results] = {}
    with use_backend(backend, jobs, scheduler) as shared:
        for label, model in zip(labels, loaded):
            results[label] = run(model, runs=runs, seed=seed, horizon=horizon, backend=shared,
                                 progress=progress)
    return Comparison(results)


def _num(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x
