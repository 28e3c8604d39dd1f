"""The lifecycle contract every component follows, and what the service hands it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .ids import ID, Kind, PipelineID, Signal

if TYPE_CHECKING:
    from opentelemetry.metrics import Meter


@runtime_checkable
class Component(Protocol):
    """``start`` binds and spawns owned tasks; ``shutdown`` is idempotent and safe without start."""

    async def start(self, host: Host) -> None: ...

    async def shutdown(self) -> None: ...


class Host(Protocol):
    def get_extensions(self) -> Mapping[ID, Component]: ...

    def report_fatal_error(self, err: BaseException) -> None: ...

    def service_info(self) -> ServiceInfo: ...

    def report_status(self, settings: Settings, status: Status, err: BaseException | None = None) -> None: ...


@dataclass(frozen=True)
class BuildInfo:
    command: str = "pyotelcol"
    description: str = "pyotelcol: OpenTelemetry Collector in Python"
    version: str = "0.1.0"


class Status(Enum):
    NONE = "None"
    STARTING = "Starting"
    OK = "OK"
    RECOVERABLE_ERROR = "RecoverableError"
    PERMANENT_ERROR = "PermanentError"
    FATAL_ERROR = "FatalError"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


@dataclass
class TelemetrySettings:
    """Per-component logger and meter. The logger carries Go's ``otelcol.component.*`` fields."""

    logger: logging.Logger | logging.LoggerAdapter[logging.Logger]
    meter: Meter
    metrics_level: str = "normal"


@dataclass
class Settings:
    """What a factory's create function receives besides the config (and, for pipeline
    components, the signal, which is an argument of its own). ``signal`` and ``pipeline`` only
    say where the component sits, for its telemetry's labels; they are None for extensions."""

    id: ID
    kind: Kind
    telemetry: TelemetrySettings
    build_info: BuildInfo = field(default_factory=BuildInfo)
    signal: Signal | None = None
    pipeline: PipelineID | None = None


@dataclass(frozen=True)
class InstanceID:
    """Which running component an event is about: Go's componentstatus.InstanceID (a receiver
    shared by three pipelines is one instance with three pipeline ids)."""

    id: ID
    kind: Kind
    pipelines: frozenset[PipelineID] = frozenset()


@dataclass(frozen=True)
class StatusEvent:
    status: Status
    error: BaseException | None = None
    timestamp: float = 0.0


@runtime_checkable
class StatusWatcher(Protocol):
    """Extensions implementing this hear every component's status change, as Go's
    componentstatus.Watcher: Starting/OK or PermanentError around start, what components report
    themselves, Stopping/Stopped around shutdown. A watcher created later first hears each
    component's latest event so far (oldest first), then every new one."""

    def component_status_changed(self, source: InstanceID, event: StatusEvent) -> None: ...


@runtime_checkable
class PipelineWatcher(Protocol):
    """Extensions implementing this are told when every pipeline runs, and when they stop."""

    def ready(self) -> None: ...

    def not_ready(self) -> None: ...


@dataclass(frozen=True)
class PipelineInfo:
    receivers: tuple[ID, ...]
    processors: tuple[ID, ...]
    exporters: tuple[ID, ...]


@dataclass(frozen=True)
class ServiceInfo:
    """What the host tells extensions such as zpages about the running service."""

    build_info: BuildInfo
    pipelines: Mapping[PipelineID, PipelineInfo]
    extensions: tuple[ID, ...]
    start_time: float
    feature_gates: Mapping[str, bool] = field(default_factory=dict)


class ConfigRejected(Exception):
    """A proposed configuration failed to resolve, validate or start; the message is the one
    ``pyotelcol validate`` would print, and the running configuration is unchanged."""


@runtime_checkable
class Reconfigurable(Protocol):
    """A host that can swap its configuration at run time through the one reload path (SIGHUP,
    ``--watch-config``, OpAMP remote config, the admin endpoint all use it). Extensions check
    ``isinstance(host, Reconfigurable)``: an embedded or test host may not offer it."""

    async def apply_config(self, config_yaml: bytes, origin: str) -> None:
        """Resolve and validate ``config_yaml`` completely, then swap to it keeping unchanged
        components running; raise ConfigRejected (nothing changed) when it is bad. ``origin``
        names who asked (``"opamp"``, ``"sighup"``, ...) for the logs."""
        ...

    def effective_config(self) -> Mapping[str, object]:
        """The configuration in effect, as resolved (secrets are the caller's to redact)."""
        ...
