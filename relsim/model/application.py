"""Cross-reference checks of the application-semantics sections.

``sessions`` (:mod:`relsim.model.sessions`), ``operations``
(:mod:`relsim.model.consistency`), ``latency`` (:mod:`relsim.model.placement`)
``sagas`` (:mod:`relsim.model.sagas`) and ``mesh``
(:mod:`relsim.model.mesh`) of
docs/application.md refer to services by name; like
:mod:`relsim.model.checks` these checks run on the raw dict and return
``(path, message)`` pairs, so the loader reports every problem at once
with its file and line.
"""

from __future__ import annotations

import difflib
from typing import Any

from relsim.model.checks import domain_tree
from relsim.model.consistency import check_operations
from relsim.model.mesh import check_mesh
from relsim.model.placement import check_latency
from relsim.model.sagas import check_sagas
from relsim.model.sessions import check_sessions

__all__ = ["check_application"]

Path = tuple[Any, ...]


def suggest(name: Any, known: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the known name closest to ``name``, else ''."""
    close = difflib.get_close_matches(str(name), known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_application(raw: dict[str, Any]) -> list[tuple[Path, str]]:
    """Problems of the application-semantics sections of ``raw``."""
    found: list[tuple[Path, str]] = []
    found.extend(check_sessions(raw, suggest))
    found.extend(check_operations(raw, suggest))
    found.extend(check_sagas(raw, suggest))
    found.extend(check_mesh(raw, suggest))
    if isinstance(raw.get("latency"), dict):
        domains = [str(name) for name, _, _ in domain_tree(raw.get("domains"))]
        found.extend(check_latency(raw, domains, suggest))
    return found
