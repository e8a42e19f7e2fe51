"""What a model's figures describe: the entry service, or the workload's request path.

Without a ``workload`` every availability figure is that of the entry
service (``entry``, or the one service no other uses). With a workload the
figures are request-weighted and describe the *request path*: the
workload's ``target`` (a DNS name, load balancer or service; by default the
entry service) and everything it routes to. An ``entry`` that differs from
the target then only chooses whose write latency is reported
(``write_latency_added``); :func:`entry_warning` says so, and more strongly
when the request path never reaches it (docs/model-format.md §10).
"""

from __future__ import annotations

from typing import Any

__all__ = ["entry_warning", "measured", "model_warnings", "nothing_fails", "reached_services"]


def measured(model: Any) -> str:
    """A phrase naming what the figures describe (table headers, ``relsim check``)."""
    workload = model.spec.workload
    if workload is None:
        return f"entry service '{model.entry}'"
    return f"request path of the workload to '{workload.target or model.entry}'"


def reached_services(model: Any) -> set[str]:
    """Services the workload's requests reach (through DNS names, balancers, replicas, dependencies)."""
    spec = model.spec
    if spec.workload is None:
        return set()
    names = spec.dns.names if spec.dns is not None else {}
    seen: set[str] = set()
    services: set[str] = set()
    frontier = [spec.workload.target or model.entry]
    while frontier:
        node = str(frontier.pop())
        if node in seen:
            continue
        seen.add(node)
        if node in names:
            frontier.extend(names[node].records)
        elif node in spec.load_balancers:
            frontier.append(spec.load_balancers[node].service)
        elif node in spec.services:
            services.add(node)
            frontier.extend(name for kind, name in (*model.replicas_of(node), *model.dependencies_of(node))
                            if kind == "service")
    return services


def entry_warning(model: Any) -> str | None:
    """Why an explicit ``entry`` does not choose what is measured, if it does not."""
    spec = model.spec
    if spec.workload is None or spec.entry is None or spec.workload.target in (None, spec.entry):
        return None
    target = spec.workload.target
    if spec.entry not in reached_services(model):
        return (f"entry '{spec.entry}' is not on the request path of the workload (target '{target}'): "
                f"relsim measures the request path, so entry only chooses whose write latency is reported")
    return (f"entry '{spec.entry}' does not choose what is measured: with a workload relsim measures the "
            f"request path from workload.target '{target}' (entry only chooses whose write latency is "
            "reported)")


def nothing_fails(model: Any) -> bool:
    """Whether no element of the model has a failure spec (so availability is exactly 1)."""
    spec = model.spec
    elements: list[Any] = [*model.components.values(), *model.domains.values(), *spec.links.values(),
                           *spec.load_balancers.values()]
    if spec.dns is not None:
        elements.append(spec.dns.provider)
    corrupts = any(s.data is not None and s.data.corruption is not None for s in spec.services.values())
    return not corrupts and not any(element.failures for element in elements)


def model_warnings(model: Any) -> list[str]:
    """What ``relsim check`` and ``relsim run`` warn about a valid model."""
    warnings = []
    entry = entry_warning(model)
    if entry is not None:
        warnings.append(entry)
    if nothing_fails(model) and not getattr(model.spec, "schedule", None):  # scheduled work takes things down
        warnings.append("nothing in this model can fail (no element has failures): "
                        "every availability figure will be exactly 1")
    return warnings
