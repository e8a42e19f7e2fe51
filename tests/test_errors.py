"""One exception hierarchy: every relsim error is a ``RelsimError`` and keeps its built-in base."""

from __future__ import annotations

import ast
import builtins
import pathlib
import subprocess
import sys

import pytest
from shared_models import PAIR

import relsim
import relsim.analytic
import relsim.analytic.markov
import relsim.backends
import relsim.errors
import relsim.experiment
import relsim.model
import relsim.store
from relsim.errors import (
    BackendError,
    BehaviourError,
    Interrupted,
    ModelError,
    NotConverged,
    RelsimError,
    StoreMismatch,
    TooManyEvents,
    Unsupported,
)

#: Each error with the built-in base that existing ``except`` clauses rely on.
BUILTIN_BASE = {
    ModelError: ValueError,
    Unsupported: ValueError,
    NotConverged: RuntimeError,
    StoreMismatch: ValueError,
    BackendError: RuntimeError,
    BehaviourError: RuntimeError,
    TooManyEvents: RuntimeError,
    Interrupted: KeyboardInterrupt,
}

#: Modules too heavy for relsim/errors.py to import.
HEAVY = ("numpy", "pandas", "scipy", "simpy", "pydantic")


def test_every_error_derives_from_relsim_error_and_keeps_its_builtin_base():
    assert issubclass(RelsimError, Exception)
    for error, base in BUILTIN_BASE.items():
        assert issubclass(error, RelsimError), error
        assert issubclass(error, base), error


def test_the_hierarchy_is_complete():
    # Every exception class defined anywhere in relsim is one of these.
    defined = {obj for obj in vars(relsim.errors).values()
               if isinstance(obj, type) and issubclass(obj, BaseException)
               and obj.__module__ == "relsim.errors"}
    assert defined == set(BUILTIN_BASE) | {RelsimError}
    assert set(relsim.errors.__all__) == {cls.__name__ for cls in defined}


def test_one_class_per_error_wherever_it_is_imported_from():
    assert relsim.ModelError is relsim.model.ModelError is ModelError
    assert relsim.Unsupported is relsim.analytic.Unsupported is Unsupported
    assert relsim.analytic.markov.NotConverged is NotConverged
    assert relsim.StoreMismatch is relsim.store.StoreMismatch is StoreMismatch
    assert relsim.BackendError is relsim.backends.BackendError is BackendError
    assert relsim.Interrupted is relsim.experiment.Interrupted is Interrupted
    assert relsim.RelsimError is RelsimError


def test_errors_module_imports_nothing_heavy():
    # Run the file on its own (relsim/__init__ is not this test's concern):
    # it must load without numpy, pandas, scipy, SimPy or pydantic.
    code = (f"import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('errors', {relsim.errors.__file__!r})\n"
            f"spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
            f"print(sorted(n for n in {HEAVY!r} if n in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_model_error_lists_every_problem_and_is_caught_as_relsim_error():
    with pytest.raises(RelsimError) as info:
        relsim.loads("name: x\ncomponents:\n  a: {bogus: 1}\nservices:\n  s: {replicas: [b]}\n")
    assert isinstance(info.value, ModelError) and isinstance(info.value, ValueError)
    assert len(info.value.problems) >= 2
    assert str(info.value) == "\n".join(str(p) for p in info.value.problems)
    assert str(info.value).startswith("<string>:")


def test_unsupported_message_is_unchanged():
    error = Unsupported(["services.s.mode: quorum is not solved", "horizon: too long"])
    assert str(error) == ("the exact solver cannot solve this model:\n"
                          "  - services.s.mode: quorum is not solved\n  - horizon: too long")
    assert error.reasons == ["services.s.mode: quorum is not solved", "horizon: too long"]


def test_store_mismatch_is_caught_as_relsim_error(tmp_path):
    out = tmp_path / "res"
    relsim.run(relsim.loads(PAIR), runs=2, seed=1, horizon="30d", out=out)
    with pytest.raises(RelsimError, match="different seed"):
        relsim.run(relsim.loads(PAIR), runs=2, seed=2, horizon="30d", out=out, resume=True)


def test_backend_error_is_caught_as_relsim_error():
    with pytest.raises(RelsimError, match="^no dask$"):
        raise BackendError("no dask")


def test_interrupted_keeps_the_finished_replications(monkeypatch):
    def ctrl_c(self, n):
        raise KeyboardInterrupt

    monkeypatch.setattr(relsim.experiment.Progress, "update", ctrl_c)
    with pytest.raises(RelsimError) as info:
        relsim.run(relsim.loads(PAIR), runs=4, seed=1, horizon="30d")
    stop = info.value
    assert isinstance(stop, Interrupted) and isinstance(stop, KeyboardInterrupt)
    assert stop.requested == 4 and 1 <= len(stop.partial.runs) <= 4
    assert str(stop) == f"interrupted after {len(stop.partial.runs)} of 4 replications"


def test_exceptions_are_defined_only_in_relsim_errors():
    # The command line's BadInput never leaves it: main() turns it into exit status 2.
    allowed = {("relsim/cli/common.py", "BadInput")}
    root = pathlib.Path(relsim.errors.__file__).parent
    builtin = {name for name, obj in vars(builtins).items()
               if isinstance(obj, type) and issubclass(obj, BaseException)}
    elsewhere = []
    for path in root.rglob("*.py"):
        where = path.relative_to(root.parent).as_posix()
        if where == "relsim/errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            bases = {getattr(b, "id", getattr(b, "attr", "")) for b in getattr(node, "bases", [])}
            if isinstance(node, ast.ClassDef) and bases & (builtin | set(relsim.errors.__all__)):
                if (where, node.name) not in allowed:
                    elsewhere.append(f"{where}: {node.name}")
    assert elsewhere == [], "define exceptions in relsim/errors.py, under RelsimError"
