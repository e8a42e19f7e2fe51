"""Every workshop notebook runs top to bottom, and every what-if control re-runs and redraws.

docs/architecture.md, "Tests": documents are executed. Each notebook runs
headless with ``RELSIM_FAST=1`` (small batches, relsim.workshop.runs); then,
in the same kernel, every control of every ``relsim.workshop.WhatIf`` panel
is moved to another value through its own observer (as a participant's
slider would be) and must re-run the panel's batch and change its figure or
table, without an error. The instructor's answer cells (tagged
``solution``) assert their answers against the notebook's own simulation.
"""

from __future__ import annotations

import json
import pathlib
import re
import tempfile
import time

import nbformat
import pytest
from jupyter_client.blocking import BlockingKernelClient
from nbclient import NotebookClient
from traitlets.config import Config

ROOT = pathlib.Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

#: The course's modules, by number; a notebook is named ``NN-<module words>.ipynb``.
MODULES = {
    1: "availability", 2: "redundancy", 3: "failover", 4: "load", 5: "data",
    6: "alerting", 7: "change", 8: "disaster", 9: "governance",
}

#: Wall-time guard for one notebook with its controls exercised. The aim is
#: about 15 s for a notebook on an idle 2-core machine (RELSIM_FAST=1); the
#: guard is loose because a loaded machine takes several times longer, and
#: only catches a notebook whose batches grew far beyond their aim.
BUDGET_S = 600

PROBE = """
import json as _json
from relsim import workshop as _workshop
print("PANELS:" + _json.dumps([{"title": _p.title, "report": _p.exercise()} for _p in _workshop.panels()],
                              default=str))
"""


class _Client(NotebookClient):
    """nbclient's client, sending what its Output widgets show back to the kernel on a connection of their own.

    nbclient mirrors every output shown in an ``ipywidgets.Output`` (each
    panel's figure and table) back to the kernel as a comm message on the
    shell socket, while it is waiting on that very socket for the cell's
    reply. A send on a ZeroMQ socket can consume the edge-triggered
    readiness of a reply that has just arrived, and the wait then wakes only
    at the cell timeout (300 s), kernel idle and client waiting, after which
    the reply is found and the test passes late. Sending the widget messages
    on a second shell connection leaves the socket the client waits on alone.
    """

    _widget_client: BlockingKernelClient | None = None

    def on_comm_open_jupyter_widget(self, msg: dict) -> object:
        widget = super().on_comm_open_jupyter_widget(msg)
        if widget is not None and hasattr(widget, "kernel_client"):
            if self._widget_client is None:
                self._widget_client = BlockingKernelClient()
                self._widget_client.load_connection_info(self.km.get_connection_info())
                self._widget_client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
            widget.kernel_client = self._widget_client
        return widget

    def close_widget_client(self) -> None:
        if self._widget_client is not None:
            self._widget_client.stop_channels()
            self._widget_client = None


def _number(path: pathlib.Path) -> int:
    return int(path.name.split("-", 1)[0])


def _outputs_text(cell: dict) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_and_its_controls_redraw(path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("RELSIM_FAST", "1")
    nb = nbformat.read(path, as_version=4)
    probe = nbformat.v4.new_code_cell(PROBE)
    nb.cells.append(probe)
    # The kernel talks over Unix sockets in a directory of its own, not TCP
    # ports: jupyter_client picks a free port, releases it and lets the kernel
    # bind it later, so two kernels started at once (pytest -n 2, or another
    # test run on the machine) can end up on one port, and the client then
    # waits for output that goes to the other one (jupyter/jupyter_client#487).
    with tempfile.TemporaryDirectory(prefix="relsim-kernel-") as sockets:
        config = Config()
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = f"{sockets}/kernel"
        client = _Client(nb, timeout=300, kernel_name="python3", config=config,
                         resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        try:
            client.execute()
        finally:
            client.close_widget_client()
        elapsed = time.perf_counter() - start
    errors = [(i, o.get("ename"), o.get("evalue")) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    (line,) = [ln for ln in _outputs_text(nb.cells[-1]).splitlines() if ln.startswith("PANELS:")]
    panels = json.loads(line[len("PANELS:"):])
    if _number(path) <= 9:
        assert panels, f"{path.name}: a workshop notebook has at least one what-if panel"
    for panel in panels:
        assert panel["report"], f"{panel['title']}: a panel without controls"
        for r in panel["report"]:
            where = f"{path.name} / {panel['title']} / {r['control']} {r['old']} -> {r['new']}"
            assert r["error"] is None, f"{where}: {r['error']}"
            assert r["ran"], f"{where}: the control did not re-run the batch"
            assert r["changed"], f"{where}: the figure and table did not change"
    assert elapsed < BUDGET_S, f"{path.name} took {elapsed:.0f} s"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_follows_the_workshop_layout(path: pathlib.Path) -> None:
    nb = nbformat.read(path, as_version=4)
    number = _number(path)
    assert number in MODULES and MODULES[number] in path.name, f"{path.name}: NN-<module>.ipynb"
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for heading in ("Learning goals", "Exercises", "Summary"):
        assert heading in markdown, f"{path.name}: no {heading!r} section"
    assert "workshop.WhatIf(" in code and "relsim.compare(" in code
    # models come from the installed package, not a path relative to the repository
    assert "../models" not in code and 'examples.path("' in code
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    questions = re.findall(r"\*\*Q\d+\.\*\*", markdown)
    assert len(solutions) >= len(questions) >= 3, f"{path.name}: exercises with instructor answers"
    for cell in solutions:
        assert cell.metadata.get("jupyter", {}).get("source_hidden"), "answer cells start collapsed"
        assert "strict=True" in cell.source, "an answer cell checks its answer"
    # notebooks are committed without outputs
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_the_modules_are_numbered_once() -> None:
    numbers = [_number(p) for p in NOTEBOOKS]
    assert len(numbers) == len(set(numbers))
    assert set(numbers) == set(MODULES)
