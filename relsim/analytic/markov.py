"""Stationary and transient distributions of a finite irreducible CTMC.

Two linear-algebra paths, chosen by size:

* up to :data:`LU_MAX_STATES` states, a sparse LU factorisation of the
  balance equations with the all-up state's probability fixed (the
  remaining system ``Q[1:, 1:]^T`` is nonsingular and has no dense
  normalisation row, which would destroy sparsity), refined iteratively so
  that probabilities of 1e-15 and below keep their relative accuracy;
* beyond, Gauss-Seidel sweeps in the breadth-first order of the states
  (roughly by number of failed elements, which is what makes it converge in
  tens of sweeps on availability models). Every sweep adds non-negative
  terms, so small probabilities are computed to high *relative* accuracy
  [1]_. Chains of reliability models with queues fill an LU almost
  completely, which is why the iterative path exists.

Transient distributions use ``scipy.sparse.linalg.expm_multiply`` [2]_ in
chunks, stopping once the distribution is stationary to machine precision.
Accumulated rewards over ``[0, T]`` use the deviation from stationarity
(see :mod:`relsim.analytic.exact`).

References
----------
.. [1] W. J. Stewart, *Introduction to the Numerical Solution of Markov
   Chains*, Princeton University Press, 1994, ch. 2 (direct methods) and
   ch. 3 (Gauss-Seidel and its convergence on Markov chains).
.. [2] A. H. Al-Mohy and N. J. Higham, "Computing the action of the matrix
   exponential, with an application to exponential integrators", *SIAM J.
   Sci. Comput.* 33(2):488-511, 2011.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import expm_multiply, splu, spsolve_triangular

from relsim.errors import NotConverged

__all__ = ["LU_MAX_STATES", "MarkovSolution", "NotConverged"]

#: Largest chain solved by sparse LU; bigger ones use Gauss-Seidel.
LU_MAX_STATES = 3000

_MAX_SWEEPS = 5_000


class MarkovSolution:
    """A generator ``Q`` (state 0 = all up, the initial state) with its ``pi``.

    Parameters
    ----------
    q : scipy.sparse matrix
        The generator (rows sum to zero), rates per second.
    method : {"auto", "lu", "gauss-seidel"}
        How to solve the balance equations.
    """

    def __init__(self, q: sp.spmatrix, method: str = "auto"):
        self.q = sp.csr_matrix(q)
        n = self.q.shape[0]
        self.n = n
        self.q_t = self.q.T.tocsr()
        exit_rates = -self.q.diagonal()
        self.scale = float(exit_rates.max()) if n > 1 else 1.0
        self.p0 = np.zeros(n)
        self.p0[0] = 1.0
        if method == "auto":
            method = "lu" if n <= LU_MAX_STATES else "gauss-seidel"
        if method not in ("lu", "gauss-seidel"):
            raise ValueError(f"method must be 'auto', 'lu' or 'gauss-seidel', got {method!r}")
        self.method = method
        if n == 1:
            self.pi = np.ones(1)
            return
        qt = self.q_t / self.scale  # rates of order one for the solvers
        if method == "lu":
            self._sub = qt[1:, 1:].tocsc()
            self._lu = splu(self._sub)
            x = self._lu_solve(-np.asarray(qt[1:, 0].todense()).ravel())
            pi = np.maximum(np.r_[1.0, x], 0.0)
        else:
            diag = -qt.diagonal()
            off = (qt + sp.diags(diag)).tocsr()
            self._lower = (sp.diags(diag) - sp.tril(off, -1)).tocsr()
            self._upper = sp.triu(off, 1).tocsr()
            pi = self._gauss_seidel_stationary()
        self.pi = pi / pi.sum()

    # -- balance equations ---------------------------------------------------
    def _lu_solve(self, b: np.ndarray) -> np.ndarray:
        # Iterative refinement: states of probability 1e-15 and below (a
        # highly available system's deep failure states) come out with full
        # relative accuracy rather than as rounding noise of the LU.
        x = self._lu.solve(b)
        for _ in range(4):
            dx = self._lu.solve(b - self._sub @ x)
            x = x + dx
            if np.all(np.abs(dx) <= 1e-15 * np.abs(x)):
                break
        return x

    def _sweep(self, rhs: np.ndarray) -> np.ndarray:
        return spsolve_triangular(self._lower, rhs, lower=True)

    def _gauss_seidel_stationary(self) -> np.ndarray:
        x = np.full(self.n, 1.0 / self.n)
        for _ in range(_MAX_SWEEPS):
            new = self._sweep(self._upper @ x)
            new /= new.sum()
            tiny = new < 1e-280  # underflow territory: nothing to compare
            change = np.abs(new - x)[~tiny] / new[~tiny]
            x = new
            if change.max(initial=0.0) < 1e-14:
                return x
        raise NotConverged(f"Gauss-Seidel did not converge in {_MAX_SWEEPS} sweeps "
                           f"on a chain of {self.n} states")

    def deviation(self, b: np.ndarray) -> np.ndarray:
        """The ``x`` with ``x Q = b`` and ``x 1 = 0``, for ``b`` summing to zero."""
        if self.n == 1:
            return np.zeros(1)
        rhs = b / self.scale
        if self.method == "lu":
            y = np.r_[0.0, self._lu_solve(rhs[1:])]
        else:
            y = np.zeros(self.n)
            last = np.inf
            for _ in range(_MAX_SWEEPS):
                new = self._sweep(self._upper @ y - rhs)
                new -= new.sum() * self.pi
                change = np.abs(new - y).max() / max(np.abs(new).max(), 1e-300)
                y = new
                # Converged, or stalled at rounding level (signed terms here,
                # unlike the stationary sweep, so the floor is not zero).
                if change <= 1e-14 or (change < 1e-11 and change >= last):
                    break
                last = change
            else:
                raise NotConverged(f"Gauss-Seidel did not converge in {_MAX_SWEEPS} sweeps "
                                   f"on a chain of {self.n} states")
        return y - y.sum() * self.pi

    # -- transient -------------------------------------------------------------
    def relaxation_time(self, rewards: list[np.ndarray]) -> float:
        """A time scale over which ``p(t) r`` settles, the largest over ``rewards``.

        With ``e(t) = p(t) - pi``, ``x = ∫_0^∞ e dt`` solves ``x Q = pi - p0``
        and ``y = ∫_0^∞ t e dt`` solves ``y Q = -x`` (integration by parts),
        both with zero sum. ``|y r / x r|`` is the mean time of the deviation
        of the reward ``r``: the time constant of its decay when it is one
        exponential, a weighted mean of them otherwise. The probability of
        the all-up state is always included.
        """
        if self.n == 1:
            return 0.0
        if not hasattr(self, "_moments"):
            x = self.deviation(self.pi - self.p0)
            self._moments = (x, self.deviation(-x))
        x, y = self._moments
        tau = 0.0
        for r in [self.p0, *rewards]:
            num, den = abs(float(y @ r)), abs(float(x @ r))
            if den > 1e-300:
                tau = max(tau, num / den)
        return tau

    def transient(self, t: float, rewards: list[np.ndarray] | None = None) -> np.ndarray:
        """``p(t)`` from state 0.

        Beyond 60 relaxation times (see :meth:`relaxation_time`) the
        deviation from ``pi`` is below ``e**-60 ≈ 1e-26`` of its initial
        size and ``pi`` is returned; otherwise ``p(t)`` is computed in
        chunks, stopping early once it equals ``pi`` to machine precision.
        """
        p = self.p0.copy()
        if t <= 0 or self.n == 1:
            return p
        if t >= 60.0 * self.relaxation_time(rewards or []):
            return self.pi.copy()
        # expm_multiply's cost grows with ||Q|| t; advance in chunks.
        chunk = 200.0 / self.scale
        done = 0.0
        while done < t:
            dt = min(chunk, t - done)
            p = expm_multiply(self.q_t * dt, p)
            done += dt
            if np.abs(p - self.pi).sum() < 1e-15:
                return self.pi.copy()
        return np.maximum(p, 0.0)

    def integral(self, t: float, rewards: list[np.ndarray]) -> list[float]:
        """``∫_0^t p(s) r ds`` for each reward vector ``r``, from state 0.

        With ``x = ∫_0^t (p(s) - pi) ds``: ``x Q = p(t) - p(0)`` and
        ``x 1 = 0``, so the integral is ``t pi r + x r``, exact for any t.
        """
        x = self.deviation(self.transient(t, rewards) - self.p0)
        return [float(t * (self.pi @ r) + x @ r) for r in rewards]
