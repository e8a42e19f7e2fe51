"""relsim: discrete-event reliability simulation of architectures.

Describe failure domains, components and services in a model file, then
``relsim.run(relsim.load("models/web.yaml"), runs=200, seed=1).summary()``
gives availability, downtime and outage metrics with confidence intervals.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from relsim._version import __version__

if TYPE_CHECKING:
    from relsim import analytic, behaviours, metric_registry, plot, report
    from relsim.application_formulas import (
        quorum_availability,
        saga_probabilities,
        sessions_lost_per_failure,
        stale_read_probability,
    )
    from relsim.attribution import attribution
    from relsim.behaviours import behaviour
    from relsim.change_formulas import bad_release_loss, trigger_delay
    from relsim.compare import Comparison, compare
    from relsim.cost import cost_per_nine, sweep_cost_per_nine
    from relsim.cutsets import cutsets
    from relsim.dists import Distribution, distribution, parse_dist
    from relsim.engine import RunResult, simulate
    from relsim.engine.behaviours import Handle
    from relsim.errors import (
        BackendError,
        BehaviourError,
        Interrupted,
        RelsimError,
        StoreMismatch,
        TooManyEvents,
        Unsupported,
    )
    from relsim.experiment import run
    from relsim.golden_signals import golden_signals
    from relsim.importance import importance
    from relsim.incidents import post_incident_reports
    from relsim.metric_registry import metric
    from relsim.model import Model, ModelError, Problem, from_dict, load, loads
    from relsim.results import Results
    from relsim.sensitivity import sensitivity
    from relsim.sweep import sweep
    from relsim.trace import trace
    from relsim.traffic_formulas import dns_failover_loss, expected_min_delay, lb_failure_loss
    from relsim.units import format_duration, parse_duration, parse_fraction, parse_rate

# Public name -> the module that defines it (a name equal to its module's last
# part and not defined in it, like ``analytic``, is the subpackage itself).
# Nothing here is imported until first use (PEP 562), so ``import relsim``
# does not load the engine, pandas, scipy or the exact solver.
# Adding a public name is one line here plus its entry in __all__ (and docs/api.md).
_LAZY: dict[str, str] = {
    "BackendError": "relsim.errors",
    "BehaviourError": "relsim.errors",
    "Comparison": "relsim.compare",
    "Distribution": "relsim.dists",
    "Handle": "relsim.engine.behaviours",
    "Interrupted": "relsim.errors",
    "Model": "relsim.model",
    "ModelError": "relsim.model",
    "Problem": "relsim.model",
    "RelsimError": "relsim.errors",
    "Results": "relsim.results",
    "RunResult": "relsim.engine",
    "StoreMismatch": "relsim.errors",
    "TooManyEvents": "relsim.errors",
    "Unsupported": "relsim.errors",
    "analytic": "relsim.analytic",
    "attribution": "relsim.attribution",
    "behaviour": "relsim.behaviours",
    "behaviours": "relsim.behaviours",
    "bad_release_loss": "relsim.change_formulas",
    "compare": "relsim.compare",
    "cost_per_nine": "relsim.cost",
    "cutsets": "relsim.cutsets",
    "distribution": "relsim.dists",
    "dns_failover_loss": "relsim.traffic_formulas",
    "expected_min_delay": "relsim.traffic_formulas",
    "format_duration": "relsim.units",
    "from_dict": "relsim.model",
    "golden_signals": "relsim.golden_signals",
    "importance": "relsim.importance",
    "lb_failure_loss": "relsim.traffic_formulas",
    "trigger_delay": "relsim.change_formulas",
    "quorum_availability": "relsim.application_formulas",
    "saga_probabilities": "relsim.application_formulas",
    "sessions_lost_per_failure": "relsim.application_formulas",
    "stale_read_probability": "relsim.application_formulas",
    "metric": "relsim.metric_registry",
    "metric_registry": "relsim.metric_registry",
    "report": "relsim.report",
    "load": "relsim.model",
    "loads": "relsim.model",
    "parse_dist": "relsim.dists",
    "parse_duration": "relsim.units",
    "parse_fraction": "relsim.units",
    "parse_rate": "relsim.units",
    "plot": "relsim.plot",
    "post_incident_reports": "relsim.incidents",
    "run": "relsim.experiment",
    "sensitivity": "relsim.sensitivity",
    "simulate": "relsim.engine",
    "sweep": "relsim.sweep",
    "sweep_cost_per_nine": "relsim.cost",
    "trace": "relsim.trace",
}

__all__ = [
    "BackendError",
    "BehaviourError",
    "Comparison",
    "Distribution",
    "Handle",
    "Interrupted",
    "Model",
    "ModelError",
    "Problem",
    "RelsimError",
    "Results",
    "RunResult",
    "StoreMismatch",
    "TooManyEvents",
    "Unsupported",
    "__version__",
    "analytic",
    "attribution",
    "behaviour",
    "behaviours",
    "compare",
    "cost_per_nine",
    "cutsets",
    "distribution",
    "dns_failover_loss",
    "expected_min_delay",
    "format_duration",
    "from_dict",
    "golden_signals",
    "importance",
    "lb_failure_loss",
    "bad_release_loss",
    "trigger_delay",
    "quorum_availability",
    "saga_probabilities",
    "sessions_lost_per_failure",
    "stale_read_probability",
    "load",
    "loads",
    "metric",
    "metric_registry",
    "parse_dist",
    "parse_duration",
    "parse_fraction",
    "parse_rate",
    "plot",
    "post_incident_reports",
    "report",
    "run",
    "sensitivity",
    "simulate",
    "sweep",
    "sweep_cost_per_nine",
    "trace",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it (PEP 562)."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(module_name)
    if module_name == f"{__name__}.{name}" and not hasattr(module, name):
        value: Any = module
    else:
        value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """relsim's module type: a submodule never hides the public name it defines.

    Importing ``relsim.trace`` (the module) makes Python bind it as the
    attribute ``relsim.trace``, which would hide the function
    :func:`relsim.trace` that ``__getattr__`` serves. The eager imports this
    package used to have rebound the function afterwards; this does the same.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if (
            isinstance(value, types.ModuleType)
            and _LAZY.get(name) == value.__name__ == f"{self.__name__}.{name}"
            and hasattr(value, name)
        ):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
