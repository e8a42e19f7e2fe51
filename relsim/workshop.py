"""Helpers for the workshop notebooks (``notebooks/01-*.ipynb`` ...).

Three small things keep the notebooks readable and their interactive parts
testable:

- :func:`runs` and :func:`fast`: how many replications a cell runs. With the
  environment variable ``RELSIM_FAST=1`` (the test suite sets it) every
  notebook runs a quarter of its batches, so it executes headless in
  seconds; the conclusions the notebooks assert hold for both sizes.
- :class:`WhatIf`: a panel of ipywidgets controls (sliders, dropdowns) above
  a matplotlib figure. Changing a control calls ``draw(**values)``, which
  runs a small batch and returns a new figure (and optionally a table);
  the panel shows them in place of the old ones. ``panel.set(...)`` and
  ``panel.exercise()`` drive the controls from code, exactly as a
  participant moving a slider would, which is how the tests check that
  every control re-runs and redraws.
- :func:`compare`: :func:`relsim.compare` for a panel's ``draw``; it keeps
  each variant's batch, so the file model a panel compares against runs
  once, not on every move of a control, and a control moved back redraws
  without re-running.
- :func:`check_answer` and :func:`differences`: answer checks for the
  exercises, and the paired differences of a :func:`relsim.compare` as a
  readable table (in the metric's unit, with its 95 % interval).

ipywidgets is imported on first use (it is in the ``notebooks`` and ``dev``
extras, not a dependency of relsim itself).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import traceback
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

__all__ = [
    "FAST_ENV",
    "Verdict",
    "WhatIf",
    "check_answer",
    "compare",
    "differences",
    "fast",
    "figure",
    "panels",
    "runs",
]

#: The environment variable that shrinks every notebook's batches.
FAST_ENV = "RELSIM_FAST"

_PANELS: weakref.WeakSet[WhatIf] = weakref.WeakSet()

#: Batches :func:`compare` keeps, by (model contents, runs, seed, horizon), most recent last.
_BATCHES: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_BATCHES_KEPT = 32


def fast() -> bool:
    """Whether ``RELSIM_FAST`` asks for small batches (set and not ``0``/``false``/empty)."""
    return os.environ.get(FAST_ENV, "").strip().lower() not in ("", "0", "false", "no")


def runs(full: int, small: int | None = None) -> int:
    """The number of replications for a cell: ``full``, or ``small`` under ``RELSIM_FAST``.

    Parameters
    ----------
    full : int
        Replications for the workshop itself.
    small : int, optional
        Replications under ``RELSIM_FAST=1``; a quarter of ``full`` (at
        least 20) by default.
    """
    if not fast():
        return full
    return small if small is not None else max(20, full // 4)


def compare(models: Mapping[str, Any], runs: int = 100, seed: int = 0, horizon: float | str | None = None) -> Any:
    """:func:`relsim.compare` for a what-if panel: each variant's batch is run once and kept.

    A panel's ``draw`` compares the file model with the participant's
    variant on every move of a control; the file model's batch (and any
    variant seen before, such as the settings a control is moved back to)
    is the same each time: the same model, ``runs``, ``seed`` and
    ``horizon`` give the same replications (common random numbers). This
    keeps the last 32 batches by those four and runs only the new ones, so
    a control redraws in about half the time. The returned
    :class:`relsim.Comparison` shares kept :class:`relsim.Results` with
    earlier ones; treat them as read-only.

    Parameters
    ----------
    models : mapping of str to Model, path or dict
        Variants by label; the first is the baseline.
    runs, seed, horizon
        As for :func:`relsim.compare`.
    """
    from relsim.compare import Comparison
    from relsim.experiment import run
    from relsim.model import Model, load
    from relsim.store import model_hash

    if len(models) < 2:
        raise ValueError(f"compare needs at least two models, a baseline and a variant (got {len(models)})")
    results = {}
    for label, given in models.items():
        model = given if isinstance(given, Model) else load(given)
        key = (model_hash(model), repr(model.forcing), runs, seed, horizon)
        if key in _BATCHES:
            _BATCHES.move_to_end(key)
        else:
            _BATCHES[key] = run(model, runs=runs, seed=seed, horizon=horizon)
            while len(_BATCHES) > _BATCHES_KEPT:
                _BATCHES.popitem(last=False)
        results[str(label)] = _BATCHES[key]
    return Comparison(results)


def figure(ncols: int = 1, nrows: int = 1, size: tuple[float, float] = (7.0, 3.2)) -> tuple[Figure, Any]:
    """A new figure and its axes, not registered with pyplot (so a panel shows it once).

    Returns
    -------
    (Figure, Axes or array of Axes)
    """
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots(nrows, ncols)


def differences(comparison: Any, metrics: Sequence[str], variant: str | None = None) -> Any:
    """The paired differences ``variant − baseline`` of a comparison, readable.

    Parameters
    ----------
    comparison : relsim.Comparison
        From :func:`relsim.compare` (common random numbers).
    metrics : sequence of str
        Metric names, in the order to show them.
    variant : str, optional
        One variant's label; every variant by default.

    Returns
    -------
    pandas.DataFrame
        One row per (variant, metric): the baseline's and the variant's
        means, the difference and its 95 % interval in the metric's unit,
        and whether the difference is significant (the interval excludes 0
        and rests on enough events).
    """
    import pandas as pd

    from relsim.report.formatting import format_ci, format_signed, format_value

    diffs = comparison.differences()
    base = comparison.results[comparison.baseline].summary()
    rows = []
    for label in comparison.labels:
        if label == comparison.baseline or (variant is not None and label != variant):
            continue
        mine = comparison.results[label].summary()
        for metric in metrics:
            d = diffs[(diffs["variant"] == label) & (diffs["metric"] == metric)]
            if not len(d) or metric not in base.index or metric not in mine.index:
                continue
            r = d.iloc[0]
            established = bool(r["established"]) and not (math.isnan(r["ci_low"]) or math.isnan(r["ci_high"]))
            rows.append({
                "variant": label,
                "metric": metric,
                comparison.baseline: format_value(metric, base.loc[metric, "mean"]),
                "variant mean": format_value(metric, mine.loc[metric, "mean"]),
                "difference": format_signed(metric, r["mean"]),
                "95% CI": format_ci(metric, r["ci_low"], r["ci_high"]) if established else "not established",
                "significant": bool(r["significant"]),
            })
    return pd.DataFrame(rows)


class Verdict:
    """The verdict of :func:`check_answer`: true when right; shows itself as one line."""

    def __init__(self, ok: bool | None, text: str) -> None:
        self.ok, self.text = ok, text

    def __bool__(self) -> bool:
        return bool(self.ok)

    def __repr__(self) -> str:
        mark = {True: "\u2713", False: "\u2717", None: "\u2026"}[self.ok]
        return f"{mark} {self.text}"


def check_answer(answer: Any, expected: Any = None, *, within: tuple[float, float] | None = None,
                 rel: float | None = None, question: str = "", strict: bool = False) -> Verdict:
    """Check an exercise answer; the :class:`Verdict` is true when it is right.

    Parameters
    ----------
    answer : any
        The participant's answer; ``None`` (the placeholder the exercise
        cells start with) is "not answered yet", not wrong.
    expected : any, optional
        The right answer: a string (compared without case or surrounding
        blanks), a collection of accepted strings, or a number.
    within : (low, high), optional
        A numeric answer is right inside this interval (typically the 95 %
        confidence interval of the simulated value: the simulation does not
        know the answer more precisely than that).
    rel : float, optional
        A numeric answer is right within this relative distance of
        ``expected``.
    question : str
        Named in the verdict.
    strict : bool, default False
        Raise ``AssertionError`` unless the answer is right (the
        instructor's answer cells use this, so a notebook whose answer no
        longer matches its simulation fails when it is executed).
    """
    tag = f"{question}: " if question else ""
    if answer is None:
        verdict = Verdict(None, f"{tag}not answered yet")
    elif within is not None or rel is not None or isinstance(expected, (int, float)):
        value = float(answer)
        if within is not None:
            lo, hi = sorted(within)
            ok = lo <= value <= hi
            target = f"between {lo:.4g} and {hi:.4g}"
        else:
            tol = abs(float(expected)) * (rel if rel is not None else 0.0)
            ok = abs(value - float(expected)) <= tol
            target = f"{float(expected):.4g}" + (f" \u00b1 {100 * rel:g} %" if rel else "")
        verdict = Verdict(ok, f"{tag}{'right' if ok else 'not quite'}: {value:.4g} (expected {target})")
    else:
        many = isinstance(expected, (set, frozenset, list, tuple))
        accepted = {str(e).strip().lower() for e in (expected if many else [expected])}
        ok = str(answer).strip().lower() in accepted
        verdict = Verdict(ok, f"{tag}{'right' if ok else 'not quite'}: {answer!r}")
    if strict and not verdict:
        raise AssertionError(repr(verdict))
    return verdict


def panels() -> list[WhatIf]:
    """The :class:`WhatIf` panels alive in this process, oldest first (the tests drive them)."""
    return sorted(_PANELS, key=lambda p: p._serial)


class WhatIf:
    """Controls above a figure: moving a control re-runs ``draw`` and replaces the figure.

    Parameters
    ----------
    draw : callable
        ``draw(**values)`` with one keyword per control, returning a
        :class:`matplotlib.figure.Figure`, or ``(figure, table)`` where the
        table (a DataFrame or a string) is shown under the figure.
    controls : mapping of str to ipywidgets widget
        The controls, by the keyword ``draw`` receives their value under.
    title : str
        A line above the controls.

    Attributes
    ----------
    figure, table : the latest output of ``draw``.
    calls : int
        How many times ``draw`` ran.
    error : str or None
        The traceback of the latest failed ``draw`` (also shown in the panel).
    """

    _count = 0

    def __init__(self, draw: Callable[..., Any], controls: Mapping[str, Any], title: str = "") -> None:
        import ipywidgets as widgets

        WhatIf._count += 1
        self._serial = WhatIf._count
        self.draw = draw
        self.controls = dict(controls)
        self.title = title
        self.figure: Figure | None = None
        self.table: Any = None
        self.calls = 0
        self.error: str | None = None
        self._png: bytes | None = None  # the figure as the panel shows it
        self._hold = False
        self.output = widgets.Output()
        for control in self.controls.values():
            if hasattr(control, "continuous_update"):
                control.continuous_update = False  # a slider re-runs once it is released, not while dragged
            control.observe(self._changed, names="value")
        header = [widgets.HTML(f"<b>{title}</b>")] if title else []
        self.widget = widgets.VBox([*header, widgets.HBox(list(self.controls.values()),
                                                          layout=widgets.Layout(flex_flow="row wrap")),
                                    self.output])
        _PANELS.add(self)
        self.update()

    @property
    def values(self) -> dict[str, Any]:
        """The controls' current values, by keyword."""
        return {name: control.value for name, control in self.controls.items()}

    def _changed(self, change: Any) -> None:
        if not self._hold:
            self.update()

    def update(self) -> None:
        """Run ``draw`` with the controls' values and show what it returns."""
        from IPython.display import Image, clear_output, display

        self.calls += 1
        try:
            out = self.draw(**self.values)
        except Exception:
            self.error = traceback.format_exc()
            with self.output:
                clear_output(wait=True)
                self.output.append_stderr(self.error)
            return
        self.error = None
        fig, table = out if isinstance(out, tuple) else (out, None)
        self.figure, self.table = fig, table
        self._png = _png(fig)
        with self.output:
            clear_output(wait=True)
            if self._png is not None:
                display(Image(data=self._png, format="png"))
            if table is not None:
                display(table)

    def set(self, **values: Any) -> None:
        """Set several controls at once (one re-run), as a participant would one by one.

        Raises
        ------
        KeyError
            For a name that is not a control.
        RuntimeError
            If ``draw`` failed with the new values (its traceback attached).
        """
        unknown = set(values) - set(self.controls)
        if unknown:
            raise KeyError(f"no control {sorted(unknown)}; the controls are {sorted(self.controls)}")
        self._hold = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._hold = False
        self.update()
        if self.error:
            raise RuntimeError(f"draw failed with {values}:\n{self.error}")

    def fingerprint(self) -> str:
        """A digest of what the panel shows (the figure's pixels and the table's text)."""
        digest = hashlib.sha256()
        if self._png is not None:
            digest.update(self._png)  # the image the panel showed: not drawn again
        digest.update(repr(self.table).encode())
        return digest.hexdigest()

    def exercise(self, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Move each control to another value, as a participant would, then restore them all.

        Each change goes through the control's own observer (the code path
        of a slider moved in the browser) and is compared with what the
        panel showed just before it; if the first other value changes
        nothing, the next candidate is tried (``_other_values``), and a
        control that changes nothing with any of them is reported. The controls are
        moved one after the other (each from the state the previous ones
        left) and put back together at the end with one re-run. Returns one
        record per control: its name, the old and new values, whether
        ``draw`` ran, whether the figure or table changed, and the error if
        ``draw`` failed.
        """
        report = []
        old_values = self.values
        for name in names if names is not None else list(self.controls):
            control = self.controls[name]
            old, before, calls = control.value, self.fingerprint(), self.calls
            changed = False
            for value in _other_values(control):
                control.value = value
                changed = self.fingerprint() != before
                if changed or self.error:
                    break
            report.append({"control": name, "old": old, "new": control.value, "ran": self.calls > calls,
                           "changed": changed, "error": self.error})
        if self.values != old_values:
            self._hold = True
            try:
                for name, value in old_values.items():
                    self.controls[name].value = value
            finally:
                self._hold = False
            self.update()
        return report

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return f"WhatIf({self.title!r}, controls={self.values})"


def _png(fig: Figure | None) -> bytes | None:
    """``fig`` as PNG, drawn once at its own size and resolution.

    The panels' figures (:func:`figure`) fit themselves to their size with
    the constrained layout; IPython's default for showing a figure, a
    "tight" bounding box, would draw each one twice to trim it.
    """
    if fig is None:
        return None
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _other_values(control: Any) -> list[Any]:
    """Values of ``control`` other than its current one, in the order :meth:`WhatIf.exercise` tries them.

    A setting can make a control irrelevant in one direction (semi-sync is
    sync with one standby); the exercise then tries the next candidate:
    for options the one before the current one, the one after it, then the
    rest; for a checkbox the other state; for a slider the end of its range
    farther away, then the other end.
    """
    options = getattr(control, "options", None)
    if options:
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        i = values.index(control.value) if control.value in values else 0
        order = [i - 1, i + 1, *range(len(values))]
        seen: list[Any] = []
        for j in order:
            if 0 <= j < len(values) and j != i and values[j] not in seen:
                seen.append(values[j])
        return seen
    if isinstance(control.value, bool):
        return [not control.value]
    lo, hi = control.min, control.max
    far, near = (hi, lo) if control.value - lo < hi - control.value else (lo, hi)
    return [v for v in (far, near) if v != control.value]
