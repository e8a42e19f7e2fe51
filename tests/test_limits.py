"""Numbers that would overflow while running are refused at ``relsim check``.

Each value here once passed ``check`` and ended the run in an
``OverflowError`` or a ``MemoryError``; the limits are in
``relsim/model/limits.py`` and docs/model-format.md §15.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import relsim
from relsim.cli import main
from relsim.model.limits import MAX_DURATION, MAX_GROUP
from relsim.units import YEAR

MODELS = Path(__file__).parent.parent / "models"
BIG = "9" * 400


def _variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (MODELS / name).read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


def _check_error(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert re.search(rf"{re.escape(str(path))}:\d+ ", err), err
    return err


@pytest.mark.parametrize(("name", "old", "new", "message"), [
    ("single-host.yaml", "lognormal(mean=3h, sd=1.5h)", "lognormal(mean=1h, sd=1e300y)", "limit on durations"),
    ("single-host.yaml", "lognormal(mean=3h, sd=1.5h)", "lognormal(mean=1e-300s, sd=1y)", "not a finite"),
    ("single-host.yaml", "weibull(shape=1.2, mean=1.5y)", "weibull(shape=0.001, scale=1y)", "not a finite"),
    ("single-host.yaml", "availability: 99.9%", f"availability: {BIG}", "fraction must be between"),
    ("single-host.yaml", "horizon: 1y", "horizon: 2000000y", "limit on durations"),
    ("single-host.yaml", "repair_crews: 1", f"repair_crews: {BIG}", "less than or equal"),
    ("backup-only.yaml", "writes: 50/s", f"writes: {BIG}", "no unit"),
    ("backup-only.yaml", "writes: 50/s", "writes: 1e300/s", "limit on rates"),
    ("web-tier-retries.yaml", "healthy: 2,", f"healthy: {BIG},", "less than or equal"),
    ("multi-region-dns.yaml", "profile: [0.4,", "profile: [.inf,", "finite number"),
    ("multi-region-dns.yaml", "profile: [0.4,", "profile: [1e300,", "limit on numbers"),
    ("single-host.yaml", "  vm:\n    in: zone-a", "  vm:\n    count: 1000000000\n    in: zone-a", "count"),
    ("single-host.yaml", "  vm:\n    in: zone-a", f"  vm:\n    count: {MAX_GROUP + 1}\n    in: zone-a",
     "limit on group members"),
])
def test_overflowing_values_fail_at_check(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          name: str, old: str, new: str, message: str) -> None:
    err = _check_error(_variant(tmp_path, name, old, new), capsys)
    assert message in err


def test_values_at_the_limits_still_load() -> None:
    model = relsim.load(MODELS / "single-host.yaml").with_overrides({
        "horizon": "1000000y", "components.vm.count": MAX_GROUP,
        "components.vm.failures[1].lasts": "lognormal(mean=1s, sd=1000y)"})
    assert model.horizon == MAX_DURATION == 1e6 * YEAR
    assert len(model.components) == MAX_GROUP


def test_huge_integers_in_units_are_value_errors() -> None:
    from relsim.units import parse_duration, parse_fraction, parse_rate, parse_size

    for parse, value in ((parse_fraction, 10**400), (parse_rate, 10**400), (parse_duration, -10**400),
                         (parse_size, "1e400GB")):
        with pytest.raises(ValueError):
            parse(value)  # type: ignore[operator]


@pytest.mark.parametrize("argv", [["--horizon", "0s"], ["--horizon", "-1h"], ["--horizon=-1h"],
                                  ["--horizon", "2000000y"], ["--horizon", "-.5d"]])
def test_horizon_must_be_positive_and_bounded(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["run", str(MODELS / "single-host.yaml"), "--runs", "2", *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "horizons must be positive" in err or "limit on durations" in err
    assert "Traceback" not in err and "expected one argument" not in err


# --- events per replication: estimated before a run, bounded while it runs ---------------------

RUNAWAY = {  # a valid model of about 4e8 events per replication (every 1 ms, down 5 min)
    "name": "runaway", "horizon": "1000y",
    "components": {"vm": {"failures": [{"kind": "transient", "every": "exp(mean=1ms)", "lasts": "fixed(5m)"}]}},
    "services": {"app": {"replicas": ["vm"]}},
}


def test_event_estimate_follows_the_bundled_models() -> None:
    """Within a factor of 2.5 of the mean number of events really taken.

    Overload cascades and user-defined behaviours schedule events of their
    own, which the estimate does not count (relsim/model/estimate.py). The
    mean of 8 replications is a sample: the band must meet its interval of
    4 standard errors (a replication of cold-standby.yaml takes 100 to
    1,200 events).
    """
    from relsim.engine import simulate
    from relsim.model.estimate import events_per_replication

    for path in sorted(MODELS.glob("*.yaml")):
        model = relsim.load(path)
        if getattr(model.spec, "behaviours", None) or any(s.overload for s in model.spec.services.values()) or any(
                lb.overload for lb in model.spec.load_balancers.values()):
            continue
        horizon = min(model.horizon, 10 * YEAR)
        events = np.array([simulate(model, 0, i, horizon).events for i in range(8)], dtype=float)
        taken, se = events.mean(), events.std(ddof=1) / np.sqrt(len(events))
        estimate = events_per_replication(model, horizon)
        assert estimate / 2.5 < taken + 4 * se and taken - 4 * se < estimate * 2.5, (path.name, estimate, taken, se)


def test_run_refuses_a_runaway_model_before_it_starts() -> None:
    with pytest.raises(relsim.TooManyEvents, match=r"estimated to take 4\.2e\+08 events.*--max-events") as info:
        relsim.run(RUNAWAY, runs=2)
    assert info.value.estimate == pytest.approx(4.2e8, rel=0.01) and info.value.replication is None


def test_max_events_raises_the_limit() -> None:
    results = relsim.run(RUNAWAY, runs=2, horizon="1d", max_events=10**9)
    assert len(results.runs) == 2
    assert len(relsim.run(RUNAWAY, runs=2, horizon="1d", max_events=None).runs) == 2


def _first_storm(model: relsim.Model, limit: int) -> tuple[int, int]:
    """(seed, k): a seed whose first replication past ``limit`` events is k >= 1."""
    from relsim.engine import simulate

    for seed in range(20):
        for k in range(12):
            try:
                simulate(model, seed, k, max_events=limit)
            except relsim.TooManyEvents:
                if k >= 1:
                    return seed, k
                break
    raise AssertionError("retry-storm.yaml stormed in none of the replications tried")


def test_a_replication_past_the_limit_stops_the_run_and_keeps_what_finished() -> None:
    # some of retry-storm's replications turn into a storm of ~200,000 events; the others take a few thousand
    model = relsim.load(MODELS / "retry-storm.yaml")
    seed, k = _first_storm(model, 20_000)
    with pytest.raises(relsim.TooManyEvents, match=f"replication {k} .*passed the limit of 20,000 events") as info:
        relsim.run(model, runs=k + 2, seed=seed, max_events=20_000)
    assert list(info.value.partial.runs["replication"]) == list(range(k))


def test_the_limit_does_not_change_results() -> None:
    from relsim.engine import simulate

    model = relsim.load(MODELS / "web-tier-retries.yaml")
    for i in range(3):
        free, bounded = simulate(model, 0, i), simulate(model, 0, i, max_events=10**9)
        assert (free.events, free.outages, free.requests) == (bounded.events, bounded.outages, bounded.requests)


def test_cli_run_refuses_and_check_estimates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    path = tmp_path / "runaway.yaml"
    path.write_text(yaml.safe_dump(RUNAWAY))
    assert main(["run", str(path), "--runs", "2"]) == 2
    err = capsys.readouterr().err
    assert "estimated to take 4.2e+08 events" in err and "--max-events N" in err
    assert main(["run", str(path), "--runs", "2", "--horizon", "1d", "--max-events", "1000000000", "--json"]) == 0
    capsys.readouterr()
    assert main(["check", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "about 4.2e+08 events per replication" in out and "--max-events" in err


def test_zero_beat_period_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """method: beats with period 0 would schedule every beat at one instant, forever."""
    path = _variant(tmp_path, "ap-hot-two-zones.yaml", "heartbeat: {period: 1s,",
                    "method: beats\n      heartbeat: {period: 0s,")
    err = _check_error(path, capsys)
    assert "period must be > 0 with method: beats" in err
