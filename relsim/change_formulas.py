"""Closed-form request losses of bad releases, for what-ifs and tests (docs/changes.md, "Deployments").

A bad version fails share ``f`` of the requests that reach updated
instances, a share ``x`` of the traffic; the automated rollback trigger
averages that error rate ``e = f·x`` over the last ``window`` W and acts
``delay`` E after the average reaches ``threshold`` θ. With ``e`` constant
from the release on, the average grows as ``e·t/W`` and the detection time
is

    D = θ·W/e + E            (never if e < θ)

and one bad release fails, with the rollback taking R (its mean, for a
random R):

- all-at-once: ``λ · f · (D + R)``;
- canary of share s with bake B, the trigger firing during the bake
  (D < B): ``λ · f · s · min(B, D + R)`` (the canary leaves rotation at the
  end of its bake);
- blue-green, rolled back while the old environment is kept: ``λ · f · (D + S)``
  with S the switch time (after ``keep``: ``λ · f · (D + R)``);
- a feature flag exposed to ``s_flag`` of the requests, killed in K:
  ``λ · f · s_flag · (D + K)``.

When nothing triggers, someone rolls back by hand after ``manual`` M:
replace D by M. The simulator is checked against these in
``tests/test_deployments.py``.
"""

from __future__ import annotations

import math

__all__ = ["bad_release_loss", "trigger_delay"]


def trigger_delay(error_rate: float, threshold: float, window: float, delay: float = 0.0) -> float:
    """D = θ·W/e + E: seconds from a constant error rate ``e`` starting to the rollback starting.

    ``inf`` if the error rate stays below the threshold. A threshold of 0
    fires at once (D = E).
    """
    if error_rate <= 0.0 or error_rate < threshold:
        return math.inf
    return threshold * window / error_rate + delay


def bad_release_loss(rate: float, strategy: str = "all-at-once", *, fails: float = 1.0,
                     threshold: float | None = 0.01, window: float = 300.0, delay: float = 0.0,
                     rollback: float = 300.0, manual: float = 4 * 3600.0, share: float | None = None,
                     bake: float | None = None, switch: float = 0.0, keep: float | None = None,
                     exposure: float | None = None, kill: float = 60.0) -> float:
    """Expected requests failed by one bad release (a flat rate, nothing else failing).

    Parameters
    ----------
    rate : float
        Requests per second reaching the service.
    strategy : {"all-at-once", "canary", "blue-green", "flag"}
        ``flag``: a release behind a feature flag exposed to ``exposure`` of
        the requests, killed in ``kill``.
    fails : float
        Share of the requests on updated instances the bad version fails.
    threshold, window, delay : float
        The automated trigger (``threshold=None``: none).
    rollback, manual : float
        Rollback time R, and the time M after which someone rolls back by
        hand when nothing triggered (means, for random ones).
    share, bake : float
        ``canary``: its share of traffic and its bake time (one step).
    switch, keep : float
        ``blue-green``: the switch time and how long the old environment is
        kept (None: until the next release).
    exposure, kill : float
        ``flag``.

    Raises
    ------
    ValueError
        For a canary whose trigger does not fire during its bake (it is
        promoted: the loss then depends on the next steps; simulate it).
    """
    x = {"all-at-once": 1.0, "blue-green": 1.0, "canary": share, "flag": exposure}.get(strategy)
    if x is None:
        raise ValueError(f"strategy must be all-at-once, canary (with share and bake), blue-green or flag "
                         f"(with exposure), got {strategy!r}")
    e = fails * x
    d = trigger_delay(e, threshold, window, delay) if threshold is not None else math.inf
    d = min(d, manual)
    if strategy == "all-at-once":
        return rate * e * (d + rollback)
    if strategy == "flag":
        return rate * e * (d + kill)
    if strategy == "blue-green":
        back = switch if keep is None or d < keep else rollback
        return rate * e * (d + back)
    if bake is None or not d < bake:
        raise ValueError("a canary whose rollback does not start during its bake is promoted; "
                         "its loss depends on the next steps: simulate it")
    return rate * e * min(bake, d + rollback)
