"""Machine-readable output: the JSON documents and CSV tables of ``--json`` and ``--csv``.

The JSON document of ``relsim run --json`` is
``{"model", "runs", "seed", "horizon_s", "version", "metrics": {NAME: {"mean",
"se", "ci95": [lo, hi], "p05", "p50", "p95", "n", "unit"}}, "objectives"}``
with NaN as ``null`` (docs/model-format.md §16). CSV tables are tidy: one
row per metric (or per point × metric), seconds for durations.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["frame_records", "results_document", "summary_csv", "to_json"]


def results_document(results: Any, attribution: Any = None, check: Any = None) -> dict[str, Any]:
    """The ``relsim run --json`` document, with attribution and exact values when asked for."""
    doc = results.to_dict()
    if attribution is not None:
        doc["attribution"] = frame_records(attribution)
    if check is not None:
        check.add_to(doc)
    return doc


def summary_csv(results: Any) -> str:
    """The summary as CSV: one row per metric with provenance (``relsim run --csv``)."""
    table = results.summary().reset_index()
    table.insert(0, "model", results.model)
    table["seed"], table["runs"], table["horizon_s"] = results.seed, results.n_runs, results.horizon
    return table.to_csv(index=False)


def frame_records(frame: Any) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready records (NaN as ``None``)."""
    return json.loads(frame.to_json(orient="records"))


def to_json(doc: Any) -> str:
    """``doc`` as indented JSON; numpy scalars and arrays become plain numbers and lists."""
    return json.dumps(doc, indent=2, default=_plain)


def _plain(x: Any) -> Any:
    if hasattr(x, "tolist"):  # numpy scalar or array
        return x.tolist()
    raise TypeError(f"{type(x).__name__} is not JSON serialisable")
