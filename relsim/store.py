"""Results written to disk as they are produced, so a run can be resumed.

A results directory holds

``manifest.json``
    what was run: model name and hash (of the validated model file
    contents), seed, horizon, requested replications, relsim version, and
    whether the run completed;
``parts/NNNNNNNN-MMMMMMMM.runs.parquet`` and ``...outages.parquet``
    one pair per finished chunk of replications NNNNNNNN..MMMMMMMM: the rows
    of :attr:`Results.runs` and :attr:`Results.outages` for them, with their
    provenance columns, readable by any Parquet tool.

Every file is written to a temporary name and renamed into place, and the
outages file of a chunk is renamed before its runs file, so a chunk counts
as finished exactly when its runs file exists: a run killed at any moment
(even with SIGKILL) leaves only whole chunks, and resuming runs the
replications that have no runs file. Resuming is refused when the model,
seed or horizon differ from the manifest's, because the parts would then
describe a different experiment.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from relsim import columns as cols
from relsim.engine import OUTAGE_FIELDS
from relsim.errors import StoreMismatch
from relsim.evidence import outage_duration_assumption
from relsim.metric_registry import applicable
from relsim.model import Model
from relsim.service_verdicts import objectives_of

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMAT", "ResultStore", "StoreMismatch", "model_hash"]

FORMAT = "relsim-results/1"
MANIFEST = "manifest.json"
PROVENANCE = ("model", "seed", "replication", "horizon_s")
OUTAGE_COLUMNS = ("model", "seed", "replication", *OUTAGE_FIELDS)
_PART = re.compile(r"^(\d{8})-(\d{8})\.runs\.parquet$")

def model_hash(model: Model) -> str:
    """SHA-256 of the model's validated contents (comments and layout do not count)."""
    text = json.dumps(model.raw, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _write_atomic(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class ResultStore:
    """A results directory (see the module docstring).

    Use :meth:`create` for a new run, :meth:`resume` to continue one and
    :meth:`open` to read one.
    """

    def __init__(self, path: str | os.PathLike[str], manifest: dict[str, Any]):
        self.path = Path(path)
        self.manifest = manifest

    # -- opening -----------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ResultStore:
        """Open an existing results directory for reading."""
        path = Path(path)
        try:
            manifest = json.loads((path / MANIFEST).read_text())
        except FileNotFoundError:
            raise FileNotFoundError(f"{path} holds no relsim results ({MANIFEST} is missing)") from None
        if manifest.get("format") != FORMAT:
            raise StoreMismatch(f"{path}: unknown results format {manifest.get('format')!r}")
        return cls(path, manifest)

    @classmethod
    def create(cls, path: str | os.PathLike[str], model: Model, seed: int, horizon: float,
               runs: int, version: str, resume: bool = False) -> ResultStore:
        """Start writing a run to ``path``, or with ``resume`` continue the one there.

        Without ``resume`` the directory must not already hold results. With
        it, an existing manifest must match ``model``, ``seed``, ``horizon``
        and ``version`` (else :class:`StoreMismatch`); a directory without
        results is simply started.
        """
        path = Path(path)
        if (path / MANIFEST).exists():
            if not resume:
                raise StoreMismatch(f"{path} already holds results; resume them or choose another directory")
            store = cls.open(path)
            store._check(model, seed, horizon, version)
            store._clean()
            store.manifest["runs"] = max(int(store.manifest.get("runs", 0)), runs)
            store.manifest["complete"] = False
            store._write_manifest()
            return store
        if path.exists() and not path.is_dir():
            raise StoreMismatch(f"{path} is a file, not a results directory")
        if path.exists() and any(path.iterdir()):
            raise StoreMismatch(f"{path} is not empty and holds no relsim results")
        (path / "parts").mkdir(parents=True, exist_ok=True)
        objectives = objectives_of(model)  # the entry's and each service's own (relsim/service_verdicts.py)
        manifest = {
            "format": FORMAT,
            "model": model.name,
            "model_hash": model_hash(model),
            "seed": int(seed),
            "horizon_s": float(horizon),
            "runs": int(runs),
            "version": version,
            "objectives": objectives,
            "metrics": list(applicable(model)),
            "assumptions": {"outage_duration_s": outage_duration_assumption(model)},
            "complete": False,
        }
        store = cls(path, manifest)
        store._write_manifest()
        return store

    def _check(self, model: Model, seed: int, horizon: float, version: str) -> None:
        m = self.manifest
        wrong = []
        if m.get("model_hash") != model_hash(model):
            wrong.append(f"model (it holds {m.get('model')!r} with other contents)"
                         if m.get("model") == model.name else f"model (it holds {m.get('model')!r}, not {model.name!r})")
        if m.get("seed") != int(seed):
            wrong.append(f"seed (it holds seed {m.get('seed')}, not {seed})")
        if m.get("horizon_s") != float(horizon):
            wrong.append(f"horizon (it holds {m.get('horizon_s')} s, not {float(horizon)} s)")
        if m.get("version") != version:
            wrong.append(f"relsim version (it was written by {m.get('version')}, this is {version})")
        if wrong:
            raise StoreMismatch(f"cannot resume {self.path}: different " + "; different ".join(wrong))

    def _clean(self) -> None:
        """Remove what a killed run can leave: temporary files and an outages
        file whose runs file was never renamed into place (that chunk is not
        finished and will run again)."""
        parts = self.path / "parts"
        parts.mkdir(parents=True, exist_ok=True)
        for p in parts.iterdir():
            orphan = any(p.name.endswith(f".{table}.parquet") and not p.with_name(
                p.name.replace(f".{table}.", ".runs.")).exists() for table in ("outages", "incidents", "pages"))
            if p.name.endswith(".tmp") or orphan:
                p.unlink()

    def _write_manifest(self) -> None:
        text = json.dumps(self.manifest, indent=2, sort_keys=True, default=str)
        _write_atomic(self.path / MANIFEST, lambda tmp: Path(tmp).write_text(text + "\n"))

    # -- writing -----------------------------------------------------------
    def write_results(self, part: Any) -> None:
        """Write one finished chunk, a :class:`relsim.Results` (its tables, incidents and pages)."""
        self.write(part.runs, part.outages, part.incident_table, part.page_table)

    def write(self, frames_runs: pd.DataFrame, frames_outages: pd.DataFrame,
              incidents: pd.DataFrame | None = None, pages: pd.DataFrame | None = None) -> None:
        """Write one finished chunk (its rows of ``Results.runs`` and ``.outages``).

        With alerts or teams, also its incidents and pages
        (``Results.incident_table``, ``.page_table``; docs/incidents.md).
        """
        reps = frames_runs["replication"]
        stem = f"{int(reps.min()):08d}-{int(reps.max()):08d}"
        parts = self.path / "parts"
        _write_atomic(parts / f"{stem}.outages.parquet",
                      lambda tmp: frames_outages.to_parquet(tmp, index=False, engine="pyarrow"))
        for table, frame in (("incidents", incidents), ("pages", pages)):
            if frame is not None:
                _write_atomic(parts / f"{stem}.{table}.parquet",
                              lambda tmp, f=frame: f.to_parquet(tmp, index=False, engine="pyarrow"))
        # The runs file last: its presence is what marks the chunk finished.
        _write_atomic(parts / f"{stem}.runs.parquet",
                      lambda tmp: frames_runs.to_parquet(tmp, index=False, engine="pyarrow"))

    def finish(self, runs: int, extra: dict[str, Any] | None = None) -> None:
        """Record that the run completed with ``runs`` replications."""
        self.manifest.update({"runs": int(runs), "complete": True, **(extra or {})})
        self._write_manifest()

    # -- reading -----------------------------------------------------------
    def _part_files(self) -> list[tuple[int, int, Path]]:
        parts = self.path / "parts"
        found = []
        for p in parts.iterdir() if parts.exists() else []:
            m = _PART.match(p.name)
            if m:
                found.append((int(m.group(1)), int(m.group(2)), p))
        return sorted(found)

    def done(self) -> set[int]:
        """Replication indices whose chunk is on disk."""
        import pandas as pd

        out: set[int] = set()
        for _, _, p in self._part_files():
            out.update(int(i) for i in pd.read_parquet(p, columns=["replication"])["replication"])
        return out

    def frames(self, wanted: Iterable[int] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``Results.runs`` and ``Results.outages`` of the stored replications, sorted.

        Read column-wise from the parts, so memory grows with the compact
        tables only, never with per-replication Python objects. The tables
        equal those :meth:`Results.from_records` builds from the same
        replications (dtypes included).
        """
        import pandas as pd

        keep = None if wanted is None else set(wanted)
        runs_parts, outage_parts = [], []
        for first, last, p in self._part_files():
            if keep is not None and not _overlaps(keep, first, last):
                continue
            runs_parts.append(pd.read_parquet(p))
            outage_parts.append(pd.read_parquet(p.with_name(p.name.replace(".runs.", ".outages."))))
        return combine_frames(runs_parts, outage_parts, keep)

    def incident_frames(self, wanted: Iterable[int] | None = None) -> tuple[Any, Any]:
        """The stored incidents and pages of the replications (``(None, None)`` if none were written)."""
        import pandas as pd

        keep = None if wanted is None else set(wanted)
        found: dict[str, list[pd.DataFrame]] = {"incidents": [], "pages": []}
        for first, last, p in self._part_files():
            if keep is not None and not _overlaps(keep, first, last):
                continue
            for table, frames in found.items():
                path = p.with_name(p.name.replace(".runs.", f".{table}."))
                if path.exists():
                    frames.append(pd.read_parquet(path))
        return combine_incidents(found["incidents"], found["pages"], keep)

    def __repr__(self) -> str:
        m = self.manifest
        return f"<ResultStore {str(self.path)!r}: {m.get('model')!r}, seed={m.get('seed')}, runs={m.get('runs')}>"


def combine_frames(runs_parts: list[pd.DataFrame], outage_parts: list[pd.DataFrame],
                   keep: set[int] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``Results.runs`` and ``.outages`` from the tables of finished chunks, sorted by replication.

    ``keep``: only these replications (None: all). The tables equal those
    :meth:`Results.from_records` builds from the same replications.
    """
    import pandas as pd

    outage_parts = [o for o in outage_parts if len(o)]
    if not runs_parts:
        return pd.DataFrame(), _empty_outages()
    runs = pd.concat(runs_parts, ignore_index=True)
    if keep is not None:
        runs = runs[runs["replication"].isin(keep)]
    runs = (runs.drop_duplicates("replication").sort_values("replication", kind="stable")
            .reset_index(drop=True).infer_objects())
    if not outage_parts:
        return runs, _empty_outages()
    outages = pd.concat(outage_parts, ignore_index=True)
    outages = outages[outages["replication"].isin(set(runs["replication"]))]
    # Parts never overlap (a chunk is written once), so a stable sort by
    # replication keeps each replication's outages in time order.
    outages = outages.sort_values("replication", kind="stable").reset_index(drop=True).infer_objects()
    return runs, outages


def combine_incidents(incident_parts: list[pd.DataFrame], page_parts: list[pd.DataFrame],
                      keep: set[int] | None) -> tuple[Any, Any]:
    """``Results.incident_table`` and ``.page_table`` from finished chunks' (None, None without any)."""
    if not incident_parts:
        return None, None
    import pandas as pd

    out = []
    for frames in (incident_parts, page_parts):
        frame = pd.concat(frames, ignore_index=True)
        if keep is not None:
            frame = frame[frame["replication"].isin(keep)]
        out.append(frame.sort_values("replication", kind="stable").reset_index(drop=True).infer_objects())
    return out[0], out[1]


class MemoryParts:
    """Finished chunks kept in memory as compact tables, as a results directory keeps them on disk.

    ``relsim.run`` without ``out`` keeps each chunk's tables here as
    columns (:mod:`relsim.columns`) rather than its per-replication records
    (a dict of metrics and a list of outage tuples per replication, about
    10x the memory), and builds the final tables the way
    :meth:`ResultStore.frames` does, without pandas.
    """

    def __init__(self) -> None:
        # (first, last replication) -> (runs, outages, incidents, pages), keyed as a
        # results directory names its files: a chunk written again replaces itself.
        self._chunks: dict[tuple[int, int], tuple[cols.Columns, cols.Columns, Any, Any]] = {}

    def write_results(self, part: Any) -> None:
        """Keep one finished chunk, a :class:`relsim.Results` (see :meth:`ResultStore.write_results`).

        Writing the same chunk again (a flush retried after Ctrl-C
        interrupted it) replaces it: its rows are never kept twice.
        """
        runs, outages = part.tables()
        reps = np.asarray(runs["replication"])
        # One assignment, after every table is built: Ctrl-C leaves the chunk kept or not, never half.
        self._chunks[int(reps.min()), int(reps.max())] = (runs, outages, part.incident_table, part.page_table)

    def frames(self, wanted: Iterable[int] | None = None) -> tuple[cols.Columns, cols.Columns]:
        """The runs and outages tables (columns) of the kept replications, sorted by replication."""
        chunks = list(self._chunks.values())
        return combine_columns([c[0] for c in chunks], [c[1] for c in chunks],
                               None if wanted is None else set(wanted))

    def incident_frames(self, wanted: Iterable[int] | None = None) -> tuple[Any, Any]:
        chunks = [c for c in self._chunks.values() if c[2] is not None]
        return combine_incidents([c[2] for c in chunks], [c[3] for c in chunks],
                                 None if wanted is None else set(wanted))


def combine_columns(runs_parts: list[cols.Columns], outage_parts: list[cols.Columns],
                    keep: set[int] | None) -> tuple[cols.Columns, cols.Columns]:
    """:func:`combine_frames` on columns: the same rows in the same order, without pandas."""
    runs = cols.concat(runs_parts)
    if not runs:
        return {}, cols.from_tuples([], OUTAGE_COLUMNS)
    reps = np.asarray(runs["replication"])
    rows = np.arange(len(reps)) if keep is None else np.flatnonzero(np.isin(reps, list(keep)))
    _, first = np.unique(reps[rows], return_index=True)  # each replication once (its first row), sorted
    runs = cols.select(runs, rows[first])
    outages = cols.concat([o for o in outage_parts if cols.length(o)])
    if not outages:
        return runs, cols.from_tuples([], OUTAGE_COLUMNS)
    owner = np.asarray(outages["replication"])
    rows = np.flatnonzero(np.isin(owner, runs["replication"]))
    # Parts never overlap (a chunk is written once), so a stable sort by
    # replication keeps each replication's outages in time order.
    return runs, cols.select(outages, rows[np.argsort(owner[rows], kind="stable")])


def _empty_outages() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([], columns=list(OUTAGE_COLUMNS))


def _overlaps(keep: set[int], first: int, last: int) -> bool:
    """Whether any wanted index lies in first..last (iterating the smaller side)."""
    if last - first < len(keep):
        return any(i in keep for i in range(first, last + 1))
    return any(first <= i <= last for i in keep)
