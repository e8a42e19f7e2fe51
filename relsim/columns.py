"""Results as columns: one numpy array per column, the table a run keeps in memory.

A run's per-replication rows and outages are kept as ``{column: array}``
(:data:`Columns`), built from the replications' records and concatenated
as chunks finish. The summary (:mod:`relsim.metrics`) reads the arrays,
so ``relsim run`` never imports pandas (about 0.3 s and 50 MiB of a run);
:class:`relsim.Results` makes its DataFrames from them on first use, with
the dtypes pandas would infer from the records themselves (whole numbers
int64, flags bool, text object, a value missing from some rows NaN).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["Columns", "as_columns", "concat", "from_rows", "from_tuples", "length", "select", "to_frame"]

#: A table: column name -> one-dimensional array, all of one length.
Columns = dict[str, np.ndarray]


def _column(values: list[Any]) -> np.ndarray:
    """One column's array, typed as pandas would type a DataFrame column of ``values``."""
    present = [v for v in values if v is not None]
    missing = len(present) != len(values)
    if present and all(isinstance(v, (bool, np.bool_)) for v in present):
        kind: Any = object if missing else bool
    elif present and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                         for v in present):
        kind = float if missing else np.int64
    elif all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
             for v in present):
        kind = float
    else:
        kind = object
    if missing:
        values = [math.nan if v is None else v for v in values]
    if kind is object:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    return np.array(values, dtype=kind)


def from_rows(rows: Sequence[Mapping[str, Any]]) -> Columns:
    """Columns of ``rows`` (dicts): every key any row has, in order of first appearance."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return {name: _column([row.get(name) for row in rows]) for name in names}


def from_tuples(rows: Sequence[Sequence[Any]], names: Sequence[str]) -> Columns:
    """Columns of ``rows`` (tuples in the order of ``names``)."""
    if not rows:
        return {name: np.empty(0, dtype=object) for name in names}
    return {name: _column(list(values)) for name, values in zip(names, zip(*rows))}


def length(table: Mapping[str, Any]) -> int:
    """The number of rows of ``table`` (columns or a DataFrame)."""
    if hasattr(table, "columns"):
        return len(table)
    return len(next(iter(table.values()))) if table else 0


def concat(parts: Iterable[Columns]) -> Columns:
    """The rows of ``parts`` one after the other; a column some part lacks is NaN there."""
    parts = [p for p in parts if p]
    if not parts:
        return {}
    names: dict[str, None] = {}
    for p in parts:
        names.update(dict.fromkeys(p))
    out: Columns = {}
    for name in names:
        pieces = [p[name] if name in p else np.full(length(p), math.nan) for p in parts]
        pieces = [x for x in pieces if len(x)] or pieces[:1]
        out[name] = pieces[0] if len(pieces) == 1 else _join(pieces)
    return out


def _join(pieces: list[np.ndarray]) -> np.ndarray:
    kinds = {x.dtype.kind for x in pieces}
    if kinds <= {"i", "f"} or kinds <= {"b"}:
        return np.concatenate(pieces)
    joined = np.empty(sum(len(x) for x in pieces), dtype=object)  # mixed kinds: as pandas, objects
    joined[:] = [v for x in pieces for v in x.tolist()]
    return joined


def select(table: Columns, rows: np.ndarray) -> Columns:
    """The rows of ``table`` a boolean mask or an index array picks."""
    return {name: values[rows] for name, values in table.items()}


def as_columns(table: Any) -> Columns:
    """``table`` as columns: a DataFrame's are taken out of it, columns are returned as they are."""
    if hasattr(table, "columns"):
        return {str(name): table[name].to_numpy() for name in table.columns}
    return table


def to_frame(table: Columns, names: Sequence[str] | None = None) -> Any:
    """A pandas DataFrame of ``table`` (``names``: the columns of an empty one)."""
    import pandas as pd

    if not table:
        return pd.DataFrame([], columns=list(names or []))
    return pd.DataFrame({name: values for name, values in table.items()})
