"""Schema of the ``operations`` section: what requests do to a replicated store, at which consistency.

Each operation is a share of the workload's requests that reads or writes
``service`` (a replicated store: its replicas are the copies) at a
``consistency`` level:

* ``one``, ``quorum``, ``all`` — that many replicas (1, ⌊n/2⌋ + 1, n) must
  answer (reads) or acknowledge (writes), any of them (a leaderless store,
  Dynamo style); a read returns the newest version among those it asked;
* ``leader`` — the leader (the primary of an active-passive service, else
  the first replica listed) must serve it; its reads are never stale;
* ``bounded-staleness`` (reads) — any replica may answer if its lag is at
  most ``staleness``, otherwise the leader must.

A request fails when its level cannot be met with the replicas serving;
reads may be stale, given the replication ``lag`` and write rate of the
service's ``data`` section. The engine (:mod:`relsim.engine.consistency`)
integrates both exactly between events; docs/application.md §2 gives the
formulas.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from relsim.model.common import Duration, Fraction, _Frozen

__all__ = ["LEVELS", "Operation", "check_operations", "required_replicas"]

Path = tuple[Any, ...]

#: The consistency levels an operation may ask for.
LEVELS = ("one", "quorum", "all", "leader", "bounded-staleness")


class Operation(_Frozen):
    """A share of the workload's requests reading or writing ``service`` at ``consistency``."""

    service: str
    share: Fraction
    type: Literal["read", "write"] = "read"
    consistency: Literal["one", "quorum", "all", "leader", "bounded-staleness"] = "one"
    staleness: Duration | None = None
    description: str = Field(default="")


def required_replicas(level: str, n: int) -> int:
    """Replicas that must answer or acknowledge at ``level`` out of ``n`` (1 for leader and bounded-staleness)."""
    return {"one": 1, "quorum": n // 2 + 1, "all": n}.get(level, 1)


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def check_operations(raw: dict[str, Any], suggest: Any) -> list[tuple[Path, str]]:
    """Cross-reference problems of ``raw['operations']`` as ``(path, message)`` pairs."""
    ops = raw.get("operations")
    if not isinstance(ops, dict) or not ops:
        return []
    found: list[tuple[Path, str]] = []
    services = _mapping(raw.get("services"))
    known = [str(s) for s in services]
    if not isinstance(raw.get("workload"), dict):
        found.append((("operations",), "operations are shares of the workload's requests: the model needs a "
                                       "'workload'"))
    total = 0.0
    for name, body in ops.items():
        if not isinstance(body, dict):
            continue
        where = ("operations", name)
        svc = body.get("service")
        if svc is not None and str(svc) not in services:
            found.append(((*where, "service"), f"unknown service '{svc}'{suggest(svc, known)}"))
        level = body.get("consistency", "one")
        if level == "bounded-staleness":
            if body.get("staleness") is None:
                found.append(((*where, "staleness"), "consistency: bounded-staleness needs 'staleness' "
                                                     "(the largest lag a read may see, e.g. 5s)"))
            if body.get("type", "read") != "read":
                found.append(((*where, "consistency"), "bounded-staleness is a level for reads, not writes"))
        # staleness may be given with any level (only bounded-staleness reads it), so that one
        # model can be swept over `--set operations.NAME.consistency=one,bounded-staleness`
        share = body.get("share")
        if isinstance(share, (int, float)) and not isinstance(share, bool):
            total += float(share)
        elif isinstance(share, str) and share.strip().endswith("%"):
            try:
                total += float(share.strip()[:-1]) / 100.0
            except ValueError:
                pass
    if total > 1.0 + 1e-9:
        found.append((("operations",), f"the operations' shares add up to {total:.4g}, more than 100% of the "
                                       "workload's requests"))
    return found
