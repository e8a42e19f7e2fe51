"""Every outage names its root cause (docs/model-format.md §14.6).

An outage opened by a deferred consequence of a failure — a health check
taking a backend out, a load balancer re-admitting backends after a region
recovers, a DNS answer or cache change, a failover step — names the failure
that set it off; one opened by the hourly rise of the request rate names the
busiest load balancer with kind ``load``. No outage is ever ``unknown``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import relsim
from relsim.engine import OUTAGE_FIELDS

MODELS = sorted((Path(__file__).resolve().parents[1] / "models").glob("*.yaml"))


def causes(res: relsim.RunResult) -> list[tuple[float, str, int, str]]:
    out = []
    for row in res.outages:
        d = dict(zip(OUTAGE_FIELDS, row))
        out.append((d["start_s"], d["cause_element"], d["cause_spec"], d["cause_kind"]))
    return out


def assert_named(m: relsim.Model, res: relsim.RunResult) -> None:
    elements = {*m.components, *m.domains, *m.services, *m.spec.links,
                *getattr(m.spec, "load_balancers", {}), "workload"}
    elements |= set(getattr(m.spec, "behaviours", None) or {})  # a behaviour's action names itself
    # so does a deliberate or injected change: a release, a scheduled event, a mesh fault
    elements |= set(m.spec.deployments) | set(m.spec.schedule)
    if m.spec.mesh is not None:
        elements |= set(m.spec.mesh.faults)
    dns = getattr(m.spec, "dns", None)
    if dns is not None:
        elements |= {"dns", *dns.names}
    for start, element, spec, kind in causes(res):
        assert element != "unknown" and kind != "unknown", (m.name, start)
        assert element in elements or element.startswith("dns"), (m.name, element)
        assert spec >= -1


def test_region_recovery_readmission_is_caused_by_the_region() -> None:
    """multi-region-dns with region 'us' down from day 100 for exactly 2 h: when it is back, DNS sends
    America back to lb-us while lb-us re-admits its backends; the dip is that failure's."""
    # any failed request opens an outage here (outage_below 100 %): the dip is
    # shallow, and it is its cause that is under test
    day = 86400.0
    m = relsim.load(MODELS[0].parent / "multi-region-dns.yaml").with_overrides({
        "objectives.outage_below": 1.0, "domains.us.failures[0].every": "fixed(100d)",
        "domains.us.failures[0].lasts": "fixed(2h)"})
    back = 100 * day + 2 * 3600
    dips = []
    for rep in range(6):
        res = relsim.simulate(m, seed=0, replication=rep, trace=True)
        assert_named(m, res)
        dips += [c for c in causes(res) if back < c[0] < back + 600]  # within 10 min of the region's return
    # most replications have such a dip (health checks and DNS caches lag the return by seconds)
    assert dips and all(c[1:] == ("us", 0, "transient") for c in dips), dips


def test_load_peak_names_the_busiest_load_balancer() -> None:
    m = relsim.load({
        "name": "cap", "horizon": "1d", "components": {"web": {"count": 2}},
        "services": {"app": {"replicas": ["web"], "needs": 1}},
        "load_balancers": {"lb": {"service": "app", "capacity": "60/s"}},
        "workload": {"rate": "100/s", "target": "lb",
                     "profile": [0.5] * 7 + [1.5] * 10 + [0.5] * 7}})
    res = relsim.simulate(m, seed=0, replication=0)
    assert [c[1:] for c in causes(res)] == [("lb", -1, "load")]
    assert causes(res)[0][0] == pytest.approx(7 * 3600.0)


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_no_outage_of_unknown_cause(path: Path) -> None:
    m = relsim.load(path)
    for i in range(2):
        assert_named(m, relsim.simulate(m, seed=1, replication=i))


def test_load_above_capacity_from_the_start_names_the_load_balancer() -> None:
    m = relsim.load({
        "name": "short", "horizon": "2h", "components": {"web": {"count": 2}},
        "services": {"app": {"replicas": ["web"], "needs": 1}},
        "load_balancers": {"lb": {"service": "app", "capacity": "40/s"}},
        "workload": {"rate": "100/s", "target": "lb"}})
    res = relsim.simulate(m, seed=0, replication=0)
    assert causes(res) == [(0.0, "lb", -1, "load")]
