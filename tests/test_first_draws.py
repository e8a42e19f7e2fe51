"""The first draws of a failure clock, drawn for a block of replications (relsim.engine.streams.first_draws).

Replication i takes the first FIRST_DRAWS draws of each role of a failure
clock (up-time, repair time, ...) from the stream of spawn key
(i // FIRST_LANES, *key_words(key), FIRST_WORD), value i % FIRST_LANES of
each row of FIRST_LANES; later draws come from the replication's own stream
of the key, in blocks of 64 per role in the order the roles first ask, as
before. Here that layout is checked against numpy directly, for the tables,
for a replication's lane (with and without a plan, on both sides of block
edges) and end to end on both engines, by working out a component's
failures and repairs from numpy's generators by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

import relsim
from relsim.dists import Exponential, Fixed, Lognormal, Uniform
from relsim.engine.simulation import simulate
from relsim.engine.streams import (
    FIRST_DRAWS,
    FIRST_LANES,
    FIRST_ROLES,
    FIRST_WORD,
    StreamPlan,
    Streams,
    first_draws,
    key_words,
    role_dists,
)

HOUR = 3600.0


def block_generator(seed: int, block: int, key: str) -> np.random.Generator:
    ss = np.random.SeedSequence(seed, spawn_key=(block, *key_words(key), FIRST_WORD))
    return np.random.Generator(np.random.PCG64(ss))


def replication_generator(seed: int, replication: int, key: str) -> np.random.Generator:
    ss = np.random.SeedSequence(seed, spawn_key=(replication, *key_words(key)))
    return np.random.Generator(np.random.PCG64(ss))


ROLES = (Exponential(10.0), None, Lognormal(4.0, 2.0), Fixed(3.0), None, Uniform(1.0, 2.0))


ONLY_UP = (Exponential(3.0), None, None, None, None, None)


@pytest.mark.parametrize("seed", [0, 7, 2**40 + 3])
@pytest.mark.parametrize("block", [0, 1, 2**32 + 9])
def test_the_tables_are_numpy_s_block_stream_role_after_role(seed, block):
    keys = ["a/0", "db-1/2", "é/0"]
    dists = [ROLES, ROLES, ONLY_UP]
    tables = first_draws(seed, block, keys, dists)
    assert sorted(tables) == [j for j, d in enumerate(ROLES) if d is not None]  # roles nobody has: no table
    for i, key in enumerate(keys):
        rng = block_generator(seed, block, key)
        for j, dist in enumerate(dists[i]):
            if dist is None:
                assert j not in tables or np.isnan(tables[j][i]).all()
                continue
            assert tables[j].shape == (3, FIRST_DRAWS, FIRST_LANES)
            if isinstance(dist, Fixed):  # no draw: the next role goes on where the last stopped
                assert (tables[j][i] == 3.0).all()
            else:
                want = dist.sample(rng, FIRST_DRAWS * FIRST_LANES).reshape(FIRST_DRAWS, FIRST_LANES)
                assert tables[j][i].tolist() == want.tolist(), (key, FIRST_ROLES[j])
    # the spawn key has one word more than a replication's: not the stream of replication `block`
    assert tables[0][0, 0, 0] != Exponential(10.0).sample(replication_generator(seed, block, "a/0"), 1)[0]
    assert first_draws(seed, block, [], []) == {}


def lane_of(tables, lane):
    return [tables[j][0, :, lane].tolist() if j in tables else None for j in range(len(FIRST_ROLES))]


@pytest.mark.parametrize("replication", [0, 1, 63, 64, 65, 127, 128, 2**32 + 5])
def test_a_replication_takes_its_lane_with_or_without_a_plan(replication):
    block, lane = divmod(replication, FIRST_LANES)
    want = lane_of(first_draws(5, block, ["k/0"], [ROLES]), lane)
    assert want[1] is None and len(want[0]) == FIRST_DRAWS
    plan = StreamPlan()
    for streams in (Streams(5, replication), Streams(5, replication, plan), Streams(5, replication, plan)):
        assert streams.first_draws("k/0", ROLES) == want
    # the plan keeps one block: another seed or block is drawn afresh, not taken from it
    assert Streams(6, replication, plan).first_draws("k/0", ROLES) != want
    nxt = Streams(5, replication + FIRST_LANES, plan).first_draws("k/0", ROLES)
    assert nxt == lane_of(first_draws(5, block + 1, ["k/0"], [ROLES]), lane)


def test_the_seed_sequence_of_a_block_stream_is_numpy_s():
    from relsim.engine.streams import _Seeded, seed_states_many

    words = np.array([(*key_words("a/0"), FIRST_WORD)], dtype=np.uint32)
    state = seed_states_many(9, [4], words)[0][0]
    real = np.random.SeedSequence(9, spawn_key=(4, *key_words("a/0"), FIRST_WORD))
    assert state.tolist() == real.generate_state(4, np.uint64).tolist()
    seeded = _Seeded(state, 9, 4, "a/0", (FIRST_WORD,))
    assert seeded.generate_state(3).tolist() == real.generate_state(3).tolist()  # other sizes: numpy's own


def test_role_dists_names_each_role_of_a_spec():
    model = relsim.load({"name": "m", "horizon": "10h", "components": {"a": {"failures": [
        {"kind": "permanent", "every": "exp(mean=10h)", "repair": "fixed(1h)", "detect": "exp(mean=2h)"},
        {"kind": "transient", "every": "exp(mean=5h)", "lasts": "fixed(1m)"},
        {"kind": "intermittent", "every": "exp(mean=50h)", "lasts": "fixed(2h)", "down": "fixed(1m)",
         "up": "exp(mean=10m)"}]}}, "services": {"s": {"replicas": ["a"]}}})
    perm, trans, inter = model.spec.components["a"].failures
    assert role_dists(perm) == (perm.every, perm.repair, None, perm.detect, None, None)
    assert role_dists(trans) == (trans.every, None, trans.lasts, None, None, None)
    assert role_dists(inter) == (inter.every, None, inter.lasts, None, inter.down, inter.up)


def single(every: str, repair: str, horizon: str = "100000h") -> relsim.Model:
    return relsim.load({"name": "m", "horizon": horizon, "components": {"a": {"failures": [
        {"kind": "permanent", "every": every, "repair": repair}]}}, "services": {"s": {"replicas": ["a"]}}})


@pytest.mark.parametrize("engine", ["simpy", "lean"])
@pytest.mark.parametrize("replication", [0, 63, 64, 1000])
def test_a_component_fails_and_is_repaired_on_the_draws_worked_out_from_numpy(engine, replication):
    """Up-times and repairs: the first two of each from the block stream, then the replication's own stream."""
    seed = 11
    model = single("exp(mean=100h)", "lognormal(mean=5h, sd=2h)")
    every, repair = model.spec.components["a"].failures[0].every, model.spec.components["a"].failures[0].repair
    # the documented layout, written out: blocks of 64 replications, two draws per role
    block, lane = divmod(replication, 64)
    rng = block_generator(seed, block, "a/0")
    first_up = every.sample(rng, 128).reshape(2, 64)[:, lane]
    first_repair = repair.sample(rng, 128).reshape(2, 64)[:, lane]
    own = replication_generator(seed, replication, "a/0")
    # after the first two, the up-time role asks the replication's stream first, then the repair role
    later_up = every.sample(own, 64)
    later_repair = repair.sample(own, 64)
    ups = [*first_up.tolist(), *later_up.tolist()]
    repairs = [*first_repair.tolist(), *later_repair.tolist()]
    res = simulate(model, seed, replication, engine=engine)
    t = 0.0
    want = []
    for up, rep in zip(ups[:40], repairs[:40]):
        start = t + up
        t = start + rep
        want.append((start, t))
    got = [(o[0], o[1]) for o in res.outages][:40]  # start, end
    assert len(res.outages) >= 40
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-12, atol=0)


def test_a_replication_alone_or_in_a_run_draws_the_same():
    model = single("exp(mean=300h)", "fixed(2h)", horizon="2000h")
    alone = [simulate(model, 4, i).outages for i in (130, 64, 3)]
    in_order = {i: simulate(model, 4, i).outages for i in range(0, 131)}
    assert alone == [in_order[130], in_order[64], in_order[3]]
    assert all(in_order[i] for i in (130, 64, 3))  # each failed within 2000 h: there is something to compare


def test_the_lean_plan_keeps_one_block_and_draws_another_seed_or_block_afresh():
    """LeanPlan.first_buffers: each clock's first draws per role, last first; the last block kept, others drawn anew.

    The sequence of (seed, replication) switches the seed within a block, the
    block within a seed, and asks for a seed equal to the block kept: each
    answer is worked out from numpy as the documented layout says.
    """
    from relsim.engine.lean import lean_plan

    model = single("exp(mean=100h)", "lognormal(mean=5h, sd=2h)")
    every, repair = model.spec.components["a"].failures[0].every, model.spec.components["a"].failures[0].repair
    plan = lean_plan(model)
    assert not isinstance(plan, str)
    for seed, replication in [(3, 0), (0, 5), (0, 69), (1, 71), (1, 7), (0, 5), (0, 5)]:
        block, lane = divmod(replication, 64)
        rng = block_generator(seed, block, "a/0")
        first_up = every.sample(rng, 128).reshape(2, 64)[:, lane].tolist()
        first_repair = repair.sample(rng, 128).reshape(2, 64)[:, lane].tolist()
        bufs = plan.first_buffers(seed, replication)
        # per role of the lean engine (every, repair or lasts, detect, down, up): per clock, last first
        assert bufs == [[first_up[::-1]], [first_repair[::-1]], None, None, None], (seed, replication)


def test_a_seeded_block_stream_spawns_numpy_s_children():
    from relsim.engine.streams import _Seeded, seed_states_many

    words = np.array([(*key_words("a/0"), FIRST_WORD)], dtype=np.uint32)
    state = seed_states_many(9, [4], words)[0][0]
    want = np.random.SeedSequence(9, spawn_key=(4, *key_words("a/0"), FIRST_WORD)).spawn(2)
    got = _Seeded(state, 9, 4, "a/0", (FIRST_WORD,)).spawn(2)
    assert [c.spawn_key for c in got] == [c.spawn_key for c in want] == [(4, *key_words("a/0"), FIRST_WORD, i)
                                                                        for i in (0, 1)]
    assert [c.generate_state(4).tolist() for c in got] == [c.generate_state(4).tolist() for c in want]


def test_each_plan_draws_a_block_s_tables_once(monkeypatch):
    """The plans keep the last block's tables: a block's first draws are drawn once per key, not per replication."""
    import relsim.engine.lean as lean
    import relsim.engine.streams as streams

    calls = []
    real = streams.first_draws

    def counted(seed, block, keys, dists):
        calls.append((seed, block, tuple(keys)))
        return real(seed, block, keys, dists)

    monkeypatch.setattr(streams, "first_draws", counted)
    plan = StreamPlan()
    for replication in (0, 1, 63):
        assert plan.first_draws(5, replication, "k/0", ROLES) == lane_of(real(5, 0, ["k/0"], [ROLES]), replication)
    plan.first_draws(5, 2, "j/0", ONLY_UP)
    plan.first_draws(5, 64, "k/0", ROLES)
    assert calls == [(5, 0, ("k/0",)), (5, 0, ("j/0",)), (5, 1, ("k/0",))]
    monkeypatch.setattr(lean, "first_draws", counted)
    calls.clear()
    lp = lean.lean_plan(single("exp(mean=100h)", "fixed(1h)"))
    for replication in (0, 1, 63, 64):
        lp.first_buffers(5, replication)
    assert calls == [(5, 0, ("a/0",)), (5, 1, ("a/0",))]


def test_a_clock_given_a_key_draws_on_that_key_s_streams():
    """Clock(key=...) (a human-error clock's "ELEMENT/human-error"): its first draws and the later ones are that key's."""
    from relsim.engine.elements import Clock
    from relsim.engine.simulation import Simulation
    from relsim.model.common import PermanentFailure

    model = single("exp(mean=100h)", "fixed(1h)")
    spec = PermanentFailure(kind="permanent", every=Exponential(7.0), repair=Uniform(1.0, 3.0))
    seed, replication = 3, 70
    sim = Simulation(model, seed, replication)
    try:
        clock = Clock(sim.nodes["a"], spec, 1, sim, key="a/human-error")
        assert clock.key == "a/human-error"
        got_up = [clock.every() for _ in range(3)]
        got_repair = [clock.draw("repair") for _ in range(3)]
    finally:
        sim._dismantle()
    rng = block_generator(seed, 1, "a/human-error")
    first_up = Exponential(7.0).sample(rng, 128).reshape(2, 64)[:, 6].tolist()
    first_repair = Uniform(1.0, 3.0).sample(rng, 128).reshape(2, 64)[:, 6].tolist()
    own = replication_generator(seed, replication, "a/human-error")
    assert got_up == [*first_up, Exponential(7.0).sample(own, 64)[0]]
    assert got_repair == [*first_repair, Uniform(1.0, 3.0).sample(own, 64)[0]]


class _Spawning(Exponential):
    """A family whose sample spawns a child of the generator it is given (as a user's family may)."""

    def sample(self, rng, size):
        return rng.spawn(1)[0].random(size)


def test_a_family_spawning_from_the_block_stream_gets_numpy_s_child():
    """The first-draw generator's seed sequence is the block stream's, also for what it spawns."""
    for seed, block in [(0, 0), (7, 3)]:
        got = first_draws(seed, block, ["a/0", "b/1"], [(_Spawning(1.0), *[None] * 5), ONLY_UP])
        want = block_generator(seed, block, "a/0").spawn(1)[0].random(128).reshape(2, 64)
        assert got[0][0].tolist() == want.tolist()
        assert got[0][1].tolist() == Exponential(3.0).sample(block_generator(seed, block, "b/1"), 128).reshape(
            2, 64).tolist()


def test_role_dists_takes_only_distributions():
    """A role attribute that is not a distribution (absent, None or anything else) is not one of the draws."""
    from types import SimpleNamespace

    every = Exponential(1.0)
    spec = SimpleNamespace(every=every, repair=3600.0, lasts="1h", detect=None, up=Fixed(2.0))
    assert role_dists(spec) == (every, None, None, None, None, Fixed(2.0))
