"""Documented what-ifs must change something: the variants an example compares differ significantly.

An example whose two settings give the same numbers teaches nothing (the
README's sweep once varied repair crews on a model whose repairs never
queue). For the README's sweep and sensitivity and the what-if of
notebook 01, the extreme settings of each parameter are run with common
random numbers and the paired difference in availability (or in the
metric the command prints with ``--metric``) must exclude zero.

The difference is looked at twice, after 100 and after 200 replications
(common random numbers, the same seed), each look at the two-sided 2.5 %
level: a setting that changes nothing passes with at most 5 % (Bonferroni),
as one look at 200 replications at 5 % did, and most examples, whose
difference is many standard errors wide, are settled by the first look at
half the cost.
"""

from __future__ import annotations

import json
import math
import pathlib
import re
import shlex

import pytest

import relsim
from relsim.cli.variants import parse_assignment
from relsim.intervals import t_quantile

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

#: Replications at each look, and each look's two-sided confidence (1 - 0.05 / 2 looks).
LOOKS = (100, 200)
LOOK_LEVEL = 1 - 0.05 / len(LOOKS)


def _differs(d) -> bool:
    """The paired difference rests on enough replications and its LOOK_LEVEL interval excludes zero."""
    se = float(d["se"])
    return bool(d["established"]) and not math.isnan(se) and abs(d["mean"]) > t_quantile(int(d["n"]), LOOK_LEVEL) * se


def test_the_examples_were_found():
    assert len(_readme_overrides()) >= 3 and len(_notebook_overrides()) >= 1


@pytest.mark.parametrize(("model", "path", "values", "metric"), CASES, ids=[f"{m}:{p}" for m, p, _, _ in CASES])
def test_documented_variants_differ(model, path, values, metric):
    base = relsim.load(ROOT / model)
    low, high = (base.with_overrides({path: v}) for v in values)
    for runs in LOOKS:
        comp = relsim.compare({"low": low, "high": high}, runs=runs, seed=1)
        d = comp.differences().set_index("metric").loc[metric]
        if _differs(d):
            return
    half = t_quantile(int(d["n"]), LOOK_LEVEL) * d["se"]
    pytest.fail(f"{model} {path}={values}: {metric} differs by {d['mean']:.2e} +- {half:.2e} "
                f"({100 * LOOK_LEVEL:g}%, {d['events']} replications differ): the example shows nothing")
