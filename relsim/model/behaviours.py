"""The ``behaviours:`` section of a model file and its checks (docs/model-format.md §17).

Each entry names a registered behaviour ``kind``
(:mod:`relsim.model.behaviour_registry`) and gives its parameters as the
other keys. The schema keeps those keys as they are; :func:`check_behaviours`
validates them with the behaviour's own pydantic model so that every problem
gets the ``file:line behaviours.NAME.KEY`` form, and checks that the
parameters listed in its ``refs`` name something in the model.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, model_validator

from relsim.model import behaviour_registry as registry
from relsim.model.checks import group_members

__all__ = ["BehaviourSpec", "check_behaviours"]

Path = tuple[Any, ...]


class BehaviourSpec(BaseModel):
    """One behaviour of the model: its ``kind`` and its parameters (the other keys).

    The parameters are validated when the model loads
    (:func:`check_behaviours`) and again by the engine in each replication,
    which gets the behaviour's pydantic object. ``module`` remembers which
    module registered the kind, so that worker processes can import it.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: str
    description: str = ""
    _module: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _remember_module(self) -> BehaviourSpec:
        try:
            found = registry.get(self.kind)
        except Exception:  # a plugin that cannot be imported: check_behaviours reports it with its line
            found = None
        if found is not None:
            self._module = found.module
        return self

    @property
    def module(self) -> str:
        """The module that registered ``kind`` when the model was loaded ('' if unknown)."""
        return self._module

    @property
    def params(self) -> dict[str, Any]:
        """The parameters as the model file gives them."""
        return dict(self.model_extra or {})


def _names(raw: dict[str, Any]) -> list[str]:
    """Every name a behaviour may refer to: elements, group members, services, load balancers."""
    out: list[str] = []

    def walk(level: Any) -> None:
        if isinstance(level, dict):
            for name, body in level.items():
                out.append(str(name))
                if isinstance(body, dict):
                    walk(body.get("contains"))

    walk(raw.get("domains"))
    for section in ("components", "services", "links", "load_balancers"):
        body = raw.get(section)
        if isinstance(body, dict):
            for name, spec in body.items():
                out.append(str(name))
                if section == "components":
                    out.extend(group_members(str(name), spec))
    if isinstance(raw.get("dns"), dict):
        out.append("dns")
    return out


def check_behaviours(raw: dict[str, Any]) -> list[tuple[Path, str]]:
    """Problems of the ``behaviours:`` section as ``(path, message)`` pairs."""
    section = raw.get("behaviours")
    if not isinstance(section, dict):
        return []  # absent, or a type error the schema reports
    found: list[tuple[Path, str]] = []
    names: list[str] | None = None
    for name, body in section.items():
        if not isinstance(body, dict) or not isinstance(body.get("kind"), str):
            continue  # the schema reports a missing or non-string kind
        here: Path = ("behaviours", name)
        kind = body["kind"]
        try:
            entry = registry.get(kind)
        except Exception as exc:  # a broken plugin module: say which and why
            found.append(((*here, "kind"), f"behaviour kind '{kind}' could not be loaded: "
                          f"{type(exc).__name__}: {exc}"))
            continue
        if entry is None:
            found.append(((*here, "kind"), f"unknown behaviour kind '{kind}'{registry.did_you_mean(kind)}"))
            continue
        params = {k: v for k, v in body.items() if k not in ("kind", "description")}
        if entry.params is None:
            found.extend(((*here, key), f"unknown key '{key}': behaviour '{kind}' takes no parameters")
                         for key in params)
            continue
        try:
            value = entry.params.model_validate(params)
        except ValidationError as exc:
            found.extend(_problems(exc, here, entry.params))
            continue
        for ref in entry.refs:
            names = _names(raw) if names is None else names
            given = getattr(value, ref)
            for i, target in enumerate([given] if isinstance(given, str) else list(given or ())):
                if target not in names:
                    close = difflib.get_close_matches(str(target), names, n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    path = (*here, ref) if isinstance(given, str) else (*here, ref, i)
                    found.append((path, f"unknown element, service or load balancer '{target}'{hint}"))
    return found


def _problems(exc: ValidationError, here: Path, model: type[BaseModel]) -> list[tuple[Path, str]]:
    allowed = [f.alias or n for n, f in model.model_fields.items()]
    out: list[tuple[Path, str]] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(allowed)})"
            msg = f"unknown key '{loc[-1]}'{hint}"
        elif kind == "missing":
            msg = f"missing required key '{loc[-1]}'"
        elif kind == "value_error":
            msg = str(err.get("ctx", {}).get("error", err["msg"]))
        else:
            msg = err["msg"]
            if "input" in err and not isinstance(err["input"], (dict, list)):
                msg = f"{msg[0].lower()}{msg[1:]}, got {err['input']!r}"
        out.append(((*here, *loc), msg))
    return out
