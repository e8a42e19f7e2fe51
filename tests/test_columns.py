"""A run's tables as columns: the same tables pandas would make, summarised without pandas.

``relsim run`` keeps its per-replication rows and outages as numpy columns
(relsim/columns.py) and makes ``Results.runs``/``.outages`` DataFrames only
on first use. These tests hold the columns to what pandas itself builds
from the same records (values and dtypes), the in-memory combination of
chunks to the one the results directory uses, and the summary read from
columns to the summary read from DataFrames; and they check that a plain
``relsim run`` imports neither pandas nor scipy.
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


@pytest.mark.parametrize(("path", "runs"), [("models/pair-shared-crew.yaml", 30),
                                           ("benchmarks/models/bm100.yaml", 30),
                                           ("models/web-three-zones.yaml", 2)])  # few outages: exact intervals
def test_relsim_run_imports_neither_pandas_nor_scipy(path: str, runs: int) -> None:
    code = ("import sys\nfrom relsim.cli import main\n"
            f"main(['run', {path!r}, '--runs', '{runs}'])\n"
            "print([m for m in ('pandas', 'scipy', 'pyarrow') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


# --------------------------------------------------------------------------
# the column functions one by one, on tables of known content


def test_each_kind_of_column_is_typed_as_pandas_types_it() -> None:
    rows = [{"i": 1, "ni": np.int64(5), "f": 2.5, "if": 1, "b": True, "nb": np.bool_(True), "s": "x",
             "fi": 3, "bi": True, "bs": False, "gap_i": 4, "gap_b": True, "gap_f": 0.5, "gap_s": "y"},
            {"i": 2, "ni": np.int32(6), "f": np.float32(0.5), "if": 1.5, "b": False, "nb": np.bool_(False),
             "s": "z", "fi": np.float64(3.5), "bi": 1, "bs": "t"}]
    got = cols.from_rows(rows)
    want = pd.DataFrame(rows)
    pd.testing.assert_frame_equal(cols.to_frame(got), want)
    assert got["i"].dtype == np.int64 and got["b"].dtype == bool and got["gap_i"].dtype == float
    assert got["gap_b"].dtype == object and got["gap_b"][0] is True and math.isnan(got["gap_b"][1])
    assert got["bi"].dtype == object and got["gap_s"].dtype == object
    assert list(got) == list(want.columns)


def test_from_tuples_names_the_columns_and_types_them() -> None:
    got = cols.from_tuples([(1, "a", 0.5, False), (2, "b", 1.0, True)], ["n", "s", "x", "flag"])
    assert list(got) == ["n", "s", "x", "flag"]
    assert got["n"].dtype == np.int64 and got["n"].tolist() == [1, 2]
    assert got["s"].dtype == object and got["s"].tolist() == ["a", "b"]
    assert got["x"].dtype == float and got["flag"].dtype == bool and got["flag"].tolist() == [False, True]
    empty = cols.from_tuples([], ["a", "b"])
    assert list(empty) == ["a", "b"] and all(v.dtype == object and len(v) == 0 for v in empty.values())


def test_length_of_columns_and_frames() -> None:
    assert cols.length({"a": np.arange(3), "b": np.zeros(3)}) == 3
    assert cols.length({}) == 0
    assert cols.length({"a": np.array([])}) == 0
    assert cols.length(pd.DataFrame({"a": [1, 2]})) == 2
    assert cols.length(pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 3, 4]})) == 4


def test_concat_is_pandas_concat() -> None:
    a = cols.from_rows([{"i": 1, "f": 0.5, "b": True, "s": "x"}, {"i": 2, "f": 1.5, "b": False, "s": "y"}])
    b = cols.from_rows([{"i": 3, "f": 2, "b": True, "s": "z", "extra": 7}])
    c = cols.from_rows([{"i": 4.5, "b": True, "s": 2.0}])
    for parts in ([a, b], [b, a], [a, c], [a, b, c], [c, a, {}], [a]):
        got = cols.concat(parts)
        want = pd.concat([cols.to_frame(p) for p in parts if p], ignore_index=True)
        pd.testing.assert_frame_equal(cols.to_frame(got), want)
    got = cols.concat([a, b])
    assert got["extra"].dtype == float and np.isnan(got["extra"][:2]).all() and got["extra"][2] == 7.0
    assert got["b"].dtype == bool and got["i"].dtype == np.int64
    assert cols.concat([a, c])["s"].dtype == object  # text and numbers: objects, as pandas
    assert cols.concat([a, c])["i"].dtype == float
    mixed = cols.concat([{"b": np.array([True])}, {"b": np.array([2])}])  # pandas 2's objects (pandas 3: int64)
    assert mixed["b"].dtype == object and mixed["b"].tolist() == [True, 2]
    assert cols.concat([]) == {} and cols.concat([{}, {}]) == {}


def test_concat_skips_parts_without_rows() -> None:
    empty = cols.from_tuples([], ["x", "y"])  # object columns of no rows
    full = {"x": np.array([1.5, 2.5]), "y": np.array([1, 2])}
    for parts in ([empty, full], [full, empty], [empty, full, empty]):
        got = cols.concat(parts)
        assert got["x"].dtype == float and got["x"].tolist() == [1.5, 2.5]
        assert got["y"].dtype == np.int64 and got["y"].tolist() == [1, 2]
    got = cols.concat([empty, empty])
    assert list(got) == ["x", "y"] and all(len(v) == 0 for v in got.values())
    got = cols.concat([{"x": np.array([], dtype=float)}, {"x": np.array([], dtype=np.int64)}])
    assert got["x"].dtype == float and len(got["x"]) == 0  # the first part's type when none has rows
    got = cols.concat([{"x": np.array([], dtype=float)}, {"x": np.array([], dtype=object)}])
    assert got["x"].dtype == float and len(got["x"]) == 0
    part = {"x": np.array([1.5]), "s": np.array(["a"], dtype=object)}
    got = cols.concat([part])  # one part: its own arrays
    assert got["x"] is part["x"] and got["s"] is part["s"]


def test_select_and_as_columns() -> None:
    table = {"a": np.array([1, 2, 3]), "b": np.array(["x", "y", "z"], dtype=object)}
    got = cols.select(table, np.array([True, False, True]))
    assert got["a"].tolist() == [1, 3] and got["b"].tolist() == ["x", "z"]
    got = cols.select(table, np.array([2, 0]))
    assert got["a"].tolist() == [3, 1] and got["b"].tolist() == ["z", "x"]
    assert cols.as_columns(table) is table
    frame = pd.DataFrame({0: [1.0, 2.0], "b": [True, False]})
    got = cols.as_columns(frame)
    assert list(got) == ["0", "b"] and got["0"].tolist() == [1.0, 2.0] and got["b"].dtype == bool


def test_to_frame_of_an_empty_table_has_the_names_given() -> None:
    assert list(cols.to_frame({}, ["a", "b"]).columns) == ["a", "b"]
    assert list(cols.to_frame({}).columns) == [] and len(cols.to_frame({})) == 0
    frame = cols.to_frame({"a": np.array([1, 2]), "b": np.array([0.5, 1.5])}, ["ignored"])
    assert list(frame.columns) == ["a", "b"] and frame["a"].tolist() == [1, 2]
