"""relsim's version, in one place.

pyproject.toml reads it (``[tool.setuptools.dynamic]``) and :mod:`relsim`
re-exports it as ``relsim.__version__``. A literal rather than
``importlib.metadata``: reading the installed metadata costs milliseconds on
every start-up, and this works from a source checkout too.
"""

__version__ = "0.1.0"
