"""Random streams keyed by replication and element name (docs/model-format.md).

Replication *i* of a run with seed *S* owns the streams
``SeedSequence(S, spawn_key=(i, *words(key)))`` where *key* names what draws
from it (``"db-1/0"``: element and failure spec index; ``"db/failover/time"``
for a service's draws). Keys are
names, not positions, so adding an element leaves every other element's
history unchanged, and two variants run with one seed share the failures of
the elements they have in common (common random numbers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from relsim.dists import Distribution, Fixed

__all__ = ["Streams", "key_words"]


@lru_cache(maxsize=65536)
def key_words(key: str) -> tuple[int, ...]:
    """Four stable 32-bit words from a stream key (platform independent)."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


class Streams:
    """Factory of independent generators and samplers for one replication."""

    def __init__(self, seed: int, replication: int):
        self.seed = int(seed)
        self.replication = int(replication)

    def generator(self, key: str) -> np.random.Generator:
        ss = np.random.SeedSequence(self.seed, spawn_key=(self.replication, *key_words(key)))
        return np.random.Generator(np.random.PCG64(ss))

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
