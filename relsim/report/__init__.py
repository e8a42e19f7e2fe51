"""Presentation: relsim's results as text tables, JSON and CSV.

Everything that turns numbers into text lives here, so that the command
line, notebooks and the HTML report show a metric the same way: the
unit of each metric comes from :mod:`relsim.metric_registry` and decides its
format (:mod:`relsim.report.formatting`). The engine and the statistics never
format text; the CLI (:mod:`relsim.cli`) only chooses what to print.

Modules
-------
formatting
    One value, interval or difference as text, by the metric's unit; plain
    aligned text tables.
text
    The tables of ``relsim run``, ``compare``, ``sweep`` and ``sensitivity``,
    downtime attribution, objectives and the stopping rule.
machine
    JSON documents and CSV for machines (``--json``, ``--csv``).
exact
    Exact values beside simulated ones (``relsim run --exact``).
importance
    Importance measures and minimal cut sets (``relsim importance``,
    ``relsim cutsets``).
plots, topology
    Figures (matplotlib) in the reader's units, and the picture of a
    model; gathered as :mod:`relsim.plot`. Not imported here, so that
    matplotlib loads only for figures.
review, html
    The architecture-review report (``relsim report``): its content, then
    one self-contained HTML page or Markdown from the jinja2 templates in
    ``templates/`` (docs/reports.md).
"""

from __future__ import annotations

from relsim.report.formatting import format_ci, format_signed, format_value, text_table
from relsim.report.machine import frame_records, results_document, summary_csv, to_json
from relsim.report.text import attribution_table, comparison_tables, results_table

__all__ = [
    "attribution_table",
    "comparison_tables",
    "format_ci",
    "format_signed",
    "format_value",
    "frame_records",
    "results_document",
    "results_table",
    "summary_csv",
    "text_table",
    "to_json",
]
