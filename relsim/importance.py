"""Importance measures of the elements of a model, from simulation with intervals.

Which element should be hardened first? For each element *i* (domain,
component, link, load balancer, DNS provider) three variants of the model
are simulated with common random numbers — the same seed and replication
indices, so replication *r* of every variant sees the same failures of the
elements they share (docs/architecture.md, "Randomness and
reproducibility"):

* the model as it stands: the entry service's unavailability :math:`U`
  (one minus ``availability``) and the element's own unavailability
  :math:`q_i` (the fraction of time it is itself down);
* element *i* never failing (``Model.conditioned(never_fails={i})``):
  :math:`U_i^-`;
* element *i* down from time 0 and never repaired
  (``Model.conditioned(always_down={i})``): :math:`U_i^+`.

From these (definitions and references in docs/importance.md, after
Birnbaum [1]_, Fussell [2]_ and Rausand & Høyland [3]_):

* Birnbaum :math:`I_B = U_i^+ - U_i^-`;
* criticality :math:`I_{CR} = I_B\\,q_i / U`;
* Fussell–Vesely :math:`I_{FV} = (U - U_i^-)/U`;
* risk achievement worth :math:`RAW = U_i^+/U`;
* risk reduction worth :math:`RRW = U/U_i^-`.

Intervals: every variant gives one value per replication, paired by
replication. :math:`I_B` is the mean of the paired differences (Student t);
the ratios are ratios of means whose standard error comes from the delta
method on the per-replication linearisation (Law [4]_, §9.5), which keeps the
pairing (the covariance between numerator and denominator). A ratio whose
denominator is zero in every replication is NaN, "not established": relsim
never divides by an estimate of zero.

The table is sorted by criticality, largest first (then Birnbaum): the
relative improvement of the system for a relative improvement of the element
is :math:`\\Delta U/U = I_{CR}\\,\\Delta q_i/q_i` [3]_, so criticality ranks
what hardening an element (halving its failure rate or repair time) buys,
where Birnbaum ranks structural position alone and puts an element that
almost never fails as high as one that fails every week.

References
----------
.. [1] Z. W. Birnbaum, "On the importance of different components in a
   multicomponent system", in P. R. Krishnaiah (ed.), *Multivariate
   Analysis II*, Academic Press, 1969, pp. 581-592.
.. [2] J. B. Fussell, "How to hand-calculate system reliability and safety
   characteristics", *IEEE Trans. Reliability* R-24(3):169-174, 1975.
.. [3] M. Rausand and A. Høyland, *System Reliability Theory: Models,
   Statistical Methods, and Applications*, 2nd ed., Wiley, 2004, ch. 5
   (component importance).
.. [4] A. M. Law, *Simulation Modeling and Analysis*, 5th ed., McGraw-Hill,
   2015.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from relsim.backends import Backend, use_backend
from relsim.experiment import run
from relsim.intervals import LEVEL
from relsim.model import Model, load
from relsim.units import parse_duration

__all__ = ["COLUMNS", "MEASURES", "failing_elements", "importance"]

#: The measures, in the order of the table's columns.
MEASURES = ("birnbaum", "criticality", "fussell_vesely", "raw", "rrw")
_STATS = ("", "_se", "_ci_low", "_ci_high")
COLUMNS = [
    "rank", "element", "kind",
    *[f"{m}{s}" for m in MEASURES for s in _STATS],
    *[f"{m}{s}" for m in ("unavailability_if_up", "unavailability_if_down", "element_unavailability")
      for s in _STATS],
    "unavailability", "unavailability_se", "note", "ranked_by", "model", "seed", "runs", "horizon_s",
]
NOT_ESTABLISHED = "not established"


def failing_elements(model: Model) -> dict[str, str]:
    """The elements of ``model`` that have failure specs, mapped to their kind."""
    spec = model.spec
    failures: dict[str, Any] = {}
    failures.update({n: d.failures for n, d in model.domains.items()})
    failures.update({n: c.failures for n, c in model.components.items()})
    failures.update({n: link.failures for n, link in spec.links.items()})
    failures.update({n: lb.failures for n, lb in spec.load_balancers.items()})
    if spec.dns is not None:
        failures["dns"] = spec.dns.provider.failures
    return {n: k for n, k in model.element_names().items() if failures.get(n)}


def _delta(columns: Sequence[np.ndarray], f: Callable[..., float],
           grad: Callable[..., Sequence[float]]) -> dict[str, float]:
    """``f`` of the means of paired per-replication columns, with a delta-method interval.

    The estimate is ``f(means)``; its standard error is that of the mean of
    the linearised values ``sum_k grad_k (x_k - mean_k)`` over replications,
    which keeps the covariances that common random numbers create.
    """
    x = [np.asarray(c, float) for c in columns]
    n = len(x[0])
    means = [float(c.mean()) for c in x]
    value = f(*means)
    if not math.isfinite(value):
        return {"": math.nan, "_se": math.nan, "_ci_low": math.nan, "_ci_high": math.nan}
    if n < 2:
        return {"": value, "_se": math.nan, "_ci_low": math.nan, "_ci_high": math.nan}
    g = grad(*means)
    lin = sum(gk * (xk - mk) for gk, xk, mk in zip(g, x, means))
    se = float(np.std(lin, ddof=1) / math.sqrt(n))
    half = float(stats.t.ppf(0.5 + LEVEL / 2, n - 1)) * se
    return {"": value, "_se": se, "_ci_low": value - half, "_ci_high": value + half}


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


def _estimates(u: np.ndarray, u_up: np.ndarray, u_down: np.ndarray, q: np.ndarray) -> dict[str, float]:
    """Every measure with its interval from paired per-replication unavailabilities."""
    out: dict[str, float] = {}

    def put(name: str, est: dict[str, float]) -> None:
        out.update({f"{name}{k}": v for k, v in est.items()})

    put("birnbaum", _delta([u_down, u_up], lambda d, p: d - p, lambda d, p: (1.0, -1.0)))
    put("criticality", _delta([u_down, u_up, q, u], lambda d, p, qi, s: _ratio((d - p) * qi, s),
                              lambda d, p, qi, s: (qi / s, -qi / s, (d - p) / s, -(d - p) * qi / s**2)))
    put("fussell_vesely", _delta([u, u_up], lambda s, p: _ratio(s - p, s),
                                 lambda s, p: (p / s**2, -1.0 / s)))
    put("raw", _delta([u_down, u], _ratio, lambda d, s: (1.0 / s, -d / s**2)))
    put("rrw", _delta([u, u_up], _ratio, lambda s, p: (1.0 / p, -s / p**2)))
    put("unavailability_if_up", _delta([u_up], float, lambda p: (1.0,)))
    put("unavailability_if_down", _delta([u_down], float, lambda d: (1.0,)))
    put("element_unavailability", _delta([q], float, lambda qi: (1.0,)))
    # Unavailabilities and ratios of them are not negative in a coherent
    # system: a symmetric delta-method interval is cut at 0 (as attribution's
    # are), unless the estimate itself is below 0.
    for name in ("birnbaum", "criticality", "fussell_vesely", "raw", "rrw", "unavailability_if_up",
                 "unavailability_if_down", "element_unavailability"):
        low = out[f"{name}_ci_low"]
        if not math.isnan(low):
            out[f"{name}_ci_low"] = max(low, min(0.0, out[name]))
    return out


def _unavailability(results: Any) -> np.ndarray:
    return 1.0 - results.runs["availability"].to_numpy(float)


def importance(
    model: Model | str | os.PathLike[str] | dict[str, Any],
    runs: int = 200,
    seed: int = 0,
    horizon: float | str | None = None,
    jobs: int = 1,
    backend: str | Backend | None = None,
    elements: Sequence[str] | None = None,
    exact: bool | None = None,
) -> pd.DataFrame:
    """Importance measures of a model's elements, ranked "harden this first".

    Parameters
    ----------
    model : Model, path or dict
        What to analyse (paths and dicts are loaded with :func:`relsim.load`).
    runs : int
        Replications of each variant (the model, and each element never
        failing and always down): ``runs * (1 + 2 * len(elements))`` in all.
    seed : int
        Base seed, shared by every variant (common random numbers).
    horizon : float or str, optional
        Simulated time per replication; the model's ``horizon`` by default.
    jobs, backend
        As for :func:`relsim.run` (one backend serves every variant).
    elements : sequence of str, optional
        Which elements to measure; by default every domain, component, link,
        load balancer and DNS provider that has failure specs.
    exact : bool, optional
        Add ``*_exact`` columns from the exact solver
        (:mod:`relsim.analytic.importance`). ``None`` (default): when the
        model is Markovian (:func:`relsim.analytic.supports`); ``True``:
        always (raises :class:`relsim.Unsupported` if it is not); ``False``:
        never.

    Returns
    -------
    DataFrame
        One row per element, sorted by criticality, then Birnbaum, largest
        first (``rank`` 1 is the element to harden first; when *U* is 0 in
        every replication by the exact criticality if there is one, else by
        Birnbaum: ``ranked_by`` says which): ``element``,
        ``kind``; ``birnbaum``, ``criticality``, ``fussell_vesely``, ``raw``
        (risk achievement worth), ``rrw`` (risk reduction worth),
        ``unavailability_if_up`` (:math:`U_i^-`), ``unavailability_if_down``
        (:math:`U_i^+`) and ``element_unavailability`` (:math:`q_i`), each
        with ``_se``, ``_ci_low`` and ``_ci_high`` (95 %); ``unavailability``
        (:math:`U`) and its ``_se``; ``note`` ("not established" reasons);
        provenance ``model``, ``seed``, ``runs``, ``horizon_s``. NaN means
        not established (a zero denominator in every replication).

    Raises
    ------
    ValueError
        If ``elements`` names something that is not an element of the model.
    """
    if not isinstance(model, Model):
        model = load(model)
    if isinstance(horizon, str):
        horizon = parse_duration(horizon)
    h = float(model.horizon if horizon is None else horizon)
    kinds = model.element_names()
    if isinstance(elements, str):
        elements = [elements]  # one name, not its letters
    if elements is None:
        chosen = failing_elements(model)
    else:
        model.conditioned(never_fails=elements)  # names every unknown element
        chosen = {name: kinds[name] for name in dict.fromkeys(elements)}
    exact_rows = _exact(model, chosen, h, exact)

    with use_backend(backend, jobs) as ex:
        def simulate(variant: Model) -> Any:
            return run(variant, runs=runs, seed=seed, horizon=h, backend=ex)

        base = simulate(model.conditioned(element_downtime=True))
        u = _unavailability(base)
        own = base.runs["element_downtime"].tolist()
        rows = []
        for name, kind in chosen.items():
            u_up = _unavailability(simulate(model.conditioned(never_fails={name})))
            u_down = _unavailability(simulate(model.conditioned(always_down={name})))
            q = np.array([d.get(name, 0.0) for d in own]) / h
            row: dict[str, Any] = {"element": name, "kind": kind, **_estimates(u, u_up, u_down, q)}
            row.update(exact_rows.get(name, {}))
            rows.append(row)
    u_mean = float(u.mean())
    note = ""
    if u_mean == 0.0:
        note = f"U = 0 in every replication: criticality, Fussell-Vesely and RAW {NOT_ESTABLISHED}"
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=COLUMNS)
    table["unavailability"] = u_mean
    table["unavailability_se"] = float(u.std(ddof=1) / math.sqrt(len(u))) if len(u) > 1 else math.nan
    table["note"] = [_note(note, r) for r in rows]
    table["model"], table["seed"], table["runs"], table["horizon_s"] = model.name, seed, runs, h
    # Criticality, then Birnbaum; when U = 0 in every replication the exact
    # criticality if there is one, else Birnbaum alone.
    if table["criticality"].notna().any():
        keys = ["criticality", "birnbaum"]
    elif "criticality_exact" in table and table["criticality_exact"].notna().any():
        keys = ["criticality_exact", "birnbaum_exact"]
    else:
        keys = ["birnbaum"]
    table["ranked_by"] = keys[0]
    table = table.sort_values([*keys, "element"], ascending=[*(False for _ in keys), True],
                              na_position="last", ignore_index=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    extra = [c for c in table.columns if c not in COLUMNS]
    return table[[*COLUMNS, *extra]]


def _note(base: str, row: dict[str, Any]) -> str:
    notes = [base] if base else []
    if math.isnan(row["rrw"]) and row["unavailability_if_up"] == 0.0 and not base:
        notes.append(f"U = 0 in every replication with it never failing: RRW {NOT_ESTABLISHED}")
    return "; ".join(notes)


def _exact(model: Model, chosen: dict[str, str], horizon: float, exact: bool | None) -> dict[str, dict[str, Any]]:
    """``*_exact`` columns per element, or nothing (see :func:`importance`)."""
    if exact is False:
        return {}
    from relsim.analytic import supports
    from relsim.analytic.importance import exact_importance
    from relsim.errors import Unsupported

    ok, why = supports(model)
    if not ok and exact is None:
        return {}
    if not ok:
        raise Unsupported(why.splitlines())
    solvable = [n for n, k in chosen.items() if k in ("domain", "component")]
    try:
        found = exact_importance(model, solvable, horizon)
    except Unsupported:
        if exact:
            raise
        return {}  # a chain too large for an exact solve: simulation only
    return {name: {f"{k}_exact": v for k, v in row.items()} for name, row in found.items()}
