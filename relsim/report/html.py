"""The review report as one self-contained HTML file, and as Markdown with figures beside it.

:func:`render_html` fills the jinja2 template ``templates/report.html.j2``
with a :class:`relsim.report.review.Review`: CSS inline, every figure as
inline SVG (matplotlib's SVG output, text kept as text), the ``relsim run
--json`` document of every model embedded as JSON, and no external URL at
all, so the file opens anywhere, offline, and can be attached to a design
document. :func:`render_markdown` fills ``templates/report.md.j2`` and
writes the figures as SVG files into a folder beside the Markdown file,
which fits a pull request.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import jinja2

from relsim.report.review import Review

__all__ = ["figure_svg", "render_html", "render_markdown"]

_TEMPLATES = Path(__file__).with_name("templates")


def _environment(autoescape: bool) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=autoescape,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


def figure_svg(fig: Any, prefix: str) -> str:
    """``fig`` as an inline ``<svg>`` element whose ids start with ``prefix`` (unique in the page).

    matplotlib's metadata (which names URLs of the Dublin Core and Creative
    Commons vocabularies) is left out, text stays text (``svg.fonttype:
    none``), and the hash salt is fixed so that the same figure gives the
    same SVG.
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": prefix}):
        fig.savefig(buf, format="svg",
                    metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\bid="', f'id="{prefix}-', svg)
    svg = re.sub(r"url\(#", f"url(#{prefix}-", svg)
    svg = re.sub(r'href="#', f'href="#{prefix}-', svg)
    # scale to the page: keep the viewBox, let CSS set the width
    svg = re.sub(r'(<svg[^>]*?)\swidth="([\d.]+)pt"\sheight="([\d.]+)pt"',
                 lambda m: f'{m.group(1)} data-width="{m.group(2)}" style="max-width:{float(m.group(2)) * 1.333:.0f}px"',
                 svg, count=1)
    return svg


def _close(review: Review) -> None:
    """Free the figures' memory once rendered (a report can hold dozens)."""
    for fig in [*review.figures.values(), *(f for p in review.models for f in p.figures.values())]:
        fig.clear()


def render_html(review: Review) -> str:
    """The report as one self-contained HTML page (a string)."""
    svgs: dict[str, str] = {}
    for i, part in enumerate(review.models):
        for key, fig in part.figures.items():
            svgs[f"{i}:{key}"] = figure_svg(fig, f"m{i}-{key}")
    for key, fig in review.figures.items():
        svgs[f"review:{key}"] = figure_svg(fig, f"r-{key}")
    data = json.dumps({p.label: p.document for p in review.models}, indent=1, default=_plain)
    html = _environment(True).get_template("report.html.j2").render(
        review=review, svgs=svgs, data=data.replace("</", "<\\/"))
    _close(review)
    return html


def render_markdown(review: Review, path: str | Path) -> str:
    """The report as Markdown for ``path``; the figures are written as SVG files beside it.

    Figures go to the folder ``<stem>_figures`` next to ``path`` and are
    linked relatively, so the Markdown and its folder can be committed
    together.
    """
    path = Path(path)
    folder = path.with_name(f"{path.stem}_figures")
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for i, part in enumerate(review.models):
        for key, fig in part.figures.items():
            name = f"{_slug(part.label)}-{key}.svg"
            fig.savefig(folder / name, format="svg", metadata={"Date": None})
            files[f"{i}:{key}"] = f"{folder.name}/{name}"
    for key, fig in review.figures.items():
        name = f"{key}.svg"
        fig.savefig(folder / name, format="svg", metadata={"Date": None})
        files[f"review:{key}"] = f"{folder.name}/{name}"
    text = _environment(False).get_template("report.md.j2").render(review=review, files=files, cell=_md_cell)
    _close(review)
    return text


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "model"


def _plain(x: Any) -> Any:
    if hasattr(x, "tolist"):
        return x.tolist()
    raise TypeError(f"{type(x).__name__} is not JSON serialisable")
