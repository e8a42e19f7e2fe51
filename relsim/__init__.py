"""relsim: discrete-event reliability simulation of architectures.

Describe failure domains, components and services in a model file, then
``relsim.run(relsim.load("models/web.yaml"), runs=200, seed=1).summary()``
gives availability, downtime and outage metrics with confidence intervals.
"""

from relsim import analytic
from relsim.attribution import attribution
from relsim.compare import Comparison, compare
from relsim.dists import Distribution, parse_dist
from relsim.engine import RunResult, simulate
from relsim.experiment import run
from relsim.golden_signals import golden_signals
from relsim.model import Model, ModelError, Problem, from_dict, load, loads
from relsim.results import Results
from relsim.sensitivity import sensitivity
from relsim.sweep import sweep
from relsim.trace import trace
from relsim.traffic_formulas import dns_failover_loss, expected_min_delay, lb_failure_loss
from relsim.units import format_duration, parse_duration, parse_fraction, parse_rate

__version__ = "0.1.0"

__all__ = [
    "Comparison",
    "Distribution",
    "Model",
    "ModelError",
    "Problem",
    "Results",
    "RunResult",
    "__version__",
    "analytic",
    "attribution",
    "compare",
    "dns_failover_loss",
    "expected_min_delay",
    "format_duration",
    "from_dict",
    "golden_signals",
    "lb_failure_loss",
    "load",
    "loads",
    "parse_dist",
    "parse_duration",
    "parse_fraction",
    "parse_rate",
    "run",
    "sensitivity",
    "simulate",
    "sweep",
    "trace",
]
