"""Exact steady-state and from-new metrics of a model's Markov chain.

For the generator :math:`Q` of the chain built by :mod:`relsim.analytic.ctmc`
(irreducible: every element comes back up, and every state is reached from
all-up), the stationary distribution solves :math:`\\pi Q = 0`,
:math:`\\pi \\mathbf 1 = 1` (sparse LU or Gauss-Seidel [1]_, see
:mod:`relsim.analytic.markov`).
With :math:`U` the set of states where the entry service is up (served
fraction 1):

* availability :math:`A = \\sum_{x \\in U} \\pi_x`;
* outage rate (up-to-down flux) :math:`\\nu = \\sum_{x \\in U} \\pi_x
  \\sum_{y \\notin U} Q_{xy}`; mean outage duration :math:`(1 - A)/\\nu`;
* element failures per unit time :math:`\\sum_x \\pi_x f_x`, :math:`f_x` the
  total rate of failure transitions out of :math:`x`.

From new (all up at :math:`t = 0`, :math:`p_0 = e_{\\text{all up}}`), the
distribution at :math:`t` is :math:`p(t) = p_0 e^{Qt}` (computed with
``scipy.sparse.linalg.expm_multiply`` [2]_, stopping early once
:math:`p(t)` equals :math:`\\pi` to machine precision). Any accumulated
reward :math:`r` over :math:`[0, T]` follows from the deviation from
stationarity: with :math:`x = \\int_0^T (p(t) - \\pi)\\,dt`,

.. math:: \\int_0^T p(t) r\\,dt = T\\,\\pi r + x r, \\qquad
          x Q = p(T) - p_0, \\quad x \\mathbf 1 = 0,

which is exact for any :math:`T` and costs one more linear solve [3]_. This
gives the expected downtime, outages and failures in :math:`[0, T]`, i.e. the
expectations of what one replication of horizon :math:`T` reports.

References
----------
.. [1] W. J. Stewart, *Introduction to the Numerical Solution of Markov
   Chains*, Princeton University Press, 1994, ch. 2.
.. [2] A. H. Al-Mohy and N. J. Higham, "Computing the action of the matrix
   exponential, with an application to exponential integrators", *SIAM J.
   Sci. Comput.* 33(2):488-511, 2011.
.. [3] K. S. Trivedi, *Probability and Statistics with Reliability, Queuing,
   and Computer Science Applications*, 2nd ed., Wiley, 2002, ch. 8-9
   (cumulative transient measures of Markov reward models).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from relsim.analytic.ctmc import MAX_STATES, Chain, build_chains
from relsim.analytic.markov import MarkovSolution
from relsim.metric_registry import METRICS as REGISTRY
from relsim.model import Model
from relsim.units import YEAR

__all__ = ["ExactResult", "solve"]

#: Metrics whose exact value :func:`solve` gives: those the metric registry
#: marks ``exact``, in reporting order.
METRICS = tuple(name for name, metric in REGISTRY.items() if metric.exact)


class _Solved(MarkovSolution):
    """A chain with its stationary distribution."""

    def __init__(self, chain: Chain, method: str = "auto"):
        super().__init__(chain.generator, method)
        self.chain = chain


@dataclass(frozen=True)
class ExactResult:
    """Exact metrics of a model's Markov chain.

    Attributes
    ----------
    model : str
        The model's name.
    n_states : int
        States of the entry service's chain (after exact lumping of
        interchangeable components).
    availability, unavailability : float
        Long-run fraction of time the entry service is (not) up.
    served_fraction : float
        Long-run average of the entry service's served fraction.
    outages_per_year : float
        Up-to-down transitions of the entry service per 365 days.
    mean_outage : float
        Mean outage duration in seconds, ``(1 - A) / outage rate``.
    downtime_per_year : float
        Seconds of outage per 365 days.
    failures_per_year : float
        Element failures (all kinds, all elements) per 365 days.

    Notes
    -----
    :meth:`from_new` gives the expected per-replication metrics over a
    finite horizon starting all up, :meth:`point_availability` the
    probability of being up at given times, and :meth:`state_table` the
    stationary distribution state by state.
    """

    model: str
    n_states: int
    availability: float
    unavailability: float
    served_fraction: float
    outages_per_year: float
    mean_outage: float
    downtime_per_year: float
    failures_per_year: float
    _main: _Solved = field(repr=False, compare=False)
    _side: tuple[_Solved, ...] = field(repr=False, compare=False)

    def metrics(self) -> dict[str, float]:
        """The steady-state values under relsim's metric names."""
        return {name: getattr(self, name) for name in METRICS}

    def point_availability(self, t: Any) -> Any:
        """Probability that the entry service is up at time ``t`` (seconds) from new.

        ``t`` may be a number or an array of times.
        """
        ts = np.atleast_1d(np.asarray(t, dtype=float))
        up = self._main.chain.up
        down = (~up).astype(float)
        out = np.array([1.0 - float(self._main.transient(x, [down]) @ down) for x in ts])
        return float(out[0]) if np.ndim(t) == 0 else out

    def from_new(self, horizon: float) -> dict[str, float]:
        """Expected metrics of one replication of ``horizon`` seconds, all up at 0.

        Returns the expectations of relsim's per-replication metrics
        (``availability``, ``served_fraction``, ``downtime_per_year``,
        ``outages_per_year``, ``failures_per_year``) over ``[0, horizon]``,
        the expected totals (``downtime_s``, ``outages``, ``failures``) and
        ``mean_outage`` as the ratio of expected totals (what relsim's ratio
        estimator converges to).
        """
        h = float(horizon)
        if not (h > 0 and math.isfinite(h)):
            raise ValueError(f"horizon must be a positive number of seconds, got {horizon!r}")
        main = self._main
        ch = main.chain
        down, served, failing, outage = _rewards(ch)
        downtime, served_int, failures, outages = main.integral(h, [down, served, failing, outage])
        for side in self._side:
            failures += side.chain.multiplicity * side.integral(h, [side.chain.failure_rate])[0]
        per_year = YEAR / h
        return {
            "availability": 1.0 - downtime / h,
            "served_fraction": served_int / h,
            "downtime_per_year": downtime * per_year,
            "outages_per_year": outages * per_year,
            "failures_per_year": failures * per_year,
            "mean_outage": downtime / outages if outages > 0 else math.nan,
            "downtime_s": downtime,
            "outages": outages,
            "failures": failures,
        }

    def state_table(self) -> pd.DataFrame:
        """The stationary distribution: one row per state of the chain.

        Columns: each tracked element's status (``up``, ``repair 0``,
        ``queued 0``, ``transient 1`` ... by failure spec index), ``queue``
        (the FIFO repair queue, head first), ``n_failed`` (elements not
        ``up``), ``up`` and ``served`` (the entry service) and
        ``probability``. With lumping, a row stands for all the states that
        differ only by a permutation of interchangeable components.
        """
        ch = self._main.chain
        rows = []
        for k in range(ch.n_states):
            row: dict[str, Any] = {el: ch.status_names[j][c]
                                   for j, (el, c) in enumerate(zip(ch.elements, ch.statuses[k]))}
            row["queue"] = " ".join(ch.elements[j] for j in ch.queues[k])
            rows.append(row)
        table = pd.DataFrame(rows)
        table["n_failed"] = (ch.statuses != 0).sum(axis=1) if ch.elements else 0
        table["up"] = ch.up
        table["served"] = ch.served
        table["probability"] = self._main.pi
        return table


def _rewards(ch: Chain) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    down = (~ch.up).astype(float)
    off = (ch.failure + ch.other).tocsr()
    outage = ch.up * (off @ down)
    return down, ch.served.astype(float), ch.failure_rate, outage


def solve(model: Model, max_states: int = MAX_STATES, lump: bool = True,
          method: str = "auto") -> ExactResult:
    """Solve a model's continuous-time Markov chain exactly.

    Parameters
    ----------
    model : Model
        A model whose elements are all exponential and whose services are
        in the modes listed in :mod:`relsim.analytic.support`.
    max_states : int
        Refuse chains with more states than this.
    lump : bool
        Merge states that differ only by a permutation of interchangeable
        components (exact; ``False`` is for checking that it is).
    method : {"auto", "lu", "gauss-seidel"}
        How to solve the balance equations (see :mod:`relsim.analytic.markov`):
        sparse LU up to a few thousand states, Gauss-Seidel beyond.

    Returns
    -------
    ExactResult

    Raises
    ------
    Unsupported
        If the model is outside the solver's class (every reason listed) or
        its chain is too large.

    Examples
    --------
    >>> import relsim
    >>> from relsim.analytic import solve
    >>> unit = [{"kind": "permanent", "every": "exp(mean=1000h)", "repair": "exp(mean=10h)"}]
    >>> m = relsim.load({"components": {"u": {"failures": unit}},
    ...                  "services": {"s": {"replicas": ["u"]}}})
    >>> round(solve(m).availability, 10)
    0.9900990099
    """
    main_chain, side_chains = build_chains(model, max_states, lump)
    main = _Solved(main_chain, method)
    side = tuple(_Solved(c, method) for c in side_chains)
    down, served, failing, outage = _rewards(main_chain)
    unavailability = float(main.pi @ down)
    outage_rate = float(main.pi @ outage)
    failure_rate = float(main.pi @ failing) + sum(
        s.chain.multiplicity * float(s.pi @ s.chain.failure_rate) for s in side)
    return ExactResult(
        model=model.name,
        n_states=main_chain.n_states,
        availability=1.0 - unavailability,
        unavailability=unavailability,
        served_fraction=float(main.pi @ served),
        outages_per_year=outage_rate * YEAR,
        mean_outage=unavailability / outage_rate if outage_rate > 0 else math.nan,
        downtime_per_year=unavailability * YEAR,
        failures_per_year=failure_rate * YEAR,
        _main=main,
        _side=side,
    )
