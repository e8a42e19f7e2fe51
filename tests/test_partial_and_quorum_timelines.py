"""Exact timelines for partial served fractions of nested services and for losing a quorum.

docs/model-format.md §14: an active-active service serves the share
min(1, u / needs) of what is sent to it, where u sums its replicas' served
fractions - a replica that is itself a service may serve part; a quorum
that loses its majority is down, and regaining it costs an election. Times
in hours.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.units import HOUR


def trans(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def steps(res: relsim.RunResult, service: str) -> list[float]:
    """The service's s(t) steps flattened: t1 (hours), s1, t2, s2, ..."""
    return [x for e in res.trace or [] if e["event"] == "service" and e["service"] == service
            for x in (e["t"] / HOUR, e["s"])]


def flat(pairs: list[tuple[float, float]]) -> list[float]:
    return [x for pair in pairs for x in pair]


def test_nested_services_serve_partial_fractions() -> None:
    # eu needs all of e1..e3 (s = up/3); us is u1; front needs both (s =
    # (s_eu + s_us) / 2). e1 is down 10-12, e2 11-13, e3 11.5-11.75, u1 14-15.
    m = relsim.load({"name": "nest", "horizon": "20h",
                     "components": {"e1": {"failures": [trans("10h", "2h")]},
                                    "e2": {"failures": [trans("11h", "2h")]},
                                    "e3": {"failures": [trans("11.5h", "0.25h")]},
                                    "u1": {"failures": [trans("14h", "1h")]}},
                     "services": {"eu": {"replicas": ["e1", "e2", "e3"], "needs": 3},
                                  "us": {"replicas": ["u1"]},
                                  "front": {"replicas": ["eu", "us"], "needs": 2}},
                     "entry": "front"})
    res = relsim.simulate(m, seed=0, replication=0, trace=True)
    third = 1 / 3
    assert steps(res, "eu") == pytest.approx(flat([(10, 2 * third), (11, third), (11.5, 0.0), (11.75, third),
                                                   (12, 2 * third), (13, 1.0)]))
    assert steps(res, "front") == pytest.approx(flat([(10, 5 / 6), (11, 2 / 3), (11.5, 0.5), (11.75, 2 / 3),
                                                      (12, 5 / 6), (13, 1.0), (14, 0.5), (15, 1.0)]))
    lost = 1 / 6 + 0.5 * (1 / 3) + 0.25 * 0.5 + 0.25 * (1 / 3) + 1 / 6 + 1 * 0.5
    assert res.served_integral / HOUR == pytest.approx(20 - lost, abs=1e-9)
    assert res.downtime / HOUR == pytest.approx(4.0, abs=1e-9)  # s < 1 during 10-13 and 14-15


def test_a_lost_quorum_is_down_until_a_majority_is_back_and_has_elected() -> None:
    # n2 is down 5-7, n3 6-8: from 6 only n1 is up (1 < 2): quorum lost.
    # n2's return at 7 restores a majority, which elects (10 s) n1 again.
    m = relsim.load({"name": "q", "horizon": "10h",
                     "components": {"n1": {}, "n2": {"failures": [trans("5h", "2h")]},
                                    "n3": {"failures": [trans("6h", "2h")]}},
                     "services": {"q": {"replicas": ["n1", "n2", "n3"], "mode": "quorum",
                                        "election": "fixed(10s)"}}})
    res = relsim.simulate(m, seed=0, replication=0, trace=True)
    kinds = ("quorum_lost", "election_started", "leader_elected")
    got = [(round(e["t"] / HOUR, 6), e["event"], e.get("up"), e.get("leader")) for e in res.trace or []
           if e["event"] in kinds and e["service"] == "q"]
    assert got == [(6.0, "quorum_lost", 1, None), (7.0, "election_started", None, None),
                   (round(7 + 10 / HOUR, 6), "leader_elected", None, "n1")]
    assert [(o.start_s / HOUR, o.duration_s) for o in res.outages] == [(6.0, pytest.approx(3610.0))]
    assert res.elections == 1
