"""Model errors: every problem in a model file, each with file, line and path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from relsim.errors import ModelError

__all__ = ["ModelError", "Problem", "dotted"]


def dotted(path: tuple[Any, ...]) -> str:
    """Render a path as ``services.db.replicas[1]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<model>"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a model: where it is and what rule it breaks."""

    source: str
    line: int | None
    path: tuple[Any, ...]
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where} {dotted(self.path)}: {self.message}"
