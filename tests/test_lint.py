"""Code rules that keep relsim honest: no prints in the library, no global randomness."""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).parent.parent


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is installed with the dev extra")
def test_ruff_is_clean():
    proc = subprocess.run(["ruff", "check", "relsim", "tests", "benchmarks"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_global_random_state_in_the_library():
    banned = re.compile(r"^\s*(import random\b|from random import)|np\.random\.(seed|rand|randn|random|"
                        r"exponential|normal|uniform|choice|weibull|lognormal|gamma|randint)\(", re.M)
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "relsim").rglob("*.py") if banned.search(p.read_text())]
    assert offenders == []


def test_only_the_engine_imports_simpy():
    importers = {str(p.relative_to(ROOT)) for p in (ROOT / "relsim").rglob("*.py")
                 if re.search(r"^\s*(import simpy|from simpy)", p.read_text(), re.M)}
    assert importers and all(p.startswith("relsim/engine/") for p in importers), importers
