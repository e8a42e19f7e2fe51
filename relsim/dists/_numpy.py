"""numpy, imported on first use by the distribution modules.

Building distributions (what loading and checking a model does) needs no
numpy; their ``cdf``/``ppf``/``sample`` methods do. Importing numpy costs
about 0.15 s and 20 MB, a third of ``relsim check``, so the modules here
bind ``np`` to a stand-in that imports numpy on its first attribute access
and then puts the real module in its place: later ``np.`` lookups cost
nothing extra. Type checkers see ``import numpy as np`` instead.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

__all__ = ["deferred_numpy", "is_array"]


class _DeferredNumpy:
    """Stands for numpy in one module's globals until first used."""

    __slots__ = ("_namespace",)

    def __init__(self, namespace: dict[str, Any]) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> Any:
        numpy = importlib.import_module("numpy")
        if self._namespace.get("np") is self:
            self._namespace["np"] = numpy
        return getattr(numpy, name)


def deferred_numpy(namespace: dict[str, Any]) -> Any:
    """A stand-in for numpy to bind as ``np`` in the module whose ``globals()`` is given.

    Parameters
    ----------
    namespace : dict
        The calling module's ``globals()``; its ``np`` is replaced by numpy
        itself on first use.

    Returns
    -------
    object
        The stand-in.
    """
    return _DeferredNumpy(namespace)


def is_array(value: object) -> bool:
    """Whether ``value`` is a numpy array, without importing numpy.

    An array can only exist once numpy has been imported by someone.
    """
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.ndarray)
