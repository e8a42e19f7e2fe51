"""The text tables relsim prints: results, objectives, attribution, comparisons.

Each function takes results (:class:`relsim.Results`, a comparison, a
DataFrame) and returns a string; printing is the caller's job. Which rows
appear follows the summary, which holds only the metrics that apply to the
model (:func:`relsim.metric_registry.applicable`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from relsim.evidence import MIN_EVENTS
from relsim.metric_registry import METRICS
from relsim.model.request_path import measured
from relsim.report.cost import comparison_cost_lines
from relsim.report.formatting import (
    format_ci,
    format_horizon,
    format_signed,
    format_value,
    plural,
    text_table,
)
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
    s = results.summary_rows()
    runs = results.n_runs
    lines = [
        f"model {model.name!r}: {plural(runs, 'replication')} of "
        f"{format_horizon(results.horizon)}, seed {results.seed}, {measured(model)}",
        "",
    ]
    header = ("metric", "mean", "95% CI", "p05", "p50", "p95", "based on") + (("exact", "|z|") if exact else ())
    body = []
    notes: dict[str, list[str]] = {}
    for name, row in s.items():
        ci = format_ci(name, row["ci_low"], row["ci_high"])
        if "established" in row and not row["established"] and METRICS[name].evidence != "maximum":
            ci += " *"
            notes.setdefault(str(row["note"]), []).append(name)
        body.append((name, format_value(name, row["mean"]), ci,
                     format_value(name, row["p05"]), format_value(name, row["p50"]), format_value(name, row["p95"]),
                     based_on(name, row, runs))
                    + (exact.get(name, ("-", "-")) if exact else ()))
    lines.append(text_table(header, body))
    if notes:
        lines += ["", f"* not established (fewer than {MIN_EVENTS} events, or too few beyond a percentile):"]
        lines += [f"  {', '.join(names)}: {note.removeprefix('not established: ')}" for note, names in notes.items()]
    objectives = objectives_lines(results)
    if objectives:
        lines += ["", *objectives]
    return "\n".join(lines)


_EVENT_WORDS = {"outages": "outages", "count": "events", "events": "events", "quantile": "events",
                "maximum": "events"}


def based_on(name: str, row: Any, runs: int) -> str:
    """How many replications or events a row rests on (``based on`` column)."""
    if "events" not in row:
        return str(int(row["n"]))
    evidence = METRICS[name].evidence
    events = int(row["events"])
    if evidence in ("episodes", "bernoulli"):
        return f"{events} of {runs} runs"
    if evidence == "replications":
        return f"{events} runs"
    word = _EVENT_WORDS[evidence]
    if name in ("mean_outage", "outage_p95", "outage_max", "mttd") or name.startswith("rto_"):
        word = "outages"
    return f"{events} {word}"


def objectives_lines(results: Any) -> list[str]:
    """One line per objective: the verdict (met, NOT met, not established) and why."""
    lines = []
    for name, v in results.objectives_met().items():
        if name == "services":  # each service's own objectives, by tier
            lines += service_objective_lines(v)
            continue
        word = {"met": "met", "not met": "NOT met"}.get(v["verdict"], "not established")
        if name == "availability":
            of = {"request_success": " (request success)",
                  "unplanned_availability": " (planned downtime not counted)"}.get(v.get("measure"), "")
            lines.append(f"objective {name}{of} >= {v['target']}: {word} ({v['reason']})")
        else:
            share = v["met_fraction"]
            detail = (f"{share:.1%} of {v['incidents']} incidents within it, worst {format_duration(v['worst'])}"
                      if v["incidents"] else "no incidents")
            reason = "" if v["verdict"] != "not established" else f"; {v['reason']}"
            lines.append(f"objective {name} <= {format_duration(v['target'])}: {word} ({detail}{reason})")
    return lines


def service_objective_lines(services: dict[str, Any]) -> list[str]:
    """Verdicts of the services' own objectives, grouped by criticality tier (most critical first)."""
    lines: list[str] = []
    words = {"met": "met", "not met": "NOT met"}
    for name, v in sorted(services.items(), key=lambda kv: (kv[1].get("tier") or 10, kv[0])):
        tier = v.get("tier")
        head = f"service {name}" + (f" (tier {tier})" if tier is not None else "")
        for what in ("availability", "rto", "rpo"):
            o = v.get(what)
            if o is None:
                continue
            word = words.get(o["verdict"], "not established")
            if what == "availability":
                lines.append(f"{head}: availability >= {o['target']}: {word} ({o['reason']})")
            else:
                detail = (f"{o['met_fraction']:.1%} of {o['incidents']} within it, worst "
                          f"{format_duration(o['worst'])}" if o["incidents"] else "nothing to judge")
                lines.append(f"{head}: {what} <= {format_duration(o['target'])}: {word} ({detail})")
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
             format_ci(m, r.downtime_per_year_ci_low, r.downtime_per_year_ci_high)
             + ("" if getattr(r, "established", True) else " *"),
             f"{100 * r.share:.1f}%" if r.share >= 0.001 else "<0.1%")
            for r in table.itertuples()]
    text = "downtime by cause (element, failure spec index and kind):\n" + text_table(header, body, left=2)
    if "established" in table and not table["established"].all():
        text += f"\n* not established: fewer than {MIN_EVENTS} outages from this cause"
    return text


def comparison_tables(comp: Any) -> str:
    """``relsim compare``: each variant's mean and 95 % CI, then paired differences with CIs.

    A metric is listed when it applies to the baseline. An interval that is
    not established (few events, relsim.evidence) is starred; a maximum
    has none.
    """
    first = comp.results[comp.baseline]
    n = len(comp.labels)
    lines = [f"{n} variant{'s' * (n != 1)}, {len(first.runs)} replications each, seed {first.seed}, "
             "common random numbers", ""]
    summaries = {label: res.summary() for label, res in comp.results.items()}
    shown = [str(m) for m in summaries[comp.baseline].index]
    header = ["metric"] + [h for label in comp.labels for h in (label, "95% CI")]
    body = []
    for m in shown:
        cells = [m]
        for label in comp.labels:
            s = summaries[label]
            if m not in s.index:
                cells += ["-", "-"]
                continue
            row = s.loc[m]
            starred = not row["established"] and METRICS[m].evidence != "maximum"
            cells += [format_value(m, row["mean"]), format_ci(m, row["ci_low"], row["ci_high"]) + " *" * starred]
        body.append(cells)
    lines.append(text_table(header, body))
    diffs = comp.differences()
    starred_any = False
    for label in comp.labels[1:]:
        d = diffs[(diffs["variant"] == label) & diffs["metric"].isin(shown)]
        lines += ["", f"{label} − {comp.baseline} (paired over replications, 95% CI):"]
        body = []
        for r in d.itertuples():
            maximum = METRICS[r.metric].evidence == "maximum"
            starred = not r.established and not maximum
            starred_any |= starred
            verdict = "yes" if r.significant else ("no" if r.established else ("-" if maximum else "not established"))
            based = (f"{r.events} of {r.n} runs differ" if METRICS[r.metric].kind == "replication"
                     else f"{r.events} events")
            body.append([r.metric, format_signed(r.metric, r.mean),
                         format_ci(r.metric, r.ci_low, r.ci_high) + " *" * starred, verdict, based])
        lines.append(text_table(["metric", "difference", "95% CI", "significant", "based on"], body))
    if starred_any or any(not s["established"].all() for s in summaries.values()):
        lines += ["", f"* not established: fewer than {MIN_EVENTS} events (or replications that differ), or too "
                      "few beyond a percentile; maxima have no interval"]
    lines += comparison_cost_lines(comp)  # cost per added nine, with a costs section
    return "\n".join(lines)


def sweep_table(table: Any, keys: Sequence[str], heads: Sequence[str],
                cells: Callable[[Any], list[str]]) -> str:
    """A tidy table (``sweep``, ``sensitivity``): key columns as they are, then formatted cells."""
    body = [[str(r[k]) for k in keys] + cells(r) for _, r in table.iterrows()]
    return text_table([*keys, *heads], body)
