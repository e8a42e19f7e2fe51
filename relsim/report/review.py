"""The content of an architecture-review report, independent of its format (HTML, Markdown).

:func:`build` turns what has been computed — the results of one or several
models run with common random numbers, their comparison, a sensitivity
table, importance measures and cut sets — into a :class:`Review`: sections
of tables (text cells, already formatted by each metric's unit through
:mod:`relsim.report.formatting`), figures (matplotlib ``Figure`` objects from
:mod:`relsim.report.plots` and :mod:`relsim.report.topology`) and
sentences. :mod:`relsim.report.html` and :mod:`relsim.report.markdown`
render it. Nothing here runs a simulation: the command line
(``relsim report``) or the caller does, then hands the results over.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from relsim.metric_registry import METRICS
from relsim.report import plots
from relsim.report.formatting import format_ci, format_signed, format_value
from relsim.report.text import based_on
from relsim.report.topology import service_mode, topology
from relsim.units import format_duration

__all__ = ["GLOSSARY", "Cell", "ModelPart", "Review", "Table", "build", "verdict_of"]

#: Key metrics shown first for every model, in this order, where they apply.
KEY_METRICS = ("availability", "downtime_per_year", "outages_per_year", "mean_outage", "outage_p95",
               "outage_max", "mttd", "rto_p50", "rto_p95", "failovers_per_year", "false_failovers_per_year",
               "slo_met")
DATA_FEATURES = ("data", "multi_primary", "backups")
REQUEST_FEATURES = ("workload", "duplicates", "breaker", "error_budget")


@dataclass
class Cell:
    """One table cell: its text and a CSS class (``good``, ``bad``, ``unsure``, ``num``)."""

    text: str
    cls: str = ""


@dataclass
class Table:
    """A table of text cells; ``note`` is a sentence shown under it."""

    header: list[str]
    rows: list[list[Cell]]
    note: str = ""


@dataclass
class ModelPart:
    """Everything the report shows of one model."""

    label: str
    name: str
    source: str
    description: str
    facts: list[tuple[str, str]]
    objectives: Table
    metrics: Table
    figures: dict[str, Any]
    captions: dict[str, str]
    attribution: Table
    incidents: Table
    importance: Table | None = None
    cutsets: Table | None = None
    data: Table | None = None
    requests: Table | None = None
    behaviours: Table | None = None  # metrics of the model's user-defined behaviours (docs/extending.md)
    sensitivity: Table | None = None
    document: dict[str, Any] = field(default_factory=dict)


@dataclass
class Review:
    """The whole report: header facts, one :class:`ModelPart` per model, the comparison, the glossary."""

    title: str
    command: str
    generated: str
    version: str
    header: list[tuple[str, str]]
    models: list[ModelPart]
    comparison: Table | None = None
    differences: Table | None = None
    verdicts: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    glossary: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def verdict_of(v: dict[str, Any]) -> str:
    """``met``, ``not met`` or ``not established`` from an entry of :meth:`Results.objectives_met`."""
    if v.get("verdict"):
        return str(v["verdict"])
    if "confident" in v and v["confident"] is not True:  # an interval that reaches the target
        return "not met" if not v.get("met") and v.get("confident") is not None else "not established"
    return "met" if v.get("met") else "not met"


_VERDICT_CLS = {"met": "good", "not met": "bad", "not established": "unsure"}


def _objectives(results: Any) -> Table:
    rows = []
    s = results.summary()
    for name, v in results.objectives_met().items():
        if name == "services":  # each service's own objectives, most critical tier first
            rows += _service_rows(v)
            continue
        word = verdict_of(v)
        if name == "availability":
            target = f"availability ≥ {100 * v['target']:g} % (downtime ≤ {format_duration((1 - v['target']) * 365 * 86400)}/yr)"
            measure = v.get("measure", "availability")
            row = s.loc[measure]
            est = (f"{'request success ' * (measure != 'availability')}"
                   f"{format_value(measure, row['mean'])}, 95 % CI "
                   f"{format_ci(measure, row['ci_low'], row['ci_high'])}; downtime "
                   f"{format_value('downtime_per_year', s.loc['downtime_per_year', 'mean'])}/yr")
        else:
            target = f"{name.upper()} ≤ {format_duration(v['target'])} per incident"
            est = (f"{v['met_fraction']:.1%} of {v['incidents']} incidents within it; worst "
                   f"{format_duration(v['worst'])}" if v.get("incidents") else "no incidents to judge")
        reason = v.get("reason") or _reason(name, word)
        rows.append([Cell(target), Cell(est), Cell(word, _VERDICT_CLS.get(word, "")), Cell(reason)])
    note = "" if rows else "The model states no objectives (objectives: availability, rto, rpo)."
    return Table(["objective", "estimate (95 % CI)", "verdict", "why"], rows, note)


def _service_rows(services: dict[str, Any]) -> list[list[Cell]]:
    """Rows of the objectives table for the services' own objectives (docs/maintenance-and-cost.md §5)."""
    rows = []
    for svc, v in sorted(services.items(), key=lambda kv: (kv[1].get("tier") or 10, kv[0])):
        head = f"service {svc}" + (f" (tier {v['tier']})" if v.get("tier") is not None else "")
        for what in ("availability", "rto", "rpo"):
            o = v.get(what)
            if o is None:
                continue
            word = verdict_of(o)
            if what == "availability":
                target = f"{head}: availability ≥ {100 * o['target']:g} %"
                lo, hi = o["ci95"]
                est = ("-" if o["mean"] is None else f"{o['mean']:.6f}, 95 % CI "
                       + ("-" if lo is None or hi is None else f"[{lo:.6f}, {hi:.6f}]"))
            else:
                target = f"{head}: {what.upper()} ≤ {format_duration(o['target'])}"
                est = (f"{o['met_fraction']:.1%} of {o['incidents']} within it; worst "
                       f"{format_duration(o['worst'])}" if o.get("incidents") else "nothing to judge")
            rows.append([Cell(target), Cell(est), Cell(word, _VERDICT_CLS.get(word, "")), Cell(o["reason"])])
    return rows


def _reason(name: str, word: str) -> str:
    if name == "availability":
        return {"met": "the whole 95 % interval is above the target",
                "not met": "the whole 95 % interval is below the target",
                "not established": "the 95 % interval straddles the target: run more replications"}[word]
    return {"met": "every incident met it", "not met": "at least one incident exceeded it",
            "not established": "too few incidents to judge"}.get(word, "")


def _metric_table(results: Any, names: Sequence[str]) -> Table:
    """Mean, 95 % CI and what each rests on; a note column where an interval is not established.

    A maximum never has an interval: its note says so without the warning
    colour of an interval that is not established.
    """
    s = results.summary()
    rows, notes = [], False
    for m in names:
        if m not in s.index:
            continue
        r = s.loc[m]
        established = bool(r["established"]) if "established" in r.index else True
        maximum = METRICS[m].evidence == "maximum" if m in METRICS else False
        ci = format_ci(m, r["ci_low"], r["ci_high"])
        note = str(r["note"]) if "note" in r.index and isinstance(r["note"], str) and r["note"] else ""
        if maximum:
            note = "a maximum has no confidence interval"
        elif not established and not note.startswith("not established"):
            note = "not established" + (f": {note}" if note else "")
        notes = notes or bool(note)
        based = based_on(m, r, len(results.runs)) if m in METRICS else str(int(r["n"]))
        rows.append([Cell(_words(m)), Cell(format_value(m, r["mean"]), "num"), Cell(ci, "num"),
                     Cell(based, "num"), Cell(note, "unsure" if not established and not maximum else "")])
    head = ["metric", "mean", "95 % CI", "based on"]
    caption = "based on: the outages, events or replications each interval rests on."
    if notes:
        return Table([*head, "note"], rows, caption)
    return Table(head, [r[:4] for r in rows], caption)


def _words(metric: str) -> str:
    """A metric's name as words with its unit: ``downtime per year`` for ``downtime_per_year``."""
    return metric.replace("_", " ")


def _applies(names: Sequence[str], features: Sequence[str]) -> list[str]:
    return [m for m in names if METRICS[m].applies in features]


def _attribution_table(results: Any) -> Table:
    from relsim.attribution import attribution

    t = attribution(results)
    m = "downtime_per_year"
    rows = [[Cell(str(r.cause_element)), Cell(f"#{r.cause_spec} {r.cause_kind}"),
             Cell(f"{r.outages_per_year:.3g}", "num"), Cell(format_value(m, r.downtime_per_year), "num"),
             Cell(format_ci(m, r.downtime_per_year_ci_low, r.downtime_per_year_ci_high), "num")
             if getattr(r, "established", True) else Cell("not established", "unsure"),
             Cell(f"{100 * r.share:.1f} %", "num")] for r in t.itertuples()]
    return Table(["root cause", "failure (index, kind)", "outages per year", "downtime per year", "95 % CI",
                  "share of downtime"], rows,
                 "A cause with fewer than 10 outages gets no interval: not established."
                 if rows else "No outages: no downtime to attribute.")


def _incidents(results: Any) -> Table:
    inc = results.incidents().sort_values("duration_s", ascending=False).head(10)
    rows = []
    for r in inc.itertuples():
        phases = ", ".join(f"{w} {format_duration(getattr(r, c))}" for w, c in
                           (("detection", "detection_s"), ("decision", "decision_s"), ("failover", "failover_s"),
                            ("restore", "restore_s"))
                           if hasattr(r, c) and not _nan(getattr(r, c)) and getattr(r, c) > 0)
        rto = getattr(r, "rto_met", None)
        verdict = "" if rto is None or _nan(rto) else ("within RTO" if rto else "over RTO")
        rpo = getattr(r, "rpo_s", math.nan)
        rows.append([Cell(str(r.replication), "num"), Cell(f"day {r.start_s / 86400:.1f}", "num"),
                     Cell(format_duration(r.duration_s), "num"), Cell(f"{r.cause_element} ({r.cause_kind})"),
                     Cell(phases or "-"), Cell("-" if _nan(rpo) else format_duration(rpo), "num"),
                     Cell(verdict + (" (cut by the horizon)" if getattr(r, "censored", False) else ""),
                          "bad" if verdict == "over RTO" else "")])
    return Table(["replication", "starts", "lasts", "root cause", "phases", "data lost (RPO)", "against RTO"],
                 rows, f"The {len(rows)} longest of {len(results.outages)} outages over all replications; "
                       "'relsim trace MODEL --seed S --replication N' shows one in full.")


def _nan(x: Any) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def _frame_table(frame: Any, columns: Sequence[tuple[str, str, str]], note: str = "") -> Table:
    """A DataFrame as a table: ``(column, heading, how)`` with how ``text``, ``num`` or ``ci:<col>``."""
    rows = []
    for _, r in frame.iterrows():
        cells = []
        for col, _, how in columns:
            if how.startswith("ci:"):
                c = how[3:]
                lo, hi = r.get(f"{c}_ci_low"), r.get(f"{c}_ci_high")
                cells.append(Cell("-" if _nan(lo) or _nan(hi) else f"[{lo:.3g}, {hi:.3g}]", "num"))
            elif how == "num":
                v = r.get(col)
                cells.append(Cell("not established" if _nan(v) else f"{float(v):.3g}",
                                  "unsure" if _nan(v) else "num"))
            elif how == "pct":
                v = r.get(col)
                cells.append(Cell("-" if _nan(v) else f"{100 * float(v):.1f} %", "num"))
            else:
                v = r.get(col)
                cells.append(Cell("" if v is None or _nan(v) else ", ".join(map(str, v))
                                  if isinstance(v, list | tuple) else str(v)))
        rows.append(cells)
    return Table([h for _, h, _ in columns], rows, note)


def _importance_table(table: Any) -> Table:
    def value(r: Any, m: str) -> Cell:
        v = r.get(m)
        if _nan(v):
            return Cell("not established", "unsure")
        lo, hi = r.get(f"{m}_ci_low"), r.get(f"{m}_ci_high")
        # the interval of the ranking measure only: five intervals a row would not fit beside another model
        ci = "" if m != "criticality" or _nan(lo) or _nan(hi) else f" [{float(lo):.2g}, {float(hi):.2g}]"
        exact = r.get(f"{m}_exact")
        return Cell(f"{float(v):.3g}{ci}" + ("" if _nan(exact) else f"; exact {float(exact):.3g}"), "num")

    measures = [(m, h) for m, h in (("criticality", "criticality"), ("fussell_vesely", "Fussell–Vesely"),
                                    ("birnbaum", "Birnbaum"), ("raw", "RAW"), ("rrw", "RRW")) if m in table.columns]
    rows = [[Cell(str(r.get("rank", i + 1)), "num"), Cell(f"{r['element']} ({r.get('kind', '')})"),
             *(value(r, m) for m, _ in measures)] for i, (_, r) in enumerate(table.iterrows())]
    return Table(["rank", "element", *(f"{h} [95 % CI]" if m == "criticality" else h for m, h in measures)], rows,
                 "Rank 1 is the element to harden first (largest criticality: the relative gain of the entry "
                 "service for a relative gain of the element). Every measure's interval is in "
                 "'relsim importance MODEL'; definitions in the glossary.")


def _cutsets_table(table: Any) -> Table:
    m = "downtime_per_year"
    rows = []
    for _, r in table.iterrows():
        share = "-" if _nan(r.get("share")) else f"{100 * float(r['share']):.1f} %"
        if not _nan(r.get("share_ci_low")) and not _nan(r.get("share_ci_high")):
            share += f" [{100 * float(r['share_ci_low']):.1f}, {100 * float(r['share_ci_high']):.1f}]"
        rows.append([Cell(str(r.get("order", "")), "num"), Cell(str(r.get("cut_set", ""))),
                     Cell(f"{format_value(m, r.get(m))} {format_ci(m, r.get(f'{m}_ci_low'), r.get(f'{m}_ci_high'))}",
                          "num"), Cell(share, "num")])
    return Table(["order", "elements down together", "downtime per year [95 % CI]", "share of downtime [95 % CI]"],
                 rows, "Minimal cut sets up to order 3: each set of elements whose failure together takes the "
                       "entry service down, none of whose subsets does, with the downtime during which it was "
                       "down. '(other)' is outage time no listed set explains (failover, detection, elections, "
                       "larger sets).")


def _sensitivity_table(table: Any) -> Table:
    m = str(table["metric"].iloc[0]) if len(table) else "availability"
    rows = [[Cell(str(r["parameter"])), Cell(str(r["low"])), Cell(str(r["high"])),
             Cell(format_value(m, r["at_low"]), "num"), Cell(format_value(m, r["at_high"]), "num"),
             Cell(format_signed(m, r["difference"]), "num"),
             Cell(format_ci(m, r["difference_ci_low"], r["difference_ci_high"]), "num")]
            for _, r in table.iterrows()]
    return Table(["parameter", "low", "high", f"{m} at low", f"{m} at high", "high − low", "95 % CI"], rows,
                 "Each parameter alone at its low and high value, every other at the model's value, "
                 "with common random numbers; largest swing first.")


def _facts(model: Any, results: Any) -> list[tuple[str, str]]:
    entry = model.entry
    mode = service_mode(model, entry) if entry in model.services else "request path"
    measured = ([("measured", "the workload's requests, end to end (DNS, load balancers, services)")]
                if model.spec.workload is not None else [])
    return [("file", model.source), ("entry service", f"{entry} ({mode})"), *measured,
            ("horizon per replication", format_duration(results.horizon)),
            ("replications", str(len(results.runs))), ("seed", str(results.seed)),
            ("elements", f"{_count(len(model.domains), 'failure domain')}, "
                         f"{_count(len(model.components), 'component')}, {_count(len(model.services), 'service')}")]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _model_part(label: str, model: Any, results: Any, sensitivity: Any, importance: Any, cutsets: Any) -> ModelPart:
    s = results.summary()
    shown = list(s.index)
    key = [m for m in KEY_METRICS if m in shown]
    figures: dict[str, Any] = {"topology": topology(model)}
    captions = {"topology": "Failure domains are nested boxes with the components placed in them; services "
                            "stand above with their mode; lines join a service to what it is built from."}
    figures["availability"] = plots.availability(results).figure
    captions["availability"] = ("Each step is one replication's downtime; the further left the curve, the "
                                "better. The dashed line is the downtime the availability objective allows.")
    figures["outage_cdf"] = plots.outage_cdf(results).figure
    captions["outage_cdf"] = ("How long outages last: the share of outages shorter than each duration; the "
                              "dashed line is the RTO objective.")
    figures["attribution_element"] = plots.downtime_attribution(results, "element").figure
    figures["attribution_kind"] = plots.downtime_attribution(results, "kind").figure
    captions["attribution_element"] = "Downtime per year caused by each element (bars, 95 % CI) and the running share."
    captions["attribution_kind"] = "The same by kind of failure."
    inc = results.incidents()
    if "needed_failover" in inc and inc["needed_failover"].astype(bool).any():
        figures["rto"] = plots.incident_histogram(results, "duration_s").figure
        captions["rto"] = "Durations of the outages that needed a failover or restore, against the RTO objective."
    if "rpo_s" in inc and inc["rpo_s"].notna().any():
        figures["rpo"] = plots.incident_histogram(results, "rpo_s").figure
        captions["rpo"] = "Seconds of writes lost at each failover or restore, against the RPO objective."
    part = ModelPart(
        label=label, name=model.name, source=model.source, description=model.spec.description,
        facts=_facts(model, results), objectives=_objectives(results),
        metrics=_metric_table(results, key),
        figures=figures, captions=captions, attribution=_attribution_table(results), incidents=_incidents(results),
        document=results.to_dict())
    data = _applies(shown, DATA_FEATURES)
    if data:
        part.data = _metric_table(results, data)
    requests = _applies(shown, REQUEST_FEATURES)
    if requests:
        part.requests = _metric_table(results, requests)
    own = [m for m in shown if m in METRICS and METRICS[m].applies.startswith("behaviour:")]
    if own:
        part.behaviours = _metric_table(results, own)
    if importance is not None and len(importance):
        part.importance = _importance_table(importance)
        figures["importance"] = plots.importance(importance).figure
        captions["importance"] = "Criticality importance per element with its 95 % interval: harden the top first."
    if cutsets is not None:
        part.cutsets = _cutsets_table(cutsets)
    if sensitivity is not None and len(sensitivity):
        part.sensitivity = _sensitivity_table(sensitivity)
        figures["tornado"] = plots.tornado(sensitivity).figure
        captions["tornado"] = ("Each bar: the metric with one parameter at its low (light) or high (dark) value; "
                               "the vertical line is the model as it stands.")
    return part


def _comparison(comp: Any) -> tuple[Table, Table, list[str]]:
    labels = comp.labels
    wide = comp.side_by_side()
    side = Table(["metric", *labels], [[Cell(_words(m)), *(Cell(format_value(m, wide.loc[m, v]), "num") for v in labels)]
                                       for m in (str(i) for i in wide.index)])
    diffs = comp.differences()
    rows = []
    for r in diffs.itertuples():
        established = bool(getattr(r, "established", True))
        ci = format_ci(r.metric, r.ci_low, r.ci_high)
        rows.append([Cell(f"{r.variant} − {r.baseline}"), Cell(_words(r.metric)),
                     Cell(format_signed(r.metric, r.mean), "num"),
                     Cell(ci, "num") if established else Cell("not established", "unsure"),
                     Cell(("yes" if r.significant else "no") if established else "-")])
    diff = Table(["difference", "metric", "mean", "95 % CI", "significant"], rows,
                 "Paired over replications with common random numbers: replication i of every model sees the same "
                 "failures of the elements they share, so these intervals are much narrower than the difference "
                 "of two separate intervals.")
    return side, diff, _verdicts(comp)


def _verdicts(comp: Any) -> list[str]:
    """One sentence per objective: who meets it and who does not, plus the significant differences."""
    out = []
    verdicts = {label: res.objectives_met() for label, res in comp.results.items()}
    names = sorted({n for v in verdicts.values() for n in v if n != "services"},  # services: relsim run
                   key=["availability", "rto", "rpo"].index)
    for name in names:
        groups: dict[str, list[str]] = {}
        for label, v in verdicts.items():
            if name in v:
                groups.setdefault(verdict_of(v[name]), []).append(label)
        target = next(v[name]["target"] for v in verdicts.values() if name in v)
        what = (f"availability {100 * target:g} %" if name == "availability"
                else f"{name.upper()} {format_duration(target)}")
        parts = []
        for word in ("met", "not met", "not established"):
            if groups.get(word):
                who = " and ".join(groups[word])
                one = len(groups[word]) == 1
                parts.append({"met": f"{who} meet{'s' * one} {what}",
                              "not met": f"{who} do{'es' * one} not meet {what}",
                              "not established": f"whether {who} meet{'s' * one} {what} is not established"}[word])
        out.append("; ".join(parts) + ".")
    diffs = comp.differences()
    for metric in ("downtime_per_year", "outages_per_year", "write_latency_added", "writes_lost_per_year",
                   "request_success"):
        for r in diffs[(diffs["metric"] == metric) & diffs["significant"].astype(bool)].itertuples():
            verb = "adds" if r.mean > 0 else "removes"
            amount = format_value(metric, abs(r.mean))
            per = {"downtime_per_year": " of downtime per year", "outages_per_year": " outages per year",
                   "write_latency_added": " per write", "writes_lost_per_year": " lost writes per year",
                   "request_success": " of request success"}[metric]
            out.append(f"{r.variant} {verb} {amount}{per} compared with {r.baseline} "
                       f"(95 % CI {format_ci(metric, r.ci_low, r.ci_high)}).")
    return out


#: Words of the report that are not metrics, with their meaning.
GLOSSARY: list[tuple[str, str, str]] = [
    ("replication", "-", "one independent simulated run of the model over the horizon; estimates are averages "
                         "over replications"),
    ("95 % CI", "as the metric", "confidence interval: with 95 % confidence the true value lies inside; it "
                                 "narrows with more replications"),
    ("not established", "-", "the data cannot decide: the interval straddles the objective, or rests on too few "
                             "events; run more or longer replications"),
    ("based on", "count", "what an interval rests on: the outages, the metric's own events, or the "
                          "replications; fewer than 10 do not establish an interval"),
    ("ECDF", "-", "empirical cumulative distribution: the share of values at or below each point, drawn with "
                  "its 95 % Dvoretzky–Kiefer–Wolfowitz band"),
    ("nines", "-", "-log10(1 - availability): 99.9 % is 3 nines, 99.99 % is 4"),
    ("RTO", "time", "recovery time objective: the longest an outage may last"),
    ("RPO", "time", "recovery point objective: the most data (in seconds of writes) a failover may lose"),
    ("root cause", "-", "the element and failure whose failure started the outage"),
    ("common random numbers", "-", "every model and variant runs with the same seed, so shared elements fail at "
                                   "the same times and differences are measured precisely"),
    ("Birnbaum importance", "fraction", "U(element always down) - U(element never down), U the entry service's "
                                        "unavailability: how much the element's state matters"),
    ("criticality importance", "fraction", "Birnbaum × q / U, q the element's own unavailability: the relative "
                                           "gain of the system for a relative gain of the element"),
    ("Fussell–Vesely importance", "fraction", "(U - U(element never down)) / U: the share of unavailability "
                                              "the element takes part in"),
    ("risk achievement worth (RAW)", "ratio", "U(element always down) / U"),
    ("risk reduction worth (RRW)", "ratio", "U / U(element never down)"),
    ("minimal cut set", "-", "a set of elements whose failure together takes the entry service down, none of "
                             "whose subsets does"),
]


def _glossary(parts: Sequence[ModelPart]) -> list[tuple[str, str, str]]:
    shown: list[str] = []
    for p in parts:
        for m in p.document.get("metrics", {}):
            if m not in shown:
                shown.append(m)
    rows = [(_words(m), METRICS[m].unit, METRICS[m].description) for m in shown if m in METRICS]
    return rows + GLOSSARY


def build(models: Sequence[Any], results: Sequence[Any], *, command: str, comparison: Any = None,
          sensitivity: Any = None, importance: Sequence[Any] | None = None,
          cutsets: Sequence[Any] | None = None, labels: Sequence[str] | None = None,
          notes: Sequence[str] = ()) -> Review:
    """Assemble the report of ``models`` from their ``results`` (same order).

    Parameters
    ----------
    models, results : sequences
        The :class:`relsim.Model` objects and the :class:`relsim.Results` of
        each, run with the same seed and replications.
    command : str
        The command that reproduces the report (shown in its header).
    comparison : relsim.Comparison, optional
        With several models: paired differences from the first.
    sensitivity : DataFrame, optional
        :func:`relsim.sensitivity` of the first model (a tornado chart).
    importance, cutsets : sequences of DataFrame, optional
        Per model, :func:`relsim.importance` and the minimal cut sets (or
        ``None`` for a model without them).
    labels : sequence of str, optional
        The models' labels (default: their names).
    notes : sequence of str
        Sentences shown under the header (what was left out and why).
    """
    from relsim._version import __version__

    labels = list(labels or [m.name for m in models])
    parts = [_model_part(label, m, r, sensitivity if i == 0 else None,
                         importance[i] if importance else None, cutsets[i] if cutsets else None)
             for i, (label, m, r) in enumerate(zip(labels, models, results))]
    first = results[0]
    header = [("models", ", ".join(f"{p.label} ({p.source})" for p in parts)),
              ("replications per model", str(len(first.runs))), ("seed", str(first.seed)),
              ("horizon per replication", format_duration(first.horizon)), ("relsim version", __version__)]
    generated = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = (f"Architecture review: {parts[0].label}" if len(parts) == 1
             else "Architecture review: " + " vs ".join(p.label for p in parts))
    review = Review(title=title, command=command, generated=generated, version=__version__, header=header,
                    models=parts, notes=list(notes))
    if comparison is not None and len(comparison.labels) > 1:
        review.comparison, review.differences, review.verdicts = _comparison(comparison)
        review.figures["comparison"] = plots.comparison(comparison)
    review.glossary = _glossary(parts)
    return review
