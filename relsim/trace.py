"""The event trace of one replication, for debugging and teaching."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from relsim.engine import simulate
from relsim.model import Model

__all__ = ["trace", "trace_lines"]


def trace(model: Model, seed: int = 0, replication: int = 0,
          horizon: float | None = None) -> list[dict[str, Any]]:
    """Re-run replication ``replication`` of a run with ``seed`` and return its events.

    Each event is a dict with ``t`` (seconds) and ``event`` plus fields that
    depend on the event (``element``, ``spec``, ``kind``, ``service`` ...).
    The replication's results are identical to the same replication inside
    :func:`relsim.run`.
    """
    res = simulate(model, seed, replication, horizon, trace=True)
    assert res.trace is not None
    return res.trace


def trace_lines(events: list[dict[str, Any]]) -> Iterator[str]:
    """Events as JSON lines (NaN and infinities as null)."""
    for ev in events:
        yield json.dumps({k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                          for k, v in ev.items()})
