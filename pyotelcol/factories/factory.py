"""Factories: how the core creates a component without knowing its concrete type.

A component package exposes ``create_factory()`` returning one of these. ``create_default_config``
returns the typed (dataclass) default onto which the YAML section is decoded. A signal (or a
connector signal pair) missing from ``stability`` is "not supported".
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, Self

from ..component import Component, Kind, Settings, Signal, StabilityLevel
from ..consumer import Consumer

if TYPE_CHECKING:
    from .metadata import ComponentMetadata


def all_signals(level: StabilityLevel) -> dict[Signal, StabilityLevel]:
    """The same stability for traces, metrics and logs (most components)."""
    return {Signal.TRACES: level, Signal.METRICS: level, Signal.LOGS: level}


class UnsupportedSignalError(ValueError):
    def __init__(self) -> None:
        super().__init__("telemetry type is not supported")


class WorkerPolicy(enum.Enum):
    """How a component behaves under ``--workers N`` (docs/workers.md).

    ``PER_WORKER``: every worker runs its own instance (batch, queues, network receivers that
    share their port with SO_REUSEPORT). ``FIRST_WORKER``: only worker 0 runs it, the others
    leave it out (extensions only: health_check, zpages). ``SINGLE``: must not exist twice (a
    file written by one process, a locked database): a config using it is refused in workers mode.
    """

    PER_WORKER = "per_worker"
    FIRST_WORKER = "first_worker"
    SINGLE = "single"


class Processor(Component, Consumer, Protocol):
    """What a processor factory creates: a component that consumes and passes data on."""


class Exporter(Component, Consumer, Protocol):
    """What an exporter factory creates: a component that consumes data and sends it away."""


class Connector(Component, Consumer, Protocol):
    """What a connector factory creates: the exporter side of one pipeline, feeding others."""


#: ``create(settings, signal, config, next_consumer)``: one receiver serving ``signal``.
CreateReceiver = Callable[[Settings, Signal, Any, Consumer], Component]
#: ``create(settings, signal, config, next_consumer)``: one processor of ``signal`` in one pipeline.
CreateProcessor = Callable[[Settings, Signal, Any, Consumer], Processor]
#: ``create(settings, signal, config)``: one exporter of ``signal``.
CreateExporter = Callable[[Settings, Signal, Any], Exporter]
#: ``create(settings, source, target, config, next_consumer)``: consumes ``source`` data as an
#: exporter of one pipeline, emits ``target`` data into ``next_consumer`` (the receiver side).
CreateConnector = Callable[[Settings, Signal, Signal, Any, Consumer], Connector]
#: ``create(settings, config)``: one extension.
CreateExtension = Callable[[Settings, Any], Component]


@dataclass(frozen=True)
class _Base:
    type: str
    create_default_config: Callable[[], Any]
    deprecated_alias: str | None = field(default=None, kw_only=True)
    worker_policy: WorkerPolicy = field(default=WorkerPolicy.PER_WORKER, kw_only=True)

    @staticmethod
    def _from_meta(meta: ComponentMetadata) -> dict[str, Any]:
        return {"deprecated_alias": meta.deprecated_alias, "worker_policy": meta.worker_policy}


@dataclass(frozen=True)
class ReceiverFactory(_Base):
    create: CreateReceiver = field(kw_only=True)
    stability: Mapping[Signal, StabilityLevel] = field(kw_only=True)
    kind = Kind.RECEIVER

    @classmethod
    def from_metadata(
        cls, meta: ComponentMetadata, create_default_config: Callable[[], Any], *, create: CreateReceiver
    ) -> Self:
        """The factory described by the component's metadata.yaml (type, stability, alias, workers)."""
        return cls(
            meta.type, create_default_config, create=create, stability=meta.signal_stability(), **cls._from_meta(meta)
        )

    def create_for(self, signal: Signal, settings: Settings, cfg: Any, next_consumer: Consumer) -> Component:
        if signal not in self.stability:
            raise UnsupportedSignalError()
        return self.create(settings, signal, cfg, next_consumer)


@dataclass(frozen=True)
class ProcessorFactory(_Base):
    create: CreateProcessor = field(kw_only=True)
    stability: Mapping[Signal, StabilityLevel] = field(kw_only=True)
    kind = Kind.PROCESSOR

    @classmethod
    def from_metadata(
        cls, meta: ComponentMetadata, create_default_config: Callable[[], Any], *, create: CreateProcessor
    ) -> Self:
        """The factory described by the component's metadata.yaml (type, stability, alias, workers)."""
        return cls(
            meta.type, create_default_config, create=create, stability=meta.signal_stability(), **cls._from_meta(meta)
        )

    def create_for(self, signal: Signal, settings: Settings, cfg: Any, next_consumer: Consumer) -> Processor:
        if signal not in self.stability:
            raise UnsupportedSignalError()
        return self.create(settings, signal, cfg, next_consumer)


@dataclass(frozen=True)
class ExporterFactory(_Base):
    create: CreateExporter = field(kw_only=True)
    stability: Mapping[Signal, StabilityLevel] = field(kw_only=True)
    kind = Kind.EXPORTER

    @classmethod
    def from_metadata(
        cls, meta: ComponentMetadata, create_default_config: Callable[[], Any], *, create: CreateExporter
    ) -> Self:
        """The factory described by the component's metadata.yaml (type, stability, alias, workers)."""
        return cls(
            meta.type, create_default_config, create=create, stability=meta.signal_stability(), **cls._from_meta(meta)
        )

    def create_for(self, signal: Signal, settings: Settings, cfg: Any) -> Exporter:
        if signal not in self.stability:
            raise UnsupportedSignalError()
        return self.create(settings, signal, cfg)


@dataclass(frozen=True)
class ConnectorFactory(_Base):
    """A connector is created per (source, target) signal pair: ``source`` is the exporter side
    (what it consumes), ``target`` the receiver side (what ``next_consumer`` takes)."""

    create: CreateConnector = field(kw_only=True)
    stability: Mapping[tuple[Signal, Signal], StabilityLevel] = field(kw_only=True)
    kind = Kind.CONNECTOR

    @classmethod
    def from_metadata(
        cls, meta: ComponentMetadata, create_default_config: Callable[[], Any], *, create: CreateConnector
    ) -> Self:
        """The factory described by the component's metadata.yaml (type, stability, alias, workers)."""
        return cls(
            meta.type,
            create_default_config,
            create=create,
            stability=meta.connector_stability(),
            **cls._from_meta(meta),
        )

    def supports(self, source: Signal, target: Signal) -> bool:
        return (source, target) in self.stability

    def create_for(
        self, source: Signal, target: Signal, settings: Settings, cfg: Any, next_consumer: Consumer
    ) -> Connector:
        if not self.supports(source, target):
            raise UnsupportedSignalError()
        return self.create(settings, source, target, cfg, next_consumer)


@dataclass(frozen=True)
class ExtensionFactory(_Base):
    create: CreateExtension = field(kw_only=True)
    stability: StabilityLevel = field(kw_only=True)
    kind = Kind.EXTENSION

    @classmethod
    def from_metadata(
        cls, meta: ComponentMetadata, create_default_config: Callable[[], Any], *, create: CreateExtension
    ) -> Self:
        """The factory described by the component's metadata.yaml (type, stability, alias, workers)."""
        return cls(
            meta.type,
            create_default_config,
            create=create,
            stability=meta.extension_stability(),
            **cls._from_meta(meta),
        )


AnyFactory = ReceiverFactory | ProcessorFactory | ExporterFactory | ConnectorFactory | ExtensionFactory
