"""relsim.workshop (the notebooks' helpers) and the workshop models shipped with relsim."""

from __future__ import annotations

import pathlib

import pandas as pd
import pytest

import relsim
from relsim import examples, workshop
from relsim.cli import main

ipywidgets = pytest.importorskip("ipywidgets")

ROOT = pathlib.Path(__file__).parent.parent
WORKSHOP = sorted((ROOT / "models" / "workshop").glob("*.yaml"))
#: Every grouped model: the workshop's and the tutorial's (docs/tutorial.md).
GROUPED = sorted((ROOT / "models").glob("*/*.yaml"))


def test_runs_shrink_only_under_relsim_fast(monkeypatch):
    monkeypatch.delenv("RELSIM_FAST", raising=False)
    assert not workshop.fast() and workshop.runs(400) == 400
    for off in ("0", "false", ""):
        monkeypatch.setenv("RELSIM_FAST", off)
        assert workshop.runs(400) == 400
    monkeypatch.setenv("RELSIM_FAST", "1")
    assert workshop.fast()
    assert workshop.runs(400) == 100 and workshop.runs(40) == 20 and workshop.runs(400, 7) == 7


def test_check_answer_numbers_strings_and_the_placeholder():
    assert workshop.check_answer(None, 3).ok is None
    assert not workshop.check_answer(None, 3)
    assert workshop.check_answer(5.0, within=(4, 6)) and not workshop.check_answer(6.1, within=(6, 4))
    assert workshop.check_answer(105, 100, rel=0.05) and not workshop.check_answer(106, 100, rel=0.05)
    assert workshop.check_answer(4, 4) and not workshop.check_answer(5, 4)
    assert workshop.check_answer(" Zone ", "zone") and workshop.check_answer("b", {"a", "b"})
    assert "not quite" in repr(workshop.check_answer("host", "zone", question="Q2"))
    with pytest.raises(AssertionError, match="Q9: not quite"):
        workshop.check_answer(1, 2, question="Q9", strict=True)
    assert workshop.check_answer(2, 2, strict=True)


def test_a_panel_redraws_through_its_controls_observers():
    seen = []

    def draw(n, label):
        seen.append((n, label))
        fig, ax = workshop.figure()
        ax.bar([label], [n])
        return fig, f"{label}={n}"

    panel = workshop.WhatIf(draw, {"n": ipywidgets.IntSlider(3, min=1, max=10),
                                   "label": ipywidgets.Dropdown(options=["a", "b"], value="a")}, title="t")
    assert seen == [(3, "a")] and panel.table == "a=3" and panel in workshop.panels()
    panel.controls["n"].value = 5            # what a slider moved in the browser does
    assert seen[-1] == (5, "a") and panel.calls == 2
    panel.set(n=1, label="b")                 # several at once: one re-run
    assert seen[-1] == (1, "b") and panel.calls == 3
    report = panel.exercise()
    assert [r["control"] for r in report] == ["n", "label"]
    assert all(r["ran"] and r["changed"] and r["error"] is None for r in report)
    assert panel.values == {"n": 1, "label": "b"} and seen[-1] == (1, "b")
    with pytest.raises(KeyError, match="no control"):
        panel.set(m=2)


def test_a_failing_draw_is_reported_not_swallowed():
    def draw(x):
        if x > 1:
            raise ValueError("too big")
        return workshop.figure()[0]

    panel = workshop.WhatIf(draw, {"x": ipywidgets.IntSlider(1, min=0, max=5)})
    with pytest.raises(RuntimeError, match="too big"):
        panel.set(x=4)
    (r,) = panel.exercise()
    assert "too big" in (r["error"] or "") or r["new"] == 0


def test_compare_keeps_each_batch_and_equals_relsim_compare():
    model = relsim.load(examples.path("workshop/01-availability"))
    other = model.with_overrides({"horizon": "200d"})
    direct = relsim.compare({"file model": model, "changed": other}, runs=8, seed=5, horizon="60d")
    first = workshop.compare({"file model": model, "changed": other}, runs=8, seed=5, horizon="60d")
    again = workshop.compare({"file model": relsim.load(examples.path("workshop/01-availability")),
                              "changed": other}, runs=8, seed=5, horizon="60d")
    assert first.labels == direct.labels == ["file model", "changed"]
    for label in direct.labels:
        pd.testing.assert_frame_equal(first.results[label].runs, direct.results[label].runs)
        assert again.results[label] is first.results[label]  # the same model, runs, seed and horizon: kept
    pd.testing.assert_frame_equal(first.differences(), direct.differences())
    assert workshop.compare({"a": model, "b": other}, runs=8, seed=6, horizon="60d").results["a"] \
        is not first.results["file model"]  # another seed is another batch
    with pytest.raises(ValueError, match="two models"):
        workshop.compare({"a": model}, runs=8)


def test_the_workshop_models_are_examples_found_by_name():
    names = examples.names("workshop")
    assert names == [f"workshop/{p.stem}" for p in WORKSHOP] and len(names) >= 5
    assert "workshop" in examples.groups()
    assert set(names) <= set(examples.names()) and "web-three-zones" in examples.names()
    for name in names:
        assert examples.path(name).read_bytes() == (ROOT / "models" / f"{name}.yaml").read_bytes()
        assert examples.describe(name) and not examples.describe(name).startswith(name.split("/")[1])


@pytest.mark.parametrize("path", GROUPED, ids=[f"{p.parent.name}/{p.stem}" for p in GROUPED])
def test_a_grouped_model_checks_and_runs(path):
    assert path.read_text().startswith("# "), "every model explains itself in a leading comment"
    assert main(["check", str(path)]) == 0
    results = relsim.run(relsim.load(path), runs=3, seed=1, horizon="30d")
    assert len(results.runs) == 3


def test_examples_copy_a_group_keeps_its_directory(tmp_path, capsys):
    assert main(["examples", "copy", str(tmp_path), "workshop"]) == 0
    copied = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.yaml"))
    assert copied == [f"{n}.yaml" for n in examples.names("workshop")]
    assert "try: relsim run" in capsys.readouterr().out
    assert main(["examples", "list"]) == 0
    listing = capsys.readouterr().out
    assert all(n in listing for n in examples.names("workshop"))
