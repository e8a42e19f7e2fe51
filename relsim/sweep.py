"""Parameter sweeps: a grid of dotted-path overrides, each point run with common random numbers.

``sweep(model, {"services.web.needs": [3, 4, 5]})`` runs the model once per
grid point (:meth:`Model.with_overrides`), every point with the same seed
and replication indices, so differences between points are not blurred by
independent sampling noise (see :mod:`relsim.compare`). The result is a
tidy DataFrame in the style of Mesa's ``batch_run``: one row per point ×
metric, with a column per swept parameter.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from relsim.backends import Backend, use_backend
from relsim.experiment import run
from relsim.model import Model, load

__all__ = ["grid_points", "sweep"]

SUMMARY = ["mean", "se", "ci_low", "ci_high", "n"]


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the values in ``grid`` (last parameter varying fastest)."""
    if not grid:
        raise ValueError("a sweep needs at least one parameter")
    for path, values in grid.items():
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or len(values) == 0:
            raise ValueError(f"sweep parameter {path!r}: expected a non-empty list of values, got {values!r}")
    paths = list(grid)
    return [dict(zip(paths, combo)) for combo in itertools.product(*(grid[p] for p in paths))]


def sweep(
    model: Model | str | os.PathLike[str] | dict[str, Any],
    grid: Mapping[str, Sequence[Any]],
    runs: int = 100,
    seed: int = 0,
    horizon: float | str | None = None,
    jobs: int = 1,
    backend: str | Backend | None = None,
    *,
    scheduler: str | None = None,
    metrics: Sequence[str] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run ``model`` at every point of a grid of overrides.

    Parameters
    ----------
    model : Model, path or dict
        The base model.
    grid : mapping of dotted path to list of values
        E.g. ``{"services.web.needs": [3, 4], "components.web.count": [6, 9]}``
        gives four points. Values are what a model file would hold there
        (``"exp(mean=2h)"``, ``"99.9%"``, ``3``).
    runs, seed, horizon, jobs, backend, scheduler, progress
        As for :func:`relsim.run`; every point uses the same seed and
        replications ``0 .. runs-1`` (common random numbers).
    metrics : list of str, optional
        Metrics to keep (default: every metric of the summary).

    Returns
    -------
    DataFrame
        One row per point × metric: ``point`` (its index), one column per
        swept path, ``metric``, ``mean``, ``se``, ``ci_low``, ``ci_high``,
        ``n``, and provenance ``model``, ``seed``, ``runs``.
    """
    base = model if isinstance(model, Model) else load(model)
    points = grid_points(grid)
    variants = [base.with_overrides(point) for point in points]  # validate all before running
    frames = []
    with use_backend(backend, jobs, scheduler) as shared:
        for k, (point, variant) in enumerate(zip(points, variants)):
            res = run(variant, runs=runs, seed=seed, horizon=horizon, backend=shared, progress=progress)
            s = res.summary()[SUMMARY]
            if metrics is not None:
                unknown = [m for m in metrics if m not in s.index]
                if unknown:
                    raise ValueError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(s.index)}")
                s = s.loc[list(metrics)]
            s = s.reset_index()
            for j, (path, value) in enumerate(point.items()):
                s.insert(j, path, [value] * len(s))
            s.insert(0, "point", k)
            s["model"], s["seed"], s["runs"] = base.name, seed, runs
            frames.append(s)
    return pd.concat(frames, ignore_index=True)
