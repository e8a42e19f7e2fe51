"""Exact cross-checks and rare-event estimation on a model's Markov chain.

For models whose elements are all exponential (see
:mod:`relsim.analytic.support` for the exact class), :func:`solve` builds the
continuous-time Markov chain of the model and gives exact availability,
outage rate, mean outage duration, failures per year, point availability and
expected downtime from new; :func:`compare` sets simulated results beside
them. :func:`rare_unavailability` estimates tiny unavailabilities by
importance sampling with balanced failure biasing.
"""

from relsim.analytic.exact import ExactResult, solve
from relsim.analytic.support import Unsupported, supports

__all__ = ["ExactResult", "Unsupported", "solve", "supports"]
