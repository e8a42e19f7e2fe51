"""Hostile and odd inputs: a clear ModelError naming the file, never a traceback or a hang.

Each case here once ended in a traceback, a hang or unbounded memory
(docs/model-format.md §15 lists the limits that now refuse them).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import relsim
from relsim import ModelError
from relsim.cli import main
from relsim.model.limits import MAX_ALIAS_EXPANSION, MAX_DEPTH, MAX_FILE_BYTES

MODELS = sorted((Path(__file__).parent.parent / "models").glob("*.yaml"))


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["check", str(path)]) == 2
    return capsys.readouterr().err


def test_alias_bomb_is_refused_quickly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Ten levels of nine aliases: 9**10 nodes once expanded.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text("name: bomb\n" + "\n".join(lines) + "\n")
    err = _check(path, capsys)
    assert f"{path}:" in err and f"more than {MAX_ALIAS_EXPANSION:,} nodes" in err


def test_aliases_within_the_limit_still_load() -> None:
    text = ("name: ok\ncomponents:\n"
            "  a: {failures: [&f {kind: transient, every: exp(mean=1y), lasts: fixed(1h)}]}\n"
            "  b: {failures: [*f]}\nservices:\n  s: {replicas: [a, b]}\n")
    model = relsim.loads(text)
    assert model.components["a"].failures == model.components["b"].failures


def test_recursive_anchor_is_refused() -> None:
    with pytest.raises(ModelError, match="recursive anchor"):
        relsim.loads("name: r\ndescription: &a [1, *a]\n")


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 2000, 100_000])
def test_deep_nesting_is_refused_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               levels: int) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("name: deep\nx: " + "[" * levels + "]" * levels + "\n")
    err = _check(path, capsys)
    # libyaml stops at its own depth limit (a thousand levels) before relsim's
    assert f"{path}:2" in err and ("nesting depth" in err or f"deeper than {MAX_DEPTH}" in err)
    if levels <= 1000:
        assert f"deeper than {MAX_DEPTH}" in err


def test_deep_block_nesting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("name: deep\n" + "".join(" " * i + f"k{i}:\n" for i in range(200)))
    assert f"deeper than {MAX_DEPTH}" in _check(path, capsys)


def test_deep_dict_is_refused() -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]  # type: ignore[assignment]
    with pytest.raises(ModelError, match="nested too deeply"):
        relsim.load({"name": "d", "description": deep})


@pytest.mark.parametrize("content", [b"\xff\xfe\x00\x01garbage\x80", b"name: x\n\xc3\x28: 1\n",
                                     bytes(range(256))])
def test_binary_or_non_utf8_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(content)
    err = _check(path, capsys)
    assert f"{path}:" in err and "Traceback" not in err


def test_control_characters_are_a_yaml_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ctrl.yaml"
    path.write_text("name: x\x07\n")
    assert "invalid YAML" in _check(path, capsys)


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MODELS[0].read_bytes())
    assert relsim.load(path).spec == relsim.load(MODELS[0]).spec


def test_file_size_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("name: big\n" + "#" * (MAX_FILE_BYTES + 10) + "\n")
    err = _check(path, capsys)
    assert f"larger than {MAX_FILE_BYTES:,} bytes" in err


@pytest.mark.parametrize("source", [None, [1, 2], 3, 2.5, b"name: x", object()])
def test_load_of_something_that_is_not_a_model(source: object) -> None:
    with pytest.raises(ModelError, match="a model is a file path or a dict"):
        relsim.load(source)  # type: ignore[arg-type]


def test_loads_of_non_text() -> None:
    with pytest.raises(ModelError, match="must be a string"):
        relsim.loads(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_dicts_load_like_files(path: Path) -> None:
    """yaml.safe_load splits flow-style distributions at their commas; load() re-joins them."""
    from_file = relsim.load(path)
    from_dict = relsim.load(yaml.safe_load(path.read_text()))
    assert from_dict.spec == from_file.spec


def test_flow_style_distribution_in_a_dict() -> None:
    raw = yaml.safe_load("name: f\ncomponents:\n  a: {failures: [{kind: transient, "
                         "every: weibull(shape=1.2, mean=1y), lasts: lognormal(mean=1h, sd=2h)}]}\n"
                         "services:\n  s: {replicas: [a]}\n")
    assert raw["components"]["a"]["failures"][0]["every"] == "weibull(shape=1.2"  # how YAML reads it
    failure = relsim.load(raw).components["a"].failures[0]
    assert repr(failure.every) == "Weibull(shape=1.2, mean=1y)"
    assert repr(failure.lasts) == "Lognormal(mean=1h, sd=2h)"


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_libyaml_and_pure_python_parsers_agree(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from relsim.model import yamlmarks

    text = path.read_text()
    fast = yamlmarks.load_with_marks(text)
    monkeypatch.setattr(yamlmarks, "_FAST", False)
    assert yamlmarks.load_with_marks(text) == fast
