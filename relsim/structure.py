"""The structure function of a model: what is served with a given set of elements down.

With a set *F* of elements failed (each down itself), every element's
effective state follows — up when it is not in *F* and no enclosing domain
is — then each service's served fraction by its mode, as the engine
computes it once every transient (detection, failover, health checks, DNS
caches) has settled (docs/model-format.md §14):

* ``active-active``: ``min(1, u / needs)``, *u* the sum of the replicas'
  served fractions;
* ``quorum``: 1 if at least ``needs`` (default a majority) fully-up replicas
  reach each other (no failed link between their domains), else 0;
* ``active-passive``: the best replica the controller can reach (the
  failover has happened);
* ``depends_on``: the product with each dependency's fraction (series).

Without a ``workload`` what is measured is the entry service. With one it is
the request path from the workload's ``target`` (docs/traffic.md):

* a load balancer serves its service's fraction while it is itself up (in
  steady state its health checks have taken failed backends out of
  rotation, which leaves the service's own ``min(1, u / needs)``);
* a DNS name sends each client population to the record its policy picks —
  with a ``health_check`` the first record (``failover``; ``latency``: the
  first in the population's ``near`` domain) or all the ``weighted`` ones
  that serve anything, without one the records of the all-up answer; the
  path serves the share-weighted sum over populations;
* while the DNS provider is down, answers are frozen at the all-up answer
  (``serve_stale: true``) or clients get none and fail (``false``).

The measured thing is down when its fraction is below 1, as an outage is.
:mod:`relsim.cutsets` enumerates failed sets against this function.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

from relsim.model import Model

__all__ = ["Structure"]


class Structure:
    """The structure function of ``model``'s entry service or request path.

    Parameters
    ----------
    model : Model

    Notes
    -----
    :meth:`served` gives the fraction served with a set of elements down,
    :meth:`down` whether that is below 1, :meth:`relevant` which elements can
    matter to it at all.
    """

    def __init__(self, model: Model):
        self.model = model
        spec = model.spec
        self._links = {name: tuple(link.between) for name, link in spec.links.items()}
        self._chains: dict[str | None, frozenset[str]] = {None: frozenset()}
        for d in model.domains:
            chain, p = [], d
            while p is not None:
                chain.append(p)
                p = model.domain_parents.get(p)
            self._chains[d] = frozenset(chain)
        self._names = spec.dns.names if spec.dns is not None else {}
        workload = spec.workload
        self.top = model.entry if workload is None else (workload.target or model.entry)
        pops = workload.populations if workload is not None else {}
        total = sum(p.share for p in pops.values())
        self._populations = ([(p.share / total, p.near) for p in pops.values()] if pops and total > 0
                             else [(1.0, None)])

    # -- what can matter ------------------------------------------------------
    def relevant(self) -> dict[str, str]:
        """Elements whose failure can change what is measured, mapped to their kind."""
        model, spec = self.model, self.model.spec
        out: dict[str, str] = {}
        places: set[str | None] = set()
        seen: set[str] = set()
        stack = [self.top]
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in self._names:
                stack.extend(self._names[name].records)
                provider = spec.dns.provider if spec.dns is not None else None
                if provider is not None:
                    out["dns"] = "dns"
                    places.add(provider.in_)
            elif name in spec.load_balancers:
                lb = spec.load_balancers[name]
                out[name] = "load_balancer"
                places.add(lb.in_)
                stack.append(lb.service)
            else:
                for kind, ref in (*model.replicas_of(name), *model.dependencies_of(name)):
                    if kind == "service":
                        stack.append(ref)
                    else:
                        out[ref] = "component"
                        places.add(model.components[ref].domain)
        for d in set().union(*(self._chains[p] for p in places)):
            out[d] = "domain"
        out.update(dict.fromkeys(self._links, "link"))
        return out

    # -- evaluation -------------------------------------------------------------
    def down(self, failed: frozenset[str]) -> bool:
        """Whether what is measured is down with ``failed`` down.

        Down is a served fraction below 1 — with a workload, below
        ``objectives.outage_below``, as an outage is (docs/model-format.md §14.6).
        """
        spec = self.model.spec
        below = spec.objectives.outage_below if spec.workload is not None else 1.0
        return self.served(failed) < below

    def served(self, failed: frozenset[str]) -> float:
        """The served fraction of what is measured with the elements in ``failed`` down."""
        model, spec = self.model, self.model.spec
        cut = [self._links[n] for n in failed if n in self._links]
        cache: dict[str, float] = {}

        def reach(a: frozenset[str], b: frozenset[str]) -> bool:
            return not any((x in a and y in b) or (y in a and x in b) for x, y in cut)

        def element_up(name: str, domain: str | None) -> bool:
            return name not in failed and not (self._chains[domain] & failed)

        def node(kind: str, name: str) -> tuple[float, frozenset[str]]:
            if kind == "service":
                return service(name), frozenset()  # a service is reachable from anywhere
            domain = model.components[name].domain
            return (1.0 if element_up(name, domain) else 0.0), self._chains[domain]

        def service(name: str) -> float:
            if name in cache:
                return cache[name]
            svc = spec.services[name]
            reps = [node(k, n) for k, n in model.replicas_of(name)]
            if svc.mode == "quorum":
                needs = svc.needs if svc.needs is not None else len(reps) // 2 + 1
                up = [p for s, p in reps if s == 1.0]
                base = 1.0 if _largest_group(up, reach) >= needs else 0.0
            elif svc.mode == "active-passive":
                det = svc.detection
                ctrl = self._chains[det.controller] if det is not None and det.controller else frozenset()
                base = max((s for s, p in reps if reach(ctrl, p)), default=0.0)
            else:
                base = min(1.0, sum(s for s, _ in reps) / (svc.needs or 1))
            for kind, dep in model.dependencies_of(name):
                base *= node(kind, dep)[0]
            cache[name] = base
            return base

        def target(name: str) -> float:
            if name in self._names:
                return self._dns(name, target, failed)
            if name in spec.load_balancers:
                lb = spec.load_balancers[name]
                return (1.0 if element_up(name, lb.in_) else 0.0) * service(lb.service)
            return service(name)

        return target(self.top)

    def _dns(self, name: str, target: Callable[..., float], failed: frozenset[str]) -> float:
        """A DNS name's share of requests served: each population's answer, weighted by its share."""
        spec = self.model.spec
        body = self._names[name]
        provider = spec.dns.provider if spec.dns is not None else None
        if provider is not None and ("dns" in failed or self._chains[provider.in_] & failed):
            if not provider.serve_stale:
                return 0.0  # no answers: every client whose cache expires fails
            frozen = True  # answers stay what they were with everything up
        else:
            frozen = body.health_check is None  # without checks answers never change
        values = [target(r) for r in body.records]
        healthy = [True] * len(values) if frozen else [v > 0.0 for v in values]
        weights = [float(body.weights.get(r, 1.0)) for r in body.records]
        total = 0.0
        for share, near in self._populations:
            if body.policy == "weighted":
                picked = [i for i in range(len(values)) if healthy[i] and weights[i] > 0] or \
                         [i for i in range(len(values)) if weights[i] > 0]
                w = sum(weights[i] for i in picked)
                got = sum(weights[i] * values[i] for i in picked) / w if w > 0 else 0.0
            else:
                order = self._near_first(body.records, near) if body.policy == "latency" else \
                    list(range(len(values)))
                pick = next((i for i in order if healthy[i]), order[0])
                got = values[pick]
            total += share * got
        return total

    def _near_first(self, records: tuple[str, ...], near: str | None) -> list[int]:
        """Record indices, those living in domain ``near`` first (as the engine orders them)."""
        inside = [i for i, r in enumerate(records) if near is not None and near in self._place(r)]
        return inside + [i for i in range(len(records)) if i not in inside]

    def _place(self, record: str) -> frozenset[str]:
        spec, model = self.model.spec, self.model
        if record in spec.load_balancers:
            return self._chains[spec.load_balancers[record].in_]
        out: frozenset[str] = frozenset()
        for kind, ref in model.replicas_of(record):
            out |= self._place(ref) if kind == "service" else self._chains[model.components[ref].domain]
        return out


def _largest_group(places: list[frozenset[str]], reach: Callable[[frozenset[str], frozenset[str]], bool]) -> int:
    """Size of the largest set of ``places`` that all reach each other."""
    for size in range(len(places), 0, -1):
        for combo in combinations(places, size):
            if all(reach(a, b) for a, b in combinations(combo, 2)):
                return size
    return 0
