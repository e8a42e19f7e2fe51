"""Mutation fuzzing of the bundled models: no traceback, no hang, a ``file:line`` on every message.

Every mutant of a bundled model — keys deleted or renamed, values of the
wrong type, huge, negative, NaN or infinite numbers, garbage distributions,
service cycles, unicode — goes through ``relsim check`` and, when that
accepts it, a short ``relsim run``, both in-process through
:func:`relsim.cli.main`. For each the test asserts:

* the exit status is 0 or 2 (an exception escaping ``main`` is a failure);
* it ends within :data:`HANG` seconds (a ``SIGALRM`` stops a hang);
* every line on standard error is a model problem naming ``file:line``, a
  warning about the file, or a ``relsim:`` message.

CI runs a fixed (derandomized) set of examples; explore more by hand with
``RELSIM_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py``
(docs/model-format.md §15 lists the limits the mutants run into).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import random
import re
import signal
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from relsim.cli import main
from relsim.model.yamlmarks import load_with_lines

MODELS = sorted((Path(__file__).parent.parent / "models").glob("*.yaml"))
EXAMPLES = int(os.environ.get("RELSIM_FUZZ_EXAMPLES", "250"))
#: Seconds one mutant may take (check and run) before it counts as a hang.
HANG = 60
#: The run of an accepted mutant: short, and bounded in events so that a
#: mutant that turns valid but huge ends quickly with exit status 2.
RUN = ["--runs", "2", "--horizon", "3d", "--max-events", "200000", "--json"]

BASES = {path.name: load_with_lines(path.read_text())[0] for path in MODELS}

NUMBERS = [0, -1, -0.5, 1, 2, 3, 10**400, -10**400, 10**18, 1e300, -1e300, 1e-300, math.nan, math.inf,
           -math.inf, 0.999999999, 100, 2**63]
STRINGS = ["", " ", "0", "-1h", "1e400y", "1e-400s", "nan h", "inf h", "1h", "0s", "10", "99.9%", "150%",
           "-5%", "1e300/s", "0/s", "-3/h", "1/0s", "1e21GB", "1e400GB", "-1GB", "5 parsecs", "weibull(",
           "weibull(shape=1.2", "weibull(shape=0, mean=1y)", "weibull(shape=1e-3, scale=1y)",
           "weibull(shape=1e300, mean=1h)", "exp(mean=-1h)", "exp(rate=0/s)", "exp(rate=1e-300/y)",
           "exp(mean=1ms)", "lognormal(mean=1h, sd=1e300y)", "lognormal(mean=1e-300s, sd=1y)",
           "gamma(shape=1e-300, mean=1h)", "normal(mean=0s, sd=0s)", "normal(mean=1h, sd=1000000y)",
           "uniform(5m, 1m)", "fixed(0)", "fixed(0s)", "empirical([])", "empirical([1h, -1h])",
           "empirical([1h, 2h, 5h])", "exp(mean=1h, mean=2h)", "exp(mean=1h))", "((((", "exp[mean=1h]",
           "ünïcödé", "\u202eevil", "emoji-\U0001f4a5", "a" * 300, "active-active", "active-passive", "quorum",
           "permanent", "transient", "intermittent", "beats", "discrete", "hot", "cold", "warm", "data"]
WRONG = [None, True, False, [], {}, [1, 2], {"a": 1}, [None], [[[]]], {"kind": "transient"}]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a mapping value or list item, depth-first."""
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((*prefix, key))
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append((*prefix, i))
            out.extend(_paths(value, (*prefix, i)))
    return out


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def _names(data: dict[str, Any], section: str) -> list[str]:
    body = data.get(section)
    return [str(k) for k in body] if isinstance(body, dict) else []


def mutate(name: str, seed: int) -> Any:
    """Bundled model ``name`` with one to three mutations chosen by ``seed``.

    The mutations are drawn from a ``random.Random(seed)`` rather than from
    hypothesis directly: what can be drawn depends on the model's shape,
    which changes as it is mutated, and hypothesis replays its choices
    only when their structure is fixed. The examples stay reproducible:
    the seed is what hypothesis draws and reports.
    """
    rng = random.Random(seed)
    data = yaml.safe_load(yaml.safe_dump(BASES[name]))  # a deep copy
    for _ in range(rng.randint(1, 3)):
        paths = _paths(data)
        if not paths or not isinstance(data, dict):
            break
        path = rng.choice(paths)
        parent, last = _parent(data, path), path[-1]
        op = rng.choice(["delete", "rename", "number", "string", "wrong", "swap", "cycle", "duplicate",
                         "unicode-key"])
        if op == "delete":
            del parent[last]
        elif op == "rename" and isinstance(parent, dict):
            new = rng.choice([f"{last}x", str(last)[:-1], str(last).upper(), "", "kind", "every", "count",
                              "replicas", "needs", "in", "entry", "horizon"])
            parent[new] = parent.pop(last)
        elif op == "number":
            parent[last] = rng.choice([rng.choice(NUMBERS), rng.randint(-10**6, 10**6),
                                       rng.uniform(-1e3, 1e3) * 10.0 ** rng.randint(-300, 300)])
        elif op == "string":
            parent[last] = rng.choice([rng.choice(STRINGS),
                                       "".join(chr(rng.randint(32, 0x2FFF)) for _ in range(rng.randint(0, 12)))])
        elif op == "wrong":
            parent[last] = rng.choice(WRONG)
        elif op == "swap":  # a value from elsewhere in the model
            other = rng.choice(paths)
            parent[last] = yaml.safe_load(yaml.safe_dump(_parent(data, other)[other[-1]]))
        elif op == "cycle":
            services = _names(data, "services")
            if services:
                a, b = rng.choice(services), rng.choice(services)
                for x, y in ((a, b), (b, a)):
                    body = data["services"][x]
                    if isinstance(body, dict):
                        body[rng.choice(["depends_on", "replicas"])] = [y]
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(yaml.safe_load(yaml.safe_dump(parent[last])))
        elif op == "unicode-key" and isinstance(parent, dict):
            parent[rng.choice(["ü", "\u202e", "\U0001f4a5", "名前", "a b", "x" * 200])] = parent.pop(last)
    return data


class Hang(Exception):
    """A mutant took longer than HANG seconds."""


def _alarm(_signum: int, _frame: Any) -> None:
    raise Hang(f"a mutant took longer than {HANG} s")


def _main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse
            code = stop.code if isinstance(stop.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def _check_messages(path: str, err: str) -> None:
    where = re.compile(rf"^{re.escape(path)}(:\d+ |: warning: )")
    for line in err.splitlines():
        if not line.strip():
            continue
        assert line.startswith("relsim: ") or where.match(line), f"message without file:line: {line!r}"


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="the hang detector needs SIGALRM")
# No example database: its saved examples index the bundled models by position,
# and replayed after a model is added they would draw differently.
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("RELSIM_FUZZ_EXAMPLES"),
          database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(name=st.sampled_from(sorted(BASES)), seed=st.integers(0, 2**32 - 1))
def test_mutants_end_in_a_clear_message(name: str, seed: int) -> None:
    data = mutate(name, seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, name)
        with open(path, "w", encoding="utf-8") as fh:
            yaml.safe_dump(data, fh, allow_unicode=True)
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(HANG)
        try:
            code, _, err = _main(["check", path])
            assert code in (0, 2), (code, err)
            _check_messages(path, err)
            if code == 0:
                code, _, err = _main(["run", path, *RUN])
                assert code in (0, 2), (code, err)
                _check_messages(path, err)
                event(f"check accepted, run exit {code}")  # --hypothesis-show-statistics
            else:
                event("check refused")
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
