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

Plugins add families with :func:`distribution` (docs/extending.md).

Randomness only ever comes from a :class:`numpy.random.Generator` passed in
by the caller.
"""


from relsim.dists.base import Distribution
from relsim.dists.families import (
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Normal,
    Uniform,
    Weibull,
)
from relsim.dists.parsing import DIST_NAMES, distribution, parse_dist

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
    "distribution",
    "DIST_NAMES",
]
