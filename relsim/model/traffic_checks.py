"""Cross-reference checks of the traffic sections (``workload``, ``load_balancers``, ``dns``).

Like :mod:`relsim.model.checks` they run on the raw dict, so every problem
is reported at once, each with its dotted path.
"""

from __future__ import annotations

import difflib
from typing import Any

Path = tuple[Any, ...]
Found = list[tuple[Path, str]]

__all__ = ["check_traffic"]


def _suggest(name: Any, known: list[str]) -> str:
    close = difflib.get_close_matches(str(name), known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def check_traffic(raw: dict[str, Any], domain_names: list[str], element_names: list[str]) -> Found:
    """Problems in the traffic sections of ``raw``.

    ``domain_names`` are every domain; ``element_names`` every domain,
    component and link name (load balancers share their namespace).
    """
    found: Found = []
    services = _mapping(raw.get("services"))
    lbs = _mapping(raw.get("load_balancers"))
    dns = _mapping(raw.get("dns"))
    names = _mapping(dns.get("names"))
    service_names = [str(s) for s in services]

    for name, body in lbs.items():
        where = ("load_balancers", name)
        if str(name) in element_names:
            found.append((where, f"name '{name}' is already used by a domain, component or link"))
        if not isinstance(body, dict):
            continue
        svc = body.get("service")
        if svc is not None and str(svc) not in services:
            found.append(((*where, "service"), f"unknown service '{svc}'{_suggest(svc, service_names)}"))
        elif svc is not None:
            mode = _mapping(services[str(svc)]).get("mode", "active-active")
            if mode != "active-active":
                found.append(((*where, "service"),
                              f"a load balancer fronts an active-active service; '{svc}' is {mode}"))
        if body.get("in") is not None and str(body["in"]) not in domain_names:
            found.append(((*where, "in"), f"unknown domain '{body['in']}'{_suggest(body['in'], domain_names)}"))
        if body.get("algorithm") == "weighted" and not body.get("weights"):
            found.append(((*where, "weights"), "algorithm: weighted needs 'weights' (backend → weight)"))

    targets = [str(n) for n in (*lbs, *services)]
    for name, body in names.items():
        where = ("dns", "names", name)
        if str(name) in lbs or str(name) in services:
            found.append((where, f"name '{name}' is already used by a load balancer or service"))
        if not isinstance(body, dict):
            continue
        records = body.get("records", [])
        records = [records] if isinstance(records, str) else records
        if isinstance(records, list):
            for i, rec in enumerate(records):
                if str(rec) not in targets:
                    found.append(((*where, "records", i),
                                  f"unknown record target '{rec}' (a load balancer or service)"
                                  f"{_suggest(rec, targets)}"))
        weights = body.get("weights")
        if body.get("policy") == "weighted" and not weights:
            found.append(((*where, "weights"), "policy: weighted needs 'weights' (record → weight)"))
        for rec in _mapping(weights):
            if isinstance(records, list) and rec not in records:
                found.append(((*where, "weights", rec), f"'{rec}' is not one of the records"))
    if raw.get("dns") is not None and "dns" in element_names:
        found.append((("dns",), "the DNS provider is the element 'dns'; that name is already used"))
    prov = _mapping(dns.get("provider"))
    if prov.get("in") is not None and str(prov["in"]) not in domain_names:
        found.append((("dns", "provider", "in"),
                      f"unknown domain '{prov['in']}'{_suggest(prov['in'], domain_names)}"))

    work = raw.get("workload")
    if isinstance(work, dict):
        target = work.get("target")
        known = [str(n) for n in (*names, *lbs, *services)]
        if target is not None and str(target) not in known:
            found.append((("workload", "target"),
                          f"unknown target '{target}' (a DNS name, load balancer or service)"
                          f"{_suggest(target, known)}"))
        if work.get("mode") == "discrete":
            clients = _mapping(work.get("clients"))
            if work.get("rate_limit") is not None:
                found.append((("workload", "rate_limit"), "a rate limit needs mode: fluid (load feedback)"))
            if clients.get("circuit_breaker") is not None:
                found.append((("workload", "clients", "circuit_breaker"),
                              "a circuit breaker needs mode: fluid"))
            for name, body in lbs.items():
                for key in ("capacity", "overload"):
                    if _mapping(body).get(key) is not None:
                        found.append((("load_balancers", name, key),
                                      f"'{key}' needs workload mode: fluid (load feedback)"))
        for pop, body in _mapping(work.get("populations")).items():
            near = _mapping(body).get("near")
            if near is not None and str(near) not in domain_names:
                found.append((("workload", "populations", pop, "near"),
                              f"unknown domain '{near}'{_suggest(near, domain_names)}"))
    elif lbs or names:
        found.append((("workload",), "load_balancers and dns need a 'workload' (the requests they route)"))
    return found
