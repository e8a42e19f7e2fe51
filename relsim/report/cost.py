"""Text of the cost per added nine beside a comparison or a sweep (relsim/cost.py)."""

from __future__ import annotations

from typing import Any

from relsim.report.formatting import text_table

__all__ = ["comparison_cost_lines", "sweep_cost_lines"]


def _money(x: float, currency: str) -> str:
    if x != x:  # NaN
        return "-"
    return f"{x:+,.0f} {currency}".rstrip()


def comparison_cost_lines(comp: Any) -> list[str]:
    """``relsim compare``: the cost difference beside the availability difference, per variant."""
    from relsim.cost import cost_per_nine

    first = comp.results[comp.baseline]
    if "cost_per_year" not in first.runs:
        return []
    currency = ""  # Results keep no model; the numbers are in the model's costs.currency
    table = cost_per_nine(comp)
    body = []
    for r in table.itertuples():
        body.append([r.variant, f"{r.nines_baseline:.2f} -> {r.nines_variant:.2f} ({r.nines_added:+.2f})",
                     _money(r.cost_difference, currency),
                     f"[{_money(r.cost_difference_ci_low, currency)}, {_money(r.cost_difference_ci_high, currency)}]",
                     _money(r.cost_per_nine, currency),
                     f"[{_money(r.ci_low, currency)}, {_money(r.ci_high, currency)}]"])
    return ["", f"cost against availability (vs {comp.baseline}; per year, paired, 95% CI, delta method):",
            text_table(["variant", "nines", "cost difference", "95% CI", "per added nine", "95% CI"], body)]


def sweep_cost_lines(table: Any) -> list[str]:
    """``relsim sweep``: each point's cost per added nine against the first point (means only)."""
    from relsim.cost import sweep_cost_per_nine

    if not {"availability", "cost_per_year"} <= set(table["metric"]):
        return []
    per = sweep_cost_per_nine(table)
    body = [[str(r.point), f"{r.nines:.2f}", f"{r.cost_per_year:,.0f}", f"{r.nines_added:+.2f}",
             "-" if r.cost_per_nine != r.cost_per_nine else f"{r.cost_per_nine:,.0f}"] for r in per.itertuples()]
    return ["", "cost per added nine against point 0 (from the means; compare two points for an interval):",
            text_table(["point", "nines", "cost/year", "nines added", "cost per added nine"], body)]
