"""The distribution base class and the helpers every family shares."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from numbers import Real
from typing import TYPE_CHECKING, Any, overload

from relsim.dists._numpy import deferred_numpy
from relsim.units import _float, _is_bool, _show, format_duration_spec, parse_duration

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike
else:
    np = deferred_numpy(globals())

if TYPE_CHECKING:
    pass


__all__ = ["Distribution"]


# --------------------------------------------------------------------------
# helpers


def _seconds(value: object, what: str) -> float:
    """Coerce a constructor argument (seconds, or a duration string) to a
    finite non-negative float."""
    if isinstance(value, str):
        return parse_duration(value)
    if _is_bool(value) or not isinstance(value, Real):
        raise ValueError(f"{what} must be a number of seconds or a duration string, got {value!r}")
    x = _float(value)
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{what} must be a finite number of seconds >= 0, got {value!r}")
    return x


def _positive_seconds(value: object, what: str) -> float:
    x = _seconds(value, what)
    if x <= 0:
        raise ValueError(f"{what} must be > 0, got {_show(value)}")
    return x


def _positive_number(value: object, what: str) -> float:
    if _is_bool(value) or not isinstance(value, Real):
        raise ValueError(f"{what} must be a positive number, got {value!r}")
    x = _float(value)
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


