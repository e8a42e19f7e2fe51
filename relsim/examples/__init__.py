"""The example models that come with relsim.

They are the repository's ``models/*.yaml`` and, one level down, groups
of models such as the workshop's ``models/workshop/*.yaml`` (named
``"workshop/<file>"``). A built wheel carries them as package data in
``relsim/examples/models/`` (setup.py copies them there at build time, so
the repository keeps one copy); a source checkout or an editable install
reads the repository's ``models/`` directly.

>>> "web-three-zones" in names()
True
>>> path("web-three-zones").name
'web-three-zones.yaml'
>>> path("workshop/01-availability").parent.name
'workshop'

This module imports nothing heavy: ``relsim examples list`` needs no model
machinery.
"""

from __future__ import annotations

import difflib
import shutil
from importlib import resources
from pathlib import Path

__all__ = ["copy", "describe", "directory", "groups", "names", "path"]

_SUFFIX = ".yaml"


def directory() -> Path:
    """The directory holding the example model files.

    Returns
    -------
    pathlib.Path
        ``relsim/examples/models`` in an installed wheel, else the
        ``models/`` directory of the source checkout relsim runs from.

    Raises
    ------
    FileNotFoundError
        If neither exists (an installation without its package data).
    """
    packaged = resources.files(__name__) / "models"
    # An installed wheel is unpacked on disk, so the resource is a real path.
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent.parent / "models"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        "relsim's example models are missing: neither relsim/examples/models nor "
        "a source checkout's models/ exists; reinstall relsim"
    )


def names(group: str | None = None) -> list[str]:
    """The example models' names (file names without ``.yaml``), sorted.

    Parameters
    ----------
    group : str, optional
        Only the models of this group (a subdirectory such as
        ``"workshop"``); by default the top-level models, then every
        group's.

    Returns
    -------
    list[str]
        E.g. ``["aa-three-zones", ..., "web-three-zones", ...,
        "workshop/01-availability", ...]``: a group's models are named
        ``"<group>/<file>"``.
    """
    root = directory()
    top = sorted(p.name[: -len(_SUFFIX)] for p in root.glob(f"*{_SUFFIX}"))
    nested = sorted(f"{p.parent.name}/{p.name[: -len(_SUFFIX)]}" for p in root.glob(f"*/*{_SUFFIX}"))
    if group is None:
        return top + nested
    return [n for n in nested if n.split("/", 1)[0] == group.strip("/")]


def groups() -> list[str]:
    """The groups of example models (subdirectories such as ``"workshop"``), sorted."""
    return sorted({n.split("/", 1)[0] for n in names() if "/" in n})


def path(name: str) -> Path:
    """The file of example model ``name``.

    Parameters
    ----------
    name : str
        A name from :func:`names`, with or without ``.yaml``.

    Returns
    -------
    pathlib.Path
        The model file, ready for :func:`relsim.load`.

    Raises
    ------
    KeyError
        If there is no such example (the message suggests close names).
    """
    stem = name[: -len(_SUFFIX)] if name.endswith(_SUFFIX) else name
    known = names()
    if stem not in known:
        close = difflib.get_close_matches(stem, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; one of {', '.join(known)}"
        raise KeyError(f"no example model {name!r}{hint}")
    return directory() / f"{stem}{_SUFFIX}"


def describe(name: str) -> str:
    """One line about example ``name``: the first paragraph of its header comment.

    Parameters
    ----------
    name : str
        A name from :func:`names`.

    Returns
    -------
    str
        The comment text, without the leading ``"name: "`` most files start
        with; ``""`` if the file has no header comment.
    """
    lines: list[str] = []
    for line in path(name).read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text.startswith("#"):
            break
        text = text.lstrip("#").strip()
        if text.startswith("yaml-language-server:"):
            continue  # an editor's schema line (docs/model-format.md), not a description
        if not text:
            if lines:
                break
            continue
        lines.append(text)
    summary = " ".join(lines)
    stem = path(name).stem
    for prefix in (f"{stem}: ", f"{name[: -len(_SUFFIX)] if name.endswith(_SUFFIX) else name}: "):
        if summary.startswith(prefix):
            return summary[len(prefix):]
    return summary


def copy(dest_dir: str | Path, which: list[str] | None = None, *, overwrite: bool = False) -> list[Path]:
    """Copy example models into ``dest_dir`` (created if missing).

    Parameters
    ----------
    dest_dir : str or pathlib.Path
        Where the files go.
    which : list[str], optional
        Names from :func:`names`, or group names (``"workshop"``: all of its
        models); all examples by default. A group's model is written to
        ``dest_dir/<group>/<file>.yaml``.
    overwrite : bool, default False
        Replace files that already exist. Without it nothing is copied if
        any target exists, so a user's edited copy is never lost.

    Returns
    -------
    list[pathlib.Path]
        The files written, in name order.

    Raises
    ------
    KeyError
        If a name in ``which`` is not an example.
    FileExistsError
        If a target exists and ``overwrite`` is false.
    NotADirectoryError
        If ``dest_dir`` exists and is not a directory.
    """
    chosen: list[str] = []
    for n in names() if which is None else which:
        chosen.extend(names(n) if n.strip("/") in groups() else [n])
    sources = [path(n) for n in chosen]
    dest = Path(dest_dir)
    if dest.exists() and not dest.is_dir():
        raise NotADirectoryError(f"{dest} exists and is not a directory")
    targets = [dest / src.relative_to(directory()) for src in sources]
    clashes = [str(t) for t in targets if t.exists()]
    if clashes and not overwrite:
        raise FileExistsError(
            f"would overwrite {len(clashes)} file(s): {', '.join(clashes)} (pass overwrite=True)"
        )
    dest.mkdir(parents=True, exist_ok=True)
    for src, target in zip(sources, targets):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    return targets
