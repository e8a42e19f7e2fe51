"""The metric tables of docs/model-format.md, generated from the metric registry.

``python -m relsim.report.docs docs/model-format.md`` rewrites the table
between the ``<!-- metrics:begin -->`` and ``<!-- metrics:end -->`` markers;
tests/test_metric_registry.py checks the file holds exactly what
:func:`metric_table` gives, so the docs and the registry cannot drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

from relsim.metric_registry import EVIDENCE, FEATURES, KINDS, METRICS

__all__ = ["BEGIN", "END", "metric_table", "update"]

BEGIN = "<!-- metrics:begin (generated from relsim/metric_registry.py: python -m relsim.report.docs) -->"
END = "<!-- metrics:end -->"

_KIND_WORDS = {"replication": "per replication", "ratio": "ratio of totals", "pooled": "pooled"}
_EVIDENCE_WORDS = {"outages": "outages", "count": "its events", "episodes": "replications where not 0",
                   "replications": "replications", "bernoulli": "replications (exact)",
                   "events": "pooled events", "quantile": "events beyond the percentile",
                   "maximum": "no interval"}


def metric_table() -> str:
    """Every metric as a Markdown table: name, unit, summary, when it applies, meaning."""
    assert set(_KIND_WORDS) == set(KINDS) and set(_EVIDENCE_WORDS) == set(EVIDENCE)
    lines = ["| metric | unit | summarised | interval rests on | applies with | meaning |",
             "|---|---|---|---|---|---|"]
    for m in METRICS.values():
        if m.compute is not None:
            continue  # registered by a plugin (relsim.metric): `relsim metrics` lists it, not this page
        applies = "every model" if m.applies == "always" else FEATURES[m.applies][1]
        exact = " Exact value from `--exact`." if m.exact else ""
        lines.append(f"| `{m.name}` | {m.unit} | {_KIND_WORDS[m.kind]} | {_EVIDENCE_WORDS[m.evidence]} | {applies} "
                     f"| {m.description}.{exact} |")
    return "\n".join(lines)


def update(path: str | Path) -> bool:
    """Rewrite the generated table in ``path``; return whether it changed."""
    path = Path(path)
    text = path.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    new = text[:start] + "\n" + metric_table() + "\n" + text[end:]
    if new != text:
        path.write_text(new)
    return new != text


if __name__ == "__main__":  # pragma: no cover
    for name in sys.argv[1:] or ["docs/model-format.md"]:
        update(name)
