"""Text tables of importance measures and minimal cut sets.

``relsim importance`` and ``relsim cutsets`` print these; the tables come
from :func:`relsim.importance.importance` and :func:`relsim.cutsets.cutsets`
(definitions in docs/importance.md). A value that is not established (a
zero denominator in every replication) shows as "n/e".
"""

from __future__ import annotations

import math
from typing import Any

from relsim.report.formatting import text_table
from relsim.units import format_duration

__all__ = ["cutsets_table", "importance_table"]

NOT_ESTABLISHED = "n/e"


def _num(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return NOT_ESTABLISHED
    x = float(x)
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def _ci(low: Any, high: Any) -> str:
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (low, high)):
        return "-"
    return f"[{_num(low)}, {_num(high)}]"


def _share(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{100 * x:.1f}%" if x >= 0.001 or x == 0 else "<0.1%"


def importance_table(table: Any) -> str:
    """``relsim importance``: one line per element, the one to harden first on top.

    Shows criticality and Birnbaum with their 95 % intervals, Fussell–Vesely,
    RAW and RRW, and the exact values beside them when the table has
    ``*_exact`` columns.
    """
    if len(table) == 0:
        return "importance: no element with failures to measure"
    first = table.iloc[0]
    exact = "criticality_exact" in table.columns
    header = ["rank", "element", "kind", "criticality", "95% CI", "Birnbaum", "95% CI",
              "Fussell-Vesely", "RAW", "RRW"]
    if exact:
        header += ["criticality exact", "Birnbaum exact"]
    body = []
    for r in table.itertuples():
        row = [str(r.rank), str(r.element), str(r.kind), _num(r.criticality),
               _ci(r.criticality_ci_low, r.criticality_ci_high), _num(r.birnbaum),
               _ci(r.birnbaum_ci_low, r.birnbaum_ci_high), _num(r.fussell_vesely), _num(r.raw), _num(r.rrw)]
        if exact:
            row += [_num(r.criticality_exact, 4), _num(r.birnbaum_exact, 4)]
        body.append(row)
    lines = [
        f"importance of each element to {first['model']}: {int(first['runs'])} replications per variant, "
        f"seed {first['seed']}, horizon {format_duration(first['horizon_s'])}, common random numbers",
        f"unavailability U = {_num(first['unavailability'])} (se {_num(first['unavailability_se'])}); "
        f"ranked by {str(first['ranked_by']).replace('_exact', ' (exact)')} (rank 1: harden this first)",
        "",
        text_table(header, body, left=3),
        "",
        "criticality = Birnbaum · q / U (share of U the element is critical and down for); "
        "Birnbaum = U(always down) − U(never fails);",
        "Fussell-Vesely = (U − U(never fails)) / U; RAW = U(always down) / U; RRW = U / U(never fails); "
        f"{NOT_ESTABLISHED}: not established (zero denominator). See docs/importance.md.",
    ]
    notes = sorted({n for n in table["note"] if n})
    lines += [f"note: {n}" for n in notes]
    return "\n".join(lines)


def cutsets_table(table: Any) -> str:
    """``relsim cutsets``: minimal cut sets by order, with their share of the downtime."""
    if len(table) == 0:
        return "minimal cut sets: none up to this order (no combination of failures takes the service down)"
    first = table.iloc[0]
    runs = int(first["runs"])
    header = ["rank", "order", "cut set", "downtime/y", "95% CI", "share", "95% CI"]
    body = []
    for r in table.itertuples():
        down = "-" if math.isnan(r.downtime_per_year) else format_duration(r.downtime_per_year)
        ci = ("-" if math.isnan(r.downtime_per_year_ci_low) else
              f"[{format_duration(r.downtime_per_year_ci_low)}, {format_duration(r.downtime_per_year_ci_high)}]")
        body.append([str(r.rank), str(r.order) if r.order else "-", str(r.cut_set), down, ci, _share(r.share),
                     "-" if math.isnan(r.share_ci_low) else f"[{_share(r.share_ci_low)}, {_share(r.share_ci_high)}]"])
    shares = (f"share of downtime from {runs} traced replications, seed {first['seed']}" if runs
              else "no replications run: shares not estimated")
    lines = [
        f"minimal cut sets of the {first['measured']} of {first['model']} up to order "
        f"{int(first['max_order'])} (elements whose failure together takes it down); {shares}",
        "",
        text_table(header, body, left=3),
    ]
    if (table["order"] == 0).any():
        lines += ["", "(other): outage time during which no listed cut set was down: failover, detection, "
                  "elections, start-ups, or a cut set of higher order"]
    return "\n".join(lines)
