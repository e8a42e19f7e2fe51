"""The vectorised seeding of relsim.engine.streams equals numpy's SeedSequence + PCG64, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from relsim.engine.streams import StreamPlan, Streams, key_words, seed_states

SEEDS = [0, 1, 3, 2**31, 2**32 - 1, 2**32, 2**63 + 11, 2**64, 2**96 - 1, 2**128 + 5, 2**200 + 3]
REPLICATIONS = [0, 1, 2, 999, 2**32 - 1, 2**32, 2**40 + 7, 2**64 + 1]
KEYS = ["a/0", "db-1/0", "db/failover/time", "schedule/nightly/lasts", "", "é/ü/0", "x" * 300]


def numpy_generator(seed: int, replication: int, key: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication, *key_words(key)))))


def test_seed_states_equal_seedsequence_over_seeds_replications_and_keys():
    rng = np.random.default_rng(20261130)
    seeds = SEEDS + [int(x) for x in rng.integers(0, 2**63, 20)]
    reps = REPLICATIONS + [int(x) for x in rng.integers(0, 2**40, 10)]
    keys = KEYS + [f"c{int(i)}/{int(j)}" for i, j in rng.integers(0, 10_000, (40, 2))]
    words = np.array([key_words(k) for k in keys], dtype=np.uint32)
    for seed in seeds:
        for rep in reps:
            states = seed_states(seed, rep, words)
            for key, state in zip(keys, states):
                expected = np.random.SeedSequence(seed, spawn_key=(rep, *key_words(key))).generate_state(4, np.uint64)
                assert state.tolist() == expected.tolist(), (seed, rep, key)


@pytest.mark.parametrize("seed", [3, 2**32 + 1, 2**70])
@pytest.mark.parametrize("replication", [0, 5, 2**33])
def test_planned_generators_draw_what_numpy_draws(seed, replication):
    plan = StreamPlan()
    Streams(seed, replication, plan).generator("warm/0")  # learns one key
    for key in KEYS:
        plan.add(key)
    streams = Streams(seed, replication, plan)
    for key in [*KEYS, "new/key", "warm/0"]:  # planned keys, a key the plan did not know, a repeat
        mine, theirs = streams.generator(key), numpy_generator(seed, replication, key)
        assert mine.bit_generator.state == theirs.bit_generator.state
        assert mine.random(7).tolist() == theirs.random(7).tolist()
        assert mine.exponential(2.0, 5).tolist() == theirs.exponential(2.0, 5).tolist()
    assert "new/key" in plan.index
    assert Streams(seed, replication).generator("a/0").random() == numpy_generator(seed, replication, "a/0").random()


def test_spawn_and_other_state_sizes_go_to_the_real_seedsequence():
    g = Streams(3, 4, StreamPlan()).generator("a/0")
    ss = np.random.SeedSequence(3, spawn_key=(4, *key_words("a/0")))
    assert g.bit_generator.seed_seq.generate_state(3).tolist() == ss.generate_state(3).tolist()
    assert [c.random() for c in g.spawn(2)] == [np.random.default_rng(c).random() for c in ss.spawn(2)]


def test_negative_seed_is_refused():
    with pytest.raises(ValueError):
        Streams(-1, 0, StreamPlan()).generator("a/0")


def test_blocks_of_replications_are_seeded_as_numpy_seeds_each():
    """seed_states_many and a plan's blocks (replications asked for in order) equal SeedSequence per pair."""
    from relsim.engine.streams import seed_states_many

    keys = KEYS[:4]
    words = np.array([key_words(k) for k in keys], dtype=np.uint32)
    reps = [0, 1, 2, 2**32 - 1, 2**32, 2**32 + 1, 7]  # two lengths of entropy in one call
    for seed in (0, 5, 2**70):
        many = seed_states_many(seed, reps, words)
        for r, rep in enumerate(reps):
            for j, key in enumerate(keys):
                expected = np.random.SeedSequence(seed, spawn_key=(rep, *key_words(key))).generate_state(4, np.uint64)
                assert many[r, j].tolist() == expected.tolist()
    plan = StreamPlan()
    for key in keys:
        plan.add(key)
    order = [*range(0, 150), 3, 2**32 - 2, 2**32 - 1, 2**32, 149, 150]  # in order, back, across 2**32, again
    for rep in order:
        streams = Streams(9, rep, plan)
        for key in [*keys, f"late-{rep % 3}"]:  # a key the block did not know
            assert streams.generator(key).random() == numpy_generator(9, rep, key).random(), (rep, key)
