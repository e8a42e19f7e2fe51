"""Exact importance measures of the elements of a Markovian model.

For a model the exact solver accepts (:mod:`relsim.analytic.support`), the
entry service's unavailability is solved three times per element *i*: as
the model stands (:math:`U`), with *i* never failing (:math:`U_i^-`,
``Model.conditioned(never_fails={i})``) and with *i* down for good
(:math:`U_i^+`, ``Model.conditioned(always_down={i})``): each is the chain
of :mod:`relsim.analytic.ctmc` built for the conditioned model. The measures
follow from these three numbers and the element's own unavailability
:math:`q_i` (docs/importance.md gives the definitions and references):

* Birnbaum :math:`I_B = U_i^+ - U_i^-`;
* criticality :math:`I_{CR} = I_B\\,q_i / U`;
* Fussell–Vesely :math:`I_{FV} = (U - U_i^-)/U`;
* risk achievement worth :math:`RAW = U_i^+ / U`;
* risk reduction worth :math:`RRW = U / U_i^-`.

Unavailabilities are the expected fraction of the horizon spent down from
all-up at time 0 (``ExactResult.from_new``), which is what one replication
of the simulator measures, so the exact and simulated columns estimate the
same quantities; over a horizon much longer than repair times they equal
the steady-state values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from relsim.analytic.exact import solve
from relsim.model import Model

__all__ = ["exact_importance", "measures"]


def _unavailability(model: Model, horizon: float) -> tuple[float, dict[str, float]]:
    """Expected fraction of ``[0, horizon]`` the entry service is down, and each element's own."""
    result = solve(model)
    main = result._main
    chain = main.chain
    down = (~chain.up).astype(float)
    own = []
    for j in range(len(chain.elements)):
        own.append((~np.asarray(chain.serves[j], dtype=bool)[chain.statuses[:, j]]).astype(float))
    values = main.integral(horizon, [down, *own])
    u = max(values[0] / horizon, 0.0)
    q = {el: max(v / horizon, 0.0) for el, v in zip(chain.elements, values[1:])}
    for members in chain.classes:  # lumped components are interchangeable
        mean = sum(q[chain.elements[j]] for j in members) / len(members)
        q.update({chain.elements[j]: mean for j in members})
    return u, q


def measures(u: float, u_up: float, u_down: float, q: float) -> dict[str, float]:
    """The five importance measures from the three unavailabilities and ``q_i``.

    ``u_up`` is :math:`U_i^-` (element never fails), ``u_down`` is
    :math:`U_i^+` (element always down). A ratio whose denominator is zero
    is NaN: not established (a system that is never down has no
    Fussell–Vesely, criticality or RAW).
    """
    birnbaum = u_down - u_up
    if u > 0:
        crit, fv, raw = birnbaum * q / u, (u - u_up) / u, u_down / u
    else:
        crit = fv = raw = math.nan
    rrw = u / u_up if u_up > 0 else math.nan
    return {"birnbaum": birnbaum, "criticality": crit, "fussell_vesely": fv, "raw": raw, "rrw": rrw}


def exact_importance(model: Model, elements: list[str], horizon: float | None = None) -> dict[str, dict[str, Any]]:
    """Exact importance measures of ``elements``, by name.

    Parameters
    ----------
    model : Model
        A model the exact solver accepts.
    elements : list of str
        Domains and components of ``model``.
    horizon : float, optional
        Seconds from all-up (the model's horizon by default).

    Returns
    -------
    dict
        Per element: the measures of :func:`measures`, ``unavailability``,
        ``unavailability_if_up`` (:math:`U_i^-`), ``unavailability_if_down``
        (:math:`U_i^+`) and ``element_unavailability`` (:math:`q_i`).

    Raises
    ------
    Unsupported
        If the model is outside the exact solver's class.
    """
    h = float(model.horizon if horizon is None else horizon)
    u, q = _unavailability(model, h)
    out: dict[str, dict[str, Any]] = {}
    for name in elements:
        u_up, _ = _unavailability(model.conditioned(never_fails={name}), h)
        u_down, _ = _unavailability(model.conditioned(always_down={name}), h)
        qi = q.get(name, 0.0)  # not in the chain: it never fails, or cannot matter
        row = measures(u, u_up, u_down, qi)
        row.update(unavailability=u, unavailability_if_up=u_up, unavailability_if_down=u_down,
                   element_unavailability=qi)
        out[name] = row
    return out
