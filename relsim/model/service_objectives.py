"""Objectives per service and criticality tiers.

Each service may carry its own ``objectives`` (``availability``, ``rto``,
``rpo``) and a criticality ``tier`` (1 is the most critical). One run judges
every service's objectives, not only the entry service's; the report groups
the verdicts by tier (docs/maintenance-and-cost.md, "Objectives per service").
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from relsim.model.common import Duration, Fraction, _Frozen

__all__ = ["ServiceObjectives", "Tier"]

#: A criticality tier: 1 (most critical) to 9.
Tier = Annotated[int, Field(ge=1, le=9)]


class ServiceObjectives(_Frozen):
    """Targets of one service: its own availability (s = 1), longest outage, most data lost."""

    availability: Fraction | None = None
    rto: Duration | None = None
    rpo: Duration | None = None
