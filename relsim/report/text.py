"""The text tables relsim prints: results, objectives, attribution, comparisons.

Each function takes results (:class:`relsim.Results`, a comparison, a
DataFrame) and returns a string; printing is the caller's job. Which rows
appear follows the summary, which holds only the metrics that apply to the
model (:func:`relsim.metric_registry.applicable`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from relsim.report.formatting import format_ci, format_signed, format_value, text_table
from relsim.units import format_duration

__all__ = ["attribution_table", "comparison_tables", "objectives_lines", "results_table", "stopping_line",
           "sweep_table"]


def results_table(model: Any, results: Any, exact: dict[str, tuple[str, str]] | None = None) -> str:
    """The human-readable result table of ``relsim run``.

    Parameters
    ----------
    model : relsim.Model
        The model that was run (its name and entry service head the table).
    results : relsim.Results
        What :func:`relsim.run` returned.
    exact : dict, optional
        Per metric, the ``exact`` and ``|z|`` cells (``relsim run --exact``).
    """
    s = results.summary()
    lines = [
        f"model {model.name!r}: {len(results.runs)} replications of "
        f"{format_duration(results.horizon)}, seed {results.seed}, entry service '{model.entry}'",
        "",
    ]
    header = ("metric", "mean", "95% CI", "p05", "p50", "p95") + (("exact", "|z|") if exact else ())
    body = []
    for name, row in s.iterrows():
        name = str(name)
        body.append((name, format_value(name, row["mean"]), format_ci(name, row["ci_low"], row["ci_high"]),
                     format_value(name, row["p05"]), format_value(name, row["p50"]), format_value(name, row["p95"]))
                    + (exact.get(name, ("-", "-")) if exact else ()))
    lines.append(text_table(header, body))
    objectives = objectives_lines(results)
    if objectives:
        lines += ["", *objectives]
    return "\n".join(lines)


def objectives_lines(results: Any) -> list[str]:
    """One line per objective of the model with its verdict and the figures behind it."""
    lines = []
    for name, verdict in results.objectives_met().items():
        word = "met" if verdict["met"] else "NOT met"
        if name == "availability":
            sure = "" if verdict["confident"] is None else (
                " (whole CI above target)" if verdict["confident"] else " (CI reaches below target)")
            lines.append(f"objective {name} >= {verdict['target']}: {word}{sure}")
        else:
            share = verdict["met_fraction"]
            detail = (f"{share:.1%} of {verdict['incidents']} incidents, worst {format_duration(verdict['worst'])}"
                      if verdict["incidents"] else "no incidents")
            lines.append(f"objective {name} <= {format_duration(verdict['target'])}: {word} ({detail})")
    return lines


def stopping_line(stopping: dict[str, Any]) -> str:
    """How a stopping rule (``--until``) ended."""
    word = "met" if stopping["met"] else f"NOT met within --max-runs {stopping['max_runs']}"
    half = "-" if stopping["half_width"] is None else f"{stopping['half_width']:.3g}"
    rel = "" if stopping["relative_half_width"] is None else f", relative {stopping['relative_half_width']:.3g}"
    return (f"stopping rule {stopping['rule']}: {word} after {stopping['runs']} replications "
            f"(95% CI half-width {half}{rel})")


def attribution_table(table: Any) -> str:
    """Downtime by root cause (``relsim run --attribution``)."""
    if len(table) == 0:
        return "downtime by cause: no outages"
    m = "downtime_per_year"
    header = ("cause", "failure", "outages/y", "downtime/y", "95% CI", "share")
    body = [(str(r.cause_element), f"#{r.cause_spec} {r.cause_kind}", f"{r.outages_per_year:.4g}",
             format_value(m, r.downtime_per_year),
             format_ci(m, r.downtime_per_year_ci_low, r.downtime_per_year_ci_high),
             f"{100 * r.share:.1f}%" if r.share >= 0.001 else "<0.1%")
            for r in table.itertuples()]
    return "downtime by cause (element, failure spec index and kind):\n" + text_table(header, body, left=2)


def comparison_tables(comp: Any) -> str:
    """``relsim compare``: each variant's means, then paired differences with CIs.

    A metric is listed when it applies to at least one variant.
    """
    first = comp.results[comp.baseline]
    lines = [f"{len(comp.labels)} variants, {len(first.runs)} replications each, seed {first.seed}, "
             "common random numbers", ""]
    wide = comp.side_by_side()
    shown = [str(m) for m in wide.index]
    lines.append(text_table(["metric", *comp.labels],
                            [[m, *(format_value(m, wide.loc[m, v]) for v in comp.labels)] for m in shown]))
    diffs = comp.differences()
    for label in comp.labels[1:]:
        d = diffs[(diffs["variant"] == label) & diffs["metric"].isin(shown)]
        lines += ["", f"{label} − {comp.baseline} (paired over replications, 95% CI):"]
        body = [[r.metric, format_signed(r.metric, r.mean), format_ci(r.metric, r.ci_low, r.ci_high),
                 "yes" if r.significant else "no"] for r in d.itertuples()]
        lines.append(text_table(["metric", "difference", "95% CI", "significant"], body))
    return "\n".join(lines)


def sweep_table(table: Any, keys: Sequence[str], heads: Sequence[str],
                cells: Callable[[Any], list[str]]) -> str:
    """A tidy table (``sweep``, ``sensitivity``): key columns as they are, then formatted cells."""
    body = [[str(r[k]) for k in keys] + cells(r) for _, r in table.iterrows()]
    return text_table([*keys, *heads], body)
