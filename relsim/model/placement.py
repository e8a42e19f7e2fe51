"""Schema of the ``latency`` section: round trips between domains, and the rtt between two places.

```yaml
latency:
  within: 0.5ms                              # two elements in the same domain
  default: 1ms                               # two domains no pair below covers
  pairs:
    - {between: [eu-a, eu-b], rtt: 2ms}      # zone to zone
    - {between: [eu, us], rtt: 80ms}         # region to region (any zones inside)
```

The round trip between two elements is the ``rtt`` of the most specific
pair whose two domains enclose one element each (a zone pair before the
region pair around it), ``within`` when they are in the same domain, and
``default`` otherwise. From it the engine derives the replication rtt of
synchronous data, the acknowledgement time of quorum reads and writes, and
the clients' round trip (:mod:`relsim.engine.placement`,
docs/application.md §3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from relsim.model.common import Duration, _Frozen

__all__ = ["Latency", "LatencyPair", "check_latency", "round_trip"]

Path = tuple[Any, ...]


class LatencyPair(_Frozen):
    """The round trip between anything in one domain and anything in the other."""

    between: tuple[str, str]
    rtt: Duration


class Latency(_Frozen):
    """Round trips between domains (docs/application.md §3)."""

    within: Duration = 0.0
    default: Duration = 0.0
    pairs: tuple[LatencyPair, ...] = ()
    description: str = Field(default="")


def _chain(domain: str | None, parents: Mapping[str, str | None]) -> list[str]:
    out: list[str] = []
    while domain is not None and domain not in out:
        out.append(domain)
        domain = parents.get(domain)
    return out


def round_trip(latency: Latency, parents: Mapping[str, str | None], a: str | None, b: str | None) -> float:
    """The rtt between something in domain ``a`` and something in domain ``b`` (seconds).

    ``a == b`` (or both unplaced) is ``within``; otherwise the pair whose
    domains enclose ``a`` and ``b`` most closely (smallest sum of levels up
    the two domain chains), else ``default``.
    """
    if a == b:
        return latency.within
    ca, cb = _chain(a, parents), _chain(b, parents)
    best: tuple[int, float] | None = None
    for pair in latency.pairs:
        x, y = pair.between
        for p, q in ((x, y), (y, x)):
            if p in ca and q in cb:
                depth = ca.index(p) + cb.index(q)
                if best is None or depth < best[0]:
                    best = (depth, pair.rtt)
    return best[1] if best is not None else latency.default


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def check_latency(raw: dict[str, Any], domain_names: list[str], suggest: Any) -> list[tuple[Path, str]]:
    """Problems of ``raw['latency']``: pairs name two different, known domains, each pair once."""
    body = raw.get("latency")
    if not isinstance(body, dict):
        return []
    found: list[tuple[Path, str]] = []
    seen: dict[frozenset[str], int] = {}
    pairs = body.get("pairs")
    for i, pair in enumerate(pairs if isinstance(pairs, list) else []):
        between = _mapping(pair).get("between")
        if not isinstance(between, list) or len(between) != 2:
            continue
        where = ("latency", "pairs", i, "between")
        for j, name in enumerate(between):
            if str(name) not in domain_names:
                found.append(((*where, j), f"unknown domain '{name}'{suggest(name, domain_names)}"))
        if str(between[0]) == str(between[1]):
            found.append((where, f"a pair joins two different domains; '{between[0]}' twice is 'within'"))
        key = frozenset(str(n) for n in between)
        if key in seen:
            found.append((where, f"the pair {between[0]}~{between[1]} is already given at pairs[{seen[key]}]"))
        else:
            seen[key] = i
    return found
