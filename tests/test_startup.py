"""A light start: which modules ``import relsim`` and loading a model bring in.

Timing never goes in a unit test (benchmarks/startup.py measures it); what
is tested is the cause of a slow start, the modules loaded, each in a fresh
interpreter.
"""

from __future__ import annotations

import pathlib
import random
import subprocess
import sys

import pytest

import relsim
from relsim.model.cycles import find_cycle

ROOT = pathlib.Path(__file__).parent.parent

#: Loaded only by the commands that use them (running, results, reports, solvers).
HEAVY = ("pandas", "scipy", "pyarrow", "networkx", "matplotlib", "dask", "distributed",
         "relsim.engine", "relsim.analytic")


def modules_after(code: str) -> set[str]:
    """The modules loaded once ``code`` has run in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    return set(out.split())


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_import_relsim_loads_nothing_heavy():
    assert loaded(modules_after("import relsim"), HEAVY) == []


def test_loading_a_model_loads_no_dataframes_solvers_or_engine():
    modules = modules_after("import relsim.model\nrelsim.load('models/web-three-zones.yaml')")
    assert loaded(modules, HEAVY) == []
    # Building distributions needs no numpy either (their cdf and sample do).
    assert loaded(modules, ("numpy", "simpy")) == []


def test_relsim_check_loads_no_dataframes():
    modules = modules_after(
        "import contextlib, io, sys\nfrom relsim.cli import main\nsys.argv = ['relsim', 'check', "
        "'models/web-three-zones.yaml']\nwith contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main()\n    except SystemExit:\n        pass")
    assert loaded(modules, ("pandas", "pyarrow", "matplotlib", "dask", "relsim.engine")) == []
    # scipy.stats alone costs about a second; the intervals that need it load it on first use
    assert loaded(modules, ("scipy", "numpy")) == []


def test_every_public_name_resolves_in_a_fresh_interpreter():
    code = ("import relsim\nmissing = [n for n in relsim.__all__ if getattr(relsim, n, None) is None]\n"
            "assert not missing, missing\nassert set(relsim.__all__) <= set(dir(relsim))")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_lazy_table_is_all():
    assert set(relsim._LAZY) | {"__version__"} == set(relsim.__all__)


def test_a_submodule_import_does_not_hide_its_function():
    # Importing relsim.trace (the module) binds it on the package; the public
    # name relsim.trace must stay the function, as with eager imports.
    code = ("import relsim.trace, relsim.sweep, relsim.compare\nimport relsim\n"
            "assert callable(relsim.trace) and callable(relsim.sweep) and callable(relsim.compare)\n"
            "assert relsim.trace.__name__ == 'trace'\nimport types\n"
            "assert isinstance(relsim.analytic, types.ModuleType)")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        relsim.nope  # noqa: B018


def test_the_version_has_one_source():
    from importlib.metadata import version

    from relsim._version import __version__

    assert relsim.__version__ == __version__ == version("relsim")
    assert "dynamic" in (ROOT / "pyproject.toml").read_text()


def test_the_dask_backend_names_the_extra_when_dask_is_missing(monkeypatch):
    from relsim.backends import DaskBackend
    from relsim.errors import BackendError

    # None in sys.modules makes the import fail as if dask were not installed.
    monkeypatch.setitem(sys.modules, "distributed", None)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(BackendError, match=r"pip install 'relsim\[dask\]'"):
        DaskBackend(jobs=1)


def test_find_cycle_reports_what_networkx_reported():
    nx = pytest.importorskip("networkx")
    rng = random.Random(9)
    for _ in range(300):
        nodes = [f"s{i}" for i in range(rng.randint(1, 7))]
        graph: dict[str, list[str]] = {}
        g = nx.DiGraph()
        for a in nodes:
            graph.setdefault(a, [])
            g.add_node(a)
            for b in rng.sample(nodes, rng.randint(0, min(2, len(nodes)))):
                if b != a and b not in graph[a]:
                    graph[a].append(b)
                    graph.setdefault(b, [])
                    g.add_edge(a, b)
        try:
            expected = [a for a, _ in nx.find_cycle(g)]
        except nx.NetworkXNoCycle:
            expected = []
        assert find_cycle(graph) == expected, graph


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("3", "3")])
def test_the_command_sizes_blas_threads_unless_the_user_did(given, expected):
    """``relsim`` runs BLAS single-threaded (relsim.cli.BLAS_THREADS) before numpy loads, unless told otherwise."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                               "MKL_NUM_THREADS")}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    code = ("import os\nfrom relsim.cli import main\nmain(['check', 'models/pair-shared-crew.yaml'])\n"
            "import numpy\nprint(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env,
                         check=True).stdout.split()
    assert out[-2:] == [expected, "1"]
