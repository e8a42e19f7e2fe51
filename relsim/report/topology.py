"""A picture of a model: failure domains as nested boxes, the elements in them, services above.

The drawing has two parts. Below, every failure domain is a box holding the
domains it contains and the components placed in it (a component outside
every domain sits in a box of its own), so what fails together is drawn
together. Above, the services in tiers — the entry service on top, each
service above the services it is built from — with their mode (``2-of-3
active-active``, ``quorum 2 of 3``, ``active-passive, warm standby``),
then the load balancers in front of services and the DNS names in front of
those. Solid lines join a service to its replicas, dashed lines to what it
depends on; dotted lines join the domains a network link connects.

The layout is computed here (rows that wrap at a fixed width, so a model
of 5 or of 200 elements stays readable) and drawn with matplotlib in
points, so that 1 unit of the layout is 1 point of the figure and text
keeps its size whatever the model's size; a large model gives a larger
figure, not smaller text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

__all__ = ["Layout", "layout", "service_mode", "topology"]

COMP_W, COMP_H = 104.0, 26.0     # a component box, in points
NODE_W, NODE_H = 176.0, 40.0     # a service, load balancer or DNS name
GAP, PAD, HEAD = 8.0, 8.0, 18.0  # space between boxes, inside a domain, a domain's title
ROW = 1200.0                     # rows wrap at this width
BUNDLE = 8                       # a service with more component replicas shades them instead of lines
SHADES = ("#fbcfe8", "#fed7aa", "#a5f3fc", "#d9f99d", "#fecaca", "#c7d2fe", "#f5d0fe", "#e7e5e4")
TIER = 70.0                      # vertical space between tiers of services
MIN_W = 500.0                    # the legend's width

COLOURS = {"component": "#dbeafe", "service": "#fef3c7", "entry": "#fde68a", "lb": "#dcfce7",
           "dns": "#f3e8ff", "domain": ("#f8fafc", "#eef2f7", "#e2e8f0", "#d5dde8")}


@dataclass
class Box:
    """A placed rectangle: ``x``, ``y`` (top left, y grows downwards), size, what it is and its label."""

    name: str
    kind: str
    x: float = 0.0
    y: float = 0.0
    w: float = COMP_W
    h: float = COMP_H
    label: str = ""
    detail: str = ""
    depth: int = 0
    colour: str | None = None
    children: list[Box] = field(default_factory=list)

    def shift(self, dx: float, dy: float) -> None:
        self.x += dx
        self.y += dy
        for c in self.children:
            c.shift(dx, dy)

    def walk(self) -> Iterable[Box]:
        yield self
        for c in self.children:
            yield from c.walk()

    @property
    def top(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y

    @property
    def bottom(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h


@dataclass
class Layout:
    """Every box of the picture and the lines between them, in points."""

    boxes: dict[str, Box]
    domains: list[Box]
    edges: list[tuple[str, str, str]]  # (from, to, "replica" | "depends" | "front" | "link")
    width: float
    height: float


def service_mode(model: Any, name: str) -> str:
    """How a service combines its replicas, in words: ``2-of-3 active-active``, ``quorum 2 of 3``, ..."""
    svc = model.services[name]
    n = len(model.replicas_of(name))
    if svc.mode == "active-passive":
        return f"active-passive, {svc.standby} standby ({n} replicas)"
    if svc.mode == "quorum":
        return f"quorum {svc.needs or n // 2 + 1} of {n}"
    return f"{svc.needs or 1}-of-{n} active-active"


def _wrap(items: list[Box], width: float) -> tuple[float, float]:
    """Place ``items`` left to right in rows no wider than ``width``; return the size used."""
    x = y = row_h = used_w = 0.0
    for it in items:
        if x > 0 and x + it.w > width:
            x, y, row_h = 0.0, y + row_h + GAP, 0.0
        it.shift(x - it.x, y - it.y)
        x += it.w + GAP
        row_h = max(row_h, it.h)
        used_w = max(used_w, x - GAP)
    return used_w, y + row_h


def _domain_box(model: Any, name: str, spec: Any, members: dict[str | None, list[str]], depth: int) -> Box:
    inner = [Box(c, "component", label=c) for c in members.get(name, [])]
    inner += [_domain_box(model, child, cs, members, depth + 1) for child, cs in spec.contains.items()]
    w, h = _wrap(inner, ROW - 2 * PAD * (depth + 1))
    box = Box(name, "domain", label=f"{name} ({spec.kind})", depth=depth, children=inner,
              w=max(w + 2 * PAD, 7.0 * len(name) + 60), h=HEAD + h + PAD + (0 if inner else 4))
    for c in inner:
        c.shift(PAD, HEAD)
    return box


def _tiers(model: Any) -> dict[str, int]:
    """Tier of each service: 0 for the entry, one more than any service built on it."""
    users: dict[str, set[str]] = {s: set() for s in model.services}
    for s in model.services:
        for kind, ref in (*model.replicas_of(s), *model.dependencies_of(s)):
            if kind == "service":
                users[ref].add(s)
    tier: dict[str, int] = {}

    def depth(s: str, seen: frozenset[str] = frozenset()) -> int:
        if s not in tier:
            above = [depth(u, seen | {s}) for u in users[s] if u not in seen]
            tier[s] = 1 + max(above) if above else 0
        return tier[s]

    for s in model.services:
        depth(s)
    return tier


def layout(model: Any) -> Layout:
    """Compute where every box goes (see the module docstring)."""
    members: dict[str | None, list[str]] = {}
    for c in model.components.values():
        members.setdefault(c.domain, []).append(c.name)
    spec = model.spec
    tops = [_domain_box(model, n, d, members, 0) for n, d in spec.domains.items()]
    if members.get(None):
        loose = [Box(c, "component", label=c) for c in members[None]]
        w, h = _wrap(loose, ROW - 2 * PAD)
        for c in loose:
            c.shift(PAD, HEAD)
        tops.append(Box("(no failure domain)", "domain", label="no failure domain", children=loose,
                        w=max(w + 2 * PAD, 160), h=HEAD + h + PAD))
    ground_w, ground_h = _wrap(tops, max(ROW, max((t.w for t in tops), default=0)))

    tier = _tiers(model)
    rows: list[list[Box]] = []
    entry = model.entry if model.entry in model.services else None
    dns_names = dict(spec.dns.names) if spec.dns is not None else {}
    if dns_names:
        rows.append([Box(n, "dns", w=NODE_W, h=NODE_H, label=n,
                         detail=f"DNS, {d.policy}, TTL {d.ttl:g} s") for n, d in dns_names.items()])
    if spec.load_balancers:
        rows.append([Box(n, "lb", w=NODE_W, h=NODE_H, label=n,
                         detail=f"load balancer{', in ' + lb.in_ if lb.in_ else ''}")
                     for n, lb in spec.load_balancers.items()])
    for t in range(max(tier.values(), default=-1) + 1):
        rows.append([Box(s, "entry" if s == entry else "service", w=NODE_W, h=NODE_H, label=s,
                         detail=service_mode(model, s)) for s in model.services if tier[s] == t])
    width = max(ground_w, ROW if len(model.services) > 6 else 0.0)
    y = 10.0
    nodes: list[Box] = []
    for row in rows:
        w, h = _wrap(row, max(width, NODE_W))
        off = (max(width, w) - w) / 2
        for b in row:
            b.shift(off, y)
        nodes += row
        y += h + TIER
    width = max(width, *(b.x + b.w for b in nodes)) if nodes else width
    for t in tops:
        t.shift((width - ground_w) / 2 if ground_w < width else 0.0, y)
    boxes = {b.name: b for t in tops for b in t.walk()}
    boxes.update({f"svc:{b.name}" if b.kind in ("service", "entry") else f"{b.kind}:{b.name}": b for b in nodes})
    edges: list[tuple[str, str, str]] = []
    shade = 0
    for s in model.services:
        replicas = model.replicas_of(s)
        if sum(k == "component" for k, _ in replicas) > BUNDLE:
            # hundreds of lines would hide the picture: colour the replicas like the service instead
            colour = SHADES[shade % len(SHADES)]
            shade += 1
            boxes[f"svc:{s}"].colour = colour
            boxes[f"svc:{s}"].detail += ", replicas shaded"
            for kind, ref in replicas:
                if kind == "component" and ref in boxes:
                    boxes[ref].colour = colour
            replicas = [r for r in replicas if r[0] == "service"]
        for kind, ref in replicas:
            edges.append((f"svc:{s}", f"svc:{ref}" if kind == "service" else ref, "replica"))
        for kind, ref in model.dependencies_of(s):
            edges.append((f"svc:{s}", f"svc:{ref}" if kind == "service" else ref, "depends"))
    for n, lb in spec.load_balancers.items():
        edges.append((f"lb:{n}", f"svc:{lb.service}", "front"))
    for n, d in dns_names.items():
        for r in d.records:
            edges.append((f"dns:{n}", f"lb:{r}" if r in spec.load_balancers else f"svc:{r}", "front"))
    for link in spec.links.values():
        edges.append((link.between[0], link.between[1], "link"))
    edges = [e for e in edges if e[0] in boxes and e[1] in boxes]
    height = y + ground_h + 10
    return Layout(boxes, tops, edges, width + 20, height)


_EDGE_STYLE = {"replica": dict(color="#475569", linestyle="-", linewidth=0.9),
               "depends": dict(color="#c2410c", linestyle="--", linewidth=1.1),
               "front": dict(color="#15803d", linestyle="-", linewidth=1.1),
               "link": dict(color="#7c3aed", linestyle=":", linewidth=1.6)}


def topology(model: Any, title: str | None = None) -> Figure:
    """Draw ``model``: domains as nested boxes, components in them, services, load balancers, DNS.

    Parameters
    ----------
    model : relsim.Model
        A loaded model (:func:`relsim.load`).
    title : str, optional
        Default: the model's name, its entry service and what it holds.

    Returns
    -------
    matplotlib.figure.Figure
        Sized so that 1 point of the layout is 1 point of the figure; save it
        with ``fig.savefig("topology.svg")``.
    """
    lay = layout(model)
    if lay.width < MIN_W:  # centre a small model above the legend
        for b in {id(b): b for top in lay.domains for b in top.walk()}.values():
            b.x += (MIN_W - lay.width) / 2
        for key, b in lay.boxes.items():
            if ":" in key:
                b.x += (MIN_W - lay.width) / 2
    head = 36.0
    fig = Figure(figsize=(max(lay.width, MIN_W) / 72, (lay.height + head + 46) / 72))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, max(lay.width, MIN_W))
    ax.set_ylim(lay.height + 46, -head)
    ax.set_axis_off()
    if title is None:
        title = (f"{model.name}: entry service '{model.entry}'; {_count(len(model.domains), 'failure domain')}, "
                 f"{_count(len(model.components), 'component')}, {_count(len(model.services), 'service')}")
    ax.text(10, -head + 8, title, fontsize=11, fontweight="bold", va="top")
    for src, dst, kind in lay.edges:
        a, b = lay.boxes[src], lay.boxes[dst]
        (x0, y0), (x1, y1) = (a.bottom, b.top) if kind != "link" else (a.top, b.top)
        if kind == "link":
            ax.annotate("", (x1, y1 + 6), (x0, y0 + 6), arrowprops=dict(arrowstyle="-", connectionstyle="arc3,rad=-0.25",
                                                                     **_EDGE_STYLE[kind]), zorder=5)
            continue
        # above the domain boxes (which would hide the line's end) but below the element boxes
        ax.plot([x0, x1], [y0, y1], alpha=0.55, zorder=3.5, **_EDGE_STYLE[kind])
    for top in lay.domains:
        for b in top.walk():
            _draw(ax, b)
    for key, b in lay.boxes.items():
        if ":" in key:
            _draw(ax, b)
    _legend(ax, lay.height + 16)
    return fig


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _draw(ax: Any, b: Box) -> None:
    if b.kind == "domain":
        shades = COLOURS["domain"]
        ax.add_patch(FancyBboxPatch((b.x, b.y), b.w, b.h, boxstyle="round,pad=0,rounding_size=6",
                                    facecolor=shades[min(b.depth, len(shades) - 1)], edgecolor="#64748b",
                                    linewidth=1.0, zorder=2))
        ax.text(b.x + 6, b.y + 4, b.label, fontsize=8.5, fontweight="bold", va="top", color="#334155", zorder=3)
        return
    face = b.colour if b.kind == "component" and b.colour else COLOURS[b.kind]
    if b.colour and b.kind != "component":  # a service whose replicas are shaded: a band of their colour
        ax.add_patch(FancyBboxPatch((b.x - 5, b.y), 10, b.h, boxstyle="round,pad=0,rounding_size=3",
                                    facecolor=b.colour, edgecolor="#334155", linewidth=0.8, zorder=4.5))
    edge = "#92400e" if b.kind == "entry" else "#334155"
    ax.add_patch(FancyBboxPatch((b.x, b.y), b.w, b.h, boxstyle="round,pad=0,rounding_size=4", facecolor=face,
                                edgecolor=edge, linewidth=2.2 if b.kind == "entry" else 0.8, zorder=4))
    label = b.label if len(b.label) <= (b.w / 6.2) else b.label[: int(b.w / 6.2) - 1] + "…"
    if b.detail:
        ax.text(b.x + b.w / 2, b.y + 13, label + (" (entry)" if b.kind == "entry" else ""), fontsize=8.5,
                fontweight="bold", ha="center", va="center", zorder=5)
        ax.text(b.x + b.w / 2, b.y + 29, b.detail, fontsize=6.8, ha="center", va="center", zorder=5, color="#334155")
    else:
        ax.text(b.x + b.w / 2, b.y + b.h / 2, label, fontsize=8, ha="center", va="center", zorder=5)


def _legend(ax: Any, y: float) -> None:
    x = 10.0
    for text, kind in (("service", "service"), ("load balancer", "lb"), ("DNS name", "dns"), ("component", "component")):
        ax.add_patch(FancyBboxPatch((x, y - 6), 14, 12, boxstyle="round,pad=0,rounding_size=2",
                                    facecolor=COLOURS[kind], edgecolor="#334155", linewidth=0.8))
        ax.text(x + 18, y, text, fontsize=7.5, va="center")
        x += 28 + 6.0 * len(text)
    x, y = 10.0, y + 18
    for text, kind in (("built from (replica)", "replica"), ("depends on", "depends"), ("in front of", "front"),
                       ("network link between domains", "link")):
        ax.plot([x, x + 22], [y, y], **_EDGE_STYLE[kind])
        ax.text(x + 26, y, text, fontsize=7.5, va="center")
        x += 36 + 5.6 * len(text)
