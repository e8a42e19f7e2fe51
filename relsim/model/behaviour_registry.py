"""The registry of behaviour kinds (see :mod:`relsim.behaviours`, the public face).

The model layer checks a model's ``behaviours:`` section against this
table and the engine runs what it holds. It imports neither SimPy nor the
engine, nor anything of the model layer but pydantic.
"""

from __future__ import annotations

import difflib
import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel

__all__ = [
    "ENTRY_POINT_GROUP",
    "Behaviour",
    "behaviour",
    "did_you_mean",
    "get",
    "import_plugins",
    "known",
    "load_all",
    "registered",
]

#: The entry-point group installed packages declare their behaviours in.
ENTRY_POINT_GROUP = "relsim.behaviours"

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class Behaviour:
    """One registered behaviour kind.

    Attributes
    ----------
    kind : str
        The name model files use (``kind: cron-restart``).
    run : callable
        ``run(handle, params)``, a generator function (SimPy process).
    params : type of pydantic.BaseModel or None
        Validates the keys a model file gives beside ``kind``; None accepts
        none.
    refs : tuple of str
        Parameters that name an element, service or load balancer of the
        model (checked when the model loads, with a did-you-mean).
    module : str
        The module that registered it; worker processes import it.
    description : str
        One line, from the function's docstring unless given.
    """

    kind: str
    run: Callable[..., Any]
    params: type[BaseModel] | None
    refs: tuple[str, ...]
    module: str
    description: str


_REGISTRY: dict[str, Behaviour] = {}


def behaviour(kind: str, params: type[BaseModel] | None = None, refs: Iterable[str] = (),
              description: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a generator function as the behaviour ``kind`` (a decorator).

    Parameters
    ----------
    kind : str
        Lower-case name model files use, e.g. ``"cron-restart"``.
    params : pydantic model class, optional
        Validates the behaviour's keys in the model file (relsim's field
        types :data:`Duration`, :data:`Dist`, :data:`Rate`,
        :data:`Fraction`, :data:`Count` parse ``2m``, ``exp(mean=1h)``,
        ``10/s``...). Errors are reported as ``file:line
        behaviours.NAME.KEY: ...`` like every model error. Without it the
        behaviour takes no parameters.
    refs : iterable of str
        Fields of ``params`` that name an element, service or load balancer
        (a string, or a list of strings).
    description : str, optional
        One line for ``relsim behaviours``; the docstring's first line by default.

    Returns
    -------
    callable
        The decorator; it returns the function unchanged.

    Raises
    ------
    ValueError
        If ``kind`` is not a lower-case name, ``params`` is not a pydantic
        model, a ref is not one of its fields, or another function already
        holds the name.
    """
    if not isinstance(kind, str) or not _NAME.match(kind):
        raise ValueError(f"behaviour kind must be a lower-case name such as 'cron-restart', got {kind!r}")
    if params is not None and not (isinstance(params, type) and issubclass(params, BaseModel)):
        raise ValueError(f"behaviour {kind!r}: params must be a pydantic BaseModel class, got {params!r}")
    refs = tuple(refs)
    fields = set(params.model_fields) if params is not None else set()
    missing = [r for r in refs if r not in fields]
    if missing:
        raise ValueError(f"behaviour {kind!r}: refs {missing} are not fields of its params model")

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(func):
            raise ValueError(f"behaviour {kind!r}: expected a generator function, got {func!r}")
        old = _REGISTRY.get(kind)
        module = getattr(func, "__module__", "") or ""
        qualname = getattr(func, "__qualname__", "")
        if old is not None and (old.module, getattr(old.run, "__qualname__", "")) != (module, qualname):
            raise ValueError(f"behaviour {kind!r} is already registered by {old.module}."
                             f"{getattr(old.run, '__qualname__', '?')}")
        text = description or (func.__doc__ or "").strip().split("\n")[0]
        _REGISTRY[kind] = Behaviour(kind, func, params, refs, module, text)
        return func

    return register


def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def get(kind: str, module: str = "") -> Behaviour | None:
    """The behaviour registered as ``kind``, loading its entry point or ``module`` on first use.

    ``module`` is where the behaviour was registered when the model was
    loaded (worker processes import it); ``__main__`` is never imported.
    """
    found = _REGISTRY.get(kind)
    if found is not None:
        return found
    ep = _entry_points().get(kind)
    if ep is not None:
        ep.load()  # importing the module runs its @behaviour decorators
    elif module and module != "__main__":
        importlib.import_module(module)
    return _REGISTRY.get(kind)


def known() -> list[str]:
    """Every kind a model may name now: registered ones and installed entry points."""
    return sorted(set(_REGISTRY) | set(_entry_points()))


def registered() -> dict[str, Behaviour]:
    """The behaviours registered so far (a copy), by kind."""
    return dict(_REGISTRY)


def load_all() -> dict[str, Behaviour]:
    """Load every installed entry point (for listings) and return :func:`registered`."""
    for name, ep in _entry_points().items():
        if name not in _REGISTRY:
            ep.load()
    return registered()


def import_plugins(modules: Iterable[str]) -> None:
    """Import the modules that register behaviours, metrics or distributions.

    ``relsim run --plugin my_behaviours`` calls this; Python users simply
    ``import my_behaviours``.

    Raises
    ------
    ValueError
        If a module cannot be imported (the message names it and why).
    """
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ValueError(f"cannot import plugin module {name!r}: {exc}") from None


def did_you_mean(kind: str) -> str:
    """`` (did you mean 'x'?)`` for an unknown kind, or the list of known kinds."""
    names = known()
    close = difflib.get_close_matches(kind, names, n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    how = "import the module that defines it, e.g. relsim --plugin MODULE (docs/extending.md)"
    if names:
        return f" (registered: {', '.join(names)}; for another, {how})"
    return f" (no behaviour is registered: {how})"
