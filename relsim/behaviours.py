"""User-defined behaviours: mechanisms relsim does not know, written in Python.

A *behaviour* is a SimPy generator function registered under a kind name;
model files use it by that name in their ``behaviours:`` section, with
parameters validated by a pydantic model the behaviour declares
(docs/extending.md, docs/model-format.md §17)::

    import relsim
    from relsim.behaviours import Dist, Params

    class ChaosParams(Params):
        target: str
        every: Dist
        lasts: Dist

    @relsim.behaviour("chaos-monkey", params=ChaosParams, refs=("target",))
    def chaos_monkey(h, p):
        "Stops the target at random and starts it again."
        while True:
            yield h.timeout(h.sample(p.every))
            if h.stop(p.target):
                yield h.timeout(h.sample(p.lasts))
                h.restore(p.target)

The function receives a :class:`relsim.Handle` (the SimPy environment, the
behaviour's own random stream, read access to states and a small set of
actions) and the validated parameters; it runs once per replication from
time 0.

Model files stay data: a model can only name a behaviour that Python code
registered, because the user imported the module defining it (``import
my_behaviours`` before :func:`relsim.load`, or ``relsim run --plugin
my_behaviours``) or because an installed package declares it in the entry
point group ``relsim.behaviours`` (loaded on first use of the name).
relsim's own example behaviours (:mod:`relsim.contrib`) are declared that way.

:class:`Params` is the base class for parameter models: unknown keys are
errors, values are frozen, and the field types re-exported here (:data:`Duration`, :data:`Dist`,
:data:`Rate`, :data:`Fraction`, :data:`Count`...) read parameters the way
the rest of a model file is read (``2m``, ``exp(mean=1h)``, ``10/s``,
``99.9%``). This module imports neither SimPy nor the engine.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from relsim.model.behaviour_registry import (
    ENTRY_POINT_GROUP,
    Behaviour,
    behaviour,
    get,
    import_plugins,
    known,
    load_all,
    registered,
)
from relsim.model.common import (
    Count,
    Delay,
    Dist,
    Duration,
    Fraction,
    PositiveDist,
    PositiveDuration,
    Rate,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Behaviour",
    "Count",
    "Delay",
    "Dist",
    "Duration",
    "Fraction",
    "Params",
    "PositiveDist",
    "PositiveDuration",
    "Rate",
    "behaviour",
    "get",
    "import_plugins",
    "known",
    "load_all",
    "registered",
]


class Params(BaseModel):
    """Base class of a behaviour's parameter model.

    As every section of a model file: unknown keys are errors (with a
    did-you-mean), values are frozen, infinities and NaN are refused, and
    relsim's field types (:data:`Duration`, :data:`Dist`, :data:`Rate`,
    :data:`Fraction`, :data:`Count`) may be used as annotations.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True,
                              populate_by_name=True, allow_inf_nan=False)


