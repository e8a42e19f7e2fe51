"""``relsim report`` read as a reviewer would: its sections, its numbers, its pictures, nothing external.

The numbers of the page must be those of ``relsim run --json`` with the same
seed and replications (common random numbers make every model of a report
run exactly as it would alone). The browser's view is tests/test_report_browser.py.
"""

from __future__ import annotations

import json
import re

import pytest
from report_pages import MODELS, RUN, embedded_results, render

import relsim
from relsim.cli import main
from relsim.report.formatting import format_ci, format_value
from relsim.report.topology import layout

SECTIONS = ["verdicts", "comparison", "topology", "availability", "attribution", "importance", "cutsets",
            "incidents", "glossary"]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    return render(tmp_path_factory.mktemp("report") / "review.html")


def test_every_section_is_there(page):
    for section in SECTIONS:
        assert f'<section id="{section}">' in page, section
    for words in ("Objectives: verdicts", "Paired differences", "Where the downtime comes from",
                  "Importance: what to harden first", "Minimal cut sets", "Longest incidents", "Glossary",
                  "relsim report", "--seed 5"):
        assert words in page, words


def test_numbers_are_those_of_relsim_run_json(page, capsys):
    embedded = embedded_results(page)
    for path in MODELS:
        capsys.readouterr()
        assert main(["run", path, *RUN, "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert embedded[doc["model"]]["metrics"] == doc["metrics"]
        assert embedded[doc["model"]]["objectives"] == doc["objectives"]
        a = doc["metrics"]["availability"]
        # the table shows the same values, formatted by the metric's unit
        assert format_value("availability", a["mean"]) in page
        assert format_ci("availability", *a["ci95"]) in page
        d = doc["metrics"]["downtime_per_year"]
        assert format_ci("downtime_per_year", *d["ci95"]) in page
        for verdict in doc["objectives"].values():
            assert f">{verdict['verdict']}<" in page


def test_every_figure_is_present_and_drawn(page):
    figures = re.findall(r"<figure[^>]*>(.*?)</figure>", page, flags=re.S)
    # per model: topology, downtime ECDF, outage CDF, two Pareto charts, RTO histogram, importance; + comparison
    assert len(figures) >= 2 * 7 + 1
    for fig in figures:
        svg = re.search(r"<svg.*?</svg>", fig, flags=re.S)
        assert svg is not None
        assert len(re.findall(r"<(path|text|use|rect)\b", svg.group(0))) > 10
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "every id in the page is unique (figures' ids are prefixed)"


def test_no_external_url(page):
    assert not re.search(r"""\b(src|href)\s*=\s*["']?\s*(https?:|//)""", page, flags=re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", page, flags=re.I)
    assert "@import" not in page
    assert "default-src 'none'" in page  # the browser blocks any request the page would make


def test_one_model_as_markdown_with_sensitivity(tmp_path):
    """One model (no comparison), Markdown with its figures beside it, and the tornado chart of --vary."""
    assert main(["report", MODELS[0], *RUN, "--importance-runs", "0", "--vary",
                 "services.db.failover.time=fixed(10s),fixed(2m)", "-o", str(tmp_path / "one.md")]) == 0
    text = (tmp_path / "one.md").read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) >= 7  # topology, ECDF, outage CDF, two Pareto charts, RTO histogram, tornado
    for link in links:
        f = tmp_path / link
        assert f.is_file() and f.stat().st_size > 1000, link
    assert "## Objectives: verdicts" in text and "| availability ≥ 99.95 %" in text
    assert "### Sensitivity" in text and "services.db.failover.time" in text
    assert "## Comparison" not in text
    assert "Importance measures left out (--importance-runs 0)" in text


@pytest.mark.parametrize("argv, message", [
    (["report", MODELS[0], "-o", "{tmp}/x.html", "--vary", "nothing"], "--vary"),
    (["report", "{tmp}/missing.yaml", "-o", "{tmp}/x.html"], "missing.yaml"),
    (["plot", "topology", MODELS[0], "-o", "{tmp}/x.pdf"], ".png or .svg"),
    (["report", MODELS[0], "--max-runs", "5", "-o", "{tmp}/x.html"], "--until"),
])
def test_bad_input_exits_2(tmp_path, capsys, argv, message):
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    assert message in capsys.readouterr().err


def test_plot_command_writes_figures(tmp_path):
    assert main(["plot", "topology", MODELS[0], "-o", str(tmp_path / "t.svg")]) == 0
    assert main(["plot", "availability", MODELS[0], *RUN, "-o", str(tmp_path / "a.png")]) == 0
    assert (tmp_path / "t.svg").read_text().count("<text") > 5
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_python_api_returns_matplotlib_objects():
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    comp = relsim.compare(MODELS, runs=3, seed=1, horizon="60d")
    res = comp.results[comp.baseline]
    for ax in (res.plot.availability(), res.plot.outage_cdf(), res.plot.downtime_attribution(),
               res.plot.downtime_attribution(by="kind")):
        assert isinstance(ax, Axes) and ax.get_title()
    assert isinstance(comp.plot(), Figure)
    assert isinstance(relsim.plot.topology(relsim.load(MODELS[0])), Figure)
    single = relsim.load(MODELS[0].replace("ap-hot-two-zones", "single-host"))
    ax = relsim.run(single, runs=3, seed=1, horizon="60d").plot.importance(single, runs=2)
    assert isinstance(ax, Axes) and len(ax.patches) >= 1 and "criticality" in ax.get_xlabel()


def _big_model() -> relsim.Model:
    """About 200 elements: 16 domains three deep, 195 components in four groups."""
    f = [{"kind": "transient", "every": "exp(mean=30d)", "lasts": "exp(mean=10m)"}]
    racks = [f"z{i}-r{j}" for i in range(3) for j in range(4)]
    zones = {f"z{i}": {"kind": "zone", "contains": {f"z{i}-r{j}": {"kind": "rack"} for j in range(4)}}
             for i in range(3)}
    return relsim.from_dict({
        "name": "big", "domains": {"region": {"kind": "region", "contains": zones}},
        "components": {"web": {"count": 120, "spread": racks, "failures": f},
                       "app": {"count": 48, "spread": racks, "failures": f},
                       "db": {"count": 3, "spread": ["z0", "z1", "z2"], "failures": f},
                       "cache": {"count": 24, "spread": racks, "failures": f}},
        "services": {"db": {"replicas": ["db"], "mode": "quorum"}, "cache": {"replicas": ["cache"], "needs": 12},
                     "app": {"replicas": ["app"], "needs": 30, "depends_on": ["db", "cache"]},
                     "web": {"replicas": ["web"], "needs": 80, "depends_on": ["app"]}},
        "entry": "web"})


@pytest.mark.parametrize("name", ["ap-hot-two-zones", "multi-region-dns", "region-zone-rack", "big"])
def test_topology_places_every_element_inside_its_domain_without_overlap(name):
    model = _big_model() if name == "big" else relsim.load(MODELS[0].replace("ap-hot-two-zones", name))
    lay = layout(model)
    assert set(model.components) <= set(lay.boxes)
    assert {f"svc:{s}" for s in model.services} <= set(lay.boxes)
    for c in model.components.values():
        box, dom = lay.boxes[c.name], lay.boxes.get(c.domain or "(no failure domain)")
        assert dom.x <= box.x and box.x + box.w <= dom.x + dom.w and dom.y <= box.y and box.y + box.h <= dom.y + dom.h
    boxes = list(lay.boxes.values())
    for b in boxes:  # boxes either nest or stay apart
        for o in boxes:
            if b is o or o in list(b.walk()) or b in list(o.walk()):
                continue
            apart = b.x + b.w <= o.x or o.x + o.w <= b.x or b.y + b.h <= o.y or o.y + o.h <= b.y
            assert apart, (b.name, o.name)
    # a large service's replicas are shaded, not drawn as hundreds of lines
    assert len(lay.edges) < 50
