"""Build step that pyproject.toml cannot express: ship the example models.

The repository keeps its example models in the top-level ``models/``
directory (docs and tests use ``models/*.yaml``; groups such as the
workshop's live one level down, ``models/workshop/*.yaml``). A wheel needs
them inside the package, so ``build_py`` copies ``models/*.yaml`` and
``models/*/*.yaml`` to ``relsim/examples/models/`` in the build tree; :mod:`relsim.examples` finds
them there once installed. MANIFEST.in puts ``models/`` in the sdist so a
wheel built from the sdist gets them too. All other metadata is in
pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
MODELS = HERE / "models"


def _models() -> list[Path]:
    """The example model files, relative to ``models/``: top level, then one level of groups."""
    return [p.relative_to(MODELS) for p in sorted(MODELS.glob("*.yaml")) + sorted(MODELS.glob("*/*.yaml"))]


class BuildPyWithExamples(build_py):
    """``build_py`` that also copies the example models into the package."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib, "relsim", "examples", "models")
        for model in _models():
            self.mkpath(str((target / model).parent))
            self.copy_file(str(MODELS / model), str(target / model))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        target = Path(self.build_lib, "relsim", "examples", "models")
        models = [str(target / m) for m in _models()]
        return [*super().get_outputs(include_bytecode), *models]


setup(cmdclass={"build_py": BuildPyWithExamples})
