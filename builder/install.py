"""Installs a generated distribution: an isolated venv in output_path with everything pip installed.

Local sources (a pyotelcol checkout, components' ``path:`` folders, the generated package) are
copied to a scratch directory first, so pip's in-tree builds leave no ``build/`` or ``*.egg-info``
behind in them and stale build output cannot end up in a wheel.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import yaml

from . import templates
from .manifest import CORE_PROJECT, KINDS, MARKER, Manifest, canonical

# Never copied from a local source: VCS data, caches, build output, virtual environments.
_JUNK_ANYWHERE = {".git", ".hg", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".tox", ".nox"}
_JUNK_TOP = {"build", "dist", ".venv", "venv"}
# Besides, a pyotelcol checkout needs none of these to build its wheel.
_CHECKOUT_EXTRA = {"tests", "bench", ".ci", "config-examples", "distributions"}
# pip's environment must be the new venv's alone.
_DROPPED_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV", "PIP_USER")


class BuildError(Exception):
    """A build step failed; ``str()`` is the message after ``Error: ``."""


class Progress:
    """Step lines on stderr; with ``verbose`` also every command and its output."""

    def __init__(self, verbose: bool = False, stream: Callable[[str], object] | None = None) -> None:
        self.verbose = verbose
        self._write = stream or (lambda text: print(text, file=sys.stderr, flush=True))
        self.started = time.monotonic()

    def step(self, message: str) -> None:
        self._write(message)

    def detail(self, message: str) -> None:
        if self.verbose:
            self._write(message)

    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass
class PipOptions:
    """Where pip looks for packages; passed to every pip command (and so to its build environments)."""

    find_links: list[str] = field(default_factory=list)
    no_index: bool = False
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)

    def args(self) -> list[str]:
        out: list[str] = []
        if self.index_url:
            out += ["--index-url", self.index_url]
        for url in self.extra_index_urls:
            out += ["--extra-index-url", url]
        if self.no_index:
            out.append("--no-index")
        for link in self.find_links:
            out += ["--find-links", link if "://" in link else str(Path(link).resolve())]
        return out


@dataclass
class Plan:
    """Everything an install needs besides the manifest."""

    out: Path
    core_source: Path | None  # a pyotelcol checkout, or None for pyotelcol from the index/wheelhouse
    pip: PipOptions
    wheel: bool = False
    #: the installed pyotelcol the builder runs from (a regular install): packed as a wheel and used
    core_installed: metadata.Distribution | None = None


# -- processes ----------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONNOUSERSITE"] = "1"
    return env


def run(cmd: Sequence[str | Path], progress: Progress, what: str, cwd: Path | None = None) -> list[str]:
    """Run ``cmd`` (stdout and stderr merged); its output is shown when verbose, kept for errors."""
    progress.detail("$ " + shlex.join(str(c) for c in cmd))
    try:
        proc = subprocess.Popen(
            [str(c) for c in cmd],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            env=_env(),
            cwd=cwd,
        )
    except OSError as exc:
        raise BuildError(f"{what}: cannot run {cmd[0]}: {exc.strerror or exc}") from None
    lines: list[str] = []
    assert proc.stdout is not None
    with proc.stdout:
        for line in proc.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            progress.detail("  " + line)
    if proc.wait() != 0:
        raise PipFailure(what, lines)
    return lines


class PipFailure(BuildError):
    def __init__(self, what: str, lines: list[str]) -> None:
        self.what = what
        self.lines = lines
        super().__init__(what)


def _explain(failure: PipFailure, manifest: Manifest) -> BuildError:
    """A pip failure as a message naming the manifest entries it is about."""
    text = "\n".join(failure.lines)
    details: list[str] = []
    for missing in dict.fromkeys(re.findall(r"No matching distribution found for ([^\s;]+)", text)):
        name = re.split(r"[\[<>=!~@ ]", missing, maxsplit=1)[0]
        entries = [c.label for c in manifest.components if c.requirement.project == canonical(name)]
        if canonical(name) == CORE_PROJECT and not entries:
            entries = ["the pyotelcol core"]
        where = f" ({', '.join(entries)})" if entries else ""
        hint = ""
        if canonical(name) == CORE_PROJECT:
            hint = "; build from a checkout with --pyotelcol-path or give a wheelhouse with --find-links"
        details.append(f'no package found for "{missing}"{where}{hint}')
    looked = [ln.strip() for ln in failure.lines if ln.startswith(("Looking in indexes:", "Looking in links:"))]
    errors = [ln for ln in failure.lines if ln.startswith("ERROR:")] or failure.lines[-15:]
    message = failure.what + (": " + "; ".join(details) if details else "")
    body = "\n".join("  " + ln for ln in dict.fromkeys([*looked, *errors]))
    return BuildError(f"{message}\n{body}" if body else message)


# -- steps --------------------------------------------------------------------------------------


def find_python(spec: str) -> str:
    if not spec:
        return sys.executable
    found = shutil.which(spec)
    if found is None:
        raise BuildError(f"dist.python: {spec!r} not found")
    return found


def create_venv(python: str, venv: Path, progress: Progress) -> tuple[Path, str]:
    """A fresh venv (with pip) at ``venv``; returns its python and its ``major.minor``."""
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            env=_env(),
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BuildError(f"dist.python: cannot run {python}: {exc}") from None
    major, minor, _ = (int(p) for p in out.split("."))
    if (major, minor) < (3, 11):
        raise BuildError(f"dist.python: {python} is Python {out}; pyotelcol needs Python 3.11 or newer")
    progress.step(f"Creating the environment (Python {out}) in {venv}...")
    try:
        run([python, "-m", "venv", "--clear", venv], progress, "creating the virtual environment")
    except PipFailure as exc:
        raise BuildError(f"{exc.what} failed:\n" + "\n".join("  " + ln for ln in exc.lines[-10:])) from None
    return venv / "bin" / "python", f"{major}.{minor}"


def copy_source(src: Path, dest: Path, *, checkout: bool = False) -> Path:
    """Copy a local source for building, leaving out VCS data, caches, build output and venvs."""
    top_skip = _JUNK_TOP | (_CHECKOUT_EXTRA if checkout else set())

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder)
        skipped = {n for n in names if n in _JUNK_ANYWHERE or n.endswith(".egg-info")}
        if here == src:
            skipped |= {n for n in names if n in top_skip}
        for n in names:  # virtual environments and earlier builder output anywhere below
            if (here / n / "pyvenv.cfg").exists() or (here / n / MARKER).exists():
                skipped.add(n)
        return skipped

    shutil.copytree(src, dest, ignore=ignore, symlinks=True)
    return dest


def install(manifest: Manifest, plan: Plan, progress: Progress) -> None:
    """Create ``out/venv`` and install the distribution into it; then check it runs."""
    out = plan.out
    python, short_version = create_venv(find_python(manifest.python), out / "venv", progress)
    pip: list[str | Path] = [python, "-m", "pip"]
    index = plan.pip.args()
    constraints: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pyotelcol-builder-") as scratch_dir:
        scratch = Path(scratch_dir)
        if manifest.constraints:
            (scratch / "constraints.txt").write_text("".join(c + "\n" for c in manifest.constraints))
            constraints = ["-c", str(scratch / "constraints.txt")]

        named = [c.requirement.text for c in manifest.components if c.path is None and not c.builtin]
        if plan.core_source is None and plan.core_installed is None:
            named += [r.text for r in manifest.core_requirements]
            progress.step(f"Using {', '.join(r.text for r in manifest.core_requirements)} from the package index")
        named = list(dict.fromkeys(named))
        if named:  # cheap and early: a misspelt package fails here, before the long install
            progress.step("Checking packages...")
            try:
                run([*pip, "install", "--dry-run", "--no-deps", "--ignore-installed", *index, *named], progress, "")
            except PipFailure as exc:
                raise _explain(PipFailure("packages not found", exc.lines), manifest) from None

        requirements: list[str] = []
        extras = manifest.core_extras
        if plan.core_source is not None:
            progress.step(f"Using pyotelcol from the checkout {plan.core_source}")
            core = copy_source(plan.core_source, scratch / "pyotelcol", checkout=True)
            requirements.append(f"{core}[{','.join(extras)}]" if extras else str(core))
        elif plan.core_installed is not None:
            from .installed import pack_wheel

            progress.step(f"Using the installed pyotelcol {plan.core_installed.version} this builder runs from")
            core = pack_wheel(plan.core_installed, scratch)
            requirements.append(f"{core}[{','.join(extras)}]" if extras else str(core))
        else:
            requirements += [r.with_extras(extras) for r in manifest.core_requirements]
        copies: dict[Path, Path] = {}
        for comp in manifest.components:
            if comp.path is not None and not comp.builtin and comp.path not in copies:
                copies[comp.path] = copy_source(comp.path, scratch / f"path{len(copies)}")
        requirements += [str(p) for p in copies.values()]
        requirements += [c.requirement.text for c in manifest.components if c.path is None and not c.builtin]
        generated = scratch / "dist"
        generated.mkdir()
        shutil.copy2(out / "pyproject.toml", generated / "pyproject.toml")
        shutil.copytree(out / "src", generated / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        requirements.append(str(generated))

        try:
            if plan.wheel:
                progress.step("Building wheels...")
                wheelhouse = out / "wheelhouse"
                run([*pip, "wheel", *index, *constraints, "-w", wheelhouse, *requirements], progress, "building wheels")
                progress.step("Installing dependencies from the wheelhouse...")
                spec = f"{manifest.name}=={manifest.version}"
                run(
                    [*pip, "install", "--no-index", "--find-links", wheelhouse, *constraints, spec],
                    progress,
                    "installing dependencies",
                )
            else:
                progress.step("Installing dependencies...")
                run([*pip, "install", *index, *constraints, *requirements], progress, "installing dependencies")
        except PipFailure as exc:
            raise _explain(exc, manifest) from None

    write_launcher(manifest, out)
    if plan.wheel:
        (out / ".dockerignore").write_text("*\n!wheelhouse\n")
        (out / "Dockerfile").write_text(
            templates.DOCKERFILE.format(
                name=manifest.name,
                version=manifest.version,
                manifest=manifest.file.name,
                python_version=short_version,
                project=manifest.name,
            )
        )
    check(manifest, out, progress)


def write_launcher(manifest: Manifest, out: Path) -> Path:
    launcher = out / manifest.name
    launcher.write_text(
        templates.LAUNCHER.format(
            name=manifest.name,
            version=manifest.version,
            venv=out / "venv",
            python=shlex.quote(str(out / "venv" / "bin" / "python")),
            module=manifest.module,
        )
    )
    launcher.chmod(0o755)
    return launcher


def check(manifest: Manifest, out: Path, progress: Progress) -> None:
    """Run the launcher's ``components``: every listed component must load and be there exactly once."""
    progress.step("Checking the distribution...")
    launcher = out / manifest.name
    proc = subprocess.run([str(launcher), "components"], capture_output=True, text=True, env=_env())
    if proc.returncode != 0:
        raise BuildError(f"the built distribution does not start: {proc.stderr.strip() or proc.stdout.strip()}")
    listed = yaml.safe_load(proc.stdout) or {}
    for kind in KINDS:
        names = [item["name"] for item in listed.get(kind) or []]
        want = manifest.of_kind(kind)
        if len(names) != len(want):
            raise BuildError(
                f"the built distribution lists {kind} {names} for the manifest's "
                f"{[c.import_spec for c in want]}: two entries give the same component type"
            )
        progress.detail(f"  {kind}: {', '.join(names) or '-'}")
