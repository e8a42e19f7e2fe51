"""Loading models from files or dicts, reporting every problem at once."""

from __future__ import annotations

import copy
import difflib
import os
import re
import types
import typing
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Union

import yaml
from pydantic import BaseModel, ValidationError

from relsim.model.application import check_application, suggest
from relsim.model.behaviours import check_behaviours
from relsim.model.checks import check_references, domain_tree, group_members
from relsim.model.deployments import check_deployments
from relsim.model.errors import ModelError, Problem
from relsim.model.incidents import check_incidents
from relsim.model.limits import MAX_FILE_BYTES
from relsim.model.logistics import check_logistics
from relsim.model.maintenance import check_maintenance
from relsim.model.phases import check_phases
from relsim.model.schedule import check_schedule
from relsim.model.schema import FailureSpec, ModelSpec, Service
from relsim.model.timing import Calendar
from relsim.model.yamlmarks import load_with_marks, rejoin_split_values

__all__ = ["Model", "ExpandedComponent", "Forcing", "load", "from_dict"]

Path = tuple[Any, ...]


@dataclass(frozen=True)
class ExpandedComponent:
    """One concrete component after group expansion."""

    name: str
    domain: str | None
    failures: tuple[FailureSpec, ...]
    group: str | None = None


@dataclass(frozen=True)
class Forcing:
    """Elements held up or down in every replication (see :meth:`Model.conditioned`).

    Attributes
    ----------
    never_fails : frozenset of str
        Elements whose failures never happen.
    always_down : frozenset of str
        Elements down for the whole replication and never repaired.
    element_downtime : bool
        Whether a replication reports each element's own downtime.
    """

    never_fails: frozenset[str] = frozenset()
    always_down: frozenset[str] = frozenset()
    element_downtime: bool = False


@dataclass(frozen=True, repr=False)
class Model:
    """A validated model: frozen, picklable data with no randomness.

    Build one with :func:`relsim.load` (a file or a dict). The parsed sections
    are in :attr:`spec`; group expansion and the domain tree are derived once
    here for the engine.
    """

    spec: ModelSpec
    source: str = "<dict>"
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: Elements conditioned for importance measures (see :meth:`conditioned`).
    forcing: Forcing | None = None

    def __repr__(self) -> str:
        n_dom, n_comp, n_svc = len(self.domains), len(self.components), len(self.services)
        return (f"<Model {self.name!r} from {self.source}: {n_dom} domains, {n_comp} components, "
                f"{n_svc} services, entry {self.entry!r}>")

    # --- convenience views -------------------------------------------------
    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def calendar(self) -> Calendar:
        """The wall-clock week of model time (``start_day``, ``start_time``; Monday 00:00 by default)."""
        return Calendar(self.spec.start_day, self.spec.start_time)

    @property
    def horizon(self) -> float:
        """Simulated seconds per replication."""
        return self.spec.horizon

    @property
    def entry(self) -> str:
        """The service whose availability is reported."""
        if self.spec.entry is not None:
            return self.spec.entry
        used = {n for s in self.spec.services for k, n in (*self.replicas_of(s), *self.dependencies_of(s))
                if k == "service"}
        return next(s for s in self.spec.services if s not in used)

    @property
    def services(self) -> dict[str, Service]:
        return self.spec.services

    @cached_property
    def domain_parents(self) -> dict[str, str | None]:
        """Every domain mapped to its enclosing domain (``None`` at the top)."""
        return {name: parent for name, parent, _ in domain_tree(self.raw_domains())}

    @cached_property
    def domains(self) -> dict[str, Any]:
        """Every domain (flattened tree) mapped to its :class:`Domain` spec."""
        out: dict[str, Any] = {}

        def walk(level: dict[str, Any]) -> None:
            for name, dom in level.items():
                out[name] = dom
                walk(dom.contains)

        walk(self.spec.domains)
        return out

    @cached_property
    def components(self) -> dict[str, ExpandedComponent]:
        """Concrete components, groups expanded to their members."""
        out: dict[str, ExpandedComponent] = {}
        for name, comp in self.spec.components.items():
            members = group_members(name, {"count": comp.count} if comp.count else {})
            for i, member in enumerate(members):
                if comp.spread:
                    domain: str | None = comp.spread[i % len(comp.spread)]
                else:
                    domain = comp.in_
                group = name if comp.count else None
                out[member] = ExpandedComponent(member, domain, comp.failures, group)
        return out

    @cached_property
    def groups(self) -> dict[str, tuple[str, ...]]:
        """Component groups mapped to their member names."""
        return {
            name: tuple(group_members(name, {"count": c.count}))
            for name, c in self.spec.components.items()
            if c.count
        }

    def raw_domains(self) -> Any:
        return self.spec.model_dump(by_alias=True)["domains"] if not self.raw else self.raw.get("domains")

    def resolve(self, service: str, ref: str) -> list[tuple[str, str]]:
        """What the name ``ref`` in ``service``'s replicas or depends_on means.

        Services and components have separate namespaces. A name means the
        service of that name, unless that is ``service`` itself; otherwise the
        component, or every member of the group. Returns ``(kind, name)``
        pairs with kind ``"service"`` or ``"component"``.
        """
        if ref in self.spec.services and ref != service:
            return [("service", ref)]
        return [("component", m) for m in self.groups.get(ref, (ref,))]

    def replicas_of(self, service: str) -> list[tuple[str, str]]:
        """Replicas of ``service`` resolved (see :meth:`resolve`), in listed order."""
        return [node for r in self.spec.services[service].replicas for node in self.resolve(service, r)]

    def dependencies_of(self, service: str) -> list[tuple[str, str]]:
        """Dependencies of ``service`` resolved (see :meth:`resolve`)."""
        return [node for d in self.spec.services[service].depends_on for node in self.resolve(service, d)]

    def with_overrides(self, overrides: dict[str, Any]) -> Model:
        """A new Model with dotted-path fields replaced.

        ``model.with_overrides({"services.db.mode": "active-active",
        "components.db-1.failures[0].every": "exp(mean=2y)"})``. Paths use
        the model-file keys; list items are ``[i]`` or ``.i``. Missing
        mapping keys are created. The result is validated like a file.
        """
        raw = copy.deepcopy(self.raw)
        for dotted_path, value in overrides.items():
            _set_path(raw, _parse_path(dotted_path), value, dotted_path)
        out = from_dict(raw, source=f"{self.source} (with overrides)")
        return out if self.forcing is None else replace(out, forcing=self.forcing)

    def element_names(self) -> dict[str, str]:
        """Every element that can fail in a replication, mapped to its kind.

        Domains (``domain``), components after group expansion
        (``component``), links (``link``), load balancers
        (``load_balancer``) and the DNS provider (``dns``), in that order.
        """
        out = dict.fromkeys(self.domains, "domain")
        out.update(dict.fromkeys(self.components, "component"))
        out.update(dict.fromkeys(self.spec.links, "link"))
        out.update(dict.fromkeys(self.spec.load_balancers, "load_balancer"))
        if self.spec.dns is not None:
            out["dns"] = "dns"  # the DNS provider (the engine's element name)
        return out

    def conditioned(self, never_fails: Any = (), always_down: Any = (),
                    element_downtime: bool = False) -> Model:
        """This model with some elements held up or down, for importance measures.

        Parameters
        ----------
        never_fails : iterable of str
            Elements whose failure specs never fire (perfect elements).
        always_down : iterable of str
            Elements down from time 0 to the horizon, never repaired: they
            take no repair crew and run no failure clock (a domain held down
            makes everything inside it unreachable, not broken).
        element_downtime : bool
            Report each element's own downtime per replication (for its
            unavailability ``q_i``).

        The model file is unchanged: the conditions live beside the spec and
        the engine and the exact solver honour them (docs/importance.md).

        Raises
        ------
        ValueError
            If a name is not an element of the model, or is in both sets.
        """
        up, down = frozenset(never_fails), frozenset(always_down)
        known = self.element_names()
        unknown = sorted((up | down) - set(known))
        if unknown:
            raise ValueError(f"{self.source}: unknown element(s) {', '.join(map(repr, unknown))}; "
                             f"the elements are {', '.join(known) or 'none'}")
        both = sorted(up & down)
        if both:
            raise ValueError(f"element(s) {', '.join(map(repr, both))} cannot both never fail "
                             "and always be down")
        return replace(self, forcing=Forcing(up, down, element_downtime))

    def __getstate__(self) -> dict[str, Any]:
        # Derived views (cached properties) are rebuilt on demand, not pickled.
        return {"spec": self.spec, "source": self.source, "raw": self.raw, "forcing": self.forcing}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)


def _parse_path(text: str) -> list[Any]:
    parts: list[Any] = []
    for chunk in text.replace("[", ".").replace("]", "").split("."):
        if chunk == "":
            continue
        parts.append(int(chunk) if chunk.isdigit() else chunk)
    if not parts:
        raise ModelError([Problem("<overrides>", None, (), f"empty override path {text!r}")])
    return parts


def _set_path(raw: Any, parts: list[Any], value: Any, text: str) -> None:
    node = raw
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list) and isinstance(part, int):
            if part >= len(node):
                raise ModelError([Problem("<overrides>", None, tuple(parts[: i + 1]), f"index {part} out of range in override {text!r}")])
            if last:
                node[part] = value
            else:
                node = node[part]
        elif isinstance(node, dict):
            key = part if part in node or not isinstance(part, int) else part
            if last:
                node[key] = value
            else:
                if key not in node:
                    node[key] = {}
                node = node[key]
        else:
            raise ModelError([Problem("<overrides>", None, tuple(parts[: i + 1]), f"cannot set {text!r}: {type(node).__name__} has no field {part!r}")])


def load(source: str | os.PathLike[str] | dict[str, Any]) -> Model:
    """Load and validate a model from a YAML file path or a dict.

    Raises
    ------
    relsim.ModelError
        Listing every problem found, each with file, line and dotted path.
    """
    if isinstance(source, dict):
        return from_dict(source)
    if not isinstance(source, (str, os.PathLike)):
        raise ModelError([Problem("<model>", None, (), "a model is a file path or a dict of sections, "
                                  f"got {type(source).__name__} {_short(source)}")])
    path = os.fspath(source)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ModelError([Problem(path, None, (), f"cannot read model file: {exc.strerror}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise ModelError([Problem(path, None, (), f"file larger than {MAX_FILE_BYTES:,} bytes "
                                  "(the limit on model files)")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ModelError([Problem(path, line, (), f"not UTF-8 text (byte 0x{data[exc.start]:02x} "
                                  f"at offset {exc.start}): a model file is YAML text")]) from None
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte-order mark some editors write
    return loads(text, source=path)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def loads(text: str, source: str = "<string>") -> Model:
    """Load a model from YAML text; ``source`` names it in error messages."""
    if not isinstance(text, str):
        raise ModelError([Problem(source, None, (), f"model text must be a string, got {type(text).__name__}")])
    if len(text) > MAX_FILE_BYTES:
        raise ModelError([Problem(source, None, (), f"text longer than {MAX_FILE_BYTES:,} characters "
                                  "(the limit on model files)")])
    try:
        raw, lines, duplicates = load_with_marks(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ModelError([Problem(source, line, (), f"invalid YAML: {problem}")]) from None
    if raw is None:
        raw = {}
    if isinstance(raw, dict) and "name" not in raw:
        stem = os.path.splitext(os.path.basename(source))[0]
        raw = {"name": stem, **raw}
    repeated = [Problem(source, d.again, d.path, f"duplicate key '{d.path[-1]}': also on line {d.first} "
                        "(YAML would keep only the later one)") for d in duplicates]
    try:
        model = from_dict(raw, source=source, lines=lines)
    except ModelError as exc:
        if not repeated:
            raise
        problems = [*repeated, *exc.problems]
        problems.sort(key=lambda p: (p.line or 0, str(p.path)))
        raise ModelError(problems) from None
    if repeated:
        raise ModelError(repeated)
    return model


def from_dict(raw: dict[str, Any], source: str = "<dict>", lines: dict[Path, int] | None = None) -> Model:
    """Validate a plain dict (as a model file would parse) into a Model."""
    if not isinstance(raw, dict):
        raise ModelError([Problem(source, 1, (), "a model must be a mapping of sections")])
    try:
        # A dict from yaml.safe_load has flow-style distributions split at
        # their commas; re-join them as the file loader does (yamlmarks.py).
        raw = rejoin_split_values(copy.deepcopy(raw)) if lines is None else copy.deepcopy(raw)
    except RecursionError:
        raise ModelError([Problem(source, None, (), "data nested too deeply (or containing itself) "
                                  "to be a model")]) from None
    lines = lines or {}
    raw.setdefault("name", "model")
    found: list[tuple[Path, str]] = []
    spec: ModelSpec | None = None
    try:
        spec = ModelSpec.model_validate(raw)
    except ValidationError as exc:
        found.extend(_pydantic_problems(exc, raw))
    found.extend(check_references(raw))
    found.extend(check_behaviours(raw))
    found.extend(check_incidents(raw))
    found.extend(check_application(raw))
    found.extend(check_deployments(raw, suggest))
    found.extend(check_logistics(raw))  # spares, costs (relsim/model/logistics.py)
    found.extend(check_maintenance(raw))  # maintenance, inspection (relsim/model/maintenance.py)
    found.extend(check_phases(raw))  # mission phases (relsim/model/phases.py)
    found.extend(check_schedule(raw))  # timed maintenance, chaos, drills (relsim/model/schedule.py)
    if found:
        problems = [Problem(source, _line_of(path, raw, lines), _present(path, raw), msg) for path, msg in found]
        problems.sort(key=lambda p: (p.line or 0, str(p.path)))
        raise ModelError(_unique(problems))
    assert spec is not None
    return Model(spec=spec, source=source, raw=raw)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for p in problems:
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out


def _present(loc: Path, raw: Any) -> Path:
    """Drop loc parts that are not in the data (pydantic's union tags)."""
    out: list[Any] = []
    node = raw
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
            out.append(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            out.append(part)
        elif i == len(loc) - 1:
            out.append(part)  # a missing or unknown key: name it
        # else: a tag or wrapper that the data does not contain
    return tuple(out)


def _line_of(loc: Path, raw: Any, lines: dict[Path, int]) -> int | None:
    path = _present(loc, raw)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def _pydantic_problems(exc: ValidationError, raw: dict[str, Any]) -> list[tuple[Path, str]]:
    out = []
    short: dict[tuple[Any, ...], int] = {}  # a fixed-length list -> the items it needs
    for err in exc.errors(include_url=False):
        if err["type"] == "missing" and err["loc"] and isinstance(err["loc"][-1], int):
            parent = tuple(err["loc"][:-1])
            short[parent] = max(short.get(parent, 0), err["loc"][-1] + 1)
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            key = loc[-1]
            hint = ""
            if allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(allowed)})"
            out.append((loc, f"unknown key '{key}'{hint}"))
        elif kind == "missing" and loc and isinstance(loc[-1], int) and isinstance(err.get("input"), list):
            # a fixed-length list (e.g. a link's two domains) given too few
            # items: one problem for the list, from its last missing item
            if loc[-1] + 1 == short[loc[:-1]]:
                out.append((loc[:-1], f"needs {loc[-1] + 1} items, got {len(err['input'])}"))
        elif kind == "missing":
            out.append((loc, f"missing required key '{loc[-1]}'"))
        elif kind == "too_short":
            n = err.get("ctx", {}).get("min_length", 1)
            out.append((loc, f"must list at least {n} item{'s' * (n != 1)}"))
        elif kind == "union_tag_not_found":
            out.append(((*loc, "kind"), "missing 'kind': one of 'permanent', 'transient', 'intermittent'"))
        elif kind == "union_tag_invalid":
            expected = err.get("ctx", {}).get("expected_tags", "")
            got = err.get("ctx", {}).get("tag", None)
            out.append(((*loc, "kind"), f"failure kind must be one of {expected}, got '{got}'"
                        f"{_choice_hint(got, expected)}"))
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            out.append((loc, f"must be one of {expected}, got {err['input']!r}"
                        f"{_choice_hint(err['input'], expected)}"))
        elif kind == "value_error":
            msg = str(err.get("ctx", {}).get("error", err["msg"]))
            out.append((loc, msg))
        else:
            msg = err["msg"]
            if "input" in err and not isinstance(err["input"], (dict, list)):
                msg = f"{msg[0].lower()}{msg[1:]}, got {err['input']!r}"
            out.append((loc, msg))
    return out


def _choice_hint(got: Any, expected: str) -> str:
    """`` (did you mean 'x'?)`` for a misspelt value of a fixed set of choices.

    ``expected`` is pydantic's list of the allowed values (``"'a', 'b' or
    'c'"``), from the ``Literal`` of the field or the tags of a union.
    """
    if not isinstance(got, str):
        return ""
    choices = re.findall(r"'([^']*)'", str(expected))
    close = difflib.get_close_matches(got, choices, n=1)
    if not close and got.lower() in choices:
        close = [got.lower()]
    return f" (did you mean '{close[0]}'?)" if close else ""


def _allowed_keys(loc: Path) -> list[str]:
    """Model-file keys allowed at ``loc`` (walks the schema classes)."""
    t: Any = ModelSpec
    for part in loc:
        t = _strip(t)
        members = _union_members(t)
        if members:  # a discriminated union: this loc part is the tag
            t = next((m for m in members if part in typing.get_args(_strip(m.model_fields["kind"].annotation))), None)
        elif isinstance(t, type) and issubclass(t, BaseModel):
            fld = next((f for n, f in t.model_fields.items() if (f.alias or n) == part), None)
            t = fld.annotation if fld is not None else None
        elif typing.get_origin(t) is dict:
            t = typing.get_args(t)[1]
        elif typing.get_origin(t) in (tuple, list):
            t = typing.get_args(t)[0]
        else:
            t = None
        if t is None:
            return []
    t = _strip(t)
    if isinstance(t, type) and issubclass(t, BaseModel):
        return [f.alias or n for n, f in t.model_fields.items()]
    return []


def _strip(t: Any) -> Any:
    """Remove Annotated wrappers and Optional."""
    while True:
        origin = typing.get_origin(t)
        if origin is typing.Annotated:
            t = typing.get_args(t)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(t) if a is not type(None)]
            if len(args) != 1:
                return t
            t = args[0]
        else:
            return t


def _union_members(t: Any) -> list[Any]:
    if typing.get_origin(t) in (Union, types.UnionType):
        return [a for a in typing.get_args(t) if isinstance(a, type) and issubclass(a, BaseModel)]
    return []
