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


# -- the parts of relsim.engine.streams around the seeding (mutation tests) --------------------


def test_key_words_are_the_blake2b_digest_in_little_endian_words():
    import hashlib
    import struct

    for key in KEYS:
        digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
        assert key_words(key) == struct.unpack("<4I", digest)
    assert key_words("a/0") != key_words("a/1")


def test_a_negative_replication_is_refused_and_zero_is_a_seed():
    with pytest.raises(ValueError, match="non-negative, got -3"):
        Streams(1, -3, StreamPlan()).generator("a/0")
    assert Streams(0, 0, StreamPlan()).generator("a/0").random() == numpy_generator(0, 0, "a/0").random()


@pytest.mark.parametrize("dtype", [np.uint64, "uint64", np.dtype(np.uint64), "<u8"])
def test_the_precomputed_state_is_what_pcg64_asks_for(dtype):
    g = Streams(3, 4, StreamPlan()).generator("a/0")
    seq = g.bit_generator.seed_seq
    expected = np.random.SeedSequence(3, spawn_key=(4, *key_words("a/0"))).generate_state(4, np.uint64)
    first = seq.generate_state(4, dtype)
    assert first.tolist() == expected.tolist()
    with pytest.raises(ValueError, match="read-only"):
        first[:] = 0  # shared with the block it came from, so nobody may change it
    assert seq.generate_state(4, dtype).tolist() == expected.tolist()


@pytest.mark.parametrize("n_words, dtype", [(4, np.uint32), (4, None), (8, np.uint64), (3, np.uint64), (1, np.uint32)])
def test_other_requests_of_the_seed_sequence_go_to_numpy(n_words, dtype):
    seq = Streams(3, 4, StreamPlan()).generator("a/0").bit_generator.seed_seq
    real = np.random.SeedSequence(3, spawn_key=(4, *key_words("a/0")))
    if dtype is None:
        assert seq.generate_state(n_words).tolist() == real.generate_state(n_words).tolist()
        assert seq.generate_state(n_words).dtype == np.uint32
    else:
        got = seq.generate_state(n_words, dtype)
        assert got.dtype == np.dtype(dtype)
        assert got.tolist() == real.generate_state(n_words, dtype).tolist()


def test_a_plan_is_kept_per_model_while_it_lives():
    import gc

    import relsim
    from relsim.engine import streams as mod

    model = relsim.load({"name": "m", "components": {"a": {}}, "services": {"s": {"replicas": ["a"]}}})
    plan = mod.plan_for(model)
    assert mod.plan_for(model) is plan
    assert mod._PLANS[id(model)] is plan
    other = relsim.load({"name": "m", "components": {"a": {}}, "services": {"s": {"replicas": ["a"]}}})
    assert mod.plan_for(other) is not plan
    key = id(model)
    del model
    gc.collect()
    assert key not in mod._PLANS
    # an owner that cannot be weakly referenced gets a plan of its own each time, none kept
    before = dict(mod._PLANS)
    first, second = mod.plan_for((1, 2)), mod.plan_for((1, 2))
    assert isinstance(first, StreamPlan) and first is not second
    assert mod._PLANS == before


@pytest.mark.parametrize("n_keys", [1, 4, 63, 64, 65, 100, 4096, 5000])
def test_a_plan_seeds_a_block_of_replications_asked_for_in_order(n_keys):
    """min(BLOCK_REPLICATIONS, BLOCK_LANES // keys) replications at once, at least one; one when out of order."""
    from relsim.engine.streams import BLOCK_LANES, BLOCK_REPLICATIONS

    assert (BLOCK_LANES, BLOCK_REPLICATIONS) == (4096, 64)
    plan = StreamPlan()
    keys = [f"k{i}/0" for i in range(n_keys)]
    for key in keys:
        plan.add(key)
    assert plan.words().shape == (n_keys, 4)
    assert plan.words() is plan.words()  # kept until a key is added
    block = max(1, min(64, 4096 // n_keys))
    plan.states(5, 10)  # the first request: not known to be in order
    assert plan._block[1] == 10 and len(plan._block[2]) == 1
    states = plan.states(5, 11)  # in order: a block from 11
    assert plan._block[0] == 5 and plan._block[1] == 11 and plan._block[2].shape == (block, n_keys, 4)
    expected = seed_states(5, 11 + block - 1, plan.words())
    assert plan.states(5, 11 + block - 1).tolist() == expected.tolist()  # from the block
    assert plan._block[1] == 11
    assert states[:3].tolist() == seed_states(5, 11, plan.words()[:3]).tolist()
    plan.states(5, 11 + block)  # in order, past the block: the next block
    assert plan._block[1] == 11 + block and len(plan._block[2]) == block
    plan.states(6, 11 + block + 1)  # another seed: one replication, not in order
    assert plan._block[:2] == (6, 11 + block + 1) and len(plan._block[2]) == 1
    plan.states(6, 11 + block + 1)  # asked again: not the next one either
    assert len(plan._block[2]) == 1


def test_a_block_seeded_before_a_key_was_added_is_not_used_for_it():
    plan = StreamPlan()
    plan.add("a/0")
    plan.states(2, 0)
    plan.states(2, 1)  # a block from 1
    assert len(plan._block[2]) == 64
    plan.add("b/0")
    assert plan.words().shape == (2, 4)
    states = plan.states(2, 2)  # in the old block's range, but it lacks the new key
    assert states.shape == (2, 4)
    for row, key in zip(states, ["a/0", "b/0"]):
        real = np.random.SeedSequence(2, spawn_key=(2, *key_words(key))).generate_state(4, np.uint64)
        assert row.tolist() == real.tolist()
    plan.add("a/0")  # known: nothing changes
    assert plan.keys == ["a/0", "b/0"] and plan.index == {"a/0": 0, "b/0": 1}


def test_replications_before_a_block_are_not_taken_from_it():
    plan = StreamPlan()
    plan.add("a/0")
    plan.states(2, 9)
    plan.states(2, 10)  # a block 10 .. 73
    for rep in (9, 74, 10, 73):
        got = plan.states(2, rep)
        real = np.random.SeedSequence(2, spawn_key=(rep, *key_words("a/0"))).generate_state(4, np.uint64)
        assert got[0].tolist() == real.tolist(), rep


def test_a_fresh_plan_learns_every_key_a_replication_asks_for():
    plan = StreamPlan()
    keys = ["x/0", "y/0", "z/0"]
    streams = Streams(1, 0, plan)
    assert [streams.generator(k).random() for k in keys] == [numpy_generator(1, 0, k).random() for k in keys]
    assert plan.keys == keys
    streams = Streams(1, 1, plan)  # the next replication: every key seeded with the block
    assert [streams.generator(k).random() for k in keys] == [numpy_generator(1, 1, k).random() for k in keys]
    for key in keys:  # the seed sequence behind each knows its seed, replication and key (spawn, other sizes)
        real_ss = np.random.SeedSequence(1, spawn_key=(1, *key_words(key)))
        got = streams.generator(key).bit_generator.seed_seq
        assert got.generate_state(2).tolist() == real_ss.generate_state(2).tolist(), key


def test_samplers_and_uniforms_draw_the_stream_in_order():
    from relsim.dists import Exponential, Fixed

    streams = Streams(4, 2, StreamPlan())
    fixed = streams.sampler(Fixed(7.5), "f/0")
    assert [fixed(), fixed()] == [7.5, 7.5]
    draws = streams.sampler(Exponential(10.0), "e/0")
    expected = Exponential(10.0).sample(numpy_generator(4, 2, "e/0"), 150).tolist()
    assert [draws() for _ in range(150)] == expected
    shared = numpy_generator(4, 2, "e/0")
    one = streams.sampler(Exponential(10.0), "ignored", rng=shared)
    assert one() == expected[0]  # drew from the generator it was given
    for block in (64, 5):
        uniform = streams.uniform("u/0", block) if block != 64 else streams.uniform("u/0")
        assert [uniform() for _ in range(150)] == numpy_generator(4, 2, "u/0").random(150).tolist()


def test_the_seed_prefix_is_worked_out_anew_as_seedsequence_mixes_the_seed():
    """_seed_prefix's cache emptied first: its pool (hashmix and mix of the seed's words) is computed here."""
    from relsim.engine.streams import _seed_prefix

    words = np.array([key_words(k) for k in KEYS[:3]], dtype=np.uint32)
    _seed_prefix.cache_clear()
    for seed in (0, 1, 12345, 2**32 + 7, 2**130 + 2**97 + 5):  # one, two and five 32-bit words
        for key, state in zip(KEYS[:3], seed_states(seed, 3, words)):
            expected = np.random.SeedSequence(seed, spawn_key=(3, *key_words(key))).generate_state(4, np.uint64)
            assert state.tolist() == expected.tolist(), (seed, key)
