"""A progress bar on stderr for long runs.

Uses tqdm when it is installed, else a one-line bar of its own. A disabled
bar does nothing, so library code can always call it. The command line
enables it for interactive terminals (stderr is a TTY) unless ``--json`` is
given, and always with ``--progress``.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

__all__ = ["Progress"]


class Progress:
    """Count finished replications against a total that may grow.

    Parameters
    ----------
    enabled : bool
        Draw anything at all.
    total : int
        Replications expected (the stopping rule raises it batch by batch).
    initial : int
        Replications already done (a resumed run).
    stream : file, optional
        Where to draw; stderr by default.
    """

    def __init__(self, enabled: bool, total: int, initial: int = 0, stream: TextIO | None = None,
                 desc: str = "replications"):
        self.enabled = enabled
        self.total = total
        self.n = initial
        self._stream = stream if stream is not None else sys.stderr
        self._bar: Any = None
        self._t0 = time.monotonic()
        self._start_n = initial
        self._last_draw = 0.0
        if not enabled:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            self._bar = tqdm(total=total, initial=initial, file=self._stream, desc=desc,
                             unit="run", dynamic_ncols=True)
        else:
            self._draw(force=True)

    def set_total(self, total: int) -> None:
        """The run now aims at ``total`` replications."""
        self.total = total
        if self._bar is not None:
            self._bar.total = total
            self._bar.refresh()
        elif self.enabled:
            self._draw(force=True)

    def update(self, n: int) -> None:
        """``n`` more replications finished."""
        self.n += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.enabled:
            self._draw()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.enabled:
            self._stream.write("\r\033[K")
            self._stream.flush()
        self.enabled = False

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_draw < 0.2:
            return
        self._last_draw = now
        frac = self.n / self.total if self.total else 0.0
        width = 30
        filled = int(width * min(frac, 1.0))
        rate = (self.n - self._start_n) / max(now - self._t0, 1e-9)
        eta = (self.total - self.n) / rate if rate > 0 else float("nan")
        eta_s = "?" if eta != eta else f"{int(eta) // 60}:{int(eta) % 60:02d}"
        self._stream.write(f"\r{self.n}/{self.total} [{'#' * filled}{'.' * (width - filled)}] "
                           f"{rate:.0f} runs/s, {eta_s} left\033[K")
        self._stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
