"""Cross-reference checks on the raw model data.

These run on the plain dict (not the parsed schema) so that they can report
problems even when parts of the file fail schema validation: a user sees
every problem at once.
"""

from __future__ import annotations

import difflib
from typing import Any

from relsim.model.cycles import find_cycle
from relsim.model.limits import MAX_COUNT, MAX_ELEMENTS, MAX_GROUP
from relsim.units import parse_duration

Path = tuple[Any, ...]
Found = list[tuple[Path, str]]

__all__ = ["check_references", "domain_tree", "group_members"]

MODES = ("active-active", "active-passive", "quorum")


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(str(name), known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def domain_tree(domains: Any) -> list[tuple[str, str | None, Path]]:
    """Flatten the domain tree to ``(name, parent, path)`` in depth-first order."""
    out: list[tuple[str, str | None, Path]] = []

    def walk(level: Any, parent: str | None, path: Path) -> None:
        if not isinstance(level, dict):
            return
        for name, body in level.items():
            out.append((str(name), parent, (*path, name)))
            if isinstance(body, dict):
                walk(body.get("contains"), str(name), (*path, name, "contains"))

    walk(domains, None, ("domains",))
    return out


def group_members(name: str, body: Any) -> list[str]:
    """Member names of a component entry: itself, or ``NAME-1`` .. ``NAME-N``."""
    if isinstance(body, dict) and "count" in body:
        count = body["count"]
        # Above MAX_GROUP the schema refuses the count; building a thousand
        # million names first would exhaust memory.
        if isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= MAX_GROUP:
            return [f"{name}-{i}" for i in range(1, count + 1)]
        return []
    return [name]


def check_references(raw: dict[str, Any]) -> Found:
    """Every name reference in ``raw`` must resolve; structures must be acyclic."""
    found: Found = []
    domains = domain_tree(raw.get("domains"))
    domain_names = [d for d, _, _ in domains]
    comps = raw.get("components") if isinstance(raw.get("components"), dict) else {}
    services = raw.get("services") if isinstance(raw.get("services"), dict) else {}

    # One namespace for every element and service name.
    owner: dict[str, Path] = {}

    def claim(name: str, path: Path) -> None:
        if name in owner:
            found.append((path, f"name '{name}' is already used at {_dotted(owner[name])}"))
        else:
            owner[name] = path

    for name, _, path in domains:
        claim(name, path)
    members: dict[str, list[str]] = {}
    total = len(domains)
    for name, body in comps.items():
        count = body.get("count") if isinstance(body, dict) else None
        if isinstance(count, int) and not isinstance(count, bool) and MAX_GROUP < count <= MAX_COUNT:
            found.append((("components", name, "count"),
                          f"count {count} is more than {MAX_GROUP:,} (the limit on group members)"))
        members[str(name)] = group_members(str(name), body)
        total += len(members[str(name)])
        if total > MAX_ELEMENTS:
            found.append((("components", name),
                          f"the model has more than {MAX_ELEMENTS:,} domains and components "
                          "(the limit on elements)"))
            break
        for m in members[str(name)]:
            claim(m, ("components", name))
        if members[str(name)] != [str(name)]:
            claim(str(name), ("components", name))
    # Services have their own namespace: models/design-example.yaml names both a
    # component group and the service built from it ``web``.

    for name, body in comps.items():
        if not isinstance(body, dict):
            continue
        if "in" in body and "spread" in body:
            found.append((("components", name, "spread"), "give either 'in' or 'spread', not both"))
        where = body.get("in")
        if where is not None and str(where) not in domain_names:
            found.append(
                (("components", name, "in"),
                 f"unknown domain '{where}'{_suggest(where, domain_names)}")
            )
        spread = body.get("spread")
        if isinstance(spread, str):
            spread = [spread]
        if isinstance(spread, list):
            if "count" not in body:
                found.append((("components", name, "spread"), "'spread' needs 'count' (a group)"))
            for i, d in enumerate(spread):
                if str(d) not in domain_names:
                    found.append(
                        (("components", name, "spread", i),
                         f"unknown domain '{d}'{_suggest(d, domain_names)}")
                    )

    all_members = {m for ms in members.values() for m in ms}
    usable = sorted(set(members) | {m for ms in members.values() for m in ms} | set(map(str, services)))
    graph: dict[str, list[str]] = {}  # service -> services it uses, in file order
    for name, body in services.items():
        if not isinstance(body, dict):
            continue
        graph.setdefault(str(name), [])
        n_replicas = 0
        for key in ("replicas", "depends_on"):
            refs = body.get(key, [])
            if isinstance(refs, str):
                refs = [refs]
            if not isinstance(refs, list):
                continue
            for i, ref in enumerate(refs):
                ref = str(ref)
                path = ("services", name, key, i) if isinstance(body.get(key), list) else ("services", name, key)
                if ref in services and ref != str(name):
                    graph.setdefault(str(name), []).append(ref)
                    graph.setdefault(ref, [])  # node order as first seen
                    n_replicas += key == "replicas"
                elif ref in members:
                    n_replicas += len(members[ref]) if key == "replicas" else 0
                elif ref in all_members:
                    n_replicas += key == "replicas"
                elif ref != str(name):
                    what = "replica" if key == "replicas" else "dependency"
                    found.append((path, f"unknown {what} '{ref}'{_suggest(ref, usable)}"))
                if ref == str(name) and ref not in members and ref not in all_members:
                    found.append((path, f"service '{name}' cannot use itself"))
        mode = body.get("mode", "active-active")
        found.extend(_mode_rules(name, body, mode, domain_names))
        needs = body.get("needs")
        if isinstance(needs, int) and not isinstance(needs, bool) and n_replicas and needs > n_replicas:
            found.append(
                (("services", name, "needs"),
                 f"needs (={needs}) must be <= number of replicas ({n_replicas})")
            )
        if mode == "active-passive" and "needs" in body:
            found.append((("services", name, "needs"), "'needs' does not apply to active-passive (one primary serves)"))
        if mode in MODES and mode != "active-passive":
            for key in ("standby", "failover", "startup", "detection", "fencing", "state"):
                if key in body:
                    found.append((("services", name, key), f"'{key}' applies only to mode: active-passive"))
        if mode == "active-passive" and body.get("standby") in ("warm", "cold") and "startup" not in body:
            found.append((("services", name, "standby"), f"standby: {body.get('standby')} needs 'startup' (start-up time of a standby)"))
    cycle = find_cycle(graph)
    if cycle:
        ring = " -> ".join([*cycle, cycle[0]])
        found.append((("services", cycle[0]), f"services form a cycle: {ring}"))

    links = raw.get("links") if isinstance(raw.get("links"), dict) else {}
    for name, body in links.items():
        claim(str(name), ("links", name))
        ends = body.get("between") if isinstance(body, dict) else None
        if isinstance(ends, list):
            for i, d in enumerate(ends):
                if str(d) not in domain_names:
                    found.append((("links", name, "between", i),
                                  f"unknown domain '{d}'{_suggest(d, domain_names)}"))
            if len(ends) == 2 and ends[0] == ends[1]:
                found.append((("links", name, "between"), "a link joins two different domains"))

    entry = raw.get("entry")
    if entry is not None and str(entry) not in services:
        found.append((("entry",), f"unknown service '{entry}'{_suggest(entry, list(map(str, services)))}"))
    elif entry is None and services:
        used = {ref for refs in graph.values() for ref in refs}
        roots = [s for s in graph if s not in used]
        if len(roots) != 1:
            found.append(
                (("entry",),
                 f"no 'entry' given and the top-level service is ambiguous ({', '.join(sorted(roots))}); name one")
            )
    if not services:
        found.append((("services",), "a model needs at least one service (the entry)"))
    from relsim.model.traffic_checks import check_traffic

    found.extend(check_traffic(raw, domain_names, list(owner)))
    found.extend(check_sovereignty(raw))
    return found


def _mode_rules(name: Any, body: dict[str, Any], mode: Any, domain_names: list[str]) -> Found:
    """Fields that only make sense in some modes, and their internal consistency."""
    found: Found = []
    where = ("services", name)
    if mode != "quorum" and "election" in body:
        found.append(((*where, "election"), "'election' applies only to mode: quorum"))
    if mode != "active-active" and "overload" in body:
        found.append(((*where, "overload"), "'overload' applies only to mode: active-active"))
    det = body.get("detection")
    if isinstance(det, dict):
        if ("heartbeat" in det) == ("health_check" in det):
            found.append(((*where, "detection"), "give exactly one of 'heartbeat' or 'health_check'"))
        if det.get("method") == "beats":
            found.extend(_beats_period(where, det))
        ctl = det.get("controller")
        if ctl is not None and str(ctl) not in domain_names:
            found.append(((*where, "detection", "controller"),
                          f"unknown domain '{ctl}'{_suggest(ctl, domain_names)}"))
    data = body.get("data")
    if isinstance(data, dict):
        found.extend(_data_rules(name, data, mode, domain_names))
    fo = body.get("failover")
    if isinstance(fo, dict) and fo.get("fallback") == "manual" and "manual" not in fo:
        found.append(((*where, "failover", "fallback"),
                      "fallback: manual needs 'manual' (the time an operator takes to restore service)"))
    return found


def _beats_period(where: Path, det: dict[str, Any]) -> Found:
    """``method: beats`` simulates every beat: a zero period would repeat one forever at one instant."""
    for probe, key in (("heartbeat", "period"), ("health_check", "interval")):
        body = det.get(probe)
        if isinstance(body, dict) and key in body:
            try:
                zero = parse_duration(body[key]) == 0
            except ValueError:
                continue  # the schema reports it
            if zero:
                return [((*where, "detection", probe, key), f"{key} must be > 0 with method: beats: time would "
                         "stand still (every beat at the same instant)")]
    return []


def _data_rules(name: Any, data: dict[str, Any], mode: Any, domain_names: list[str]) -> Found:
    found: Found = []
    where = ("services", name, "data")
    if mode == "quorum":
        found.append((where, "'data' applies to active-passive (replication) and active-active (multi-primary) services"))
    if mode == "active-active" and data.get("replication") in ("sync", "semi-sync"):
        found.append(((*where, "replication"), "sync and semi-sync replication need one primary (mode: active-passive)"))
    profile = data.get("profile")
    if isinstance(profile, list) and len(profile) != 24:
        found.append(((*where, "profile"), f"profile has 24 hourly factors, got {len(profile)}"))
    if isinstance(profile, list) and any(not isinstance(x, (int, float)) or x < 0 for x in profile):
        found.append(((*where, "profile"), "profile factors must be numbers >= 0"))
    backups = data.get("backups")
    if isinstance(backups, list):
        for i, b in enumerate(backups):
            d = b.get("in") if isinstance(b, dict) else None
            if d is not None and str(d) not in domain_names:
                found.append(((*where, "backups", i, "in"), f"unknown domain '{d}'{_suggest(d, domain_names)}"))
        if backups and "restore" not in data:
            found.append(((*where, "restore"), "backups need 'restore' (how long a restore takes)"))
    allowed = data.get("allowed")
    if isinstance(allowed, str):
        allowed = [allowed]
    if isinstance(allowed, list):
        for i, d in enumerate(allowed):
            if str(d) not in domain_names:
                found.append(((*where, "allowed", i), f"unknown domain '{d}'{_suggest(d, domain_names)}"))
    return found


def check_sovereignty(raw: dict[str, Any]) -> Found:
    """Data may live (replicas, backups) only inside a service's ``data.allowed`` domains."""
    found: Found = []
    parents = {d: p for d, p, _ in domain_tree(raw.get("domains"))}

    def inside(domain: Any, allowed: set[str]) -> bool:
        d = None if domain is None else str(domain)
        while d is not None:
            if d in allowed:
                return True
            d = parents.get(d)
        return False

    comps = raw.get("components") if isinstance(raw.get("components"), dict) else {}
    place: dict[str, Any] = {}
    for cname, body in comps.items():
        if not isinstance(body, dict):
            continue
        members = group_members(str(cname), body)
        spread = body.get("spread")
        if isinstance(spread, str):  # one domain, as the schema reads it
            spread = [spread]
        for i, m in enumerate(members):
            dom = spread[i % len(spread)] if isinstance(spread, list) and spread else body.get("in")
            place[m] = dom
        if len(members) > 1 or members != [str(cname)]:
            place[str(cname)] = [place[m] for m in members]
    services = raw.get("services") if isinstance(raw.get("services"), dict) else {}
    for sname, body in services.items():
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not data.get("allowed"):
            continue
        allowed = {str(a) for a in (data["allowed"] if isinstance(data["allowed"], list) else [data["allowed"]])}
        refs = body.get("replicas") or []
        for i, ref in enumerate(refs if isinstance(refs, list) else [refs]):
            where = place.get(str(ref), "unknown")
            for dom in where if isinstance(where, list) else [where]:
                if dom != "unknown" and not inside(dom, allowed):
                    lives = "is in no domain" if dom is None else f"lives in '{dom}'"
                    found.append((("services", sname, "replicas", i),
                                  f"data sovereignty: replica '{ref}' {lives}, outside the allowed "
                                  f"domains ({', '.join(sorted(allowed))})"))
        for i, b in enumerate(data.get("backups") or []):
            if isinstance(b, dict) and b.get("in") is not None and not inside(b["in"], allowed):
                found.append((("services", sname, "data", "backups", i, "in"),
                              f"data sovereignty: backups in '{b['in']}' are outside the allowed domains "
                              f"({', '.join(sorted(allowed))})"))
    return found


def _dotted(path: Path) -> str:
    from relsim.model.errors import dotted

    return dotted(path)
