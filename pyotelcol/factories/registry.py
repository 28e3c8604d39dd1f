"""Finds component factories through Python entry points, like Go's generated components.go.

Groups are ``pyotelcol.receivers``, ``.processors``, ``.exporters``, ``.extensions`` and
``.connectors``; each entry point loads a zero-argument ``create_factory``. A distribution built
by ``builder`` passes its own explicit list instead of scanning.

Entry points are loaded lazily, by the types a config names: a collector imports only the
components it runs, and a broken plug-in that the config does not use cannot stop it. A component
with a deprecated alias has an entry point under each name. ``components`` (and ``canonical``)
load everything.

Go compiles its components in, so a component that cannot load is a build error there. Here a
component whose dependency is not installed (an extra left out) is recorded as unavailable: the
``components`` command reports it on stderr, and a config using it fails naming the missing
module and the extra to install. Any other plug-in that fails to load is an error when something
loads it, naming the entry point, as Go's build would.
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
    #: entry points not loaded yet, per kind and name
    pending: dict[Kind, dict[str, metadata.EntryPoint]] = field(default_factory=lambda: {k: {} for k in Kind})

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
        """The factory of ``type_`` (or of its alias), loading its entry point on first use.
        Raises RegistryError when that plug-in is broken."""
        table = self.by_kind[kind]
        if type_ not in table and type_ in self.pending[kind]:
            problem = self._load(kind, self.pending[kind].pop(type_))
            if problem:
                raise RegistryError(problem)
        return table.get(type_)

    def _load(self, kind: Kind, ep: metadata.EntryPoint) -> str | None:
        """Load one entry point; the error text when the plug-in is broken."""
        group = GROUPS[kind]
        try:
            create: Callable[[], Any] = ep.load()
            factory = create()
        except ImportError as exc:
            reason = _unavailable_reason(ep, exc)
            if reason is None:
                return f"failed to load {group} entry point {ep.name!r} ({ep.value}): {exc}"
            self.unavailable[(kind, ep.name)] = reason
            return None
        except Exception as exc:  # a plug-in's bug must name the plug-in
            return f"failed to load {group} entry point {ep.name!r} ({ep.value}): {exc}"
        if not isinstance(factory, _CLASSES[kind]):
            return (
                f"{group} entry point {ep.name!r} ({ep.value}) returned {type(factory).__name__}, "
                f"not a {_CLASSES[kind].__name__}"
            )
        if self.by_kind[kind].get(factory.type) is factory or (
            factory.type in self.by_kind[kind] and ep.name != factory.type
        ):
            return None  # the same component reached through its other name
        for name in (factory.type, factory.deprecated_alias):
            if name and name != ep.name:
                self.pending[kind].pop(name, None)  # the other name's entry point is this component
        try:
            self.add(factory, _module_of(ep))
        except RegistryError as exc:
            return f"{group} entry point {ep.name!r} ({ep.value}): {exc}"
        return None

    def load_all(self, kind: Kind | None = None) -> None:
        """Load every pending entry point (of ``kind``); one RegistryError names every broken one."""
        broken: list[str] = []
        for k in [kind] if kind is not None else list(Kind):
            pending = self.pending[k]
            while pending:
                name = min(pending)
                problem = self._load(k, pending.pop(name))
                if problem:
                    broken.append(problem)
        if broken:
            raise RegistryError("\n".join(broken))

    def canonical(self, kind: Kind) -> list[AnyFactory]:
        """Each factory once (aliases left out), sorted by type; loads every entry point of ``kind``."""
        self.load_all(kind)
        return sorted({f.type: f for f in self.by_kind[kind].values()}.values(), key=lambda f: f.type)

    def valid_types(self, kind: Kind) -> list[str]:
        return sorted({*self.by_kind[kind], *self.pending[kind]})

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
    """Every installed component factory, each loaded when first asked for (see ``Factories.get``)."""
    found = Factories()
    for kind, group in GROUPS.items():
        for ep in metadata.entry_points(group=group):
            found.pending[kind].setdefault(ep.name, ep)
    return found


def from_list(factories: Iterable[tuple[AnyFactory, str]]) -> Factories:
    """An explicit set, as a built distribution's generated components module provides."""
    found = Factories()
    for factory, module in factories:
        found.add(factory, module)
    return found
