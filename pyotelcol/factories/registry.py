"""Finds component factories through Python entry points, like Go's generated components.go.

Groups are ``pyotelcol.receivers``, ``.processors``, ``.exporters``, ``.extensions`` and
``.connectors``; each entry point loads a zero-argument ``create_factory``. A distribution built
by ``builder`` passes its own explicit list instead of scanning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from ..component import Kind, validate_type
from .factory import (
    AnyFactory,
    ConnectorFactory,
    ExporterFactory,
    ExtensionFactory,
    ProcessorFactory,
    ReceiverFactory,
)

GROUPS: dict[Kind, str] = {kind: f"pyotelcol.{kind.plural}" for kind in Kind}
_CLASSES: dict[Kind, type[Any]] = {
    Kind.RECEIVER: ReceiverFactory,
    Kind.PROCESSOR: ProcessorFactory,
    Kind.EXPORTER: ExporterFactory,
    Kind.EXTENSION: ExtensionFactory,
    Kind.CONNECTOR: ConnectorFactory,
}


class RegistryError(ValueError):
    pass


@dataclass
class Factories:
    """Factory maps per kind, keyed by type and by deprecated alias; ``modules`` names the package."""

    by_kind: dict[Kind, dict[str, AnyFactory]] = field(default_factory=lambda: {k: {} for k in Kind})
    modules: dict[tuple[Kind, str], str] = field(default_factory=dict)
    #: installed components that cannot load because an optional dependency is missing: reason
    unavailable: dict[tuple[Kind, str], str] = field(default_factory=dict)

    def add(self, factory: AnyFactory, module: str = "") -> None:
        kind = factory.kind
        if not isinstance(factory, _CLASSES[kind]):
            raise RegistryError(f"{factory!r} is not a {kind} factory")
        validate_type(factory.type)
        table = self.by_kind[kind]
        if factory.type in table:
            raise RegistryError(f'duplicate component factory "{factory.type}"')
        table[factory.type] = factory
        if factory.deprecated_alias:
            if factory.deprecated_alias in table:
                raise RegistryError(
                    f'duplicate component factory "{factory.deprecated_alias}" (alias of "{factory.type}")'
                )
            table[factory.deprecated_alias] = factory
        self.modules[(kind, factory.type)] = module

    def get(self, kind: Kind, type_: str) -> AnyFactory | None:
        return self.by_kind[kind].get(type_)

    def canonical(self, kind: Kind) -> list[AnyFactory]:
        """Each factory once (aliases left out), sorted by type."""
        return sorted({f.type: f for f in self.by_kind[kind].values()}.values(), key=lambda f: f.type)

    def valid_types(self, kind: Kind) -> list[str]:
        return list(self.by_kind[kind])


def _module_of(ep: metadata.EntryPoint) -> str:
    dist = ep.dist
    if dist is None:
        return ep.module
    return f"{dist.metadata['Name']} {dist.version}"


def from_entry_points() -> Factories:
    """Load every installed component factory; a broken plug-in is an error naming group and entry."""
    found = Factories()
    for kind, group in GROUPS.items():
        for ep in sorted(metadata.entry_points(group=group), key=lambda e: e.name):
            try:
                create: Callable[[], Any] = ep.load()
                factory = create()
            except ModuleNotFoundError as exc:
                if exc.name and ep.module.startswith("pyotelcol.") and not exc.name.startswith("pyotelcol"):
                    # a built-in component whose optional extra is not installed: report it when used
                    found.unavailable[(kind, ep.name)] = f"{exc}; install it, e.g. pip install 'pyotelcol[full]'"
                    continue
                raise RegistryError(f"failed to load {group} entry point {ep.name!r} ({ep.value}): {exc}") from exc
            except Exception as exc:  # a plug-in's bug must name the plug-in
                raise RegistryError(f"failed to load {group} entry point {ep.name!r} ({ep.value}): {exc}") from exc
            if not isinstance(factory, _CLASSES[kind]):
                raise RegistryError(
                    f"{group} entry point {ep.name!r} ({ep.value}) returned {type(factory).__name__}, "
                    f"not a {_CLASSES[kind].__name__}"
                )
            found.add(factory, _module_of(ep))
    return found


def from_list(factories: Iterable[tuple[AnyFactory, str]]) -> Factories:
    """An explicit set, as a built distribution's generated components module provides."""
    found = Factories()
    for factory, module in factories:
        found.add(factory, module)
    return found
