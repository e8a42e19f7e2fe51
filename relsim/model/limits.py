"""The documented limits on what a model file may ask for.

relsim refuses, with a clear message naming the file, line and field, any
model file that would otherwise exhaust memory, recurse without end or
overflow a floating-point number while it runs. The limits live here, in
one place, and docs/model-format.md §15 lists them; raise one by editing this
module if a real model needs more.

The values are chosen far above anything a reliability model needs (a
component group of ten thousand members, a duration of a million years) and
far below what breaks: a file of a few megabytes parses in well under a
second, and every number that reaches the engine stays finite when it is
multiplied by the horizon or summed over the elements.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_MAX_EVENTS",
    "MAX_ALIAS_EXPANSION",
    "MAX_COUNT",
    "MAX_DEPTH",
    "MAX_DURATION",
    "MAX_ELEMENTS",
    "MAX_FILE_BYTES",
    "MAX_GROUP",
    "MAX_NUMBER",
    "MAX_RATE",
    "MAX_SIZE",
]

YEAR = 365 * 86400.0

#: Largest model file read, in bytes (5 MB, five hundred times the largest
#: bundled model; YAML parses at a few megabytes a second).
MAX_FILE_BYTES = 5_000_000
#: Most YAML nodes the file may expand to once aliases (``*name``) are
#: followed: an "alias bomb" of a few lines would otherwise expand to
#: billions of nodes.
MAX_ALIAS_EXPANSION = 1_000_000
#: Deepest nesting of mappings and lists (the deepest bundled model has 8).
MAX_DEPTH = 64
#: Members of one component group (``count:``).
MAX_GROUP = 10_000
#: Concrete elements (domains, components after group expansion, links,
#: services, load balancers, DNS names) in one model.
MAX_ELEMENTS = 100_000
#: Largest whole number in a count-like field (``misses``, ``healthy``,
#: ``attempts``, ``acks``, ``repair_crews``...).
MAX_COUNT = 1_000_000
#: Longest duration, in seconds (one million years): a horizon, a mean time
#: between failures or a distribution parameter beyond this is refused.
#: Near 10^16 s a double-precision clock no longer resolves a second.
MAX_DURATION = 1e6 * YEAR
#: Highest rate, in events per second (a thousand million per second).
MAX_RATE = 1e9
#: Largest data size or bandwidth, in bytes (or bytes per second): 10^21, a zettabyte.
MAX_SIZE = 1e21
#: Largest plain number (weights, capacities, key counts, workload profile
#: values, shapes); as large as a size, which is stored as a plain number too.
MAX_NUMBER = 1e21
#: ``relsim run`` refuses to start when a replication is estimated to take
#: more events than this, and stops a replication that passes it, unless
#: ``--max-events`` (``relsim.run(..., max_events=)``) raises it. A
#: replication keeps a record of each outage, about 0.2 kB per event at
#: worst (one outage every three events), so this bounds a replication to
#: about a gigabyte and a few minutes of simulation.
DEFAULT_MAX_EVENTS = 5_000_000
