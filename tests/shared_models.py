"""Small models used by several test modules."""

from __future__ import annotations

import textwrap

#: The 1-of-2 pair with one shared crew (reference case C4b) over one year.
PAIR = textwrap.dedent("""\
    name: pair
    horizon: 1y
    repair_crews: 1
    components:
      a: {failures: [{kind: permanent, every: exp(mean=1000h), repair: exp(mean=10h)}]}
      b: {failures: [{kind: permanent, every: exp(mean=1000h), repair: exp(mean=10h)}]}
    services:
      pair: {replicas: [a, b], mode: active-active}
    objectives: {availability: 99.9%}
    """)
