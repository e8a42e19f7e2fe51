"""The review report of two bundled models, rendered once per test module (few, short runs)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from relsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
MODELS = [str(ROOT / "models" / "ap-hot-two-zones.yaml"), str(ROOT / "models" / "ap-cold-two-zones.yaml")]
#: Short runs: the content and the numbers are checked, not their precision.
RUN = ["--runs", "6", "--seed", "5", "--horizon", "120d"]
REPORT = [*RUN, "--importance-runs", "3"]


def render(path: Path, *extra: str) -> str:
    """Write the report of :data:`MODELS` to ``path`` with ``relsim report``; return the text."""
    assert main(["report", *MODELS, *REPORT, *extra, "-o", str(path)]) == 0
    return path.read_text(encoding="utf-8")


def embedded_results(html: str) -> dict:
    """The ``relsim run --json`` documents embedded in the page, by model label."""
    m = re.search(r'<script type="application/json" id="relsim-results">(.*?)</script>', html, flags=re.S)
    assert m, "the page embeds its results"
    return json.loads(m.group(1))
