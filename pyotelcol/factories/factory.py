"""Factories: how the core creates a component without knowing its concrete type.

A component package exposes ``create_factory()`` returning one of these. ``create_default_config``
returns the typed (dataclass) default onto which the YAML section is decoded. A signal (or a
connector signal pair) missing from ``stability`` is "not supported".
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

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


@dataclass(frozen=True)
class _Base:
    type: str
    create_default_config: Callable[[], Any]
    deprecated_alias: str | None = field(default=None, kw_only=True)
    worker_policy: WorkerPolicy = field(default=WorkerPolicy.PER_WORKER, kw_only=True)


@dataclass(frozen=True)
class ReceiverFactory(_Base):
    create: Callable[[Settings, Any, Consumer], Component] = field(kw_only=True)
    stability: Mapping[Signal, StabilityLevel] = field(kw_only=True)
    kind = Kind.RECEIVER

    @classmethod
    def from_metadata(cls, meta: ComponentMetadata, create_default_config: Callable[[], Any], *, create: Any) -> Self:
        """The factory described by the component's metadata.yaml (type, stability, alias, workers)."""
        return cls(
            meta.type,
            create_default_config,
            create=create,
            stability=meta.signal_stability(),
            deprecated_alias=meta.deprecated_alias,
            worker_policy=meta.worker_policy,
        )

    def create_for(self, signal: Signal, settings: Settings, cfg: Any, next_consumer: Consumer) -> Component:
        if signal not in self.stability:
            raise UnsupportedSignalError()
        return self.create(settings, cfg, next_consumer)


@dataclass(frozen=True)
class ProcessorFactory(_Base):
    create: Callable[[Settings, Any, Consumer], Any] = field(kw_only=True)
    stability: Mapping[Signal, StabilityLevel] = field(kw_only=True)
    kind = Kind.PROCESSOR

    @classmethod
    def from_metadata(cls, meta: ComponentMetadata, create_default_config: Callable[[], Any], *, create: Any) -> Self:
        """The factory described by the component's metadata.yaml (type, stability, alias, workers)."""
        return cls(
            meta.type,
            create_default_config,
            create=create,
            stability=meta.signal_stability(),
            deprecated_alias=meta.deprecated_alias,
            worker_policy=meta.worker_policy,
        )

    def create_for(self, signal: Signal, settings: Settings, cfg: Any, next_consumer: Consumer) -> Any:
        if signal not in self.stability:
            raise UnsupportedSignalError()
        return self.create(settings, cfg, next_consumer)


@dataclass(frozen=True)
class ExporterFactory(_Base):
    create: Callable[[Settings, Any], Any] = field(kw_only=True)
    stability: Mapping[Signal, StabilityLevel] = field(kw_only=True)
    kind = Kind.EXPORTER

    @classmethod
    def from_metadata(cls, meta: ComponentMetadata, create_default_config: Callable[[], Any], *, create: Any) -> Self:
        """The factory described by the component's metadata.yaml (type, stability, alias, workers)."""
        return cls(
            meta.type,
            create_default_config,
            create=create,
            stability=meta.signal_stability(),
            deprecated_alias=meta.deprecated_alias,
            worker_policy=meta.worker_policy,
        )

    def create_for(self, signal: Signal, settings: Settings, cfg: Any) -> Any:
        if signal not in self.stability:
            raise UnsupportedSignalError()
        return self.create(settings, cfg)


@dataclass(frozen=True)
class ConnectorFactory(_Base):
    """``create(settings, cfg, next)``: settings.signal is the exporter side, next is the router
    over the receiver-side pipelines; ``settings.extra["output_signal"]`` names that side."""

    create: Callable[[Settings, Any, Consumer], Any] = field(kw_only=True)
    stability: Mapping[tuple[Signal, Signal], StabilityLevel] = field(kw_only=True)
    kind = Kind.CONNECTOR

    @classmethod
    def from_metadata(cls, meta: ComponentMetadata, create_default_config: Callable[[], Any], *, create: Any) -> Self:
        """The factory described by the component's metadata.yaml (type, stability, alias, workers)."""
        return cls(
            meta.type,
            create_default_config,
            create=create,
            stability=meta.connector_stability(),
            deprecated_alias=meta.deprecated_alias,
            worker_policy=meta.worker_policy,
        )

    def supports(self, source: Signal, target: Signal) -> bool:
        return (source, target) in self.stability


@dataclass(frozen=True)
class ExtensionFactory(_Base):
    create: Callable[[Settings, Any], Component] = field(kw_only=True)
    stability: StabilityLevel = field(kw_only=True)
    kind = Kind.EXTENSION

    @classmethod
    def from_metadata(cls, meta: ComponentMetadata, create_default_config: Callable[[], Any], *, create: Any) -> Self:
        """The factory described by the component's metadata.yaml (type, stability, alias, workers)."""
        return cls(
            meta.type,
            create_default_config,
            create=create,
            stability=meta.extension_stability(),
            deprecated_alias=meta.deprecated_alias,
            worker_policy=meta.worker_policy,
        )


AnyFactory = ReceiverFactory | ProcessorFactory | ExporterFactory | ConnectorFactory | ExtensionFactory
