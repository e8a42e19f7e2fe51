"""The example models ship with relsim: relsim.examples, and the wheel carries them."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

from relsim import examples

ROOT = pathlib.Path(__file__).parent.parent
MODELS = sorted(p.stem for p in (ROOT / "models").glob("*.yaml"))
#: Groups of models one level down (the workshop's), named "<group>/<file>".
GROUPED = sorted(f"{p.parent.name}/{p.stem}" for p in (ROOT / "models").glob("*/*.yaml"))


def test_the_examples_are_the_repository_models():
    assert examples.names() == MODELS + GROUPED
    for name in MODELS + GROUPED:
        assert examples.path(name).read_bytes() == (ROOT / "models" / f"{name}.yaml").read_bytes()


def test_path_accepts_the_file_name_and_suggests_close_names():
    assert examples.path("web-three-zones.yaml") == examples.path("web-three-zones")
    with pytest.raises(KeyError, match="did you mean web-three-zones"):
        examples.path("web-three-zone")


def test_every_example_describes_itself():
    for name in MODELS:
        text = examples.describe(name)
        assert text and not text.startswith(f"{name}:"), name
    assert examples.describe("pair-shared-crew").startswith("the classic 1-of-2")


def test_copy_writes_every_example_and_never_overwrites_silently(tmp_path):
    written = examples.copy(tmp_path / "new")
    assert [p.relative_to(tmp_path / "new").as_posix() for p in written] == [f"{n}.yaml" for n in MODELS + GROUPED]
    edited = tmp_path / "new" / "single-host.yaml"
    edited.write_text("mine")
    with pytest.raises(FileExistsError, match="single-host.yaml"):
        examples.copy(tmp_path / "new", ["single-host", "retry-storm"])
    assert edited.read_text() == "mine"
    examples.copy(tmp_path / "new", ["single-host"], overwrite=True)
    assert edited.read_bytes() == (ROOT / "models" / "single-host.yaml").read_bytes()
    with pytest.raises(NotADirectoryError):
        examples.copy(edited)


def test_every_example_loads():
    import relsim

    for name in MODELS + GROUPED:
        relsim.load(examples.path(name))


@pytest.mark.slow
def test_a_built_wheel_carries_the_examples(tmp_path):
    # Build from a copy of the sources so the working tree gets no build/ directory.
    src = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("relsim", "models"):  # models/ with its groups (models/workshop/)
        shutil.copytree(ROOT / folder, src / folder, ignore=skip)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "CHANGELOG.md"):
        shutil.copy2(ROOT / name, src / name)
    out = tmp_path / "wheel"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                            str(src)], capture_output=True, text=True, timeout=300)
    if build.returncode != 0 and "No matching distribution" in build.stderr:
        pytest.skip("no index to fetch the build backend from")
    assert build.returncode == 0, build.stderr
    (wheel,) = out.glob("relsim-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        files = set(zf.namelist())
        zf.extractall(tmp_path / "installed")
    assert {f"relsim/examples/models/{n}.yaml" for n in MODELS + GROUPED} <= files
    assert any(f.endswith(".dist-info/licenses/LICENSE") for f in files)
    # Installed (unpacked) on its own, relsim.examples finds the packaged copies.
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import relsim.examples as e; "
             "print(e.directory()); print(' '.join(e.names()))")
    run = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "installed")],
                         capture_output=True, text=True, check=True, cwd=tmp_path)
    where, listed = run.stdout.splitlines()
    assert pathlib.Path(where) == tmp_path / "installed" / "relsim" / "examples" / "models"
    assert listed.split() == MODELS + GROUPED
