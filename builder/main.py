"""``builder --manifest dist.yaml``: build a pyotelcol distribution holding exactly the listed components.

Steps (like ocb's generate -> get modules -> compile): check the manifest, generate the package
(pyproject.toml, ``src/<module>/components.py`` and ``__main__.py``), create ``output_path/venv``
and pip install everything into it, write the launcher ``output_path/<dist.name>``, and run its
``components`` command as a check. A failed build leaves nothing behind that looks finished: the
new output is removed and an earlier build in output_path is put back. See builder/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from pyotelcol import __version__

from . import generate
from .install import BuildError, PipOptions, Plan, Progress, install
from .installed import running_distribution
from .manifest import CORE_PROJECT, KINDS, MARKER, PROVIDER_SCHEMES, Manifest, ManifestError, load

_PARTS = ("venv", "wheelhouse", "Dockerfile", ".dockerignore")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="builder",
        description="Build a pyotelcol distribution from a manifest (the counterpart of the Go collector's ocb).",
        allow_abbrev=False,
    )
    p.add_argument("--manifest", "--config", dest="manifest", metavar="FILE", help="the manifest (YAML)")
    p.add_argument("--output-path", metavar="DIR", help="build here instead of the manifest's dist.output_path")
    p.add_argument("--skip-generate", action="store_true", help="do not write sources; install those in output_path")
    p.add_argument("--skip-install", action="store_true", help="only generate the sources (no venv, no pip)")
    p.add_argument(
        "--wheel",
        action="store_true",
        help="also build the distribution's wheel and every wheel it needs into output_path/wheelhouse, "
        "and write output_path/Dockerfile installing them",
    )
    p.add_argument(
        "--pyotelcol-path",
        metavar="DIR",
        help="install pyotelcol from this checkout (default: a built-in entry's path:, else the pyotelcol "
        "this builder runs from, or the package index when the entries ask for another version)",
    )
    p.add_argument("--find-links", action="append", default=[], metavar="DIR|URL", help="pip --find-links (repeatable)")
    p.add_argument("--no-index", action="store_true", help="pip --no-index: only --find-links, e.g. a wheelhouse")
    p.add_argument("--index-url", metavar="URL", help="pip --index-url")
    p.add_argument("--extra-index-url", action="append", default=[], metavar="URL", help="pip --extra-index-url")
    p.add_argument("--verbose", action="store_true", help="show every command and its output")
    p.add_argument("--version", action="store_true", help="print the builder's version and exit")
    return p


# -- where pyotelcol comes from -----------------------------------------------------------------


def is_checkout(path: Path) -> bool:
    try:
        project = tomllib.loads((path / "pyproject.toml").read_text()).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return bool(project.get("name") == CORE_PROJECT and (path / "pyotelcol").is_dir())


def running_checkout() -> Path | None:
    """The checkout this builder runs from (an editable install), if it does."""
    here = Path(__file__).resolve().parent.parent
    return here if is_checkout(here) else None


def asks_for_another_version(manifest: Manifest) -> bool:
    """The built-in entries' requirement excludes the running pyotelcol (a URL, or a version it is not)."""
    for req in manifest.core_requirements:
        try:
            parsed = Requirement(req.text)
        except InvalidRequirement:
            return True
        if parsed.url or (parsed.specifier and not parsed.specifier.contains(__version__, prereleases=True)):
            return True
    return False


def core_source(flag: str | None, manifest: Manifest) -> Path | metadata.Distribution | None:
    """Where pyotelcol comes from: a checkout, the installed pyotelcol running this builder, or
    None for the package index (only when the manifest asks for a version this is not)."""
    if flag:
        path = Path(flag).resolve()
        if not is_checkout(path):
            raise BuildError(
                f"--pyotelcol-path: {path} is not a pyotelcol checkout (no pyproject.toml naming pyotelcol)"
            )
        return path
    if manifest.core_path is not None:
        if not is_checkout(manifest.core_path):
            raise BuildError(f"the built-in components' path {manifest.core_path} is not a pyotelcol checkout")
        return manifest.core_path
    if asks_for_another_version(manifest):
        return None
    return running_checkout() or running_distribution()


def check_builtins(manifest: Manifest, source: Path | metadata.Distribution) -> None:
    """Built-in entries must name components pyotelcol has (before a long install fails)."""
    if isinstance(source, Path):
        try:
            mapping = tomllib.loads((source / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
        except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError):
            return
        folders = {package: source / folder for package, folder in mapping.items()}
    else:  # an installed pyotelcol: its component packages sit inside pyotelcol/
        root = Path(str(source.locate_file("")))
        folders = {f"pyotelcol.{kind}": root / "pyotelcol" / kind for kind in KINDS}
    problems = []
    for comp in manifest.components:
        parts = comp.module.split(".")
        if not comp.builtin or len(parts) < 3 or ".".join(parts[:2]) not in folders:
            continue
        folder = folders[".".join(parts[:2])]
        if not (folder / parts[2] / "__init__.py").is_file():
            have = sorted(p.name for p in folder.iterdir() if (p / "__init__.py").is_file()) if folder.is_dir() else []
            problems.append(
                f"{comp.label}: pyotelcol has no built-in {'.'.join(parts[:3])} "
                f"({parts[1]}: {', '.join(have) or 'none'})"
            )
    if problems:
        raise ManifestError(f"invalid manifest {manifest.file}: " + "\n".join(problems))


# -- output_path --------------------------------------------------------------------------------


def _marker(out: Path, manifest: Manifest, complete: bool) -> None:
    info = {
        "name": manifest.name,
        "version": manifest.version,
        "manifest": str(manifest.file),
        "complete": complete,
        "components": {k: [c.import_spec for c in manifest.of_kind(k)] for k in KINDS},
    }
    (out / MARKER).write_text(json.dumps(info, indent=2) + "\n")


def _set_aside(out: Path) -> Path | None:
    """Move an earlier build out of the way (restored if this one fails); refuse anything else."""
    if not out.exists():
        return None
    if not out.is_dir():
        raise BuildError(f"output_path {out} is a file")
    if not any(out.iterdir()):
        out.rmdir()
        return None
    if not (out / MARKER).is_file():
        raise BuildError(
            f"output_path {out} exists and was not written by the builder; remove it or choose another output_path"
        )
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=out.parent))
    os.rename(out, aside / "build")
    return aside


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def build(
    manifest: Manifest, out: Path, plan: Plan, skip_generate: bool, skip_install: bool, progress: Progress
) -> None:
    if skip_generate:
        if not (out / "pyproject.toml").is_file() or not (out / "src" / manifest.module).is_dir():
            raise BuildError(f"--skip-generate: no generated sources for {manifest.name} in {out}")
        if skip_install:
            progress.step("Nothing to do: both --skip-generate and --skip-install")
            return
        for part in (*_PARTS, manifest.name):
            _remove(out / part)
        try:
            _marker(out, manifest, complete=False)
            install(manifest, plan, progress)
            _marker(out, manifest, complete=True)
        except BaseException:
            for part in (*_PARTS, manifest.name):
                _remove(out / part)
            raise
        return

    aside = _set_aside(out)
    try:
        out.mkdir(parents=True)
        _marker(out, manifest, complete=False)
        progress.step(f"Generating {manifest.name} {manifest.version} in {out}...")
        for path in generate.write(manifest, out):
            progress.detail(f"  wrote {path.relative_to(out)}")
        if not skip_install:
            install(manifest, plan, progress)
        _marker(out, manifest, complete=True)
    except BaseException:
        _remove(out)
        if aside is not None:
            os.rename(aside / "build", out)
            aside.rmdir()
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.version:
        print(f"builder version {__version__}")
        return 0
    progress = Progress(args.verbose)
    try:
        if not args.manifest:
            raise BuildError("a manifest is required: builder --manifest <file>")
        manifest = load(Path(args.manifest))
        if args.output_path:
            out = Path(args.output_path).resolve()
        elif manifest.output_path is not None:
            out = manifest.output_path
        else:  # ocb's default: a fresh temporary directory
            out = Path(tempfile.mkdtemp(prefix=f"{manifest.name}-"))
        plan = Plan(
            out=out,
            core_source=None,
            pip=PipOptions(args.find_links, args.no_index, args.index_url, args.extra_index_url),
            wheel=args.wheel,
        )
        source = core_source(args.pyotelcol_path, manifest)
        if source is not None:
            check_builtins(manifest, source)
        if isinstance(source, Path):
            plan.core_source = source
        else:
            plan.core_installed = source
        if args.wheel and args.skip_install:
            progress.step("Note: --wheel has no effect with --skip-install")
        if set(manifest.providers) != set(PROVIDER_SCHEMES):
            progress.step(
                f"Note: providers {', '.join(manifest.providers) or '(none)'}: this pyotelcol core always "
                f"resolves {', '.join(PROVIDER_SCHEMES)}; the list is recorded in the components module"
            )
        build(manifest, out, plan, args.skip_generate, args.skip_install, progress)
    except (ManifestError, BuildError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Error: interrupted", file=sys.stderr)
        return 1
    took = f"{progress.elapsed():.1f}s"
    if args.skip_install:
        if not args.skip_generate:
            progress.step(f"Generated {manifest.name} at {out} in {took} (install skipped)")
    else:
        progress.step(f"Built {manifest.name} at {out} in {took}: run {out / manifest.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
