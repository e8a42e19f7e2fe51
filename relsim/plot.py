"""relsim's figures, each a matplotlib ``Axes`` or ``Figure``: ``relsim.plot.topology(model)``, ...

The functions live in the presentation layer (:mod:`relsim.report.plots`
and :mod:`relsim.report.topology`); this module gathers them under one
public name. The figures of one run are also at hand as
``results.plot.availability()`` and of a comparison as
``comparison.plot()``. What each shows and how to read it:
docs/reports.md.
"""

from __future__ import annotations

from relsim.report.plots import (
    availability,
    comparison,
    downtime_attribution,
    importance,
    incident_histogram,
    outage_cdf,
    tornado,
)
from relsim.report.topology import topology

__all__ = ["availability", "comparison", "downtime_attribution", "importance", "incident_histogram", "outage_cdf",
           "topology", "tornado"]
