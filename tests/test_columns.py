"""A run's tables as columns: the same tables pandas would make, summarised without pandas.

``relsim run`` keeps its per-replication rows and outages as numpy columns
(relsim/columns.py) and makes ``Results.runs``/``.outages`` DataFrames only
on first use. These tests hold the columns to what pandas itself builds
from the same records (values and dtypes), the in-memory combination of
chunks to the one the results directory uses, and the summary read from
columns to the summary read from DataFrames; and they check that a plain
``relsim run`` imports neither pandas nor scipy.stats.
"""

from __future__ import annotations

import math
import pathlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import relsim
from relsim import columns as cols
from relsim.backends import run_chunk
from relsim.engine import OUTAGE_FIELDS
from relsim.incident_metrics import RECORD_KEYS
from relsim.metrics import summarise, summary_rows
from relsim.results import Results
from relsim.store import MemoryParts, combine_columns, combine_frames

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUTAGE_COLUMNS = ["model", "seed", "replication", *OUTAGE_FIELDS]
#: Models whose records cover the column kinds: plain, failover (flags, NaN RPO), data loss, requests.
MODELS = ["pair-shared-crew", "ap-hot-two-zones", "db-two-zones-async", "web-tier-retries", "oncall-and-alerts"]


def records_of(name: str, runs: int = 12) -> tuple[relsim.Model, list]:
    model = relsim.load(ROOT / "models" / f"{name}.yaml")
    return model, run_chunk(model, 5, list(range(runs)), model.horizon)


def pandas_tables(model: relsim.Model, records: list) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How Results.from_records built its tables with pandas (relsim 0.1)."""
    rows = [{"model": model.name, "seed": 5, "replication": i, "horizon_s": model.horizon,
             **{k: v for k, v in m.items() if k not in RECORD_KEYS}} for i, m, _ in records]
    outages = [(model.name, 5, i, *o) for i, _, outs in records for o in outs]
    return pd.DataFrame(rows), pd.DataFrame(outages, columns=OUTAGE_COLUMNS)


@pytest.mark.parametrize("name", MODELS)
def test_results_tables_are_what_pandas_makes_of_the_records(name: str) -> None:
    model, records = records_of(name)
    results = Results.from_records(model.name, 5, model.horizon, records)
    runs, outages = pandas_tables(model, records)
    pd.testing.assert_frame_equal(results.runs, runs)
    pd.testing.assert_frame_equal(results.outages, outages)


def test_column_types_follow_pandas() -> None:
    rows = [{"i": 1, "f": 1.5, "b": True, "s": "a", "mixed": 1, "gap": 2, "flag_gap": False},
            {"i": 2, "f": 2.0, "b": False, "s": "b", "mixed": 2.5},
            {"i": 3, "f": math.nan, "b": True, "s": "c", "mixed": 3, "gap": 4, "flag_gap": True, "late": "x"}]
    got = cols.to_frame(cols.from_rows(rows))
    want = pd.DataFrame(rows)
    pd.testing.assert_frame_equal(got, want)
    assert list(got.columns) == ["i", "f", "b", "s", "mixed", "gap", "flag_gap", "late"]  # first appearance


def test_no_outages_give_the_empty_table_pandas_gives() -> None:
    got = cols.to_frame(cols.from_tuples([], OUTAGE_COLUMNS), OUTAGE_COLUMNS)
    pd.testing.assert_frame_equal(got, pd.DataFrame([], columns=OUTAGE_COLUMNS))


@pytest.mark.parametrize("keep", [None, {0, 3, 4, 9, 11}, set()])
def test_chunks_combine_in_memory_as_on_disk(keep: set[int] | None) -> None:
    model, records = records_of("ap-hot-two-zones")
    # chunks out of order, one replication written twice (a resumed chunk): the first copy is kept
    chunks = [records[6:], records[:3], records[3:6], records[2:3]]
    parts = [Results.from_records(model.name, 5, model.horizon, c) for c in chunks]
    memory = MemoryParts()
    for part in parts:
        memory.write_results(part)
    runs, outages = memory.frames(keep)
    want_runs, want_outages = combine_frames([p.runs for p in parts], [p.outages for p in parts], keep)
    if keep == set():
        assert cols.length(runs) == 0 and len(want_runs) == 0
        return
    together = Results(model.name, 5, model.horizon, runs, outages)
    pd.testing.assert_frame_equal(together.runs, want_runs)
    pd.testing.assert_frame_equal(together.outages, want_outages)
    assert list(runs["replication"]) == sorted(keep or range(12))


def test_combining_columns_keeps_each_replications_outages_in_time_order() -> None:
    part = {"replication": np.array([4, 1]), "x": np.array([1.0, 2.0])}
    outs = {"replication": np.array([4, 1, 4, 1]), "start_s": np.array([1.0, 5.0, 2.0, 6.0])}
    runs, outages = combine_columns([part], [outs], None)
    assert runs["replication"].tolist() == [1, 4] and runs["x"].tolist() == [2.0, 1.0]
    assert outages["replication"].tolist() == [1, 1, 4, 4]
    assert outages["start_s"].tolist() == [5.0, 6.0, 1.0, 2.0]


@pytest.mark.parametrize("name", MODELS)
def test_summary_from_columns_is_the_summary_from_dataframes(name: str) -> None:
    model, records = records_of(name, runs=40)
    results = Results.from_records(model.name, 5, model.horizon, records)
    runs, outages = pandas_tables(model, records)
    want = summarise(runs, outages, 5)
    got = summary_rows(*results.tables(), 5)
    assert list(got) == list(want.index)
    for metric, row in got.items():
        for key, value in row.items():
            expected = want.loc[metric, key]
            if isinstance(value, float) and math.isnan(value):
                assert pd.isna(expected), (metric, key)
            elif isinstance(value, (str, bool)):
                assert value == expected, (metric, key)
            else:
                assert value == pytest.approx(expected, rel=1e-12, abs=1e-300), (metric, key)
    pd.testing.assert_frame_equal(results.summary(), want)


def test_results_made_from_dataframes_summarise_the_same() -> None:
    model, records = records_of("pair-shared-crew", runs=30)
    results = Results.from_records(model.name, 5, model.horizon, records)
    again = Results(model.name, 5, model.horizon, results.runs, results.outages)
    pd.testing.assert_frame_equal(again.summary(), results.summary())
    assert again.n_runs == results.n_runs == 30


@pytest.mark.parametrize("path", ["models/pair-shared-crew.yaml", "benchmarks/models/bm100.yaml"])
def test_relsim_run_imports_neither_pandas_nor_scipy_stats(path: str) -> None:
    code = ("import sys\nfrom relsim.cli import main\n"
            f"main(['run', {path!r}, '--runs', '30'])\n"
            "print([m for m in ('pandas', 'scipy.stats', 'pyarrow') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout
