"""The distribution families: exponential, Weibull, lognormal, gamma, truncated normal,
uniform, fixed and empirical."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from relsim.dists._numpy import deferred_numpy, is_array
from relsim.dists.base import (
    Distribution,
    _dur,
    _exact,
    _num,
    _point_cdf,
    _point_sf,
    _positive_number,
    _positive_seconds,
    _seconds,
)
from relsim.units import parse_duration

if TYPE_CHECKING:
    from types import ModuleType

    import numpy as np
    from scipy.stats._distn_infrastructure import rv_continuous_frozen
else:
    np = deferred_numpy(globals())

__all__ = ["Exponential", "Weibull", "Lognormal", "Gamma", "Normal", "Uniform", "Fixed", "Empirical"]


def _special() -> ModuleType:
    """``scipy.special``, imported on first use.

    It takes about 0.3 s to import, and loading or checking a model never
    needs it: only ``cdf``/``sf``/``ppf``, some means and some samplers do.
    """
    from scipy import special

    return special


# --------------------------------------------------------------------------
# concrete distributions


@dataclass(frozen=True, repr=False)
class Exponential(Distribution):
    """Exponential distribution (constant hazard rate ``1/mean``).

    Parameters
    ----------
    mean : float
        Mean in seconds (``> 0``); a duration string such as ``"10h"`` is
        also accepted.

    Examples
    --------
    >>> Exponential(36000.0)
    Exponential(mean=10h)
    """

    mean: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", _positive_seconds(self.mean, "Exponential mean"))

    @property
    def rate(self) -> float:
        """Events per second, ``1/mean``."""
        return 1.0 / self.mean

    @property
    def var(self) -> float:
        return self.mean * self.mean

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return -np.expm1(-np.maximum(x, 0.0) / self.mean)

    def _sf(self, x: np.ndarray) -> np.ndarray:
        return np.exp(-np.maximum(x, 0.0) / self.mean)

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        return -self.mean * np.log1p(-q)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean, size)

    def spec(self) -> str:
        return f"exp(mean={_exact(self.mean)})"

    def __repr__(self) -> str:
        return f"Exponential(mean={_dur(self.mean)})"


@dataclass(frozen=True, repr=False, init=False)
class Weibull(Distribution):
    """Weibull distribution, ``F(t) = 1 - exp(-(t/scale)**shape)``.

    Parameters
    ----------
    shape : float
        Shape ``k > 0`` (``< 1`` infant mortality, ``1`` exponential,
        ``> 1`` wear-out).
    scale : float, optional
        Scale in seconds (``> 0``). Give exactly one of `scale` and `mean`.
    mean : float, optional, keyword-only
        Mean in seconds; then ``scale = mean / Γ(1 + 1/shape)``.

    Examples
    --------
    >>> Weibull(1.5, mean=31536000.0)
    Weibull(shape=1.5, mean=1y)
    """

    shape: float
    scale: float

    def __init__(
        self, shape: float, scale: float | None = None, *, mean: float | None = None
    ) -> None:
        k = _positive_number(shape, "Weibull shape")
        if (scale is None) == (mean is None):
            raise ValueError("Weibull needs shape and exactly one of scale or mean")
        if scale is not None:
            lam = _positive_seconds(scale, "Weibull scale")
        else:
            m = _positive_seconds(mean, "Weibull mean")
            try:
                lam = m / math.gamma(1.0 + 1.0 / k)
            except OverflowError:
                lam = 0.0
            if not (lam > 0 and math.isfinite(lam)):
                raise ValueError(f"Weibull shape {k!r} is too small to give a finite scale")
        object.__setattr__(self, "shape", k)
        object.__setattr__(self, "scale", lam)

    @classmethod
    def from_mean(cls, shape: float, mean: float) -> Weibull:
        """Build from shape and mean (seconds)."""
        return cls(shape, mean=mean)

    @property
    def mean(self) -> float:
        try:
            return self.scale * math.gamma(1.0 + 1.0 / self.shape)
        except OverflowError:
            return math.inf

    @property
    def var(self) -> float:
        k = self.shape
        try:
            g1 = math.gamma(1.0 + 1.0 / k)
            g2 = math.gamma(1.0 + 2.0 / k)
        except OverflowError:
            return math.inf
        return self.scale * self.scale * (g2 - g1 * g1)

    def _z(self, x: np.ndarray) -> np.ndarray:
        return (np.maximum(x, 0.0) / self.scale) ** self.shape

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return -np.expm1(-self._z(x))

    def _sf(self, x: np.ndarray) -> np.ndarray:
        return np.exp(-self._z(x))

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        return self.scale * (-np.log1p(-q)) ** (1.0 / self.shape)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.scale * rng.weibull(self.shape, size)

    def spec(self) -> str:
        # Prefer whichever exact spelling is shorter (mean= on ties), so that
        # weibull(shape=1.5, mean=1y) and weibull(shape=1.5, scale=1000h) both
        # come back as written.
        shape = _num(self.shape)
        by_scale = f"weibull(shape={shape}, scale={_exact(self.scale)})"
        mean = self.mean
        if math.isfinite(mean):
            by_mean = f"weibull(shape={shape}, mean={_exact(mean)})"
            if len(by_mean) <= len(by_scale):
                # What parse_dist would build from by_mean, without importing
                # the parser (which imports this module).
                try:
                    if Weibull(float(shape), mean=parse_duration(_exact(mean))) == self:
                        return by_mean
                except ValueError:  # pragma: no cover - defensive
                    pass
        return by_scale

    def __repr__(self) -> str:
        return f"Weibull(shape={_num(self.shape)}, mean={_dur(self.mean)})"


@dataclass(frozen=True, repr=False)
class Lognormal(Distribution):
    """Lognormal distribution parameterised by its mean and standard deviation.

    The underlying normal has ``σ² = ln(1 + sd²/mean²)`` and
    ``μ = ln(mean) − σ²/2``. ``sd = 0`` gives a point mass at `mean`.

    Parameters
    ----------
    mean : float
        Mean in seconds (``> 0``).
    sd : float
        Standard deviation in seconds (``>= 0``).

    Examples
    --------
    >>> Lognormal(36000.0, 18000.0)
    Lognormal(mean=10h, sd=5h)
    """

    mean: float
    sd: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", _positive_seconds(self.mean, "Lognormal mean"))
        object.__setattr__(self, "sd", _seconds(self.sd, "Lognormal sd"))
        self._derive()

    def _derive(self) -> None:
        """``mu`` and ``sigma``, worked out once: every draw uses them (private, not fields).

        Values too large for them (refused by the model check's limit on
        durations) leave them unset: the properties then raise as they are read.
        """
        try:
            mu, sigma = self._log_params()
        except OverflowError:
            mu = sigma = None
        object.__setattr__(self, "_mu", mu)
        object.__setattr__(self, "_sigma", sigma)

    def _log_params(self) -> tuple[float, float]:
        """``(mu, sigma)`` of ``log X`` from the mean and sd."""
        v = math.log1p((self.sd / self.mean) ** 2)
        return math.log(self.mean) - 0.5 * v, math.sqrt(v)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)  # pickles leave private attributes out (Distribution.__getstate__)
        self._derive()

    @property
    def sigma(self) -> float:
        """Standard deviation of ``log X``."""
        return self._log_params()[1] if self._sigma is None else self._sigma

    @property
    def mu(self) -> float:
        """Mean of ``log X``."""
        return self._log_params()[0] if self._mu is None else self._mu

    @property
    def var(self) -> float:
        return self.sd * self.sd

    def _z(self, x: np.ndarray) -> np.ndarray:
        return (np.log(np.maximum(x, 0.0)) - self.mu) / self.sigma

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        if self.sd == 0:
            return _point_cdf(x, self.mean)
        return _special().ndtr(self._z(x))

    def _sf(self, x: np.ndarray) -> np.ndarray:
        if self.sd == 0:
            return _point_sf(x, self.mean)
        return _special().ndtr(-self._z(x))

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        if self.sd == 0:
            return np.full_like(q, self.mean)
        return np.exp(self.mu + self.sigma * _special().ndtri(q))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.sd == 0:
            return np.full(size, self.mean)
        return rng.lognormal(self.mu, self.sigma, size)

    def spec(self) -> str:
        return f"lognormal(mean={_exact(self.mean)}, sd={_exact(self.sd)})"

    def __repr__(self) -> str:
        return f"Lognormal(mean={_dur(self.mean)}, sd={_dur(self.sd)})"


@dataclass(frozen=True, repr=False)
class Gamma(Distribution):
    """Gamma distribution parameterised by shape and mean (``scale = mean/shape``).

    Parameters
    ----------
    shape : float
        Shape ``k > 0``.
    mean : float
        Mean in seconds (``> 0``).

    Examples
    --------
    >>> Gamma(2, 3600.0)
    Gamma(shape=2, mean=1h)
    """

    shape: float
    mean: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", _positive_number(self.shape, "Gamma shape"))
        object.__setattr__(self, "mean", _positive_seconds(self.mean, "Gamma mean"))

    @property
    def scale(self) -> float:
        """Scale in seconds, ``mean / shape``."""
        return self.mean / self.shape

    @property
    def var(self) -> float:
        return self.mean * self.scale

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return _special().gammainc(self.shape, np.maximum(x, 0.0) / self.scale)

    def _sf(self, x: np.ndarray) -> np.ndarray:
        return _special().gammaincc(self.shape, np.maximum(x, 0.0) / self.scale)

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        return self.scale * _special().gammaincinv(self.shape, q)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.gamma(self.shape, self.scale, size)

    def spec(self) -> str:
        return f"gamma(shape={_num(self.shape)}, mean={_exact(self.mean)})"

    def __repr__(self) -> str:
        return f"Gamma(shape={_num(self.shape)}, mean={_dur(self.mean)})"


@dataclass(frozen=True, repr=False, init=False)
class Normal(Distribution):
    """Normal distribution truncated at 0 (conditioned on ``X >= 0``).

    The constructor arguments are the mean and standard deviation of the
    *underlying* (untruncated) normal; they are stored as :attr:`mu` and
    :attr:`sigma`. The :attr:`mean` and :attr:`var` properties are those of
    the **truncated** distribution, so ``Normal(mean=1h, sd=1h).mean`` is
    about 1.29 h, not 1 h. ``sd = 0`` gives a point mass at `mean`.

    Parameters
    ----------
    mean : float
        Mean of the underlying normal in seconds (``>= 0``).
    sd : float
        Standard deviation of the underlying normal in seconds (``>= 0``).

    Notes
    -----
    ``cdf``/``sf``/``ppf`` use a ``scipy.stats.truncnorm`` object frozen once
    per instance (a private cache, not a field, so it takes no part in
    equality or hashing and is dropped when pickling). ``mean``/``var`` use
    the closed forms ``mu + sigma*λ`` and ``sigma²(1 + αλ − λ²)`` with
    ``α = −mu/sigma`` and ``λ = φ(α)/(1 − Φ(α))``. :meth:`sample` is an
    inverse-transform of ``rng.random(size)``.

    Examples
    --------
    >>> Normal(3600.0, 600.0)
    Normal(mean=1h, sd=10m)
    """

    mu: float
    sigma: float

    def __init__(self, mean: float, sd: float) -> None:
        object.__setattr__(self, "mu", _seconds(mean, "Normal mean"))
        object.__setattr__(self, "sigma", _seconds(sd, "Normal sd"))

    @cached_property
    def _tn(self) -> rv_continuous_frozen:
        from scipy.stats import truncnorm

        return truncnorm(-self.mu / self.sigma, np.inf, loc=self.mu, scale=self.sigma)

    def _lambda(self) -> tuple[float, float]:
        # alpha = standardised truncation point, lam = inverse Mills ratio
        alpha = -self.mu / self.sigma
        lam = float(math.exp(-0.5 * alpha * alpha) / math.sqrt(2 * math.pi) / _special().ndtr(-alpha))
        return alpha, lam

    @property
    def mean(self) -> float:
        """Mean of the truncated distribution (not the underlying ``mu``)."""
        if self.sigma == 0:
            return self.mu
        _, lam = self._lambda()
        return self.mu + self.sigma * lam

    @property
    def var(self) -> float:
        """Variance of the truncated distribution."""
        if self.sigma == 0:
            return 0.0
        alpha, lam = self._lambda()
        return self.sigma * self.sigma * (1.0 + alpha * lam - lam * lam)

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        if self.sigma == 0:
            return _point_cdf(x, self.mu)
        return self._tn.cdf(x)

    def _sf(self, x: np.ndarray) -> np.ndarray:
        if self.sigma == 0:
            return _point_sf(x, self.mu)
        return self._tn.sf(x)

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        if self.sigma == 0:
            return np.full_like(q, self.mu)
        return self._tn.ppf(q)

    @cached_property
    def _kept_mass(self) -> float:
        # P(Z >= alpha) for the underlying standard normal: the mass kept by
        # the truncation (>= 0.5 since mu >= 0).
        return float(_special().ndtr(self.mu / self.sigma))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw by inverse transform of ``rng.random(size)``.

        Uses ``x = mu - sigma * Φ⁻¹((1 - u) · P(Z >= alpha))``, the quantile
        function of the truncated normal written so that it stays accurate in
        the upper tail; it is one vectorised call per block (much cheaper
        than going through ``scipy.stats`` for every block).
        """
        if self.sigma == 0:
            return np.full(size, self.mu)
        v = 1.0 - rng.random(size)  # in (0, 1]
        x = self.mu - self.sigma * _special().ndtri(v * self._kept_mass)
        return np.maximum(x, 0.0)

    def spec(self) -> str:
        return f"normal(mean={_exact(self.mu)}, sd={_exact(self.sigma)})"

    def __repr__(self) -> str:
        return f"Normal(mean={_dur(self.mu)}, sd={_dur(self.sigma)})"


@dataclass(frozen=True, repr=False)
class Uniform(Distribution):
    """Continuous uniform distribution on ``[low, high]``.

    Parameters
    ----------
    low, high : float
        Bounds in seconds, ``0 <= low <= high`` (``low == high`` is a point
        mass).

    Examples
    --------
    >>> Uniform(60.0, 300.0)
    Uniform(1m, 5m)
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        low = _seconds(self.low, "Uniform low")
        high = _seconds(self.high, "Uniform high")
        if low > high:
            raise ValueError(f"Uniform needs low <= high, got low={_dur(low)} > high={_dur(high)}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def var(self) -> float:
        w = self.high - self.low
        return w * w / 12.0

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        w = self.high - self.low
        if w == 0:
            return _point_cdf(x, self.low)
        return np.clip((x - self.low) / w, 0.0, 1.0)

    def _sf(self, x: np.ndarray) -> np.ndarray:
        w = self.high - self.low
        if w == 0:
            return _point_sf(x, self.low)
        return np.clip((self.high - x) / w, 0.0, 1.0)

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        return np.minimum(self.low + q * (self.high - self.low), self.high)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)

    def spec(self) -> str:
        return f"uniform({_exact(self.low)}, {_exact(self.high)})"

    def __repr__(self) -> str:
        return f"Uniform({_dur(self.low)}, {_dur(self.high)})"


@dataclass(frozen=True, repr=False)
class Fixed(Distribution):
    """A constant duration (point mass).

    Parameters
    ----------
    value : float
        The duration in seconds (``>= 0``).

    Examples
    --------
    >>> Fixed(30.0)
    Fixed(30s)
    """

    value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _seconds(self.value, "Fixed value"))

    @property
    def mean(self) -> float:
        return self.value

    @property
    def var(self) -> float:
        return 0.0

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return _point_cdf(x, self.value)

    def _sf(self, x: np.ndarray) -> np.ndarray:
        return _point_sf(x, self.value)

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        return np.full_like(q, self.value)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)

    def sampler(self, rng: np.random.Generator, block: int = 64) -> Callable[[], float]:
        """Return a function that always gives `value` (the rng is not used)."""
        v = self.value
        return lambda: v

    def spec(self) -> str:
        return f"fixed({_exact(self.value)})"

    def __repr__(self) -> str:
        return f"Fixed({_dur(self.value)})"


_EMPIRICAL_REPR_MAX = 8


@dataclass(frozen=True, repr=False)
class Empirical(Distribution):
    """Resampling from a list of observed durations.

    Each draw is one of the values, chosen uniformly (with replacement).
    The CDF is the empirical step CDF and ``ppf`` the lower empirical
    quantile ``inf{x : F(x) >= q}``. Values are stored sorted, so two
    ``Empirical`` objects with the same multiset of values are equal.

    Parameters
    ----------
    values : sequence of float
        Non-empty sequence of durations in seconds (``>= 0``); duration
        strings are also accepted.

    Examples
    --------
    >>> Empirical([3600.0, 7200.0, 18000.0])
    Empirical([1h, 2h, 5h])
    """

    values: tuple[float, ...]

    def __post_init__(self) -> None:
        raw = self.values
        if isinstance(raw, (str, bytes)) or not (isinstance(raw, Sequence) or is_array(raw)):
            raise ValueError(f"Empirical values must be a sequence of durations, got {raw!r}")
        vals = tuple(sorted(_seconds(v, "Empirical value") for v in raw))
        if not vals:
            raise ValueError("Empirical needs at least one value")
        object.__setattr__(self, "values", vals)

    @cached_property
    def _arr(self) -> np.ndarray:
        a = np.array(self.values, dtype=np.float64)
        a.setflags(write=False)
        return a

    @property
    def mean(self) -> float:
        return math.fsum(self.values) / len(self.values)

    @property
    def var(self) -> float:
        return float(np.var(self._arr))

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._arr, x, side="right") / len(self.values)

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        n = len(self.values)
        k = np.clip(np.ceil(q * n - 1e-9), 1, n).astype(np.intp)
        return self._arr[k - 1]

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self._arr[rng.integers(0, len(self.values), size)]

    def spec(self) -> str:
        return "empirical([" + ", ".join(_exact(v) for v in self.values) + "])"

    def __repr__(self) -> str:
        vals = self.values
        shown = ", ".join(_dur(v) for v in vals[:_EMPIRICAL_REPR_MAX])
        if len(vals) > _EMPIRICAL_REPR_MAX:
            shown += f", ... ({len(vals)} values)"
        return f"Empirical([{shown}])"


