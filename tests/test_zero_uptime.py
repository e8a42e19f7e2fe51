"""Zero-length up-times (docs/model-format.md §14.1, "Zero up-times").

A failure spec whose ``every`` is zero is a unit broken from the start: it
fails at t = 0 and waits for its repair. Only a cycle whose total length is
always zero makes time stand still and is refused.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.engine import OUTAGE_FIELDS
from relsim.units import HOUR


def single(spec: dict[str, Any], horizon: str = "25000h") -> relsim.Model:
    return relsim.load({"name": "zero-up", "horizon": horizon, "components": {"a": {"failures": [spec]}},
                        "services": {"s": {"replicas": ["a"]}}})


def outages(res: relsim.RunResult) -> list[tuple[float, float, str, str, bool]]:
    out = []
    for row in res.outages:
        d = dict(zip(OUTAGE_FIELDS, row))
        out.append((d["start_s"] / HOUR, d["end_s"] / HOUR, d["cause_element"], d["cause_kind"], d["censored"]))
    return out


def test_broken_from_the_start_waits_for_repair() -> None:
    """every 0, repair 10000 h: down 0-10000 h, 10000-20000 h, then censored at 25000 h."""
    m = single({"kind": "permanent", "every": "fixed(0h)", "repair": "fixed(10000h)"})
    res = relsim.simulate(m, seed=0, replication=0, trace=True)
    assert outages(res) == [(0.0, 10000.0, "a", "permanent", False),
                            (10000.0, 20000.0, "a", "permanent", False),
                            (20000.0, 25000.0, "a", "permanent", True)]
    assert res.trace is not None
    first = [(e["t"], e["event"]) for e in res.trace[:5]]
    assert (0.0, "failed") in first and (0.0, "repair_requested") in first
    from relsim.metrics import replication_metrics

    row = replication_metrics(res)
    assert row["availability"] == 0.0


def test_zero_up_time_with_repair_in_a_pair_of_replicas() -> None:
    """An always-off unit beside a healthy one: the service (needs 1) never goes down."""
    m = relsim.load({"name": "pair", "horizon": "1000h",
                     "components": {"off": {"failures": [{"kind": "permanent", "every": "fixed(0h)",
                                                          "repair": "fixed(1y)"}]},
                                    "on": {}},
                     "services": {"s": {"replicas": ["off", "on"], "needs": 1}}})
    res = relsim.simulate(m, seed=0, replication=0)
    assert outages(res) == []


def test_zero_up_time_transient() -> None:
    """every 0, lasts 2 h: down the whole time, one outage per spell."""
    m = single({"kind": "transient", "every": "fixed(0h)", "lasts": "fixed(2h)"}, horizon="5h")
    res = relsim.simulate(m, seed=0, replication=0)
    assert [o[:2] for o in outages(res)] == [(0.0, 2.0), (2.0, 4.0), (4.0, 5.0)]


@pytest.mark.parametrize("spec", [
    {"kind": "permanent", "every": "fixed(0h)", "repair": "fixed(0h)"},
    {"kind": "permanent", "every": "fixed(0h)", "repair": "fixed(0h)", "detect": "fixed(0h)"},
    {"kind": "transient", "every": "fixed(0h)", "lasts": "fixed(0s)"},
    {"kind": "intermittent", "every": "fixed(0h)", "lasts": "fixed(0h)", "down": "fixed(1m)", "up": "fixed(1m)"},
    {"kind": "intermittent", "every": "fixed(1h)", "lasts": "fixed(1h)", "down": "fixed(0s)", "up": "fixed(0s)"},
])
def test_cycles_of_zero_length_are_refused(spec: dict[str, Any]) -> None:
    with pytest.raises(relsim.ModelError, match=r"failures\[0\].*zero length: time would stand still"):
        single(spec)


@pytest.mark.parametrize("spec", [
    {"kind": "permanent", "every": "fixed(0h)", "repair": "fixed(0h)", "detect": "fixed(1h)"},
    {"kind": "permanent", "every": "fixed(1h)", "repair": "fixed(0h)"},
    {"kind": "transient", "every": "fixed(0h)", "lasts": "exp(mean=1h)"},
    {"kind": "intermittent", "every": "fixed(1h)", "lasts": "fixed(1h)", "down": "fixed(0s)", "up": "fixed(1m)"},
])
def test_cycles_that_move_are_accepted(spec: dict[str, Any]) -> None:
    relsim.simulate(single(spec, horizon="10h"), seed=0, replication=0)


def test_cli_check_accepts_zero_up_time(tmp_path: Any) -> None:
    from relsim.cli import main

    f = tmp_path / "m.yaml"
    f.write_text("name: m\nhorizon: 1y\ncomponents:\n  a:\n    failures:\n"
                 "      - {kind: permanent, every: fixed(0h), repair: fixed(10000h)}\n"
                 "services:\n  s: {replicas: [a]}\n")
    assert main(["check", str(f)]) == 0
