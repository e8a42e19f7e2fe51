"""Quorum membership under partitions and repeated elections: exact timelines.

docs/model-format.md §14: a quorum counts only members that reach each
other; losing the leader costs an election. Two code paths find the largest
group of members that reach each other: an exhaustive search up to 12 up
members and a greedy grouping beyond. Both must find the majority side of a
partition whatever the order of the members - the greedy one used to grow
its group from the first member only, so with that member cut off in a
minority it missed the majority and reported the quorum lost for the whole
partition. Times in hours.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.units import HOUR


def trans(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def split(minority: int, majority: int) -> relsim.RunResult:
    """Members b0.. in zone zb (the minority, listed first: b0 leads) and a0.. in za.

    The link between the zones is cut from 5 h to 6 h.
    """
    comps = {f"b{i}": {"in": "zb"} for i in range(minority)}
    comps.update({f"a{i}": {"in": "za"} for i in range(majority)})
    m = relsim.load({"name": "split", "horizon": "10h",
                     "domains": {"za": {"kind": "zone"}, "zb": {"kind": "zone"}},
                     "links": {"ab": {"between": ["za", "zb"], "failures": [trans("5h", "1h")]}},
                     "components": comps,
                     "services": {"q": {"replicas": list(comps), "mode": "quorum", "election": "fixed(10s)"}}})
    return relsim.simulate(m, seed=0, replication=0, trace=True)


@pytest.mark.parametrize(("minority", "majority"), [(2, 3), (6, 7), (10, 11)])
def test_the_majority_side_elects_a_leader_whatever_the_member_order(minority: int, majority: int) -> None:
    # 5 members: exhaustive search; 13 and 21: the greedy grouping. At 5 h
    # the leader b0 is cut off: the majority in za elects a0 in 10 s; when
    # the partition heals a0 stays leader (no election).
    res = split(minority, majority)
    assert [(o.start_s / HOUR, o.duration_s) for o in res.outages] == [(5.0, pytest.approx(10.0))]
    assert res.elections == 1
    elected = [(round(e["t"] / HOUR, 6), e["service"], e["leader"]) for e in res.trace or []
               if e["event"] == "leader_elected"]
    assert elected == [(round(5 + 10 / HOUR, 6), "q", "a0")]


def test_every_lost_leader_costs_an_election() -> None:
    # n1 leads; it fails at 10 h (n2 elected), n2 fails at 15 h (n1, back
    # since 11 h, elected), n1 fails again at 21 h (n2, back since 16 h).
    m = relsim.load({"name": "q", "horizon": "22h",
                     "components": {"n1": {"failures": [trans("10h", "1h")]},
                                    "n2": {"failures": [trans("15h", "1h")]}, "n3": {}},
                     "services": {"q": {"replicas": ["n1", "n2", "n3"], "mode": "quorum",
                                        "election": "fixed(10s)"}}})
    res = relsim.simulate(m, seed=0, replication=0, trace=True)
    assert res.elections == 3
    leaders = [(round(e["t"] / HOUR, 6), e["leader"]) for e in res.trace or [] if e["event"] == "leader_elected"]
    assert leaders == [(round(t + 10 / HOUR, 6), who) for t, who in ((10, "n2"), (15, "n1"), (21, "n2"))]
    assert [round(o.start_s / HOUR, 6) for o in res.outages] == [10.0, 15.0, 21.0]
    assert all(o.duration_s == pytest.approx(10.0) for o in res.outages)
