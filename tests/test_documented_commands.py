"""Every relsim command shown in the docs, the README and the model files' comments runs.

Commands are taken from fenced code blocks of the Markdown files and from
the comments of models/*.yaml (continuation lines joined, pipes and
trailing comments cut). Those with placeholders (``MODEL``, ``DIR``,
``A.yaml``, ``[...]``) are only parsed; the others are parsed and run with
the work capped — at most 3 replications of at most 3 days, 2,000 cycles
for ``rare`` — so that a wrong flag, a missing ``--set`` or a renamed
metric fails here rather than in a user's terminal.
"""

from __future__ import annotations

import pathlib
import re
import shlex

import pytest

from relsim.cli import _parser, main

ROOT = pathlib.Path(__file__).parent.parent
SOURCES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md", *sorted((ROOT / "models").glob("*.yaml"))]
_PLACEHOLDER = re.compile(r"^[A-Z][A-Z_]*(\.\.\.|\.yaml)?$|^\[|\.\.\.|^[A-Z]\.yaml$|^<")
_START = re.compile(r"^(?:python3? -m )?relsim (?=[a-z])")


def _lines(path: pathlib.Path) -> list[str]:
    text = path.read_text()
    if path.suffix == ".yaml":
        return [line.lstrip("#").strip().strip("`") for line in text.splitlines() if line.lstrip().startswith("#")]
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines()]


def _commands() -> list[tuple[str, str]]:
    found = []
    for path in SOURCES:
        lines = _lines(path)
        i = 0
        while i < len(lines):
            line = lines[i]
            while line.endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line[:-1].rstrip() + " " + lines[i].strip()
            i += 1
            if not _START.match(line):
                continue
            if "`" in line:
                continue  # prose that names a command, not a command
            command = re.split(r"\s+#\s", line)[0].strip()
            head, _, tail = command.partition(" | ")
            if tail and tail.split()[0] in COMMAND_NAMES:
                continue  # a summary of alternatives: 'compare | sweep | sensitivity ...'
            if tail and tail.split()[0].isalpha():
                command = head  # a pipe into another program (grep, head, jq ...)
            else:
                head = command  # an alternative inside a usage line: '[--json | --csv]'
            command = re.split(r"\s[>]\s", head)[0].strip()  # shell redirection
            found.append((str(path.relative_to(ROOT)), command))
    return found


COMMAND_NAMES = set(_parser()._subparsers._group_actions[0].choices)  # noqa: SLF001
COMMANDS = _commands()


def _args(command: str) -> list[str]:
    return shlex.split(_START.sub("", command, count=1))


def _synopsis(args: list[str]) -> bool:
    """A usage line (``relsim run MODEL [--runs N]``) rather than a command to run."""
    return any(_PLACEHOLDER.search(t) for t in args[1:])


def test_commands_were_found():
    sources = {source for source, _ in COMMANDS}
    assert len(COMMANDS) > 30
    assert any(s.startswith("models/") for s in sources) and "README.md" in sources


@pytest.mark.parametrize(("source", "command"), COMMANDS, ids=[f"{s}: {c[:60]}" for s, c in COMMANDS])
def test_documented_command_parses(source, command):
    args = _args(command)
    if _synopsis(args):
        # a usage line: its command and every option it names must exist
        sub = _parser()._subparsers._group_actions[0].choices  # noqa: SLF001
        assert args[0] in sub, f"{source}: unknown command in '{command}'"
        known = set(sub[args[0]]._option_string_actions)  # noqa: SLF001
        named = {t.strip("[]") for t in args if t.strip("[]").startswith("--")} - {"--"}
        assert named <= known, f"{source}: '{command}' names unknown options {sorted(named - known)}"
        return
    try:
        _parser().parse_args(args)
    except SystemExit as exc:  # argparse reports its error on stderr and exits 2
        pytest.fail(f"{source}: '{command}' does not parse (exit {exc.code})")


def _capped(args: list[str]) -> list[str]:
    out, i = [], 0
    command = args[0]
    while i < len(args):
        a = args[i]
        if a in ("--runs", "--max-runs", "--cycles") and i + 1 < len(args):
            cap = 2000 if a == "--cycles" else 3
            out += [a, str(min(int(args[i + 1]), cap))]
            i += 2
            continue
        if a in ("--horizon", "--jobs", "--backend", "--scheduler", "--out") and i + 1 < len(args):
            i += 2
            continue
        if a in ("--resume", "--progress"):
            i += 1
            continue
        out.append(a)
        i += 1
    if command in ("run", "compare", "sweep", "sensitivity", "trace", "signals", "importance", "report"):
        out += ["--horizon", "3d"]
    if command in ("run", "compare", "sweep", "sensitivity", "importance", "report") and "--runs" not in out:
        out += ["--runs", "3"]
    if "--until" in out and "--max-runs" not in out:
        out += ["--max-runs", "3"]
    return out


RUNNABLE = [(s, c) for s, c in COMMANDS if not _synopsis(_args(c))]


@pytest.mark.parametrize(("source", "command"), RUNNABLE, ids=[f"{s}: {c[:60]}" for s, c in RUNNABLE])
def test_documented_command_runs(source, command, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(ROOT)
    args = _capped(_args(command))
    if args[0] in ("report", "plot") or "-o" in args:
        args = [a if not a.endswith((".html", ".md", ".png", ".svg")) else str(tmp_path / pathlib.Path(a).name)
                for a in args]
    assert main(args) == 0, f"{source}: '{command}' failed: {capsys.readouterr().err}"
