"""Figures of results in the reader's units: downtime in minutes per year, nines, outage minutes.

Every function draws on a matplotlib ``Axes`` (a new figure when ``ax`` is
not given) and returns it; :func:`comparison` returns a ``Figure`` of two
panels. Figures follow docs/architecture.md (code convention 19):
availability near 1 is shown as downtime in minutes per year (with nines on
a second axis), distributions over replications as ECDFs with a 95 %
Dvoretzky–Kiefer–Wolfowitz band [1]_, an interval on every estimate, axis
labels in words with units, and a title that states the finding.

Figures are built with :class:`matplotlib.figure.Figure`, not pyplot, so
nothing depends on a display or a global figure list; a figure shows in a
notebook as it is (``ax.figure``) and saves with ``savefig``.

References
----------
.. [1] P. Massart, "The tight constant in the Dvoretzky–Kiefer–Wolfowitz
   inequality", *Annals of Probability* 18(3), 1990: with n i.i.d. values,
   the empirical CDF is within ε = sqrt(ln(2/α) / (2n)) of the true CDF
   everywhere with probability at least 1 − α.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from relsim.units import YEAR

__all__ = ["MINUTES_PER_YEAR", "ResultsPlots", "availability", "comparison", "downtime_attribution",
           "importance", "incident_histogram", "nines", "outage_cdf", "tornado"]

MINUTES_PER_YEAR = YEAR / 60.0
#: Colours: one for estimates, one for objectives, one for "not met".
ESTIMATE, TARGET, BAD, GOOD = "#1f5fa8", "#c2410c", "#b91c1c", "#15803d"


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 3.6)) -> Axes:
    if ax is not None:
        return ax
    fig = Figure(figsize=size, layout="constrained")
    return fig.add_subplot()


def _dkw(n: int, alpha: float = 0.05) -> float:
    """Half-width of the DKW band of an ECDF of ``n`` i.i.d. values [1]_."""
    return math.sqrt(math.log(2.0 / alpha) / (2.0 * n)) if n else math.nan


def _ecdf(ax: Axes, values: np.ndarray, color: str, label: str) -> None:
    """Step ECDF of ``values`` with its 95 % DKW band."""
    x = np.sort(values)
    n = len(x)
    y = np.arange(1, n + 1) / n
    eps = _dkw(n)
    ax.fill_between(x, np.clip(y - eps, 0, 1), np.clip(y + eps, 0, 1), step="post", color=color, alpha=0.15,
                    linewidth=0, label="95 % band")
    ax.step(x, y, where="post", color=color, linewidth=1.8, label=label)


def _minutes(seconds: float) -> str:
    """Minutes as words (``52.6 min``, ``3.2 h``)."""
    m = seconds / 60.0
    if m >= 120:
        return f"{m / 60:.3g} h"
    if m >= 1:
        return f"{m:.3g} min"
    return f"{seconds:.3g} s"


def nines(availability: float) -> float:
    """Number of nines, -log10(1 - A): 99.95 % is 3.3 nines."""
    return math.inf if availability >= 1 else -math.log10(1.0 - availability)


def _summary_row(results: Any, metric: str) -> dict[str, Any] | None:
    s = results.summary()
    return None if metric not in s.index else dict(s.loc[metric])


def availability(results: Any, ax: Axes | None = None) -> Axes:
    """ECDF of downtime per replication in minutes per year, with the objective's allowed downtime.

    The x axis is downtime (minutes per year; a log scale when the values
    span more than two decades), a second axis above shows the same values as
    availability in nines. The band is the 95 % DKW band of the ECDF; the
    mean and its 95 % confidence interval are drawn as a point with an error
    bar, and the downtime the availability objective allows as a vertical
    line. The title says whether the mean is within the objective.
    """
    ax = _axes(ax)
    per_run = results.runs["downtime_per_year"].to_numpy(float) / 60.0
    _ecdf(ax, per_run, ESTIMATE, "replications (ECDF)")
    row = _summary_row(results, "downtime_per_year")
    mean = lo = hi = math.nan
    if row is not None:
        mean, lo, hi = (row[k] / 60.0 for k in ("mean", "ci_low", "ci_high"))
        if not math.isnan(lo):
            ax.errorbar([mean], [0.5], xerr=[[mean - lo], [hi - mean]], fmt="o", color="black", capsize=4,
                        label=f"mean {mean:.3g} min/yr, 95 % CI [{lo:.3g}, {hi:.3g}]")
    target = results.objectives.get("availability")
    allowed = None
    if target is not None:
        allowed = (1.0 - target) * MINUTES_PER_YEAR
        ax.axvline(allowed, color=TARGET, linestyle="--", linewidth=1.5,
                   label=f"objective {100 * target:g} % allows {allowed:.3g} min/yr")
    positive = per_run[per_run > 0]
    if len(positive) and positive.min() > 0 and positive.max() / positive.min() > 100 and len(positive) == len(per_run):
        ax.set_xscale("log")
    ax.set_xlim(left=0 if ax.get_xscale() == "linear" else None)
    ax.set_xlabel("downtime of the entry service (minutes per year)")
    ax.set_ylabel("share of replications\nwith at most this downtime")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    _nines_axis(ax)
    if allowed is not None and not math.isnan(mean):
        inside = (results.runs["downtime_per_year"].to_numpy(float) / 60.0 <= allowed).mean()
        # the verdict of Results.objectives_met when it gives one, so that figure and table agree
        given = results.objectives_met().get("availability", {}).get("verdict")
        word = given or ("met" if hi <= allowed else "not met" if lo > allowed else "not established")
        verdict = {"met": "meets", "not met": "misses"}.get(word, "is not established against")
        ax.set_title(f"Mean downtime {mean:.3g} min/yr {verdict} the objective ({allowed:.3g} min/yr);\n"
                     f"{inside:.0%} of replications are within it", fontsize=10)
    elif not math.isnan(mean):
        ax.set_title(f"Mean downtime {mean:.3g} min/yr (95 % CI [{lo:.3g}, {hi:.3g}])", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def _nines_axis(ax: Axes) -> None:
    """A top axis giving the availability, in nines, of the downtime below."""
    lo, hi = ax.get_xlim()
    top = ax.twiny()
    top.set_xscale(ax.get_xscale())
    top.set_xlim(lo, hi)
    ticks = [(n, MINUTES_PER_YEAR * 10.0 ** -n) for n in (1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5)]
    pos = (lambda v: math.log10(v)) if ax.get_xscale() == "log" else (lambda v: v)
    width = pos(hi) - pos(max(lo, 1e-12))
    shown: list[tuple[float, float]] = []
    for n, m in sorted(ticks, key=lambda t: t[1]):  # keep labels apart: 10 % of the width at least
        if lo <= m <= hi and (not shown or pos(m) - pos(shown[-1][1]) > 0.1 * width):
            shown.append((n, m))
    top.set_xticks([m for _, m in shown], [f"{n:g} ({100 * (1 - 10 ** -n):.{max(0, int(math.ceil(n)) - 2)}f} %)"
                                          for n, _ in shown], fontsize=8)
    top.minorticks_off()
    top.set_xlabel("the same as availability: nines (percent)", fontsize=9)


def outage_cdf(results: Any, ax: Axes | None = None) -> Axes:
    """CDF of outage durations (minutes, log scale) with the RTO objective marked.

    All outages of all replications are pooled; the band is the DKW band,
    which treats outages as independent (outages of one replication are
    not quite, so read it as a guide). The title gives the share of
    outages that end within the RTO.
    """
    ax = _axes(ax)
    d = results.outages["duration_s"].to_numpy(float) / 60.0
    d = d[d > 0]
    if len(d) == 0:
        ax.text(0.5, 0.5, "no outages in any replication", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    _ecdf(ax, d, ESTIMATE, f"{len(d)} outages (ECDF)")
    ax.set_xscale("log")
    rto = results.objectives.get("rto")
    title = f"Half of the outages last under {_minutes(60 * float(np.median(d)))}, the longest {_minutes(60 * d.max())}"
    if rto is not None:
        within = float((d <= rto / 60.0).mean())
        ax.axvline(rto / 60.0, color=TARGET, linestyle="--", linewidth=1.5, label=f"RTO objective {_minutes(rto)}")
        title = f"{within:.1%} of outages end within the RTO of {_minutes(rto)}; the longest lasts {_minutes(60 * d.max())}"
    ax.set_xlabel("outage duration (minutes, log scale)")
    ax.set_ylabel("share of outages\nshorter than this")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def incident_histogram(results: Any, column: str = "duration_s", ax: Axes | None = None) -> Axes:
    """Histogram of RTO (``duration_s`` of outages that needed a failover) or RPO (``rpo_s``) per incident.

    Bins are logarithmic in minutes (RTO) or seconds (RPO); the objective is
    the dashed line, incidents over it are drawn in red, and the title says
    how many incidents met it.
    """
    ax = _axes(ax)
    inc = results.incidents()
    rto = column == "duration_s"
    if rto:
        chosen = inc[inc["needed_failover"].astype(bool)] if "needed_failover" in inc else inc.iloc[:0]
        values, scale, unit, name = chosen[column].to_numpy(float) / 60.0, 60.0, "minutes", "rto"
    else:
        values, scale, unit, name = inc[column].dropna().to_numpy(float), 1.0, "seconds", "rpo"
    target = results.objectives.get(name)
    word = "recovery time (RTO)" if rto else "data lost (RPO)"
    if len(values) == 0:
        ax.text(0.5, 0.5, f"no incidents with a {word}", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    positive = values[values > 0]
    lo = positive.min() if len(positive) else 1e-3
    hi = max(values.max(), lo * 10, (target / scale) if target else 0)
    bins = np.geomspace(lo / 1.5, hi * 1.5, 30)
    clipped = np.clip(values, bins[0], None)  # zero data loss lands in the first bin
    if target is None:
        ax.hist(clipped, bins=bins, color=ESTIMATE, alpha=0.85, label="incidents")
    else:
        ok = clipped[values <= target / scale]
        over = clipped[values > target / scale]
        ax.hist([ok, over], bins=bins, stacked=True, color=[ESTIMATE, BAD],
                label=["within the objective", "over the objective"])
        ax.axvline(target / scale, color=TARGET, linestyle="--", linewidth=1.5,
                   label=f"{name.upper()} objective {_minutes(target)}")
    ax.set_xscale("log")
    ax.set_xlabel(f"{word} per incident ({unit}, log scale)")
    ax.set_ylabel("incidents")
    ax.grid(True, axis="y", alpha=0.3)
    if target is not None:
        met = float((values <= target / scale).mean())
        ax.set_title(f"{met:.1%} of {len(values)} incidents meet the {name.upper()} of {_minutes(target)}; "
                     f"the worst: {_minutes(values.max() * scale)}", fontsize=10)
    else:
        ax.set_title(f"{len(values)} incidents; the worst: {_minutes(values.max() * scale)}", fontsize=10)
    ax.legend(fontsize=8)
    return ax


def downtime_attribution(results: Any, by: str = "element", ax: Axes | None = None, top: int = 12) -> Axes:
    """Pareto chart: downtime per year by root cause, largest first, with 95 % intervals.

    Bars are the mean downtime (minutes per year) caused by each element (or
    failure kind) with Student-t error bars over replications
    (:func:`relsim.attribution.downtime_by`); the line on the right axis is
    the cumulative share of all downtime. At most ``top`` causes are drawn.
    """
    from relsim.attribution import downtime_by

    table = downtime_by(results, by).head(top)
    ax = _axes(ax)
    if len(table) == 0:
        ax.text(0.5, 0.5, "no outages: no downtime to attribute", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    x = np.arange(len(table))
    mean = table["downtime_per_year"].to_numpy(float) / 60.0
    lo = np.nan_to_num(mean - table["ci_low"].to_numpy(float) / 60.0, nan=0.0)
    hi = np.nan_to_num(table["ci_high"].to_numpy(float) / 60.0 - mean, nan=0.0)
    sure = table["established"].astype(bool).to_numpy() if "established" in table else np.ones(len(table), bool)
    ax.bar(x[sure], mean[sure], color=ESTIMATE, alpha=0.85,
           yerr=[np.clip(lo[sure], 0, None), np.clip(hi[sure], 0, None)], capsize=3, label="mean with 95 % CI")
    if not sure.all():  # too few outages for an interval: drawn hollow, so no bar looks more certain than it is
        ax.bar(x[~sure], mean[~sure], facecolor="white", edgecolor=ESTIMATE, hatch="//",
               label="too few outages: interval not established")
    ax.legend(fontsize=8, loc="center right")
    ax.set_xticks(x, table["cause"], rotation=30 if len(table) > 4 else 0, ha="right" if len(table) > 4 else "center")
    word = "element" if by == "element" else "kind of failure"
    ax.set_xlabel(f"root cause ({word})")
    ax.set_ylabel("downtime caused\n(minutes per year)")
    ax.grid(True, axis="y", alpha=0.3)
    share = table["share"].to_numpy(float)
    right = ax.twinx()
    right.plot(x, 100 * np.cumsum(share), color=TARGET, marker="o", linewidth=1.5, label="cumulative share")
    right.set_ylim(0, 105)
    right.set_ylabel("cumulative share of downtime (%)")
    first = table.iloc[0]
    ax.set_title(f"{first['cause']} causes {100 * first['share']:.0f} % of the downtime "
                 f"({first['downtime_per_year'] / 60:.3g} min/yr)", fontsize=10)
    return ax


def importance(table: Any, ax: Axes | None = None, measure: str | None = None, top: int = 15) -> Axes:
    """Horizontal bars of an importance measure per element, most important on top, with 95 % intervals.

    ``table`` is what :func:`relsim.importance` returns: one row per element
    with a column per measure and, where known, ``<measure>_ci_low`` /
    ``<measure>_ci_high``. ``measure`` defaults to Fussell–Vesely importance
    (the share of downtime an element's failures take part in), the measure
    that says which element to harden first.
    """
    ax = _axes(ax, (7.0, max(2.5, 0.35 * min(top, len(table)) + 1.2)))
    measure = measure or _default_measure(table)
    t = table.copy()
    if "element" in t.columns:
        t = t.set_index("element")
    t = t.sort_values(measure, ascending=False).head(top).iloc[::-1]
    y = np.arange(len(t))
    values = t[measure].to_numpy(float)
    err = None
    if f"{measure}_ci_low" in t and f"{measure}_ci_high" in t:
        lo = np.clip(values - t[f"{measure}_ci_low"].to_numpy(float), 0, None)
        hi = np.clip(t[f"{measure}_ci_high"].to_numpy(float) - values, 0, None)
        err = [np.nan_to_num(lo), np.nan_to_num(hi)]
    ax.barh(y, values, xerr=err, color=ESTIMATE, alpha=0.85, capsize=3, label="simulated, 95 % CI")
    if f"{measure}_exact" in t and t[f"{measure}_exact"].notna().any():
        ax.plot(t[f"{measure}_exact"].to_numpy(float), y, "D", color=TARGET, label="exact (Markov chain)")
        ax.legend(fontsize=8, loc="lower right")
    ax.set_yticks(y, [str(i) for i in t.index])
    label = _MEASURE_WORDS.get(measure, measure.replace("_", " "))
    ax.set_xlabel(label)
    ax.grid(True, axis="x", alpha=0.3)
    if len(t):
        word = label.split(" (")[0]
        lows = t[f"{measure}_ci_low"].to_numpy(float) if f"{measure}_ci_low" in t else values
        # a first place the interval cannot separate from the next is not claimed
        tied = len(t) > 1 and not np.isnan(lows[-1]) and lows[-1] <= values[-2]
        ax.set_title(f"{t.index[-1]} and {t.index[-2]} have the highest {word} (their intervals overlap)" if tied
                     else f"Harden {t.index[-1]} first: highest {word}", fontsize=10)
    return ax


_MEASURE_WORDS = {
    "birnbaum": "Birnbaum importance (drop in availability when the element is down)",
    "criticality": "criticality importance (share of unavailability)",
    "fussell_vesely": "Fussell–Vesely importance (share of downtime the element takes part in)",
    "raw": "risk achievement worth (unavailability × when always down)",
    "rrw": "risk reduction worth (unavailability ÷ when never down)",
}


def _default_measure(table: Any) -> str:
    for name in ("criticality", "fussell_vesely", "birnbaum"):
        if name in table.columns:
            return name
    numeric = [c for c in table.columns if not str(c).endswith(("_ci_low", "_ci_high", "_se"))
               and np.issubdtype(table[c].dtype, np.number)]
    if not numeric:
        raise ValueError("importance table has no numeric measure column")
    return str(numeric[0])


def _metric_axis(metric: str) -> tuple[Any, str]:
    """How to show ``metric`` to a reader: a value transform and an axis label."""
    from relsim.metric_registry import METRICS

    unit = METRICS[metric].unit if metric in METRICS else "ratio"
    if metric in ("availability", "served_fraction"):
        return (lambda a: (1.0 - np.asarray(a, float)) * MINUTES_PER_YEAR,
                "downtime (minutes per year)" if metric == "availability" else "unserved time (minutes per year)")
    if unit == "seconds/year":
        return (lambda s: np.asarray(s, float) / 60.0, f"{metric.replace('_', ' ')} (minutes per year)")
    if unit == "seconds":
        return (lambda s: np.asarray(s, float) / 60.0, f"{metric.replace('_', ' ')} (minutes)")
    return (lambda v: np.asarray(v, float), f"{metric.replace('_', ' ')} ({unit})")


def _delta(metric: str, diff: Any) -> Any:
    """A difference of ``metric`` in the units :func:`_metric_axis` shows it in.

    Availability is shown as downtime, so a gain of availability is a loss
    of downtime: the sign flips.
    """
    conv, _ = _metric_axis(metric)
    if metric in ("availability", "served_fraction"):
        return -np.asarray(diff, float) * MINUTES_PER_YEAR
    return conv(diff)


def tornado(table: Any, ax: Axes | None = None) -> Axes:
    """Tornado chart of :func:`relsim.sensitivity`: each parameter's low and high value, largest swing on top.

    Bars run from the base model's value to the value with the parameter at
    its low (light) and high (dark) end; the error bar on the high end is the
    95 % interval of the paired difference high − low, drawn from the low
    end's value. Availability is shown as downtime in minutes per year.
    """
    ax = _axes(ax, (7.0, max(2.5, 0.5 * len(table) + 1.3)))
    if len(table) == 0:
        ax.set_axis_off()
        return ax
    conv, label = _metric_axis(str(table["metric"].iloc[0]))
    t = table.iloc[::-1]
    base = float(conv(t["baseline"].iloc[0]))
    y = np.arange(len(t))
    at_low, at_high = conv(t["at_low"].to_numpy(float)), conv(t["at_high"].to_numpy(float))
    ax.barh(y, at_low - base, left=base, color="#93c5fd", label="parameter at low value")
    ax.barh(y, at_high - base, left=base, color=ESTIMATE, label="parameter at high value", height=0.5)
    metric = str(table["metric"].iloc[0])
    d = at_high - at_low
    lo = _delta(metric, t["difference_ci_low"].to_numpy(float))
    hi = _delta(metric, t["difference_ci_high"].to_numpy(float))
    if not np.isnan(lo).all():
        lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
        err = [np.clip(d - lo, 0, None), np.clip(hi - d, 0, None)]
        ax.errorbar(at_high, y, xerr=np.nan_to_num(err), fmt="none", ecolor="black", capsize=3,
                    label="95 % CI of high − low")
    ax.axvline(base, color="black", linewidth=1)
    ax.set_yticks(y, [f"{p}\n{lv} … {hv}" for p, lv, hv in zip(t["parameter"], t["low"], t["high"])], fontsize=8)
    ax.set_xlabel(label)
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    top = table.iloc[0]
    ax.set_title(f"{top['parameter']} moves {label.split(' (')[0]} the most "
                 f"({float(conv(top['at_low'])):.3g} → {float(conv(top['at_high'])):.3g})", fontsize=10)
    return ax


def comparison(comp: Any, metric: str = "availability") -> Figure:
    """Two panels: each variant's mean with its 95 % CI, and paired differences from the baseline.

    Availability is shown as downtime in minutes per year, with the
    baseline's objective marked. The right panel shows ``variant −
    baseline`` from common random numbers (paired over replications), which
    is far more precise than the difference of the two intervals on the
    left.
    """
    conv, label = _metric_axis(metric)
    fig = Figure(figsize=(9.0, max(2.6, 0.6 * len(comp.labels) + 1.4)), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    labels = comp.labels
    y = np.arange(len(labels))[::-1]
    for yi, name in zip(y, labels):
        row = comp.results[name].summary().loc[metric]
        m, a, b = (float(conv(row[k])) for k in ("mean", "ci_low", "ci_high"))
        lo, hi = min(a, b), max(a, b)
        left.errorbar([m], [yi], xerr=[[max(m - lo, 0)], [max(hi - m, 0)]], fmt="o", color=ESTIMATE, capsize=4)
        left.annotate(f"{m:.3g}", (m, yi), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
    target = comp.results[comp.baseline].objectives.get(metric)
    if target is not None and metric == "availability":
        left.axvline(float(conv(target)), color=TARGET, linestyle="--", label=f"objective {100 * target:g} %")
        left.legend(fontsize=8)
    left.set_yticks(y, labels)
    left.set_xlabel(label)
    left.set_title("each architecture (mean, 95 % CI)", fontsize=10)
    left.grid(True, axis="x", alpha=0.3)
    diffs = comp.differences()
    right.axvline(0, color="black", linewidth=1)
    for yi, name in zip(y, labels):
        if name == comp.baseline:
            right.annotate("baseline", (0, yi), textcoords="offset points", xytext=(4, 0), va="center",
                           fontsize=8)
            continue
        d = diffs[(diffs["variant"] == name) & (diffs["metric"] == metric)]
        if not len(d):
            continue
        r = d.iloc[0]
        m = float(_delta(metric, r["mean"]))
        a, b = sorted((float(_delta(metric, r["ci_low"])), float(_delta(metric, r["ci_high"]))))
        color = GOOD if (b < 0) else BAD if (a > 0) else "grey"
        right.errorbar([m], [yi], xerr=[[max(m - a, 0)], [max(b - m, 0)]], fmt="s", color=color, capsize=4)
        right.annotate(f"{m:+.3g}", (m, yi), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
    right.set_xlabel(f"change from {comp.baseline} ({label.split('(')[-1]}")
    right.set_title("paired difference (common random numbers, 95 % CI)", fontsize=10)
    right.grid(True, axis="x", alpha=0.3)
    fig.suptitle(_comparison_title(comp, metric, conv, label), fontsize=11)
    return fig


def _comparison_title(comp: Any, metric: str, conv: Any, label: str) -> str:
    means = {n: float(conv(comp.results[n].summary().loc[metric, "mean"])) for n in comp.labels}
    best = min(means, key=means.__getitem__) if "downtime" in label or "minutes" in label else max(
        means, key=means.__getitem__)
    return f"{best} has the least {label.split(' (')[0]}: {means[best]:.3g} {label.split('(')[-1].rstrip(')')}"


class ResultsPlots:
    """``results.plot``: the figures of one :class:`relsim.Results`.

    Each method returns the matplotlib ``Axes`` it drew on; pass ``ax=`` to
    draw into a figure of your own.
    """

    def __init__(self, results: Any) -> None:
        self._results = results

    def availability(self, ax: Axes | None = None) -> Axes:
        """Downtime per replication (ECDF, minutes per year) against the objective: :func:`availability`."""
        return availability(self._results, ax)

    def downtime_attribution(self, by: str = "element", ax: Axes | None = None) -> Axes:
        """Pareto chart of downtime by root cause: :func:`downtime_attribution`."""
        return downtime_attribution(self._results, by, ax)

    def outage_cdf(self, ax: Axes | None = None) -> Axes:
        """CDF of outage durations with the RTO marked: :func:`outage_cdf`."""
        return outage_cdf(self._results, ax)

    def importance(self, model: Any, runs: int | None = None, ax: Axes | None = None,
                   measure: str | None = None) -> Axes:
        """Importance of each element of ``model`` (:func:`relsim.importance`), as bars: :func:`importance`.

        ``runs`` defaults to the number of replications of these results,
        with the same seed.
        """
        from relsim.importance import (
            importance as measures,  # the statistics layer, loaded on first use
        )

        n = runs if runs is not None else len(self._results.runs)
        return importance(measures(model, runs=n, seed=self._results.seed), ax, measure)

    def __repr__(self) -> str:
        return "<plots: availability(), downtime_attribution(), outage_cdf(), importance(model)>"
