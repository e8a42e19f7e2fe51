"""Frozen probability distributions for durations (in seconds).

Every distribution is an immutable, hashable, picklable dataclass whose
parameters are stored in seconds. They provide ``mean``/``var``, vectorised
``cdf``/``sf``/``ppf``, vectorised :meth:`Distribution.sample` and a fast
scalar :meth:`Distribution.sampler` for the event loop.

Model files write distributions either as a string::

    exp(mean=10h)            exp(rate=2/h)
    weibull(shape=1.5, mean=1000h)
    weibull(shape=1.5, scale=1000h)
    lognormal(mean=10h, sd=5h)
    gamma(shape=2, mean=1h)
    normal(mean=1h, sd=10m)  # truncated at 0
    uniform(1m, 5m)
    fixed(30s)
    empirical([1h, 2h, 5h])

or as a mapping, e.g. ``{dist: weibull, shape: 1.5, mean: 1000h}``; see
:func:`parse_dist`. ``parse_dist(d.spec()) == d`` for every distribution.

Randomness only ever comes from a :class:`numpy.random.Generator` passed in
by the caller.
"""

from __future__ import annotations

import difflib
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from numbers import Real
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from relsim.units import _UNIT_RATIO, _rate_parts, _show, format_duration_spec, parse_duration

if TYPE_CHECKING:
    from scipy.stats._distn_infrastructure import rv_continuous_frozen

__all__ = [
    "Distribution",
    "Exponential",
    "Weibull",
    "Lognormal",
    "Gamma",
    "Normal",
    "Uniform",
    "Fixed",
    "Empirical",
    "parse_dist",
    "DIST_NAMES",
]


# --------------------------------------------------------------------------
# helpers


def _seconds(value: object, what: str) -> float:
    """Coerce a constructor argument (seconds, or a duration string) to a
    finite non-negative float."""
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise ValueError(f"{what} must be a number of seconds or a duration string, got {value!r}")
    x = float(value)
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{what} must be a finite number of seconds >= 0, got {value!r}")
    return x


def _positive_seconds(value: object, what: str) -> float:
    x = _seconds(value, what)
    if x <= 0:
        raise ValueError(f"{what} must be > 0, got {_show(value)}")
    return x


def _positive_number(value: object, what: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise ValueError(f"{what} must be a positive number, got {value!r}")
    x = float(value)
    if not (math.isfinite(x) and x > 0):
        raise ValueError(f"{what} must be a positive finite number, got {value!r}")
    return x


def _num(x: float) -> str:
    """Shortest exact spelling of a plain number (``2`` rather than ``2.0``)."""
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


def _dur(x: float) -> str:
    """Readable duration for reprs (may round within 1e-9 relative)."""
    return format_duration_spec(x)


def _exact(x: float) -> str:
    """Duration spelling that :func:`parse_duration` maps back to exactly ``x``."""
    s = format_duration_spec(x)
    try:
        if parse_duration(s) == x:
            return s
    except ValueError:  # pragma: no cover - format_duration_spec output always parses
        pass
    return f"{x!r}s"


def _point_cdf(x: np.ndarray, v: float) -> np.ndarray:
    return (x >= v).astype(np.float64)


def _point_sf(x: np.ndarray, v: float) -> np.ndarray:
    return (x < v).astype(np.float64)


# --------------------------------------------------------------------------
# base class


class Distribution(ABC):
    """Abstract base class of duration distributions (values in seconds).

    Subclasses are frozen dataclasses: immutable, hashable, comparable by
    value and picklable. Private caches (attributes starting with ``_``) are
    dropped when pickling.

    Attributes
    ----------
    mean : float
        Expected value in seconds (a field or a property, per subclass).
    var : float
        Variance in seconds squared (``inf`` or ``nan`` where undefined).

    Notes
    -----
    ``cdf``, ``sf`` and ``ppf`` accept scalars or array-likes and are
    vectorised; scalar input gives a Python ``float``. ``cdf``/``sf`` of
    NaN is NaN; ``ppf`` outside ``[0, 1]`` is NaN.
    """

    if TYPE_CHECKING:

        @property
        def mean(self) -> float:
            """Expected value in seconds."""
            ...

    @property
    @abstractmethod
    def var(self) -> float:
        """Variance in seconds squared (may be ``inf``/``nan`` if undefined)."""

    # -- to implement on float64 arrays -----------------------------------
    @abstractmethod
    def _cdf(self, x: np.ndarray) -> np.ndarray: ...

    def _sf(self, x: np.ndarray) -> np.ndarray:
        return 1.0 - self._cdf(x)

    @abstractmethod
    def _ppf(self, q: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` independent values.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness; the only one used.
        size : int
            Number of draws.

        Returns
        -------
        numpy.ndarray
            ``float64`` array of shape ``(size,)`` with all values ``>= 0``.
        """

    @abstractmethod
    def spec(self) -> str:
        """Model-file spelling of this distribution, accepted by :func:`parse_dist`.

        ``parse_dist(d.spec()) == d`` holds exactly.
        """

    # -- public vectorised API -----------------------------------------------
    @overload
    def cdf(self, x: float) -> float: ...
    @overload
    def cdf(self, x: ArrayLike) -> Any: ...

    def cdf(self, x: ArrayLike) -> Any:
        """Cumulative distribution function ``P(X <= x)``.

        Parameters
        ----------
        x : float or array_like
            Durations in seconds.

        Returns
        -------
        float or numpy.ndarray
            Float for scalar input, else an array of the same shape.
        """
        return self._apply_x(self._cdf, x)

    @overload
    def sf(self, x: float) -> float: ...
    @overload
    def sf(self, x: ArrayLike) -> Any: ...

    def sf(self, x: ArrayLike) -> Any:
        """Survival function ``P(X > x) = 1 - cdf(x)``.

        Parameters
        ----------
        x : float or array_like
            Durations in seconds.

        Returns
        -------
        float or numpy.ndarray
            Float for scalar input, else an array of the same shape.
        """
        return self._apply_x(self._sf, x)

    @overload
    def ppf(self, q: float) -> float: ...
    @overload
    def ppf(self, q: ArrayLike) -> Any: ...

    def ppf(self, q: ArrayLike) -> Any:
        """Quantile function (inverse of :meth:`cdf`; lower quantile for
        discrete distributions).

        Parameters
        ----------
        q : float or array_like
            Probabilities in ``[0, 1]``; anything else gives NaN.

        Returns
        -------
        float or numpy.ndarray
            Durations in seconds; float for scalar input.
        """
        qa = np.asarray(q, dtype=np.float64)
        bad = ~((qa >= 0.0) & (qa <= 1.0))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.asarray(self._ppf(np.where(bad, 0.5, qa)), dtype=np.float64)
        out = np.where(bad, np.nan, out)
        return float(out) if out.ndim == 0 else out

    @staticmethod
    def _apply_x(fn: Callable[[np.ndarray], np.ndarray], x: ArrayLike) -> Any:
        xa = np.asarray(x, dtype=np.float64)
        nan = np.isnan(xa)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.asarray(fn(np.where(nan, 0.0, xa)), dtype=np.float64)
        out = np.where(nan, np.nan, out)
        return float(out) if out.ndim == 0 else out

    def sampler(self, rng: np.random.Generator, block: int = 64) -> Callable[[], float]:
        """Return a zero-argument function giving one draw per call.

        Draws are generated ``block`` at a time with one vectorised
        :meth:`sample` call and handed out in order from a Python list, so a
        call usually costs one ``list.pop``. The sequence equals the
        concatenation of ``sample(rng, block)`` calls on the same generator.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness. It is advanced only when the buffer is
            refilled, so do not share it with other consumers if you need
            the stream of one sampler to be reproducible on its own.
        block : int, default 64
            Number of draws per refill.

        Returns
        -------
        Callable[[], float]
            Function returning the next draw as a Python float.
        """
        if block < 1:
            raise ValueError(f"block must be >= 1, got {block!r}")
        buf: list[float] = []
        pop = buf.pop
        extend = buf.extend
        sample = self.sample

        def draw() -> float:
            try:
                return pop()
            except IndexError:
                extend(sample(rng, block)[::-1].tolist())
                return pop()

        return draw

    def __getstate__(self) -> dict[str, Any]:
        # drop private caches (e.g. a frozen scipy object or numpy arrays)
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


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
                try:
                    if parse_dist(by_mean) == self:
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

    @property
    def sigma(self) -> float:
        """Standard deviation of ``log X``."""
        return math.sqrt(math.log1p((self.sd / self.mean) ** 2))

    @property
    def mu(self) -> float:
        """Mean of ``log X``."""
        return math.log(self.mean) - 0.5 * math.log1p((self.sd / self.mean) ** 2)

    @property
    def var(self) -> float:
        return self.sd * self.sd

    def _z(self, x: np.ndarray) -> np.ndarray:
        return (np.log(np.maximum(x, 0.0)) - self.mu) / self.sigma

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        if self.sd == 0:
            return _point_cdf(x, self.mean)
        return special.ndtr(self._z(x))

    def _sf(self, x: np.ndarray) -> np.ndarray:
        if self.sd == 0:
            return _point_sf(x, self.mean)
        return special.ndtr(-self._z(x))

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        if self.sd == 0:
            return np.full_like(q, self.mean)
        return np.exp(self.mu + self.sigma * special.ndtri(q))

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
        return special.gammainc(self.shape, np.maximum(x, 0.0) / self.scale)

    def _sf(self, x: np.ndarray) -> np.ndarray:
        return special.gammaincc(self.shape, np.maximum(x, 0.0) / self.scale)

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        return self.scale * special.gammaincinv(self.shape, q)

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
        lam = float(math.exp(-0.5 * alpha * alpha) / math.sqrt(2 * math.pi) / special.ndtr(-alpha))
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
        return float(special.ndtr(self.mu / self.sigma))

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
        x = self.mu - self.sigma * special.ndtri(v * self._kept_mass)
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
        if isinstance(raw, (str, bytes)) or not isinstance(raw, (Sequence, np.ndarray)):
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


# --------------------------------------------------------------------------
# parsing


@dataclass(frozen=True)
class _Form:
    params: tuple[str, ...]
    positional: tuple[str, ...]
    needs: str
    example: str
    build: Callable[[dict[str, Any], Callable[[str, Exception], ValueError]], Distribution]


def _param_duration(params: dict[str, Any], key: str, err: Callable[..., ValueError]) -> float:
    try:
        return parse_duration(params[key])
    except ValueError as e:
        raise err(key, e) from None


def _param_positive_duration(
    params: dict[str, Any], key: str, err: Callable[..., ValueError]
) -> float:
    x = _param_duration(params, key, err)
    if x <= 0:
        raise err(key, ValueError(f"must be > 0, got {_show(params[key])}"))
    return x


def _param_shape(params: dict[str, Any], key: str, err: Callable[..., ValueError]) -> float:
    value = params[key]
    x: float | None = None
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", text):
            x = float(text)
    elif isinstance(value, Real) and not isinstance(value, (bool, np.bool_)):
        x = float(value)
    if x is None or not (math.isfinite(x) and x > 0):
        raise err(key, ValueError(f"must be a positive plain number (no unit), got {_show(value)}"))
    return x


def _build_exp(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    if "mean" in p:
        return Exponential(_param_positive_duration(p, "mean", err))
    try:
        count, unit = _rate_parts(p["rate"])
    except ValueError as e:
        raise err("rate", e) from None
    if count == 0:
        raise err("rate", ValueError(f"must be > 0, got {_show(p['rate'])}"))
    num, den = _UNIT_RATIO[unit]
    mean = num / (count * den)  # seconds per event, e.g. 3600 / 2
    if not (math.isfinite(mean) and mean > 0):
        raise err("rate", ValueError(f"gives an unusable mean of {mean!r} s"))
    return Exponential(mean)


def _build_weibull(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    shape = _param_shape(p, "shape", err)
    if "scale" in p:
        return Weibull(shape, _param_positive_duration(p, "scale", err))
    mean = _param_positive_duration(p, "mean", err)
    try:
        return Weibull(shape, mean=mean)
    except ValueError as e:
        raise err("shape", e) from None


def _build_lognormal(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    return Lognormal(_param_positive_duration(p, "mean", err), _param_duration(p, "sd", err))


def _build_gamma(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    return Gamma(_param_shape(p, "shape", err), _param_positive_duration(p, "mean", err))


def _build_normal(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    return Normal(_param_duration(p, "mean", err), _param_duration(p, "sd", err))


def _build_uniform(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    low = _param_duration(p, "low", err)
    high = _param_duration(p, "high", err)
    if low > high:
        raise err(
            "high",
            ValueError(f"must be >= low, got low={_show(p['low'])} > high={_show(p['high'])}"),
        )
    return Uniform(low, high)


def _build_fixed(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    return Fixed(_param_duration(p, "value", err))


def _build_empirical(p: dict[str, Any], err: Callable[..., ValueError]) -> Distribution:
    raw = p["values"]
    if isinstance(raw, str):
        text = raw.strip()
        if not (text.startswith("[") and text.endswith("]")):
            raise err("values", ValueError(f"must be a list like [1h, 2h, 5h], got {_show(raw)}"))
        inner = text[1:-1].strip()
        items: list[Any] = [s.strip() for s in inner.split(",")] if inner else []
    elif isinstance(raw, (Sequence, np.ndarray)) and not isinstance(raw, (bytes, bytearray)):
        items = list(raw)
    else:
        raise err("values", ValueError(f"must be a list like [1h, 2h, 5h], got {raw!r}"))
    if not items:
        raise err("values", ValueError("needs at least one value, e.g. [1h, 2h, 5h]"))
    vals = []
    for item in items:
        try:
            vals.append(parse_duration(item))
        except ValueError as e:
            raise err("values", e) from None
    return Empirical(tuple(vals))


_FORMS: dict[str, _Form] = {
    "exp": _Form(
        ("mean", "rate"), (), "one of mean= or rate=", "exp(mean=10h) or exp(rate=2/h)", _build_exp
    ),
    "weibull": _Form(
        ("shape", "mean", "scale"),
        (),
        "shape= and one of mean= or scale=",
        "weibull(shape=1.5, mean=1000h)",
        _build_weibull,
    ),
    "lognormal": _Form(
        ("mean", "sd"), (), "mean= and sd=", "lognormal(mean=10h, sd=5h)", _build_lognormal
    ),
    "gamma": _Form(
        ("shape", "mean"), (), "shape= and mean=", "gamma(shape=2, mean=1h)", _build_gamma
    ),
    "normal": _Form(("mean", "sd"), (), "mean= and sd=", "normal(mean=1h, sd=10m)", _build_normal),
    "uniform": _Form(
        ("low", "high"), ("low", "high"), "low and high", "uniform(1m, 5m)", _build_uniform
    ),
    "fixed": _Form(("value",), ("value",), "a value", "fixed(30s)", _build_fixed),
    "empirical": _Form(
        ("values",), ("values",), "a list of values", "empirical([1h, 2h, 5h])", _build_empirical
    ),
}
_ALIASES: dict[str, str] = {"exponential": "exp"}

#: Every distribution name accepted by :func:`parse_dist` (case-insensitive).
DIST_NAMES: tuple[str, ...] = tuple(sorted([*_FORMS, *_ALIASES]))

# (required params, groups of which exactly one is required)
_REQUIRED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "exp": ((), ("mean", "rate")),
    "weibull": (("shape",), ("mean", "scale")),
    "lognormal": (("mean", "sd"), ()),
    "gamma": (("shape", "mean"), ()),
    "normal": (("mean", "sd"), ()),
    "uniform": (("low", "high"), ()),
    "fixed": (("value",), ()),
    "empirical": (("values",), ()),
}

_CALL_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*$", re.DOTALL)
_KEY_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$", re.DOTALL)


def _split_args(text: str, shown: str) -> list[str]:
    """Split on commas that are not inside brackets."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced brackets in {shown}")
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise ValueError(f"unbalanced brackets in {shown}")
    parts.append(text[start:])
    if len(parts) == 1 and not parts[0].strip():
        return []
    return parts


def _resolve_name(name: object, shown: str) -> str:
    if not isinstance(name, str):
        raise ValueError(f"distribution name must be a string, got {name!r} in {shown}")
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key in _FORMS:
        return key
    msg = f"unknown distribution '{name}' in {shown}"
    close = difflib.get_close_matches(name.strip().lower(), DIST_NAMES, n=1, cutoff=0.6)
    if close:
        msg += f": did you mean '{close[0]}'?"
    msg += f" (known: {', '.join(DIST_NAMES)})"
    raise ValueError(msg)


def _build(name: str, params: dict[str, Any], shown: str) -> Distribution:
    form = _FORMS[name]
    unknown = [k for k in params if k not in form.params]
    if unknown:
        bad = unknown[0]
        msg = f"unknown parameter '{bad}' for {name} in {shown}"
        close = difflib.get_close_matches(bad, form.params, n=1, cutoff=0.6)
        if close:
            msg += f": did you mean '{close[0]}'?"
        msg += f" (parameters: {', '.join(form.params)}; e.g. {form.example})"
        raise ValueError(msg)
    required, one_of = _REQUIRED[name]
    missing = [k for k in required if k not in params]
    chosen = [k for k in one_of if k in params]
    if missing or (one_of and not chosen):
        raise ValueError(f"{name} needs {form.needs}, e.g. {form.example}; got {shown}")
    if len(chosen) > 1:
        raise ValueError(
            f"{name} takes only one of {' or '.join(k + '=' for k in one_of)}, "
            f"not both; got {shown}"
        )

    def err(key: str, exc: Exception) -> ValueError:
        return ValueError(f"{name} {key} in {shown}: {exc}")

    return form.build(params, err)


def _parse_string(text: str) -> Distribution:
    shown = _show(text)
    m = _CALL_RE.match(text)
    if m is None:
        msg = f"cannot parse distribution {shown}: write e.g. exp(mean=10h), " + (
            "weibull(shape=1.5, mean=1000h), uniform(1m, 5m) or fixed(30s)"
        )
        try:
            parse_duration(text)
        except ValueError:
            pass
        else:
            msg += f"; for a constant duration write fixed({text.strip()})"
        raise ValueError(msg)
    name = _resolve_name(m.group(1), shown)
    form = _FORMS[name]
    params: dict[str, Any] = {}
    seen_keyword = False
    for i, arg in enumerate(_split_args(m.group(2), shown)):
        if not arg.strip():
            raise ValueError(f"empty argument in {shown}")
        km = _KEY_RE.match(arg)
        if km is not None:
            key, value = km.group(1), km.group(2).strip()
            seen_keyword = True
        else:
            if seen_keyword:
                raise ValueError(f"positional argument after a named one in {shown}")
            if i >= len(form.positional):
                if not form.positional:
                    raise ValueError(
                        f"{name} takes named parameters ({', '.join(form.params)}), "
                        f"e.g. {form.example}; got {shown}"
                    )
                raise ValueError(
                    f"too many arguments for {name} in {shown}: it takes "
                    f"{len(form.positional)}, e.g. {form.example}"
                )
            key, value = form.positional[i], arg.strip()
        if key in params:
            raise ValueError(f"parameter '{key}' given twice in {shown}")
        params[key] = value
    return _build(name, params, shown)


def _parse_mapping(value: Mapping[Any, Any]) -> Distribution:
    shown = repr(dict(value))
    if "dist" not in value:
        raise ValueError(
            f"distribution mapping needs a 'dist' key naming the distribution, "
            f"e.g. {{dist: weibull, shape: 1.5, mean: 1000h}}; got {shown}"
        )
    name = _resolve_name(value["dist"], shown)
    params = {str(k): v for k, v in value.items() if k != "dist"}
    return _build(name, params, shown)


def parse_dist(value: str | Mapping[str, Any] | Distribution) -> Distribution:
    """Build a :class:`Distribution` from its model-file form.

    Parameters
    ----------
    value : str, mapping or Distribution
        * A string such as ``"exp(mean=10h)"``, ``"exp(rate=2/h)"``,
          ``"exponential(...)"``, ``"weibull(shape=1.5, mean=1000h)"``,
          ``"weibull(shape=1.5, scale=1000h)"``,
          ``"lognormal(mean=10h, sd=5h)"``, ``"gamma(shape=2, mean=1h)"``,
          ``"normal(mean=1h, sd=10m)"``, ``"uniform(1m, 5m)"``,
          ``"fixed(30s)"`` or ``"empirical([1h, 2h, 5h])"``. Names are
          case-insensitive and whitespace is ignored, so reprs such as
          ``Uniform(1m, 5m)`` parse too.
        * A mapping with a ``dist`` key and the parameters, e.g.
          ``{"dist": "weibull", "shape": 1.5, "mean": "1000h"}``,
          ``{"dist": "uniform", "low": "1m", "high": "5m"}``,
          ``{"dist": "fixed", "value": "30s"}``,
          ``{"dist": "empirical", "values": ["1h", "2h"]}``.
        * A :class:`Distribution`, returned unchanged.

        Durations go through :func:`relsim.units.parse_duration` (a bare
        number is an error unless it is 0); rates through
        :func:`relsim.units.parse_rate` (a unit is required); ``shape`` is a
        positive plain number.

    Returns
    -------
    Distribution

    Raises
    ------
    ValueError
        For an unknown distribution name (with a suggestion), a missing,
        unknown or repeated parameter, a bad duration or rate (the message
        of :mod:`relsim.units` is included), or a parameter out of range
        (e.g. a mean or shape that is not > 0).

    Examples
    --------
    >>> parse_dist("weibull(shape=1.5, mean=1y)")
    Weibull(shape=1.5, mean=1y)
    >>> parse_dist({"dist": "fixed", "value": "30s"})
    Fixed(30s)
    """
    if isinstance(value, Distribution):
        return value
    if isinstance(value, str):
        return _parse_string(value)
    if isinstance(value, Mapping):
        return _parse_mapping(value)
    raise ValueError(
        f"cannot interpret {value!r} as a distribution: write e.g. exp(mean=10h) or "
        f"{{dist: exp, mean: 10h}}"
    )
