"""Every built-in component, from its metadata.yaml: the places that describe it agree, and a
lifecycle test generated for it runs (create with the default config, start, shutdown; shutdown
without start; the default config decodes and validates), as Go's generated component tests do."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import REPO

from pyotelcol.component import Kind, Signal, StabilityLevel
from pyotelcol.config.decode import decode, validate
from pyotelcol.factories import (
    ConnectorFactory,
    ExporterFactory,
    ExtensionFactory,
    ProcessorFactory,
    ReceiverFactory,
    from_entry_points,
)
from pyotelcol.factories.metadata import ComponentMetadata, load
from pyotelcol.testing import NopHost, Sink, make_settings

KINDS = (Kind.RECEIVER, Kind.PROCESSOR, Kind.EXPORTER, Kind.EXTENSION, Kind.CONNECTOR)


@dataclass(frozen=True)
class Builtin:
    package: str  # pyotelcol.exporters.otlp_http
    folder: Path
    meta: ComponentMetadata

    def __str__(self) -> str:
        return self.package.removeprefix("pyotelcol.")


def _builtins() -> list[Builtin]:
    found = []
    for kind in KINDS:
        namespace = f"pyotelcol.{kind.plural}"
        for entry in sorted(resources.files(namespace).iterdir(), key=lambda e: e.name):
            if entry.is_dir() and entry.joinpath("metadata.yaml").is_file():
                package = f"{namespace}.{entry.name}"
                found.append(Builtin(package, Path(str(entry)), load(package)))
    return found


BUILTINS = _builtins()


def test_every_component_folder_has_metadata() -> None:
    for kind in KINDS:
        folder = resources.files(f"pyotelcol.{kind.plural}")
        for entry in folder.iterdir():
            if entry.is_dir() and entry.joinpath("factory.py").is_file():
                assert entry.joinpath("metadata.yaml").is_file(), f"{kind.plural}/{entry.name} has no metadata.yaml"
    assert len(BUILTINS) >= 15


def test_entry_points_are_the_metadata() -> None:
    for kind in KINDS:
        installed = {
            (ep.name, ep.value)
            for ep in metadata.entry_points(group=f"pyotelcol.{kind.plural}")
            if ep.value.startswith("pyotelcol.")
        }
        expected = {
            (name, f"{b.package}:create_factory")
            for b in BUILTINS
            if b.meta.kind is kind
            for name in b.meta.entry_point_names()
        }
        assert installed == expected, f"reinstall (pip install -e .) after changing metadata.yaml: {kind.plural}"


def test_the_full_distribution_lists_every_component() -> None:
    manifest = yaml.safe_load((REPO / "distributions" / "pyotelcol.yaml").read_text())
    for kind in KINDS:
        listed = {entry["import"] for entry in manifest.get(kind.plural) or []}
        assert listed == {b.package for b in BUILTINS if b.meta.kind is kind}, kind.plural


def _stability_text(meta: ComponentMetadata) -> str:
    by_level: dict[StabilityLevel, list[str]] = {}
    for key, level in meta.stability.items():
        by_level.setdefault(level, []).append(key.replace("_to_", " → "))
    return "; ".join(f"{level.value.lower()}: {', '.join(keys)}" for level, keys in by_level.items())


@pytest.mark.parametrize("builtin", BUILTINS, ids=str)
def test_readme_status_table_matches(builtin: Builtin) -> None:
    readme = (builtin.folder / "README.md").read_text()
    row = re.search(r"^\| Stability \| (.*?) *\|$", readme, re.M)
    assert row is not None, f"{builtin}: README.md has no '| Stability | ... |' row"
    assert row.group(1) == _stability_text(builtin.meta)
    if builtin.meta.deprecated_alias:
        assert f"`{builtin.meta.deprecated_alias}`" in readme.split("\n\n")[0] + readme.split("\n\n")[1]


@pytest.mark.parametrize("builtin", BUILTINS, ids=str)
def test_factory_is_built_from_its_metadata(builtin: Builtin) -> None:
    meta = builtin.meta
    factory = from_entry_points().get(meta.kind, meta.type)
    assert factory is not None and factory.type == meta.type
    assert factory.deprecated_alias == meta.deprecated_alias
    assert factory.worker_policy is meta.worker_policy
    if isinstance(factory, ExtensionFactory):
        assert factory.stability is meta.extension_stability()
    elif isinstance(factory, ConnectorFactory):
        assert dict(factory.stability) == meta.connector_stability()
    else:
        assert dict(factory.stability) == meta.signal_stability()


def _config(builtin: Builtin, factory: Any, tmp_path: Path) -> Any:
    default = factory.create_default_config()
    assert default == factory.create_default_config() and default is not factory.create_default_config()
    assert decode(type(default), {}, factory.create_default_config()) == default  # an empty section is the default
    raw = yaml.safe_load(yaml.safe_dump(dict(builtin.meta.tests.config)).replace("{tmp}", str(tmp_path)))
    cfg = decode(type(default), raw, default)
    assert validate(cfg, str(builtin)) == []
    return cfg


def _instances(builtin: Builtin, factory: Any, cfg: Any) -> list[Any]:
    meta = builtin.meta
    kind = meta.kind
    if isinstance(factory, ExtensionFactory):
        return [factory.create(make_settings(meta.type, kind), cfg)]
    out: list[Any] = []
    if isinstance(factory, ConnectorFactory):
        for source, target in meta.connector_stability():
            out.append(factory.create_for(source, target, make_settings(meta.type, kind, source), cfg, Sink()))
        return out
    for signal in meta.signal_stability():
        if signal is Signal.PROFILES:
            continue  # pyotelcol has no profiles data type
        settings = make_settings(meta.type, kind, signal)
        if isinstance(factory, ExporterFactory):
            out.append(factory.create_for(signal, settings, cfg))
        else:
            assert isinstance(factory, ReceiverFactory | ProcessorFactory)
            out.append(factory.create_for(signal, settings, cfg, Sink()))
    return out


@pytest.mark.parametrize("builtin", BUILTINS, ids=str)
def test_lifecycle(builtin: Builtin, tmp_path: Path) -> None:
    if builtin.meta.tests.skip_lifecycle:
        pytest.skip(builtin.meta.tests.skip_lifecycle)
    factory = from_entry_points().get(builtin.meta.kind, builtin.meta.type)
    cfg = _config(builtin, factory, tmp_path)

    async def main() -> None:
        started = _instances(builtin, factory, cfg)
        assert started
        for instance in started:
            await instance.start(NopHost())
        for instance in reversed(started):
            await instance.shutdown()
        for instance in _instances(builtin, factory, cfg):  # shutdown without start
            await instance.shutdown()

    asyncio.run(main())
