"""Finds component factories through Python entry points, like Go's generated components.go.

Groups are ``pyotelcol.receivers``, ``.processors``, ``.exporters``, ``.extensions`` and
``.connectors``; each entry point loads a zero-argument ``create_factory``. A distribution built
by ``builder`` passes its own explicit list instead of scanning.

Go compiles its components in, so a component that cannot load is a build error there. Here a
component whose dependency is not installed (an extra left out) is recorded as unavailable: the
``components`` command reports it on stderr, and a config using it fails naming the missing
module and the extra to install. Any other plug-in that fails to load is an error, as Go's build.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

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

    def unavailable_report(self) -> list[str]:
        """One line per component that is installed but cannot load, naming it and why."""
        return [
            f'{kind.plural} "{type_}" cannot load: {reason}'
            for (kind, type_), reason in sorted(
                self.unavailable.items(), key=lambda item: (item[0][0].plural, item[0][1])
            )
        ]


def _module_of(ep: metadata.EntryPoint) -> str:
    dist = ep.dist
    if dist is None:
        return ep.module
    return f"{dist.metadata['Name']} {dist.version}"


def _extra_providing(dist: metadata.Distribution | None, module: str) -> str | None:
    """The extra of ``dist`` whose requirement is the project named like ``module`` (bcrypt: auth)."""
    if dist is None:
        return None
    wanted = canonicalize_name(module.split(".")[0])
    extras = dist.metadata.get_all("Provides-Extra") or []
    for text in dist.requires or []:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if canonicalize_name(req.name) != wanted or req.marker is None or req.marker.evaluate({"extra": ""}):
            continue  # another project, or a core dependency
        for extra in extras:
            if req.marker.evaluate({"extra": extra}):
                return str(extra)
    return None


def _unavailable_reason(ep: metadata.EntryPoint, exc: ImportError) -> str | None:
    """Why ``ep`` cannot load, if the cause is a missing dependency rather than a broken plug-in.

    That is a built-in component missing any third-party module (an extra not installed, or a
    damaged install), or any component missing a module one of its package's extras provides.
    """
    missing = (exc.name or "").split(".")[0]
    if not missing or missing == "pyotelcol" or missing == ep.module.split(".")[0]:
        return None
    extra = _extra_providing(ep.dist, missing)
    if extra is not None and ep.dist is not None:
        hint = f"install the {extra!r} extra: pip install '{ep.dist.metadata['Name']}[{extra}]'"
    elif ep.module.startswith("pyotelcol."):
        hint = "it is a dependency of pyotelcol: reinstall pyotelcol"
    else:
        return None
    return f"package {_module_of(ep)}: {exc}; {hint}"


def from_entry_points() -> Factories:
    """Load every installed component factory.

    A component whose dependency is missing goes to ``unavailable``; any other failure raises one
    RegistryError naming every broken entry point (group, name, target, error).
    """
    found = Factories()
    broken: list[str] = []
    for kind, group in GROUPS.items():
        for ep in sorted(metadata.entry_points(group=group), key=lambda e: e.name):
            try:
                create: Callable[[], Any] = ep.load()
                factory = create()
            except ImportError as exc:
                reason = _unavailable_reason(ep, exc)
                if reason is not None:
                    found.unavailable[(kind, ep.name)] = reason
                else:
                    broken.append(f"failed to load {group} entry point {ep.name!r} ({ep.value}): {exc}")
                continue
            except Exception as exc:  # a plug-in's bug must name the plug-in
                broken.append(f"failed to load {group} entry point {ep.name!r} ({ep.value}): {exc}")
                continue
            if not isinstance(factory, _CLASSES[kind]):
                broken.append(
                    f"{group} entry point {ep.name!r} ({ep.value}) returned {type(factory).__name__}, "
                    f"not a {_CLASSES[kind].__name__}"
                )
                continue
            found.add(factory, _module_of(ep))
    if broken:
        raise RegistryError("\n".join(broken))
    return found


def from_list(factories: Iterable[tuple[AnyFactory, str]]) -> Factories:
    """An explicit set, as a built distribution's generated components module provides."""
    found = Factories()
    for factory, module in factories:
        found.add(factory, module)
    return found
