"""Random streams keyed by replication and element name (docs/model-format.md).

Replication *i* of a run with seed *S* owns the streams
``SeedSequence(S, spawn_key=(i, *words(key)))`` where *key* names what draws
from it (``"db-1/0"``: element and failure spec index; ``"db/failover/time"``
for a service's draws). Keys are
names, not positions, so adding an element leaves every other element's
history unchanged, and two variants run with one seed share the failures of
the elements they have in common (common random numbers). A failure clock's
first draws of each role (:data:`FIRST_DRAWS` up-times, repair times, ...)
come from a stream its key has for a block of :data:`FIRST_LANES`
replications (:func:`first_draws`).
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.random.bit_generator import ISpawnableSeedSequence

from relsim.dists import Distribution, Fixed

__all__ = ["FIRST_DRAWS", "FIRST_LANES", "FIRST_ROLES", "StreamPlan", "Streams", "first_draws", "key_words",
           "plan_for", "role_dists", "seed_states", "seed_states_many"]


@lru_cache(maxsize=65536)
def key_words(key: str) -> tuple[int, ...]:
    """Four stable 32-bit words from a stream key (platform independent)."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


# -- SeedSequence's seeding of PCG64, vectorised over keys ------------------
#
# A replication builds one generator per failure spec (100 for a model of
# 100 components); numpy's SeedSequence + PCG64 cost ~28 us each, more than
# many replications' events. ``SeedSequence(S, spawn_key=(i, *words))`` mixes
# its entropy words one after the other into a pool of four words with hash
# constants that do not depend on the data, so the pool after the seed and
# replication words is shared by every key of a replication, and the four
# key words are mixed in for all keys at once with numpy uint32 arithmetic.
# The result is what ``SeedSequence(...).generate_state(4, np.uint64)`` gives,
# bit for bit (tests/test_streams_exact.py compares them over many seeds,
# replications and keys), and PCG64 is seeded from it by numpy itself.

_M32 = 0xFFFFFFFF
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_POOL = 4


def _uint32_words(n: int) -> list[int]:
    """numpy's split of a non-negative int into 32-bit words, low word first."""
    if n < 0:
        raise ValueError(f"seeds and replication indices must be non-negative, got {n}")
    words = [n & _M32]
    n >>= 32
    while n:
        words.append(n & _M32)
        n >>= 32
    return words


def _hashmix(value: int, hc: list[int]) -> int:
    value ^= hc[0]
    hc[0] = (hc[0] * _MULT_A) & _M32
    value = (value * hc[0]) & _M32
    return value ^ (value >> 16)


def _mix(x: int, y: int) -> int:
    r = (_MIX_L * x - _MIX_R * y) & _M32
    return r ^ (r >> 16)


def seed_states(seed: int, replication: int, words: np.ndarray) -> np.ndarray:
    """``SeedSequence(seed, spawn_key=(replication, *w)).generate_state(4, uint64)`` per row ``w``.

    ``words`` is a (k, 4) uint32 array of :func:`key_words`; returns (k, 4) uint64.
    """
    return seed_states_many(seed, [replication], words)[0]


def seed_states_many(seed: int, replications: list[int], words: np.ndarray) -> np.ndarray:
    """:func:`seed_states` for several replications at once: an (r, k, 4) uint64 array.

    One vectorised pass over every (replication, key) pair: a worker running
    consecutive replications of a model with many elements seeds a block of
    them for about the cost of one. What precedes the replication's words
    depends on the seed alone (:func:`_seed_prefix`); the replication's
    words and then the keys' are mixed in for all lanes at once.
    """
    k = len(words)
    out = np.empty((len(replications), k, 4), dtype=np.uint64)
    pool0, hc0 = _seed_prefix(int(seed))
    groups: dict[int, list[int]] = {}  # replications with as many 32-bit words: the same hash constants
    rep_words = [_uint32_words(int(r)) for r in replications]
    for row, w in enumerate(rep_words):
        groups.setdefault(len(w), []).append(row)
    for _, rows in groups.items():
        pool = np.repeat(np.array(pool0, dtype=np.uint32)[:, None], len(rows), axis=1)  # (4, g)
        pool, hc = _mix_words(pool, hc0, np.array([rep_words[r] for r in rows], dtype=np.uint32))
        pool = np.repeat(pool, k, axis=1)  # (4, g * k): each replication's pool for each of its keys
        lanes = np.tile(words, (len(rows), 1))  # (g * k, 4)
        pool, _ = _mix_words(pool, hc, lanes)
        out[rows] = _generate(pool).reshape(len(rows), k, 4)
    out.flags.writeable = False  # rows are handed to generators as they are (_Seeded.generate_state)
    return out


@lru_cache(maxsize=64)
def _seed_prefix(seed: int) -> tuple[tuple[int, ...], int]:
    """The pool and hash constant after mixing the seed's words, before the replication's and the key's."""
    run = _uint32_words(seed)
    run += [0] * (_POOL - len(run))  # numpy pads the run entropy when there is a spawn key
    hc = [_INIT_A]
    pool = [_hashmix(run[i], hc) for i in range(_POOL)]
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                pool[dst] = _mix(pool[dst], _hashmix(pool[src], hc))
    for word in run[_POOL:]:
        for dst in range(_POOL):
            pool[dst] = _mix(pool[dst], _hashmix(word, hc))
    return tuple(pool), hc[0]


def _mix_words(pool: np.ndarray, hc: int, words: np.ndarray) -> tuple[np.ndarray, int]:
    """Mix each lane's words (a row of ``words``) into its pool (a column); returns the pool and hash constant."""
    with np.errstate(over="ignore"):
        for word in words.T:
            # The four hashmixes of one word (one per pool entry) use four consecutive constants.
            xor = []
            mul = []
            for _ in range(_POOL):
                xor.append(hc)
                hc = (hc * _MULT_A) & _M32
                mul.append(hc)
            h = (word[None, :] ^ np.array(xor, dtype=np.uint32)[:, None]) * np.array(mul, dtype=np.uint32)[:, None]
            h ^= h >> np.uint32(16)
            pool = np.uint32(_MIX_L) * pool - np.uint32(_MIX_R) * h
            pool ^= pool >> np.uint32(16)
    return pool, hc


def _generate(pool: np.ndarray) -> np.ndarray:
    """``generate_state(4, uint64)`` of each lane's pool: (lanes, 4) uint64."""
    with np.errstate(over="ignore"):
        xor = []
        mul = []
        hb = _INIT_B
        for _ in range(8):
            xor.append(hb)
            hb = (hb * _MULT_B) & _M32
            mul.append(hb)
        out = (pool[[0, 1, 2, 3, 0, 1, 2, 3]] ^ np.array(xor, dtype=np.uint32)[:, None]) \
            * np.array(mul, dtype=np.uint32)[:, None]
        out ^= out >> np.uint32(16)
    return np.ascontiguousarray(out.T).astype("<u4").view("<u8").astype(np.uint64)


class _Seeded(ISpawnableSeedSequence):
    """The state one key's SeedSequence generates, computed ahead (see :func:`seed_states`).

    PCG64 asks its seed sequence for ``generate_state(4, uint64)`` only;
    anything else (``spawn``) goes to the real SeedSequence.
    """

    __slots__ = ("_state", "_seed", "_replication", "_key", "_extra")

    def __init__(self, state: np.ndarray, seed: int, replication: int, key: str, extra: tuple[int, ...] = ()):
        self._state = state
        self._seed = seed
        self._replication = replication
        self._key = key
        self._extra = extra  # spawn words after the key's: (FIRST_WORD,) for a first-draw stream

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> np.ndarray:
        if n_words == 4 and (dtype is np.uint64 or np.dtype(dtype) == np.uint64):
            return self._state  # read-only (seed_states_many), so it needs no copy
        return self._real().generate_state(n_words, dtype)

    def spawn(self, n_children: int) -> list[np.random.SeedSequence]:
        return self._real().spawn(n_children)

    def _real(self) -> np.random.SeedSequence:
        return np.random.SeedSequence(self._seed, spawn_key=(self._replication, *key_words(self._key), *self._extra))


# -- first draws: one stream per key for a block of replications -------------
#
# Most failure clocks of a replication draw an up-time or two and a repair
# time within the horizon (a model of 100 components run for 1000 h), yet a
# generator of their own costs ~2 us to build, more than those draws. So the
# first FIRST_DRAWS draws of each role of a failure clock (its up-time,
# repair time, ...: FIRST_ROLES) are drawn for FIRST_LANES consecutive
# replications at once, from the stream of spawn key
# (i // FIRST_LANES, *key_words(key), FIRST_WORD): for each role in order,
# ``dist.sample(rng, FIRST_DRAWS * FIRST_LANES)``, of which replication i
# takes values i % FIRST_LANES, + FIRST_LANES, ... Later draws come from the
# replication's own stream of the key, as every draw did before. The spawn
# key has one word more than any replication's stream
# (replication, *key_words(key)), so the two never coincide, and a value
# still depends on (seed, replication, key) alone: a replication run alone,
# or by any worker, draws the same.

#: Replications that share one first-draw stream per key.
FIRST_LANES = 64
#: Draws of each role taken from the first-draw stream.
FIRST_DRAWS = 2
#: The roles of a failure clock, in the order they draw from the first-draw stream.
FIRST_ROLES = ("every", "repair", "lasts", "detect", "down", "up")
#: The spawn word that marks a first-draw stream (ASCII "firs").
FIRST_WORD = 0x66697273


def role_dists(spec: Any) -> tuple[Distribution | None, ...]:
    """A failure spec's distribution for each of :data:`FIRST_ROLES` (None: not one of its draws)."""
    return tuple(d if isinstance(d := getattr(spec, role, None), Distribution) else None for role in FIRST_ROLES)


def first_draws(seed: int, block: int, keys: list[str],
                dists: list[tuple[Distribution | None, ...]]) -> dict[int, np.ndarray]:
    """The first draws of block ``block``'s replications, per role some key has.

    ``dists[i]`` holds key ``i``'s distribution per role (None: not one of
    its roles), in the order of :data:`FIRST_ROLES` (:func:`role_dists`; a
    caller may merge two roles into one position when no key has both, as
    the lean engine merges ``repair`` and ``lasts``). Returns, for each position ``j`` that at
    least one key fills, a (keys, FIRST_DRAWS, FIRST_LANES) array: row
    ``i`` is ``dists[i][j].sample(rng, FIRST_DRAWS * FIRST_LANES)`` on key
    ``i``'s first-draw stream, the roles drawn in order (NaN for a key that
    has not the role; a fixed value uses no draw).
    """
    out: dict[int, np.ndarray] = {}
    if not keys:
        return out
    words = np.array([(*key_words(k), FIRST_WORD) for k in keys], dtype=np.uint32)
    states = seed_states_many(seed, [block], words)[0]
    gen, pcg = np.random.Generator, np.random.PCG64
    size = FIRST_DRAWS * FIRST_LANES
    for i, (key, roles) in enumerate(zip(keys, dists)):
        rng = None
        for j, dist in enumerate(roles):
            if dist is None:
                continue
            table = out.get(j)
            if table is None:
                table = out[j] = np.full((len(keys), FIRST_DRAWS, FIRST_LANES), np.nan)
            if isinstance(dist, Fixed):
                table[i] = float(dist.value)
                continue
            if rng is None:
                rng = gen(pcg(_Seeded(states[i], seed, block, key, (FIRST_WORD,))))
            table[i] = np.asarray(dist.sample(rng, size), dtype=float).reshape(FIRST_DRAWS, FIRST_LANES)
    return out


def _lane(tables: dict[int, np.ndarray], lane: int) -> list[list[float] | None]:
    """One replication's share of one key's :func:`first_draws`: per role of FIRST_ROLES, its values (None: no such role)."""
    return [tables[j][0, :, lane].tolist() if j in tables else None for j in range(len(FIRST_ROLES))]


class StreamPlan:
    """The stream keys a model's replications ask for, remembered from the last one.

    A :class:`Streams` given a plan seeds every key the plan knows in one
    vectorised pass at its first request; keys it did not know are seeded one
    by one and added, so the next replication has them too. When
    replications are asked for in order (a worker running a chunk), the
    plan seeds a block of the next ones in the same pass (:data:`BLOCK_LANES`).
    """

    __slots__ = ("keys", "index", "_words", "_lock", "_block", "_next", "_firsts", "__weakref__")

    def __init__(self) -> None:
        self.keys: list[str] = []  # append-only: a key's row never moves
        self.index: dict[str, int] = {}
        self._words: np.ndarray | None = None
        self._lock = threading.Lock()  # replications of one model may run in threads
        # (seed, first replication, states (r, k, 4)) of the last block seeded
        self._block: tuple[int, int, np.ndarray] | None = None
        self._next: tuple[int, int] | None = None  # (seed, replication) expected next if in order
        # (seed, block, key: its first_draws) of the last block of replications asked for
        self._firsts: tuple[int, int, dict[str, dict[int, np.ndarray]]] = (-1, -1, {})

    def add(self, key: str) -> None:
        with self._lock:
            if key not in self.index:
                self.keys.append(key)
                self.index[key] = len(self.keys) - 1
                self._words = None

    def words(self) -> np.ndarray:
        if self._words is None or len(self._words) != len(self.keys):
            self._words = np.array([key_words(k) for k in self.keys], dtype=np.uint32).reshape(-1, 4)
        return self._words

    def states(self, seed: int, replication: int) -> np.ndarray:
        """The (k, 4) seed states of every known key for one replication (see :func:`seed_states`)."""
        with self._lock:
            words = self.words()
            block = self._block
            if block is not None and block[0] == seed and len(block[2][0]) == len(words) \
                    and 0 <= replication - block[1] < len(block[2]):
                states = block[2][replication - block[1]]
            else:
                in_order = self._next == (seed, replication)
                n = max(1, min(BLOCK_REPLICATIONS, BLOCK_LANES // max(1, len(words)))) if in_order else 1
                many = seed_states_many(seed, list(range(replication, replication + n)), words)
                self._block = (seed, replication, many)
                states = many[0]
            self._next = (seed, replication + 1)
            return states


    def first_draws(self, seed: int, replication: int, key: str,
                    dists: tuple[Distribution | None, ...]) -> list[list[float] | None]:
        """Replication ``replication``'s first draws of ``key`` per role (see :func:`first_draws`), its block's kept."""
        block, lane = divmod(replication, FIRST_LANES)
        with self._lock:
            if self._firsts[:2] != (seed, block):
                self._firsts = (seed, block, {})
            rows = self._firsts[2]
            tables = rows.get(key)
            if tables is None:
                tables = rows[key] = first_draws(seed, block, [key], [dists])
        return _lane(tables, lane)


#: Seed up to this many (replication, key) pairs in one pass, for at most
#: :data:`BLOCK_REPLICATIONS` replications ahead of the one asked for.
BLOCK_LANES = 4096
BLOCK_REPLICATIONS = 64

_PLANS: dict[int, StreamPlan] = {}


def plan_for(owner: Any) -> StreamPlan:
    """The :class:`StreamPlan` of ``owner`` (a model), kept while ``owner`` lives."""
    plan = _PLANS.get(id(owner))
    if plan is None:
        plan = StreamPlan()
        try:
            weakref.finalize(owner, _PLANS.pop, id(owner), None)
        except TypeError:  # not weakly referenceable: a plan of its own, not kept
            return plan
        _PLANS[id(owner)] = plan
    return plan


class Streams:
    """Factory of independent generators and samplers for one replication.

    ``plan`` (optional, see :func:`plan_for`) lets the generators of keys
    asked for before be seeded together; the generators are the same either way.
    """

    def __init__(self, seed: int, replication: int, plan: StreamPlan | None = None):
        self.seed = int(seed)
        self.replication = int(replication)
        self._plan = plan
        self._states: np.ndarray | None = None
        self._known = 0

    def generator(self, key: str) -> np.random.Generator:
        plan = self._plan
        if plan is None:
            ss = np.random.SeedSequence(self.seed, spawn_key=(self.replication, *key_words(key)))
            return np.random.Generator(np.random.PCG64(ss))
        if self._states is None:
            if not plan.keys:
                plan.add(key)
            self._states = plan.states(self.seed, self.replication)
            self._known = len(self._states)
        i = plan.index.get(key)
        if i is not None and i < self._known:
            state = self._states[i]
        else:
            plan.add(key)
            state = seed_states(self.seed, self.replication,
                                np.array([key_words(key)], dtype=np.uint32))[0]
        return np.random.Generator(np.random.PCG64(_Seeded(state, self.seed, self.replication, key)))

    def first_draws(self, key: str, dists: tuple[Distribution | None, ...]) -> list[list[float] | None]:
        """The replication's first draws of a failure clock: per role of :data:`FIRST_ROLES`, :data:`FIRST_DRAWS` values.

        ``dists`` is the clock's :func:`role_dists` (a role it has not: None).
        They come from the stream ``key`` has for the replication's whole
        block of :data:`FIRST_LANES` (:func:`first_draws`), not from the
        replication's own stream of ``key``.
        """
        if self._plan is not None:
            return self._plan.first_draws(self.seed, self.replication, key, dists)
        block, lane = divmod(self.replication, FIRST_LANES)
        return _lane(first_draws(self.seed, block, [key], [dists]), lane)

    def sampler(self, dist: Distribution, key: str,
                rng: np.random.Generator | None = None) -> Callable[[], float]:
        """A zero-argument function drawing from ``dist`` on the stream ``key``.

        Pass ``rng`` (that key's generator) to share one stream between
        several samplers; fixed values use no stream at all.
        """
        if isinstance(dist, Fixed):
            value = float(dist.value)
            return lambda: value
        return dist.sampler(rng if rng is not None else self.generator(key))

    def uniform(self, key: str, block: int = 64) -> Callable[[], float]:
        """A zero-argument function giving U(0, 1) draws on the stream ``key``."""
        rng = self.generator(key)
        buf: list[float] = []

        def draw() -> float:
            if not buf:
                buf.extend(rng.random(block).tolist()[::-1])
            return buf.pop()

        return draw
