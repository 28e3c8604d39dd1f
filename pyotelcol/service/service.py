"""The running collector: extensions, pipeline graph, host, start and shutdown order.

Start: extensions (in ``service.extensions`` order), then pipeline components consumers-first
(exporters, processors from last to first, connectors, receivers last), then extensions hear
"ready". Shutdown: "not ready", receivers first down to exporters, extensions in reverse.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, Protocol

from ..component import (
    ID,
    BuildInfo,
    Component,
    InstanceID,
    Kind,
    PipelineID,
    PipelineInfo,
    PipelineWatcher,
    ServiceInfo,
    Settings,
    Signal,
    Status,
    StatusEvent,
    StatusWatcher,
    TelemetrySettings,
)
from ..factories import ExtensionFactory
from ..featuregate import Registry
from .config import Config
from .graph import Graph, Node, SettingsMaker, build_graph


class TelemetryProvider(Protocol):
    @property
    def metrics_level(self) -> object: ...

    def get_logger(
        self, component_id: ID, kind: Kind, signal: Signal | None = None, pipeline: PipelineID | None = None
    ) -> logging.Logger | logging.LoggerAdapter[logging.Logger]: ...

    def get_meter(self) -> Any: ...


class NopTelemetry:
    """Telemetry for commands that build components without running them (``validate``)."""

    metrics_level = "none"

    def get_logger(
        self, component_id: ID, kind: Kind, signal: Signal | None = None, pipeline: PipelineID | None = None
    ) -> logging.Logger:
        return logging.getLogger(f"pyotelcol.{kind}.{component_id}")

    def get_meter(self) -> Any:
        from opentelemetry.metrics import NoOpMeter

        return NoOpMeter("pyotelcol")


def settings_maker(telemetry: TelemetryProvider, build_info: BuildInfo) -> SettingsMaker:
    def make(comp_id: ID, kind: Kind, signal: Signal | None, pipeline: PipelineID | None) -> Settings:
        logger = telemetry.get_logger(comp_id, kind, signal, pipeline)
        tel = TelemetrySettings(logger, telemetry.get_meter(), str(telemetry.metrics_level))
        return Settings(comp_id, kind, tel, build_info, signal, pipeline)

    return make


def error_text(exc: BaseException) -> str:
    """An error as Go prints it: an OSError without Python's ``[Errno N]`` prefix, a file
    error as ``open <path>: <reason>`` (Go's *PathError)."""
    if isinstance(exc, OSError) and exc.strerror:
        reason = exc.strerror
        if exc.filename is not None:
            return f"open {exc.filename}: {reason[:1].lower()}{reason[1:]}"
        return reason
    return str(exc)


class StartError(Exception):
    """A component that could not be created or started; ``phase`` is Go's prefix for it."""

    def __init__(self, kind: Kind, message: str, phase: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        default = "failed to start extensions" if kind is Kind.EXTENSION else "cannot start pipelines"
        self.phase = phase or default


class Service:
    def __init__(
        self, cfg: Config, telemetry: TelemetryProvider, build_info: BuildInfo, gates: Registry, log: Any
    ) -> None:
        self.cfg = cfg
        self.telemetry = telemetry
        self.build_info = build_info
        self.gates = gates
        self.log = log
        self.fatal = asyncio.Event() if _has_loop() else None
        self.fatal_error: BaseException | None = None
        self._extensions: dict[ID, Component] = {}
        self._started: list[Any] = []
        self._start_time = time.time()
        self.statuses: dict[tuple[Kind, ID], Status] = {}
        self._status_log: list[tuple[InstanceID, StatusEvent]] = []
        self._watchers: list[StatusWatcher] = []
        self._settings = settings_maker(telemetry, build_info)
        self.graph: Graph = build_graph(cfg, self._settings, log)

    # -- Host ---------------------------------------------------------------------------------
    def get_extensions(self) -> Mapping[ID, Component]:
        return self._extensions

    def report_fatal_error(self, err: BaseException) -> None:
        self.log.error("Asynchronous error received, terminating process", extra={"fields": {"error": str(err)}})
        self.fatal_error = err
        if self.fatal is not None:
            self.fatal.set()

    def report_status(self, settings: Settings, status: Status, err: BaseException | None = None) -> None:
        """A component's own status report (e.g. memory_limiter refusing data)."""
        self._set_status(settings.id, settings.kind, status, err)
        fields = {
            "otelcol.component.id": str(settings.id),
            "otelcol.component.kind": str(settings.kind),
            "status": status.value,
        }
        if err is not None:
            fields["error"] = str(err)
        self.log.info("Component status changed", extra={"fields": fields})

    def _set_status(self, comp_id: ID, kind: Kind, status: Status, err: BaseException | None = None) -> None:
        self.statuses[(kind, comp_id)] = status
        source = InstanceID(comp_id, kind, self._pipelines_of(comp_id, kind))
        event = StatusEvent(status, err, time.time())
        self._status_log.append((source, event))
        for watcher in self._watchers:
            _notify(watcher, source, event, self.log)

    def _add_watcher(self, ext: Component) -> None:
        """Hand a new status watcher everything that happened so far, then every new event."""
        if isinstance(ext, StatusWatcher):
            for source, event in self._status_log:
                _notify(ext, source, event, self.log)
            self._watchers.append(ext)

    def _pipelines_of(self, comp_id: ID, kind: Kind) -> frozenset[PipelineID]:
        if kind is Kind.EXTENSION:
            return frozenset()
        found = set()
        for pid, pipe in self.cfg.pipelines.items():
            if (
                (kind in (Kind.RECEIVER, Kind.CONNECTOR) and comp_id in pipe.receivers)
                or (kind is Kind.PROCESSOR and comp_id in pipe.processors)
                or (kind in (Kind.EXPORTER, Kind.CONNECTOR) and comp_id in pipe.exporters)
            ):
                found.add(pid)
        return frozenset(found)

    def service_info(self) -> ServiceInfo:
        pipes = {
            pid: PipelineInfo(tuple(p.receivers), tuple(p.processors), tuple(p.exporters))
            for pid, p in self.cfg.pipelines.items()
        }
        gates = {g.id: g.enabled for g in self.gates.gates()}
        return ServiceInfo(self.build_info, pipes, tuple(self.cfg.extensions), self._start_time, gates)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        if self.fatal is None:
            self.fatal = asyncio.Event()
        self.log.info("Starting extensions...")
        for ext_id in self.cfg.extensions:
            comp = self.cfg.components[Kind.EXTENSION][ext_id]
            factory = comp.factory_as(ExtensionFactory)
            try:
                ext = factory.create(self._settings(ext_id, Kind.EXTENSION, None, None), comp.config)
            except Exception as exc:
                message = f'failed to create extension "{ext_id}": {error_text(exc)}'
                raise StartError(Kind.EXTENSION, message, "failed to build extensions") from exc
            self._add_watcher(ext)
            self.log.info("Extension is starting...", extra=_fields(ext_id, Kind.EXTENSION))
            await self._start_one(ext, ext_id, Kind.EXTENSION)
            self._extensions[ext_id] = ext
            self.log.info("Extension started.", extra=_fields(ext_id, Kind.EXTENSION))
        self.log.info("Starting pipelines...")
        seen: set[int] = set()
        for node in self.graph.start_order():
            if id(node.component) in seen:
                continue
            seen.add(id(node.component))
            await self._start_one(node.component, node.id, node.kind)
        for ext in self._extensions.values():
            if isinstance(ext, PipelineWatcher):
                ext.ready()
        self.log.info("Everything is ready. Begin running and processing data.")

    async def _start_one(self, comp: Any, comp_id: ID, kind: Kind) -> None:
        self._set_status(comp_id, kind, Status.STARTING)
        try:
            await comp.start(self)
        except Exception as exc:
            self._set_status(comp_id, kind, Status.PERMANENT_ERROR, exc)
            raise StartError(kind, f'failed to start "{comp_id}" {kind}: {error_text(exc)}') from exc
        self._started.append(comp)
        if self.statuses.get((kind, comp_id)) is Status.STARTING:  # a component may report its own
            self._set_status(comp_id, kind, Status.OK)

    async def shutdown(self) -> list[str]:
        """Stop everything, collecting errors instead of stopping at the first one."""
        errors: list[str] = []
        for ext in self._extensions.values():
            if isinstance(ext, PipelineWatcher):
                ext.not_ready()
        started = {id(c) for c in self._started}
        seen: set[int] = set()
        nodes: list[Node] = self.graph.shutdown_order()
        for node in nodes:
            comp = node.component
            if id(comp) in seen or id(comp) not in started:
                continue
            seen.add(id(comp))
            await self._stop_one(comp, node.id, node.kind, errors)
        self.log.info("Stopping extensions...")
        for ext_id, ext in reversed(list(self._extensions.items())):
            await self._stop_one(ext, ext_id, Kind.EXTENSION, errors)
        self._started.clear()
        return errors

    async def _stop_one(self, comp: Any, comp_id: ID, kind: Kind, errors: list[str]) -> None:
        self._set_status(comp_id, kind, Status.STOPPING)
        prefix = f'failed to shutdown "{comp_id}" {kind}'
        try:
            await comp.shutdown()
        except Exception as exc:
            self.log.exception(prefix)
            errors.append(f"{prefix}: {exc}")
            self._set_status(comp_id, kind, Status.PERMANENT_ERROR, exc)
            return
        self._set_status(comp_id, kind, Status.STOPPED)


def _notify(watcher: StatusWatcher, source: InstanceID, event: StatusEvent, log: logging.Logger) -> None:
    try:
        watcher.component_status_changed(source, event)
    except Exception:  # a watcher's bug must not stop the collector
        log.exception("status watcher failed")


def _fields(comp_id: ID, kind: Kind) -> dict[str, Any]:
    return {"fields": {"otelcol.component.id": str(comp_id), "otelcol.component.kind": str(kind)}}


def _has_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
