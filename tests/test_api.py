"""The public API is exactly what docs/api.md lists (as SimPy checks its own)."""

from __future__ import annotations

import pathlib
import re

import relsim

ROOT = pathlib.Path(__file__).parent.parent


def test_api_reference_lists_exactly_all():
    text = (ROOT / "docs" / "api.md").read_text()
    documented = set(re.findall(r"^- `(\w+)", text, flags=re.M))
    assert documented == set(relsim.__all__)


def test_all_names_exist():
    for name in relsim.__all__:
        assert hasattr(relsim, name), name


def test_readme_examples_run(monkeypatch):
    text = (ROOT / "README.md").read_text()
    monkeypatch.chdir(ROOT)
    yaml_block = re.search(r"```yaml\n(.*?)```", text, flags=re.S).group(1)
    model = relsim.loads(yaml_block)
    assert model.entry == "web"
    python_block = re.search(r"```python\n(.*?)```", text, flags=re.S).group(1)
    namespace: dict = {}
    exec(compile(python_block, "README.md", "exec"), namespace)
    assert 0 <= namespace["results"]["availability"] <= 1
