"""Code rules that keep relsim honest: no prints in the library, no global randomness,
imports that point down the layers, citations of the project's own documents only."""

from __future__ import annotations

import ast
import pathlib
import re
import shutil
import subprocess
from collections.abc import Iterator

import networkx as nx
import pytest

ROOT = pathlib.Path(__file__).parent.parent


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is installed with the dev extra")
def test_ruff_is_clean():
    proc = subprocess.run(["ruff", "check", "relsim", "tests", "benchmarks"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_global_random_state_in_the_library():
    banned = re.compile(r"^\s*(import random\b|from random import)|np\.random\.(seed|rand|randn|random|"
                        r"exponential|normal|uniform|choice|weibull|lognormal|gamma|randint)\(", re.M)
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "relsim").rglob("*.py") if banned.search(p.read_text())]
    assert offenders == []


def test_only_the_engine_imports_simpy():
    importers = {str(p.relative_to(ROOT)) for p in (ROOT / "relsim").rglob("*.py")
                 if re.search(r"^\s*(import simpy|from simpy)", p.read_text(), re.M)}
    assert importers and all(p.startswith("relsim/engine/") for p in importers), importers


# -- Import direction ---------------------------------------------------------
#
# docs/architecture.md#layers-and-the-direction-of-imports draws these layers.
# A module may import, at module level, from its own layer or a lower one.
# Imports inside functions are lazy (they run on first use, not on import)
# and may point anywhere except into the CLI; ``if TYPE_CHECKING:`` blocks
# are never executed and are ignored.

#: Layers from the bottom up: (name, module-name prefixes). A module belongs
#: to the layer of its longest matching prefix.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("relsim._version", "relsim.errors", "relsim.units")),
    ("dists", ("relsim.dists",)),
    ("model", ("relsim.model", "relsim.examples", "relsim.behaviours")),
    ("engine", ("relsim.engine",)),
    ("statistics", ("relsim.metric_registry", "relsim.columns", "relsim.metrics", "relsim.request_metrics", "relsim.application_metrics", "relsim.application_formulas", "relsim.change_metrics", "relsim.change_formulas",
                    "relsim.intervals", "relsim.evidence", "relsim.results", "relsim.experiment", "relsim.backends",
                    "relsim.store", "relsim.stopping", "relsim.progress", "relsim.compare",
                    "relsim.sweep", "relsim.sensitivity", "relsim.attribution", "relsim.analytic",
                    "relsim.traffic_formulas", "relsim.golden_signals", "relsim.trace", "relsim.incident_metrics", "relsim.incidents",
                    "relsim.importance", "relsim.cutsets", "relsim.structure", "relsim.upkeep_metrics",
                    "relsim.cost", "relsim.service_verdicts",
                    "relsim.contrib")),
    ("presentation", ("relsim.report", "relsim.plot", "relsim.workshop")),
    ("api", ("relsim",)),  # the package facade: relsim/__init__.py only
    ("cli", ("relsim.cli", "relsim.cli_", "relsim.__main__")),
]

#: Module-level import cycles still allowed while they are being removed:
#: (importer, imported) edges. Keep this empty.
KNOWN_CYCLES: set[tuple[str, str]] = set()


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _imports(body: list[ast.stmt], lazy: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement in ``body`` with whether it runs lazily (inside a function)."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, lazy
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _imports(node.body, True)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _imports(node.orelse, lazy)
        else:  # classes, if/try/with blocks: their bodies run on import
            for field in ("body", "orelse", "finalbody", "handlers"):
                yield from _imports(getattr(node, field, None) or [], lazy)


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool,
             modules: set[str]) -> set[str]:
    """The relsim modules an import statement loads (the innermost that exist)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = importer.split(".") if is_package else importer.split(".")[:-1]
            package = package[:len(package) - node.level + 1]
            base = ".".join(package + ([base] if base else []))
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                 for alias in node.names]
    out = set()
    for name in names:
        if name.split(".")[0] != "relsim":
            continue
        while name not in modules and "." in name:
            name = name.rsplit(".", 1)[0]
        out.add(name)
        # Importing a.b.c from outside package a.b first runs a/b/__init__.py.
        parent = name.rsplit(".", 1)[0]
        while "." in parent and not (importer == parent or importer.startswith(parent + ".")):
            out.add(parent)
            parent = parent.rsplit(".", 1)[0]
    return out


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Module-level and lazy imports between relsim modules: importer -> imported."""
    paths = {_module_name(p): p for p in (ROOT / "relsim").rglob("*.py")}
    eager: dict[str, set[str]] = {name: set() for name in paths}
    lazy: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node, is_lazy in _imports(tree.body):
            targets = _targets(node, name, path.name == "__init__.py", set(paths)) - {name}
            (lazy if is_lazy else eager)[name] |= targets
    return eager, lazy


def _in(module: str, prefix: str) -> bool:
    if prefix == "relsim":  # the facade is relsim/__init__.py, not all of relsim
        return module == prefix
    if prefix.endswith("_"):  # relsim.cli_ covers relsim.cli_exact, relsim.cli_variants
        return module.startswith(prefix)
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> int:
    """Rank in :data:`LAYERS` of the layer ``module`` belongs to (longest prefix wins)."""
    best = max(((len(prefix), rank) for rank, (_, prefixes) in enumerate(LAYERS)
                for prefix in prefixes if _in(module, prefix)), default=None)
    assert best is not None, (f"{module} is in no layer: add it to LAYERS in tests/test_lint.py "
                              "and to docs/architecture.md")
    return best[1]


def test_no_import_cycles():
    eager, _ = import_graph()
    graph = nx.DiGraph([(a, b) for a, targets in eager.items() for b in targets
                        if (a, b) not in KNOWN_CYCLES])
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert cycles == [], f"module-level import cycles: {cycles}"


def test_imports_point_down_the_layers():
    eager, lazy = import_graph()
    upward = [f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
              for a, targets in sorted(eager.items()) for b in sorted(targets)
              if layer_of(b) > layer_of(a)]
    assert upward == [], "imports that point up the layers:\n" + "\n".join(upward)
    cli = len(LAYERS) - 1
    into_cli = [f"{a} imports {b}" for graph in (eager, lazy) for a, targets in sorted(graph.items())
                for b in sorted(targets) if layer_of(b) == cli and layer_of(a) != cli]
    assert into_cli == [], "only the command line imports the command line"


def test_model_and_engine_stay_below_what_uses_them():
    eager, lazy = import_graph()
    rank = {name: rank for rank, (name, _) in enumerate(LAYERS)}
    for graph in (eager, lazy):  # not even lazily
        for a, targets in graph.items():
            for b in targets:
                if layer_of(a) == rank["model"]:
                    assert layer_of(b) < rank["engine"], f"{a} imports {b}"
                if layer_of(a) == rank["engine"]:
                    assert layer_of(b) <= rank["engine"], f"{a} imports {b}"


def test_every_module_has_a_layer():
    eager, _ = import_graph()
    for module in eager:
        layer_of(module)


# -- Citations ------------------------------------------------------------------

#: Documents a clone of the repository does not contain (spelled in pieces so
#: that this file does not cite them itself).
FOREIGN_DOCUMENTS = ("DESIGN" + " §", "DESIGN" + ".md", "CONVEN" + "TIONS", "../" + "shared")

#: Where the project's files that cite documents live.
CITING = ("relsim", "tests", "docs", "benchmarks", "notebooks", "models", "README.md")


def test_code_and_docs_cite_only_the_projects_own_documents():
    files = [p for top in CITING for p in ([ROOT / top] if (ROOT / top).is_file() else (ROOT / top).rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".parquet", ".png")]
    offenders = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in files
                 for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1)
                 if any(doc in line for doc in FOREIGN_DOCUMENTS)]
    assert offenders == [], ("cite docs/architecture.md, docs/model-format.md or another file of the "
                             "repository instead:\n" + "\n".join(offenders))


def _slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_cited_documents_and_their_anchors_exist():
    markdown = [*(ROOT / "docs").glob("*.md"), ROOT / "README.md"]
    anchors = {p.resolve(): {_slug(h) for h in re.findall(r"^#+ (.*)$", p.read_text(), re.M)}
               for p in markdown}
    broken = []
    for page in markdown:
        for target, anchor in re.findall(r"\]\(([^)#\s]*)#([^)\s]+)\)", page.read_text()):
            doc = (page.parent / target).resolve() if target else page.resolve()
            if anchor not in anchors.get(doc, set()):
                broken.append(f"{page.relative_to(ROOT)}: {target}#{anchor}")
    for top in ("relsim", "tests", "benchmarks"):
        for path in (ROOT / top).rglob("*.py"):
            for doc in set(re.findall(r"\bdocs/([\w-]+\.md)", path.read_text())):
                if not (ROOT / "docs" / doc).is_file():
                    broken.append(f"{path.relative_to(ROOT)}: docs/{doc}")
    assert broken == [], "links to missing documents or headings:\n" + "\n".join(broken)
