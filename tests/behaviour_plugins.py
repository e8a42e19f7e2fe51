"""Behaviours a user might write, for tests/test_behaviours.py (importable by worker processes)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from pydantic import Field

import relsim
from relsim.behaviours import Dist, Duration, Fraction, Params


@relsim.behaviour("noop")
def noop(h: Any, p: Any) -> Generator[Any, Any, None]:
    """Does nothing at all."""
    return
    yield  # a generator function


class WatchParams(Params):
    every: Dist


@relsim.behaviour("watcher", params=WatchParams)
def watcher(h: Any, p: WatchParams) -> Generator[Any, Any, None]:
    """Reads every state, draws from its own stream and waits on changes; never acts."""
    names = [*h.elements, *h.services]
    while True:
        seen = sum(h.state(n) for n in names)
        h.tally("looks", 1.0 if seen >= 0 else 0.0)
        yield h.env.any_of([h.changed(*names), h.timeout(h.sample(p.every))])


class CrashParams(Params):
    at: Duration
    p: Fraction


@relsim.behaviour("crasher", params=CrashParams)
def crasher(h: Any, p: CrashParams) -> Generator[Any, Any, None]:
    """Raises ZeroDivisionError at ``at`` in a share ``p`` of the replications."""
    doomed = h.rng.random() < p.p
    yield h.timeout(p.at)
    if doomed:
        h.tally("x", 1 / 0)


class MistakeParams(Params):
    mistake: str


@relsim.behaviour("mistake", params=MistakeParams)
def mistake(h: Any, p: MistakeParams) -> Generator[Any, Any, None]:
    """Common mistakes, each made 10 s in."""
    yield h.timeout(10)
    if p.mistake == "yield-a-number":
        yield 5
    elif p.mistake == "unknown-name":
        h.stop("nope")
    elif p.mistake == "failing-subprocess":
        def sub() -> Generator[Any, Any, None]:
            yield h.timeout(5)
            raise KeyError("lost")

        h.process(sub())
        yield h.timeout(100)


class Step(Params):
    at: Duration
    do: str
    name: str = ""
    repair: Dist | None = None
    renew: bool = False
    backend: str = ""
    value: float = 0.0


class ScriptParams(Params):
    steps: list[Step] = Field(min_length=1)


@relsim.behaviour("script", params=ScriptParams)
def script(h: Any, p: ScriptParams) -> Generator[Any, Any, None]:
    """Runs handle actions at fixed times (for exact timelines)."""
    for step in p.steps:
        yield h.timeout(step.at - h.now)
        if step.do == "fail":
            h.tally("done", h.fail(step.name, repair=step.repair))
        elif step.do == "stop":
            h.tally("done", h.stop(step.name))
        elif step.do == "restore":
            h.tally("done", h.restore(step.name, renew=step.renew))
        elif step.do == "repair":
            h.tally("done", h.repair(step.name, step.repair))
        elif step.do == "weight":
            h.set_weight(step.name, step.backend, step.value)
        elif step.do == "needs":
            h.set_needs(step.name, int(step.value))
        elif step.do == "emit":
            h.emit("note", value=step.value)
        else:
            h.tally(step.do, step.value)


relsim.metric("looks_per_year", "1/year", "times the watcher looked", "watcher", tally="looks", per_year=True)
