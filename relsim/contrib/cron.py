"""``cron-restart``: restart an element on a cron schedule (docs/extending.md, example 1).

At each time the cron expression ``at`` gives, the ``target`` element is
taken out of service (not a failure) for a draw of ``lasts`` and started
again *as good as new*: every failure clock restarts with a fresh draw, as
after a repair. Against an ageing fault (a leak that crashes the service
after an increasing-hazard up-time, e.g. ``weibull(shape=4, mean=3d)``) a
nightly restart trades many long crashes for short planned outages:
software rejuvenation [1]_. A restart due while the target is already down
is skipped (and counted). Model time 0 is the wall-clock time ``start``.

Tallies: ``restarts``, ``restarts_skipped``; metric ``restarts_per_year``.

References
----------
.. [1] Y. Huang, C. Kintala, N. Kolettis, N. D. Fulton, "Software
   rejuvenation: analysis, module and applications", FTCS-25, 1995.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime
from functools import lru_cache
from typing import Any

from croniter import croniter
from pydantic import field_validator

from relsim.behaviours import Delay, Params, behaviour
from relsim.metric_registry import metric

__all__ = ["CronRestart", "cron_restart", "schedule"]


class CronRestart(Params):
    """Parameters of ``cron-restart``.

    Attributes
    ----------
    target : str
        The element (component, domain, load balancer...) to restart.
    at : str
        A five-field cron expression, e.g. ``"0 3 * * *"`` (03:00 every day).
    lasts : Delay
        How long a restart keeps the target down (``2m``, or a distribution).
    start : datetime
        Wall-clock time of model time 0 (default 2025-01-06 00:00, a Monday).
    renew : bool
        Whether a restart makes the target as good as new (default true).
    """

    target: str
    at: str
    lasts: Delay
    start: datetime = datetime(2025, 1, 6)
    renew: bool = True

    @field_validator("at")
    @classmethod
    def _cron(cls, value: str) -> str:
        if not croniter.is_valid(value):
            raise ValueError(f"not a cron expression: {value!r} (five fields, e.g. '0 3 * * *' for 03:00 daily)")
        return value


@lru_cache(maxsize=64)
def schedule(at: str, start: datetime, horizon: float) -> tuple[float, ...]:
    """Seconds from ``start`` of every time the cron expression ``at`` gives before ``horizon``.

    Computed once per model and horizon, not in every replication:
    croniter takes about 0.1 ms per step, which over a year of nightly
    restarts would cost more than the rest of the replication.
    """
    times, out = croniter(at, start), []
    while True:
        due = (times.get_next(datetime) - start).total_seconds()
        if due >= horizon:
            return tuple(out)
        out.append(due)


@behaviour("cron-restart", params=CronRestart, refs=("target",))
def cron_restart(h: Any, p: CronRestart) -> Generator[Any, Any, None]:
    """Restart an element on a cron schedule (as good as new afterwards)."""
    for due in schedule(p.at, p.start, h.horizon):
        if due < h.now:
            h.tally("restarts_skipped")  # still restarting from the previous one
            continue
        yield h.timeout(due - h.now)
        if not h.stop(p.target):
            h.tally("restarts_skipped")  # already down: nothing to restart
            continue
        h.tally("restarts")
        yield h.timeout(h.sample(p.lasts))
        h.restore(p.target, renew=p.renew)


metric("restarts_per_year", "1/year", "planned restarts made by cron-restart behaviours", "cron-restart",
       tally="restarts", per_year=True)
