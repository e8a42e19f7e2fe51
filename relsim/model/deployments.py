"""Schema of the ``deployments`` section: releases, configuration changes and how they go wrong.

Each entry is a stream of changes to one service or a named group of
services (``services``):

- *when*: the release cadence, a :class:`~relsim.model.timing.When`
  (``every``, ``at`` or ``cron``, with ``start``/``until``/``count``),
  restricted to the change ``window`` (a release due outside them waits
  for the next one to open);
- *how*: the ``strategy`` — ``all-at-once``, ``rolling`` (``batch``
  instances at a time, ``pause`` between batches), ``canary`` (traffic
  ``steps``, each baked for ``bake``) or ``blue-green`` (traffic moves after
  ``switch``; the old environment is kept for ``keep``);
- *what can go wrong*: with probability ``bad`` (lowered by peer
  ``review``) a release is bad; a bad version fails a share of the
  requests reaching updated instances (``effect.fails``) or crashes them
  after a delay (``effect.crashes``);
- *how it is caught*: ``gate`` checks before each promotion, the
  automated ``rollback.trigger`` on the error rate over a window, a
  ``rollback.manual`` rollback when nothing triggers, and for
  configuration changes (``change: config``) a ``drift`` check;
- ``flag``: a share of releases ships behind a feature flag, killed in
  ``kill`` instead of rolled back.

This module is pure data; the engine is :mod:`relsim.engine.deployments`
and docs/changes.md gives the semantics and the formulas.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from relsim.dists import Fixed
from relsim.model.common import Count, Delay, Duration, Fraction, Names, PositiveDuration, _Frozen
from relsim.model.timing import When, WindowsField

__all__ = ["CHANGE_KINDS", "Deployment", "Effect", "Flag", "Gate", "Review", "Rollback", "Trigger",
           "check_deployments", "deployment_events"]

#: Cause kinds of outages that changes start (attribution and the change metrics).
CHANGE_KINDS = ("deployment", "config")

Path = tuple[Any, ...]


class Effect(_Frozen):
    """What a bad version does: fail requests on updated instances or crash them, and corrupt writes."""

    fails: Fraction | None = None
    crashes: Delay | None = None
    corrupts: Fraction = 0.0

    @model_validator(mode="after")
    def _one(self) -> Effect:
        if self.crashes is not None and self.fails is not None:
            raise ValueError("say what a bad version does with one of fails or crashes, not both")
        if self.crashes is not None and self.corrupts > 0.0:
            raise ValueError("corrupts applies to a version that serves (fails), not to one that crashes")
        return self

    @property
    def fail_share(self) -> float:
        """The share of requests on updated instances that fail: ``fails``, else 100 % unless the
        effect is only to crash or to corrupt."""
        if self.fails is not None:
            return self.fails
        return 0.0 if (self.crashes is not None or self.corrupts > 0.0) else 1.0


class Trigger(_Frozen):
    """Automated rollback: the error rate over ``window`` reaches ``threshold``; acts ``delay`` later."""

    threshold: Fraction = 0.01
    window: PositiveDuration = 300.0
    delay: Delay = Field(default_factory=lambda: Fixed(0.0))


class Rollback(_Frozen):
    """Rolling back: ``takes`` R; started by the ``trigger`` or, failing that, by hand after ``manual``."""

    takes: Delay = Field(default_factory=lambda: Fixed(300.0))
    manual: Delay = Field(default_factory=lambda: Fixed(4 * 3600.0))
    trigger: Trigger | None = None


class Gate(_Frozen):
    """Synthetic checks before each promotion: take ``takes``, catch a bad release with ``catches``."""

    catches: Fraction
    takes: Duration = 0.0


class Flag(_Frozen):
    """A ``share`` of releases ships behind a feature flag exposed to ``exposure`` of requests."""

    share: Fraction
    exposure: Fraction = 1.0
    kill: Delay = Field(default_factory=lambda: Fixed(60.0))


class Review(_Frozen):
    """Peer review: a ``share`` of changes is reviewed, which multiplies their bad probability by ``factor``."""

    factor: Fraction
    share: Fraction = 1.0


class Deployment(When):
    """One stream of changes to ``services`` (docs/changes.md, "Deployments")."""

    services: Annotated[Names, Field(min_length=1)]
    change: Literal["release", "config"] = "release"
    strategy: Literal["all-at-once", "rolling", "canary", "blue-green"] = "all-at-once"
    window: WindowsField
    batch: Count = 1
    pause: Duration = 0.0
    share: Fraction | None = None
    steps: tuple[Fraction, ...] = (0.05,)
    bake: Duration = 1800.0
    restart: Delay | None = None
    switch: Duration = 0.0
    keep: Duration | None = None
    bad: Fraction = 0.0
    review: Review | None = None
    effect: Effect = Field(default_factory=Effect)
    gate: Gate | None = None
    rollback: Rollback = Field(default_factory=Rollback)
    flag: Flag | None = None
    drift: Duration | None = None
    description: str = ""

    @field_validator("steps")
    @classmethod
    def _steps(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value:
            raise ValueError("a canary needs at least one step (a share of traffic, e.g. [5%, 25%])")
        if any(not 0.0 < s < 1.0 for s in value):
            raise ValueError(f"canary steps are shares of traffic strictly between 0 and 100%, got {list(value)}")
        if any(b <= a for a, b in zip(value, value[1:])):
            raise ValueError(f"canary steps must grow from one to the next, got {list(value)}")
        return value

    @model_validator(mode="after")
    def _canary_share(self) -> Deployment:
        if self.share is not None:
            if "steps" in self.model_fields_set:
                raise ValueError("give the canary's traffic with share (one step) or steps, not both")
            if not 0.0 < self.share < 1.0:
                raise ValueError(f"a canary's share is strictly between 0 and 100%, got {self.share:.6g}")
            object.__setattr__(self, "steps", (self.share,))
        if self.flag is not None and self.effect.crashes is not None:
            raise ValueError("a feature flag guards a code path that fails requests (effect.fails); "
                             "a version that crashes instances cannot be switched off by a flag")
        return self

    @property
    def bad_probability(self) -> float:
        """The probability that one change is bad, peer review included."""
        if self.review is None:
            return self.bad
        return self.bad * (1.0 - self.review.share * (1.0 - self.review.factor))

    @property
    def cause_kind(self) -> str:
        """The cause kind of outages a bad change starts: ``deployment`` or ``config``."""
        return "config" if self.change == "config" else "deployment"



def deployment_events(model: Any, horizon: float) -> float:
    """About how many events the ``deployments`` of ``model`` take over ``horizon`` (for the estimate).

    Releases due times the events each schedules: a handful per rollout
    step, plus the restarts and crashes of its instances.
    """
    total = 0.0
    for spec in (getattr(model.spec, "deployments", None) or {}).values():
        end = min(horizon, spec.until if spec.until is not None else math.inf)
        n = spec.expected_count(horizon, model.calendar)
        instances = sum(len(model.replicas_of(s)) for s in spec.services if s in model.spec.services)
        steps = {"rolling": math.ceil(max(instances, 1) / spec.batch), "canary": len(spec.steps) + 1}.get(
            spec.strategy, 1)
        # a release takes this long; releases due meanwhile are merged (a renewal with dead time)
        busy = {"rolling": (steps - 1) * spec.pause, "canary": len(spec.steps) * spec.bake,
                "blue-green": spec.switch}.get(spec.strategy, 0.0)
        busy += steps * (spec.gate.takes if spec.gate is not None else 0.0)
        if not spec.window.always:
            # due while the windows are closed: at most one waits for each opening
            share = spec.window.open_share()
            openings = len(spec.window) * end / (7 * 86400.0)
            n = n * share + min(n * (1.0 - share), openings)
            rate = n / (end * share) if end > 0 and share > 0 else 0.0
        else:
            rate = n / end if end > 0 else 0.0
        n = n / (1.0 + rate * busy) if math.isfinite(n) else n
        per = 4.0 + steps + (2.0 * instances if spec.restart is not None else 0.0)
        total += n * per
    return total


def check_deployments(raw: dict[str, Any], suggest: Any) -> list[tuple[Path, str]]:
    """Cross-reference problems of ``raw['deployments']`` as ``(path, message)`` pairs."""
    body = raw.get("deployments")
    if not isinstance(body, dict):
        return []
    services = raw.get("services") if isinstance(raw.get("services"), dict) else {}
    known = [str(s) for s in services]
    found: list[tuple[Path, str]] = []
    for name, entry in body.items():
        if not isinstance(entry, dict):
            continue
        names = entry.get("services")
        if names is None:
            found.append((("deployments", name), "a deployment needs 'services' (the service or services "
                                                 "it releases to)"))
            names = []
        for i, svc in enumerate([names] if isinstance(names, str) else names if isinstance(names, list) else []):
            if str(svc) not in services:
                where: Path = ("deployments", name, "services") if isinstance(names, str) else \
                    ("deployments", name, "services", i)
                found.append((where, f"unknown service '{svc}'{suggest(svc, known)}"))
        strategy = entry.get("strategy", "all-at-once")
        change = entry.get("change", "release")
        only = {"batch": "rolling", "pause": "rolling", "share": "canary", "steps": "canary", "bake": "canary",
                "switch": "blue-green", "keep": "blue-green"}
        for key, needs in only.items():
            if key in entry and strategy != needs:
                found.append((("deployments", name, key), f"{key} applies to strategy: {needs}, not {strategy}"))
        if "restart" in entry and strategy not in ("all-at-once", "rolling"):
            found.append((("deployments", name, "restart"),
                          f"restart applies to strategy: all-at-once or rolling (updated in place), not {strategy}"))
        if change == "config":
            if strategy != "all-at-once":
                found.append((("deployments", name, "strategy"),
                              "a configuration change is pushed everywhere at once: strategy must be all-at-once"))
            for key in ("flag", "gate"):
                if key in entry:
                    found.append((("deployments", name, key), f"{key} applies to change: release, not config"))
        elif "drift" in entry:
            found.append((("deployments", name, "drift"), "drift applies to change: config, not release"))
        effect = entry.get("effect")
        if isinstance(effect, dict) and effect.get("corrupts") not in (None, 0, "0%"):
            for svc in [names] if isinstance(names, str) else names if isinstance(names, list) else []:
                body_svc = services.get(str(svc))
                if isinstance(body_svc, dict) and not isinstance(body_svc.get("data"), dict):
                    found.append((("deployments", name, "effect", "corrupts"),
                                  f"corrupts counts corrupted writes: service '{svc}' needs data (with writes)"))
    return found
