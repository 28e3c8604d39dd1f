"""The builder run from a regular (non-editable) install of this checkout, as after `pip install .`.

There is no checkout beside that install, and the package index has no pyotelcol of this version:
the builder packs the installed pyotelcol it runs from. One real build, of the README's manifest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from pyotelcol_builder.install import copy_source
from support import REPO

from pyotelcol import __version__


def _run(*cmd: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, cwd=cwd, env=env)


@pytest.fixture(scope="module")
def regular_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with pyotelcol installed from its wheel; the dependencies come from this test venv."""
    tmp = tmp_path_factory.mktemp("regular")
    source = copy_source(REPO, tmp / "src", checkout=True)  # pip builds in-tree: not in the checkout
    built = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", tmp, source)
    assert built.returncode == 0, built.stderr
    venv = tmp / "venv"
    assert _run(sys.executable, "-m", "venv", "--without-pip", venv).returncode == 0
    python = venv / "bin" / "python"
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    # A plain path line: the test venv's packages, without its editable pyotelcol's import hook.
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(tmp.glob("pyotelcol-*.whl"))
    installed = _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel)
    assert installed.returncode == 0, installed.stderr
    return venv


def test_regular_install_runs_its_own_pyotelcol(regular_install: Path) -> None:
    probe = "import pyotelcol; print(pyotelcol.__file__)"
    where = _run(regular_install / "bin" / "python", "-c", probe, cwd=regular_install)  # not this checkout
    assert where.stdout.startswith(str(regular_install)), where.stderr


def test_builder_from_a_regular_install_builds_the_readme_manifest(regular_install: Path, tmp_path: Path) -> None:
    out = tmp_path / "otelcol-mini"
    builder = regular_install / "bin" / "builder"
    proc = _run(builder, "--manifest", "config-examples/dist.yaml", "--output-path", out, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert f"Using the installed pyotelcol {__version__} this builder runs from" in proc.stderr.splitlines()
    listed = _run(out / "otelcol-mini", "components")
    assert listed.returncode == 0, listed.stderr
    components = yaml.safe_load(listed.stdout)
    assert [r["name"] for r in components["receivers"]] == ["otlp"]
    assert components["receivers"][0]["module"] == f"pyotelcol {__version__}"
