"""The element-kind table: which code builds each section of a model, and each service mode.

A replication is built section by section, in the order of
:data:`SECTIONS`: every element kind is one line here and one builder in
its own module. A builder takes the :class:`~relsim.engine.simulation.Simulation`
and registers what it makes there (``sim.nodes`` and ``sim.elements`` for
elements, ``sim.service_nodes`` for services, ``sim.targets`` for
request-path targets, ``sim.traffic`` for the request path). The order is
the order of dependence: a component goes into a domain built before it, a
service's replicas exist when it is wired, a DNS name's records are load
balancers or services. The order also fixes the order in which the
elements' clocks start, so it is part of what makes a replication
reproducible.

:data:`SERVICE_MODES` maps each ``mode`` a service may have in the model
file (docs/model-format.md) to the class that runs it; a mode's behaviour
lives in its class, never in comparisons of mode names elsewhere.

Adding an element kind: write its module (a :class:`~relsim.engine.node.Node`
or :class:`~relsim.engine.elements.Element` and a builder) and add one line
to :data:`SECTIONS`. Adding a service mode: a
:class:`~relsim.engine.services.ServiceNode` subclass and one line in
:data:`SERVICE_MODES` (and the mode in the model schema).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from relsim.engine.behaviours import build_behaviours
from relsim.engine.consistency import build_operations
from relsim.engine.deployments import build_deployments
from relsim.engine.dns import build_dns
from relsim.engine.elements import build_components, build_domains
from relsim.engine.failover import ActivePassive
from relsim.engine.loadbalancer import build_load_balancers
from relsim.engine.mesh import build_mesh
from relsim.engine.network import build_links
from relsim.engine.phases import build_phases
from relsim.engine.placement import build_latency
from relsim.engine.response import build_incidents
from relsim.engine.sagas import build_sagas
from relsim.engine.scheduled import build_schedule
from relsim.engine.services import ActiveActive, Quorum, ServiceNode, build_services
from relsim.engine.sessions import build_sessions
from relsim.engine.spares import build_spares
from relsim.engine.traffic import build_traffic
from relsim.engine.upkeep import build_upkeep

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["SECTIONS", "SERVICE_MODES", "Builder"]

#: Builds one model section into a replication.
Builder = Callable[["Simulation"], None]

#: Model section -> its builder, in build order.
SECTIONS: tuple[tuple[str, Builder], ...] = (
    ("domains", build_domains),
    ("components", build_components),
    ("links", build_links),
    ("spares", build_spares),  # spare pools and crew travel in front of repairs (engine/spares.py)
    ("services", build_services),
    ("load_balancers", build_load_balancers),
    ("dns", build_dns),
    ("workload", build_traffic),
    ("sessions", build_sessions),  # user sessions on the services' replicas (engine/sessions.py)
    ("latency", build_latency),  # round trips from placement (engine/placement.py)
    ("operations", build_operations),  # consistency levels of reads and writes (engine/consistency.py)
    ("sagas", build_sagas),  # sagas and two-phase commits across services (engine/sagas.py)
    ("mesh", build_mesh),  # scheduled fault injection on services' routes (engine/mesh.py)
    ("phases", build_phases),  # mission phases: failure-rate multipliers and needs (engine/phases.py)
    ("costs", build_upkeep),  # costs; preventive maintenance, inspections (engine/upkeep.py)
    ("deployments", build_deployments),  # releases and configuration changes (engine/deployments.py)
    ("behaviours", build_behaviours),  # user-defined: they may refer to anything above
    ("schedule", build_schedule),  # timed maintenance, chaos experiments, drills (engine/scheduled.py)
    ("alerts", build_incidents),  # alerts and teams, with noise, observability, severity (engine/response.py)
    ("teams", build_incidents),  # (built once, by whichever of the two comes first)
)

#: Service ``mode`` -> the class that runs a service in that mode.
SERVICE_MODES: dict[str, type[ServiceNode]] = {
    "active-active": ActiveActive,
    "active-passive": ActivePassive,
    "quorum": Quorum,
}
