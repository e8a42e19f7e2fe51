"""Progress bar: on stderr for interactive runs, silent for --json and pipes unless --progress."""

from __future__ import annotations

import builtins
import io
import json
import textwrap

import pytest

from relsim.cli import main
from relsim.progress import Progress

PAIR = textwrap.dedent("""\
    name: pair
    horizon: 1y
    components:
      a: {failures: [{kind: permanent, every: exp(mean=1000h), repair: exp(mean=10h)}]}
      b: {failures: [{kind: permanent, every: exp(mean=1000h), repair: exp(mean=10h)}]}
    services:
      pair: {replicas: [a, b], mode: active-active}
    """)


@pytest.fixture
def pair(tmp_path):
    path = tmp_path / "pair.yaml"
    path.write_text(PAIR)
    return str(path)


def test_own_bar_without_tqdm(monkeypatch):
    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name == "tqdm":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    stream = io.StringIO()
    with Progress(True, total=10, stream=stream) as bar:
        bar.update(4)
        bar.set_total(20)
        bar.update(16)
    text = stream.getvalue()
    assert "0/10" in text and "/20" in text and "runs/s" in text


def test_disabled_bar_draws_nothing():
    stream = io.StringIO()
    with Progress(False, total=10, stream=stream) as bar:
        bar.update(10)
    assert stream.getvalue() == ""


def test_cli_is_silent_under_json_and_when_not_a_terminal(pair, capsys):
    assert main(["run", pair, "--runs", "20", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and json.loads(captured.out)["runs"] == 20
    assert main(["run", pair, "--runs", "20"]) == 0  # stderr is captured: not a TTY
    assert capsys.readouterr().err == ""


def test_cli_progress_flag_forces_the_bar(pair, capsys):
    assert main(["run", pair, "--runs", "20", "--json", "--progress"]) == 0
    captured = capsys.readouterr()
    assert "20/20" in captured.err
    json.loads(captured.out)  # stdout stays clean JSON
