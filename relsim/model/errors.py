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
        return f"{where} {_one_line(dotted(self.path))}: {_one_line(self.message)}"


def _one_line(text: str) -> str:
    """Escape control and invisible characters a file's values may carry.

    A value such as ``"\r"`` or a right-to-left override, quoted back in a
    message, would otherwise break the one-problem-per-line output or
    disguise it on a terminal.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
