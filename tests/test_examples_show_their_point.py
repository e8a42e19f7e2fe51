"""Documented what-ifs must change something: the variants an example compares differ significantly.

An example whose two settings give the same numbers teaches nothing (the
README's sweep once varied repair crews on a model whose repairs never
queue). For the README's sweep and sensitivity and the what-if of
notebook 01, the extreme settings of each parameter are run with common
random numbers and the paired difference in availability (or in the
metric the command prints with ``--metric``) must exclude zero.
"""

from __future__ import annotations

import json
import pathlib
import re
import shlex

import pytest

import relsim
from relsim.cli.variants import parse_assignment

ROOT = pathlib.Path(__file__).parent.parent


def _readme_overrides() -> list[tuple[str, str, list]]:
    text = (ROOT / "README.md").read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip()
        if not re.match(r"relsim (sweep|sensitivity) models/", line):
            continue
        args = shlex.split(line.split(" # ")[0])
        model = args[2]
        # the metric the what-if is about: the one it prints (--metric), else availability
        metric = args[args.index("--metric") + 1] if "--metric" in args else "availability"
        for flag, value in zip(args, args[1:]):
            if flag in ("--set", "--vary"):
                path, values = parse_assignment(value, flag)
                found.append((model, path, [values[0], values[-1]], metric))
    return found


def _notebook_overrides() -> list[tuple[str, str, list]]:
    # notebook 02 (redundancy) loads an example by name and tightens its `needs`
    nb = json.loads((ROOT / "notebooks" / "02-redundancy-and-replication.ipynb").read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    name = re.search(r'web = relsim\.load\(examples\.path\("([\w.-]+)"\)\)', code).group(1)
    model = f"models/{name}.yaml"
    found = []
    for overrides in re.findall(r"web\.with_overrides\((\{.*?\})\)", code):
        for path, value in json.loads(overrides).items():
            base = relsim.load(ROOT / model).spec
            current = base.services[path.split(".")[1]].needs if path.startswith("services.") else None
            found.append((model, path, [current, value], "availability"))
    return found


CASES = _readme_overrides() + _notebook_overrides()


def test_the_examples_were_found():
    assert len(_readme_overrides()) >= 3 and len(_notebook_overrides()) >= 1


@pytest.mark.parametrize(("model", "path", "values", "metric"), CASES, ids=[f"{m}:{p}" for m, p, _, _ in CASES])
def test_documented_variants_differ(model, path, values, metric):
    base = relsim.load(ROOT / model)
    low, high = (base.with_overrides({path: v}) for v in values)
    comp = relsim.compare({"low": low, "high": high}, runs=200, seed=1)
    d = comp.differences().set_index("metric").loc[metric]
    assert d["established"] and d["significant"], (
        f"{model} {path}={values}: {metric} differs by {d['mean']:.2e}, 95% CI "
        f"[{d['ci_low']:.2e}, {d['ci_high']:.2e}]: the example shows nothing")
