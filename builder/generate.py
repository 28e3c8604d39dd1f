"""Writes the generated package of a distribution: pyproject.toml and src/<module>/.

``components.py`` imports exactly the manifest's factory functions (the counterpart of ocb's
components.go), ``__main__.py`` runs pyotelcol's CLI with them and the distribution's build info.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import templates
from .manifest import Component, Manifest

_KIND_ENUM = {
    "receivers": "RECEIVER",
    "processors": "PROCESSOR",
    "exporters": "EXPORTER",
    "extensions": "EXTENSION",
    "connectors": "CONNECTOR",
}


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's as long as non-ASCII stays as is)."""
    return json.dumps(text, ensure_ascii=False)


def _import_line(comp: Component) -> str:
    owner, _, rest = comp.attr.partition(".")
    if not rest:
        return f"from {comp.module} import {comp.attr} as {comp.alias}"
    # a dotted attribute (a decorated function's ``create_factory``): import its owner first
    return f"from {comp.module} import {owner} as _{comp.alias}_owner\n{comp.alias} = _{comp.alias}_owner.{rest}"


def _entry_line(comp: Component) -> str:
    return (
        f"            _entry(_Kind.{_KIND_ENUM[comp.kind]}, {comp.label!r}, {comp.alias}, {comp.requirement.name!r}),\n"
    )


def files(manifest: Manifest) -> dict[str, str]:
    """Relative path -> content of every generated source file."""
    src = f"src/{manifest.module}"
    try:
        shown = str(manifest.file.relative_to(Path.cwd()))
    except ValueError:
        shown = str(manifest.file)
    deps = "".join(f"  {_toml(d)},\n" for d in manifest.dependencies())
    imports = "".join(_import_line(c) + "\n" for c in manifest.components)
    return {
        "pyproject.toml": templates.PYPROJECT.format(
            manifest=shown,
            project=_toml(manifest.name),
            version=_toml(manifest.version),
            description=_toml(manifest.description),
            dependencies=deps,
            script=_toml(manifest.name),
            module=manifest.module,
            module_str=_toml(manifest.module),
        ),
        f"{src}/__init__.py": templates.INIT.format(name=manifest.name),
        f"{src}/components.py": templates.COMPONENTS.format(
            name=manifest.name,
            version=manifest.version,
            manifest=shown,
            imports=("\n" + imports) if imports else "",
            providers=repr(manifest.providers),
            entries="".join(_entry_line(c) for c in manifest.components),
        ),
        f"{src}/__main__.py": templates.MAIN.format(
            name=manifest.name, description=manifest.description, version=manifest.version
        ),
    }


def write(manifest: Manifest, out: Path) -> list[Path]:
    """Write the generated sources under ``out``; returns the files written."""
    written = []
    for rel, content in files(manifest).items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        written.append(target)
    return written
