"""Exact cross-checks and rare-event estimation on a model's Markov chain.

For models whose elements are all exponential (the exact class is in
:mod:`relsim.analytic.support`), :func:`solve` builds the model's
continuous-time Markov chain (:mod:`relsim.analytic.ctmc`) and gives exact
availability, served fraction, outage rate, mean outage duration, failures
per year, point availability and expectations over a horizon from new
(:mod:`relsim.analytic.exact`); :func:`compare` sets simulated results
beside them. :func:`rare_unavailability` estimates tiny unavailabilities by
importance sampling with balanced failure biasing (:mod:`relsim.analytic.rare`).
"""

from relsim.analytic.crosscheck import compare
from relsim.analytic.exact import ExactResult, solve
from relsim.analytic.rare import RareResult, plain_relative_error, rare_unavailability
from relsim.analytic.support import Unsupported, supports

__all__ = [
    "ExactResult",
    "RareResult",
    "Unsupported",
    "compare",
    "plain_relative_error",
    "rare_unavailability",
    "solve",
    "supports",
]
