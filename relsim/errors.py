"""relsim's exceptions: one hierarchy under :class:`RelsimError`.

Every error relsim raises on purpose derives from :class:`RelsimError`, so
``except relsim.RelsimError`` catches them all. Each one also keeps the
built-in base it has always had (``ValueError`` for bad input,
``RuntimeError`` for a failed computation or backend, ``KeyboardInterrupt``
for Ctrl-C), so ``except ValueError`` and the like keep working.

::

    RelsimError (Exception)
    ├── ModelError (ValueError)        invalid model file or dict
    ├── Unsupported (ValueError)       outside what the exact solver solves
    ├── NotConverged (RuntimeError)    iterative solver missed its accuracy
    ├── StoreMismatch (ValueError)     results directory of another experiment
    ├── BackendError (RuntimeError)    a backend could not be started
    ├── BehaviourError (RuntimeError)  a user-defined behaviour raised; ``partial`` as below
    ├── TooManyEvents (RuntimeError)   a replication would take more events than allowed
    └── Interrupted (KeyboardInterrupt) Ctrl-C; ``partial`` holds what finished

This module imports nothing from the rest of relsim at run time (and nothing
heavy), so every layer may import it. docs/architecture.md says where to add
a new exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relsim.model.errors import Problem
    from relsim.results import Results

__all__ = [
    "BackendError",
    "BehaviourError",
    "Interrupted",
    "ModelError",
    "NotConverged",
    "RelsimError",
    "StoreMismatch",
    "TooManyEvents",
    "Unsupported",
]


class RelsimError(Exception):
    """Base class of every exception relsim raises on purpose."""


class ModelError(RelsimError, ValueError):
    """A model file or dict is invalid. ``problems`` lists every problem found.

    Parameters
    ----------
    problems : iterable of relsim.model.Problem
        Every problem found; the message has one line per problem
        (``file:line dotted.path: what is wrong``).
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Unsupported(RelsimError, ValueError):
    """The model is outside what the exact solver can solve.

    Parameters
    ----------
    reasons : list of str
        One line per reason, each naming the model-file path, the value and
        the rule it breaks.

    Attributes
    ----------
    reasons : list of str
        The reasons, as given.
    """

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        lines = "\n".join(f"  - {r}" for r in self.reasons)
        super().__init__(f"the exact solver cannot solve this model:\n{lines}")


class NotConverged(RelsimError, RuntimeError):
    """Gauss-Seidel did not reach the requested accuracy."""


class StoreMismatch(RelsimError, ValueError):
    """A results directory belongs to another experiment (model, seed or horizon)."""


class BackendError(RelsimError, RuntimeError):
    """A backend could not be started (e.g. no Dask scheduler at the address)."""


class BehaviourError(RelsimError, RuntimeError):
    """A user-defined behaviour (docs/extending.md) raised an exception during a run.

    The message names the behaviour, its kind, the simulated time, the
    replication and seed (to re-run it alone with ``relsim trace``), the
    line of the behaviour's code and the original error.

    Parameters
    ----------
    behaviour : str
        The behaviour's name in the model file.
    kind : str
        Its registered kind.
    time : float
        Simulated seconds from the start of the replication.
    replication, seed : int
        Which replication failed.
    error : str
        The original exception as ``Type: message``, with the line of the
        behaviour's code that raised it.

    Attributes
    ----------
    partial : relsim.Results or None
        Set by :func:`relsim.run`: every replication that finished before
        the failure (none is lost; with ``out`` they are on disk too).
    """

    def __init__(self, behaviour: str, kind: str, time: float, replication: int, seed: int, error: str):
        # Every constructor argument is in ``args``: SimPy re-raises a failed
        # process as ``type(exc)(*exc.args)`` and pickling does the same.
        super().__init__(behaviour, kind, time, replication, seed, error)
        self.behaviour, self.kind, self.time = behaviour, kind, time
        self.replication, self.seed, self.error = replication, seed, error
        self.partial: Results | None = None
        #: Replications of the failed chunk that finished before it, as
        #: ``(i, metrics, outages)`` records (``relsim.backends.run_chunk``
        #: fills it; :func:`relsim.run` moves them into ``partial``).
        self.records: list[Any] = []

    def __str__(self) -> str:
        t = self.time
        # the simulated time in seconds, and in a unit a reader takes in at once beyond 2 minutes
        unit = next(((u, d) for u, d in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)) if t >= 2 * d), None)
        readable = f" ({t / unit[1]:.4g} {unit[0]})" if unit else ""
        return (f"behaviour '{self.behaviour}' (kind {self.kind}) failed at t={t:g} s{readable} "
                f"in replication {self.replication} (seed {self.seed}): {self.error}")


class TooManyEvents(RelsimError, RuntimeError):
    """A replication would take more events than ``max_events`` (docs/experiments.md).

    Raised before a run starts when the estimate of events per replication
    (:func:`relsim.model.estimate.events_per_replication`) is above the
    limit, and during a replication that passes it, which bounds both the
    time and the memory a replication can take.

    Parameters
    ----------
    limit : int
        The limit on events per replication.
    estimate : float, optional
        The estimated events per replication (when refused before starting).
    replication, seed : int, optional
        The replication that passed the limit.
    time : float, optional
        Simulated seconds it had reached.

    Attributes
    ----------
    partial : relsim.Results or None
        Set by :func:`relsim.run`: the replications that finished before.
    """

    def __init__(self, limit: int, estimate: float | None = None, replication: int | None = None,
                 seed: int | None = None, time: float | None = None):
        # Every argument is in ``args`` so that the error pickles (process pools).
        super().__init__(limit, estimate, replication, seed, time)
        self.limit, self.estimate = limit, estimate
        self.replication, self.seed, self.time = replication, seed, time
        self.partial: Results | None = None
        #: Replications of the failed chunk that finished before it, as
        #: ``(i, metrics, outages)`` records (``relsim.backends.run_chunk``
        #: fills it; :func:`relsim.run` moves them into ``partial``).
        self.records: list[Any] = []

    def __str__(self) -> str:
        how = "raise the limit with --max-events N (relsim.run(..., max_events=N)) or shorten the horizon"
        if self.replication is None:
            return (f"a replication is estimated to take {self.estimate:.3g} events, more than the limit of "
                    f"{self.limit:,}: {how}")
        return (f"replication {self.replication} (seed {self.seed}) passed the limit of {self.limit:,} events "
                f"at t={self.time:.6g} s: {how}")


class Interrupted(RelsimError, KeyboardInterrupt):
    """A run stopped by Ctrl-C; ``partial`` holds the replications that finished.

    It is a ``KeyboardInterrupt`` (code that lets Ctrl-C through keeps doing
    so) and a :class:`RelsimError`; being a ``RelsimError`` makes it an
    ``Exception`` too, so a bare ``except Exception`` around a run also
    catches it.

    Parameters
    ----------
    partial : relsim.Results
        The replications that finished.
    requested : int
        How many replications the run asked for.
    """

    def __init__(self, partial: Results, requested: int):
        super().__init__(f"interrupted after {len(partial.runs)} of {requested} replications")
        self.partial = partial
        self.requested = requested
