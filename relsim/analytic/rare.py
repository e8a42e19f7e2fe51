"""Rare-event estimation of unavailability: balanced failure biasing.

When a system is down once in a billion hours, plain Monte Carlo sees no
outage in any affordable run. The chain of :mod:`relsim.analytic.ctmc` is
simulated instead, in *regenerative cycles*: each cycle starts when all
elements are up and ends at the next return there. By the renewal-reward
theorem the steady-state unavailability is

.. math:: U = \\frac{E[D]}{E[\\tau]},

:math:`D` the time the entry service is down during a cycle and
:math:`\\tau` the cycle length [1]_. Both are estimated on the embedded
jump chain with each sojourn replaced by its mean :math:`1/q(x)`
(conditional Monte Carlo: unbiased, lower variance).

The numerator is estimated under **balanced failure biasing** [2]_ [3]_:
in a state where repairs (or other recoveries) are possible, a failure
transition is taken with probability ``bias`` (0.5-0.8 is customary),
spread equally over the possible failure transitions; the other transitions
share ``1 - bias`` in proportion to their rates. In the all-up state, where
only failures are possible, they are chosen equally likely. Each step
multiplies the likelihood ratio :math:`L` by :math:`p(x, y) / \\tilde p(x,
y)`, and :math:`\\sum_k L_k \\, 1[x_k \\text{ down}] / q(x_k)` (:math:`L_k`
the ratio of the path up to step :math:`k`) is an unbiased estimator of
:math:`E[D]`, whose relative error stays bounded as failures become rarer
[3]_. The denominator :math:`E[\\tau]` is dominated by the long all-up
sojourns, so plain simulation of independent cycles estimates it well. The
ratio of the two independent means is a consistent estimator of :math:`U`;
its standard error comes from the delta method, and the 95 % interval is
normal (many cycles) [1]_. The same cycles estimate the outage frequency
(up-to-down transitions per cycle over :math:`E[\\tau]`).

:func:`plain_relative_error` gives, exactly, the relative error that plain
regenerative simulation (no biasing) would reach in a given number of
cycles, by solving for the first two moments of the cycle rewards.

References
----------
.. [1] S. Asmussen and P. W. Glynn, *Stochastic Simulation: Algorithms and
   Analysis*, Springer, 2007, ch. IV (regenerative simulation, delta method).
.. [2] A. Goyal, P. Shahabuddin, P. Heidelberger, V. F. Nicola and P. W.
   Glynn, "A unified framework for simulating Markovian models of highly
   dependable systems", *IEEE Trans. Computers* 41(1):36-51, 1992.
.. [3] P. Shahabuddin, "Importance sampling for the simulation of highly
   reliable Markovian systems", *Management Science* 40(3):333-352, 1994.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from relsim.analytic.ctmc import MAX_STATES, Chain, build_chains
from relsim.model import Model
from relsim.units import YEAR

__all__ = ["RareResult", "plain_relative_error", "rare_unavailability"]

_Z95 = 1.959963984540054


@dataclass(frozen=True)
class RareResult:
    """A rare-event estimate of steady-state unavailability.

    Attributes
    ----------
    mean : float
        Estimated unavailability ``1 - A``.
    se : float
        Its standard error (delta method).
    ci : tuple of float
        95 % confidence interval (normal).
    cycles : int
        Regenerative cycles simulated for the numerator (and as many again
        without biasing for the mean cycle length).
    relative_error : float
        ``se / mean`` (infinite when no down time was seen).
    outages_per_year, outages_per_year_se : float
        Estimated up-to-down transitions of the entry service per 365 days.
    cycle_length : float
        Estimated mean cycle length (seconds between returns to all-up).
    bias : float or None
        Failure-biasing probability; ``None`` for plain simulation.
    seconds : float
        Wall time of the estimate.
    n_states : int
        States of the chain simulated.
    """

    mean: float
    se: float
    ci: tuple[float, float]
    cycles: int
    relative_error: float
    outages_per_year: float
    outages_per_year_se: float
    cycle_length: float
    bias: float | None
    seconds: float
    n_states: int

    @property
    def availability(self) -> float:
        """``1 - mean``."""
        return 1.0 - self.mean


class _Kernel:
    """Padded per-state transition tables of the embedded jump chain.

    ``cum``/``ratio`` hold the sampling distribution and the likelihood
    ratio of each transition: biased ones (if ``bias`` is given) in row
    block 0, the chain's own in block 1, so a path can switch to the
    unbiased kernel once its cycle has reached a down state.
    """

    def __init__(self, chain: Chain, bias: float | None):
        n = chain.n_states
        rows: list[list[tuple[int, float, bool]]] = [[] for _ in range(n)]
        for mat, is_failure in ((chain.failure.tocsr(), True), (chain.other.tocsr(), False)):
            for x in range(n):
                for k in range(mat.indptr[x], mat.indptr[x + 1]):
                    rows[x].append((int(mat.indices[k]), float(mat.data[k]), is_failure))
        width = max(1, max(len(r) for r in rows))
        self.target = np.zeros((n, width), dtype=np.int64)
        self.cum = np.full((2, n, width), 2.0)  # padding is never chosen (u < 1)
        self.ratio = np.ones((2, n, width))
        self.hold = np.zeros(n)
        for x, row in enumerate(rows):
            rates = np.array([r for _, r, _ in row])
            failing = np.array([f for _, _, f in row], dtype=bool)
            total = rates.sum()
            self.hold[x] = 1.0 / total
            p = rates / total
            self.target[x, : len(row)] = [y for y, _, _ in row]
            for block, b in ((0, bias), (1, None)):
                q = _biased(p, rates, failing, b, regenerative=(x == chain.initial))
                self.cum[block, x, : len(row)] = np.cumsum(q)
                self.cum[block, x, len(row) - 1] = 2.0  # the last one takes what rounding left
                self.ratio[block, x, : len(row)] = p / q
        self.down = ~chain.up
        self.up = chain.up

    def cycles(self, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``count`` independent cycles from state 0: (down time, outages, length).

        Biasing (if any) applies until the cycle first reaches a down state;
        from there the chain's own probabilities bring it back (what is left
        of the cycle is no longer rare, and biasing it would only add
        variance). Down time and outages carry the likelihood ratio; the
        length is only used from unbiased kernels.
        """
        x = np.zeros(count, dtype=np.int64)
        block = np.zeros(count, dtype=np.int64)  # 0 biased, 1 the chain's own
        weight = np.ones(count)
        down = np.zeros(count)
        outages = np.zeros(count)
        length = np.zeros(count)
        active = np.arange(count)
        while active.size:
            xs = x[active]
            bs = block[active]
            h = self.hold[xs]
            length[active] += h
            is_down = self.down[xs]
            down[active] += weight[active] * np.where(is_down, h, 0.0)
            bs = np.where(is_down, 1, bs)
            block[active] = bs
            u = rng.random(active.size)
            k = (self.cum[bs, xs] <= u[:, None]).sum(axis=1)
            nxt = self.target[xs, k]
            weight[active] *= self.ratio[bs, xs, k]
            starts = self.up[xs] & self.down[nxt]
            outages[active] += np.where(starts, weight[active], 0.0)
            x[active] = nxt
            active = active[nxt != 0]
        return down, outages, length


def _biased(p: np.ndarray, rates: np.ndarray, failing: np.ndarray, bias: float | None,
            regenerative: bool) -> np.ndarray:
    """Balanced failure biasing of one state's transition probabilities ``p``."""
    if bias is None or not failing.any():
        return p
    n_fail = failing.sum()
    if regenerative or failing.all():
        return np.where(failing, 1.0 / n_fail, 0.0)
    other = rates[~failing].sum()
    return np.where(failing, bias / n_fail, (1.0 - bias) * rates / other)


class _Sums:
    """Running sums over cycles, so batches can be merged."""

    def __init__(self) -> None:
        self.n = 0
        self.s = np.zeros(3)  # down, outages, length
        self.ss = np.zeros((3, 3))

    def add(self, down: np.ndarray, outages: np.ndarray, length: np.ndarray) -> None:
        v = np.vstack([down, outages, length])
        self.n += v.shape[1]
        self.s += v.sum(axis=1)
        self.ss += v @ v.T

    def mean(self) -> np.ndarray:
        return self.s / self.n

    def cov(self) -> np.ndarray:
        m = self.mean()
        return (self.ss - self.n * np.outer(m, m)) / max(self.n - 1, 1)


def _chain(model: Model | Chain, max_states: int) -> Chain:
    if isinstance(model, Chain):
        return model
    main, _ = build_chains(model, max_states)
    return main


def rare_unavailability(
    model: Model | Chain,
    cycles: int = 100_000,
    seed: int | np.random.Generator = 0,
    bias: float | None = 0.7,
    seconds: float | None = None,
    batch: int = 20_000,
    max_states: int = MAX_STATES,
) -> RareResult:
    """Estimate the steady-state unavailability of the entry service.

    Parameters
    ----------
    model : Model or Chain
        A model the exact solver accepts (its chain is simulated, not
        solved), or a chain built by :mod:`relsim.analytic.ctmc`.
    cycles : int
        Regenerative cycles for the numerator, and as many plain ones for
        the mean cycle length.
    seed : int or numpy.random.Generator
        Source of randomness (the only one used).
    bias : float or None
        Probability of a failure transition in states where something can
        be restored (balanced failure biasing); ``None`` simulates the
        chain as it is (plain regenerative Monte Carlo: then one set of
        cycles serves both means, as a ratio estimator).
    seconds : float, optional
        Instead of a number of cycles, run batches until this much wall
        time has passed (at least one batch).
    batch : int
        Cycles simulated together (vectorised).
    max_states : int
        Refuse chains larger than this.

    Returns
    -------
    RareResult

    Examples
    --------
    >>> import relsim
    >>> from relsim.analytic import rare_unavailability
    >>> unit = [{"kind": "permanent", "every": "exp(mean=10000h)", "repair": "exp(mean=10h)"}]
    >>> m = relsim.load({"components": {"u": {"count": 3, "failures": unit}},
    ...                  "services": {"s": {"replicas": ["u"]}}})
    >>> est = rare_unavailability(m, cycles=20_000, seed=1)
    >>> est.relative_error < 0.05
    True
    """
    if bias is not None and not (0.0 < bias < 1.0):
        raise ValueError(f"bias must be strictly between 0 and 1 (or None), got {bias!r}")
    if isinstance(cycles, bool) or not isinstance(cycles, int) or cycles < 2:
        raise ValueError(f"cycles must be a whole number >= 2, got {cycles!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    start = time.perf_counter()
    chain = _chain(model, max_states)
    if chain.n_states == 1:
        return RareResult(0.0, 0.0, (0.0, 0.0), 0, math.inf, 0.0, 0.0, math.inf, bias, 0.0, 1)
    biased = _Kernel(chain, bias)
    plain = biased if bias is None else _Kernel(chain, None)
    num, den = _Sums(), _Sums()
    done = 0
    while True:
        size = batch if seconds is not None else min(batch, cycles - done)
        num.add(*biased.cycles(size, rng))
        if bias is not None:
            den.add(*plain.cycles(size, rng))
        done += size
        if (seconds is not None and time.perf_counter() - start >= seconds) or \
                (seconds is None and done >= cycles):
            break
    if bias is None:
        den = num
    return _estimate(num, den, paired=bias is None, bias=bias, chain=chain,
                     seconds=time.perf_counter() - start)


def _estimate(num: _Sums, den: _Sums, paired: bool, bias: float | None, chain: Chain,
              seconds: float) -> RareResult:
    a, o, _ = num.mean()
    b = den.mean()[2]
    cn, cd = num.cov(), den.cov()
    u = a / b
    nu = o / b
    if paired:
        # Ratio estimator on the same cycles: Var(D - U tau) / (n E[tau]^2).
        var_u = (cn[0, 0] - 2 * u * cn[0, 2] + u * u * cn[2, 2]) / num.n / b**2
        var_nu = (cn[1, 1] - 2 * nu * cn[1, 2] + nu * nu * cn[2, 2]) / num.n / b**2
    else:
        var_u = u * u * (cn[0, 0] / num.n / a**2 + cd[2, 2] / den.n / b**2) if a > 0 else 0.0
        var_nu = nu * nu * (cn[1, 1] / num.n / o**2 + cd[2, 2] / den.n / b**2) if o > 0 else 0.0
    se = math.sqrt(max(float(var_u), 0.0))
    se_nu = math.sqrt(max(float(var_nu), 0.0))
    return RareResult(
        mean=float(u),
        se=se,
        ci=(float(max(0.0, u - _Z95 * se)), float(u + _Z95 * se)),
        cycles=num.n,
        relative_error=float(se / u) if u > 0 else math.inf,
        outages_per_year=float(nu * YEAR),
        outages_per_year_se=se_nu * YEAR,
        cycle_length=float(b),
        bias=bias,
        seconds=seconds,
        n_states=chain.n_states,
    )


def plain_relative_error(model: Model | Chain, cycles: int, max_states: int = MAX_STATES) -> float:
    """Relative error of plain regenerative simulation after ``cycles`` cycles, exactly.

    With ``W = sum_k (1[x_k down] - U) / q(x_k)`` over one cycle of the
    unbiased jump chain, the ratio estimator's variance is
    ``Var(W) / (n E[tau]^2)`` [1]_. ``E[W^2]`` and ``E[tau]`` follow from
    two linear systems on the chain stopped at its return to all-up
    (first-step analysis), so this is the relative error plain Monte Carlo
    *would* have, without running it (useful when it would see nothing).
    """
    chain = _chain(model, max_states)
    n = chain.n_states
    if n == 1:
        return math.inf
    off = (chain.failure + chain.other).tocsr()
    q = np.asarray(off.sum(axis=1)).ravel()
    hold = 1.0 / q
    p = sp.diags(hold) @ off  # embedded jump chain
    p = p.tocsr()
    rest = np.arange(1, n)
    p_rr = p[rest][:, rest].tocsc()
    p_0r = np.asarray(p[0, rest].todense()).ravel()
    lu = splu((sp.identity(n - 1, format="csc") - p_rr).tocsc())
    # Mean cycle length and down time by first-step analysis.
    tau = hold[0] + p_0r @ lu.solve(hold[rest])
    down = np.where(chain.up, 0.0, hold)
    d = p_0r @ lu.solve(down[rest])
    u = d / tau
    w = np.where(chain.up, 0.0, hold) - u * hold
    m1 = lu.solve(w[rest])
    m2 = lu.solve(w[rest] ** 2 + 2 * w[rest] * (p_rr @ m1))
    first = p_0r @ m1
    second = p_0r @ m2
    ew2 = w[0] ** 2 + 2 * w[0] * first + second
    return float(math.sqrt(ew2 / cycles) / tau / u) if u > 0 else math.inf
