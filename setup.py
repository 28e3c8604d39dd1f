"""What pyproject.toml cannot declare statically: the package list for the folder → namespace
mapping, and the component entry points, read from every component's metadata.yaml.

The components live in top-level folders (receivers/, processors/, ...) but import as
``pyotelcol.receivers.<name>`` etc.; setuptools needs every sub-package named explicitly. Each
component folder's metadata.yaml gives its type and deprecated alias; both names get an entry point
in the group ``pyotelcol.<kind>s``, so the registry can load a component by either name without
loading the others.
"""

from pathlib import Path

import yaml
from setuptools import Extension, find_packages, setup

HERE = Path(__file__).resolve().parent

MAPPED = {
    "pyotelcol.receivers": "receivers",
    "pyotelcol.processors": "processors",
    "pyotelcol.exporters": "exporters",
    "pyotelcol.extensions": "extensions",
    "pyotelcol.connectors": "connectors",
    "pyotelcol_builder": "builder",
}

packages = ["pyotelcol", *(f"pyotelcol.{p}" for p in find_packages("pyotelcol"))]
for namespace, folder in MAPPED.items():
    packages.append(namespace)
    packages.extend(f"{namespace}.{p}" for p in find_packages(folder, exclude=["*.testdata*"]))


def component_entry_points() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for folder in ("receivers", "processors", "exporters", "extensions", "connectors"):
        for meta_file in sorted((HERE / folder).glob("*/metadata.yaml")):
            meta = yaml.safe_load(meta_file.read_text(encoding="utf-8"))
            kind = meta["status"]["class"]
            if f"{kind}s" != folder:
                raise SystemExit(f"{meta_file}: status.class {kind!r} does not match its folder {folder}/")
            target = f"pyotelcol.{folder}.{meta_file.parent.name}:create_factory"
            names = [
                meta["type"],
                *([meta["status"]["deprecated_alias"]] if meta["status"].get("deprecated_alias") else []),
            ]
            groups.setdefault(f"pyotelcol.{folder}", []).extend(f"{name} = {target}" for name in names)
            if meta.get("feature_gates"):  # "module:attribute" inside the component's package
                module, _, attribute = meta["feature_gates"].partition(":")
                gates = f"{meta['type']} = pyotelcol.{folder}.{meta_file.parent.name}.{module}:{attribute}"
                groups.setdefault("pyotelcol.feature_gates", []).append(gates)
    return groups


SCRIPTS = {
    "console_scripts": [
        "pyotelcol = pyotelcol.cli.main:main",
        "builder = pyotelcol_builder.main:main",
        "pyotelcol-instrument = pyotelcol.embed.instrument:main",
    ],
    # OTEL_PYTHON_CONFIGURATOR=pyotelcol opentelemetry-instrument ...: the embedded collector
    "opentelemetry_configurator": ["pyotelcol = pyotelcol.embed.instrument:EmbeddedConfigurator"],
}


# OTTL span statements over the wire bytes (pyotelcol/ottl/wireprogram.py). Optional: where it
# cannot be compiled the install goes on and the OTTL engine runs those statements itself.
SPANWIRE = Extension(
    "pyotelcol.ottl._spanwire",
    ["pyotelcol/ottl/_spanwire.c"],
    extra_compile_args=["-O2", "-std=c99"],
    optional=True,
)


setup(packages=packages, entry_points={**SCRIPTS, **component_entry_points()}, ext_modules=[SPANWIRE])
