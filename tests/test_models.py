"""The bundled example models and the model-file reference stay valid and complete.

* every ``models/*.yaml`` loads, passes ``relsim check`` and runs;
* ``docs/model-format.md`` mentions every key the schema accepts.
"""

from __future__ import annotations

import math
import types
import typing
from pathlib import Path
from typing import Any, Union

import pytest
from pydantic import BaseModel

import relsim
from relsim.cli import main
from relsim.model import schema

ROOT = Path(__file__).resolve().parent.parent
MODELS = sorted((ROOT / "models").glob("*.yaml"))
DOC = ROOT / "docs" / "model-format.md"

#: Models the rest of the project relies on by name.
REQUIRED = {
    "single-host", "web-three-zones", "quorum-cluster", "nested-dependencies",
    "region-zone-rack", "design-example", "pair-shared-crew", "cold-standby",
}


def test_required_models_exist():
    assert REQUIRED <= {p.stem for p in MODELS}


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_model_runs(path: Path):
    model = relsim.load(path)
    assert model.name
    results = relsim.run(model, runs=3, seed=1, horizon="30d")
    assert len(results.runs) == 3
    for value in results.runs["availability"]:
        assert 0.0 <= value <= 1.0
    mean = results["availability"]
    assert 0.0 <= mean <= 1.0 and not math.isnan(mean)
    if model.spec.workload is None:
        # partial service counts partially; with a workload served_fraction is request-weighted and
        # degraded time above objectives.outage_below loses requests without being downtime
        assert (results.runs["served_fraction"] >= results.runs["availability"] - 1e-12).all()


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_model_starts_with_a_comment_block(path: Path):
    lines = path.read_text(encoding="utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    # variants of another model may say less, but every file explains itself
    assert len(header) >= 3, f"{path.name}: explain the model in a leading comment block"


def test_check_all_models(capsys: pytest.CaptureFixture[str]):
    assert main(["check", *map(str, MODELS)]) == 0
    out = capsys.readouterr().out
    assert out.count(": ok (") == len(MODELS)


def test_pair_shared_crew_is_the_reference_pair():
    # The benchmark and the validation suite compare against the exact
    # availability of this model; its parameters must not drift.
    model = relsim.load(ROOT / "models" / "pair-shared-crew.yaml")
    assert model.spec.repair_crews == 1
    assert model.horizon == 10 * 365 * 86400
    assert set(model.components) == {"a", "b"}
    for comp in model.components.values():
        (spec,) = comp.failures
        assert spec.kind == "permanent"
        assert type(spec.every).__name__ == "Exponential" and spec.every.mean == 1000 * 3600
        assert type(spec.repair).__name__ == "Exponential" and spec.repair.mean == 10 * 3600
    svc = model.services[model.entry]
    assert svc.mode == "active-active" and (svc.needs or 1) == 1


# --------------------------------------------------------------------------
# the reference documents every schema key


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every pydantic model class reachable from a type annotation."""
    found: list[type[BaseModel]] = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType, tuple, list, dict, set, frozenset) or origin is not None:
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis:
                found.extend(_models_in(arg))
    return found


def schema_keys() -> set[str]:
    """Every model-file key (field alias) of ModelSpec and the classes it contains."""
    keys: set[str] = set()
    seen: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = [schema.ModelSpec]
    # Classes exported by the schema module count even if reached only by name.
    todo += [c for c in vars(schema).values()
             if isinstance(c, type) and issubclass(c, BaseModel) and c.__module__ == schema.__name__]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for name, fld in cls.model_fields.items():
            keys.add(fld.alias or name)
            todo.extend(_models_in(fld.annotation))
    return keys


def test_schema_keys_are_collected():
    keys = schema_keys()
    # a sanity check of the collector itself: nested and aliased keys are found
    assert {"horizon", "in", "count", "lasts", "down", "silent", "time", "success",
            "slo_window", "contains", "depends_on"} <= keys


def test_docs_mention_every_schema_key():
    text = DOC.read_text(encoding="utf-8")
    missing = sorted(k for k in schema_keys() if f"`{k}`" not in text)
    assert not missing, f"docs/model-format.md does not document: {', '.join(missing)}"


def test_docs_mention_every_distribution_and_unit():
    from relsim.dists import DIST_NAMES
    from relsim.units import UNITS

    text = DOC.read_text(encoding="utf-8")
    for name in DIST_NAMES:
        assert f"{name}" in text, name
    for unit in UNITS:
        assert f"`{unit}`" in text, unit
