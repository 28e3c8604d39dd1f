"""The healthcheckv2 extension (Go contrib internal/healthcheck HealthCheckExtension).

A StatusWatcher: the service hands it every component status event. Until the pipelines are
ready only Starting events are recorded and the others wait, so the aggregate does not flap
between Starting and OK while components start one by one; at ``ready()`` the waiting events
are recorded in order, and from then on each as it comes. The HTTP service runs in legacy mode
(``use_v2: false``) or when ``http`` is set; the gRPC service only with ``use_v2`` and ``grpc``.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from pyotelcol.component import Host, InstanceID, Settings, Status, StatusEvent

from .aggregator import Aggregator, ErrorPriority, Event
from .config import Config
from .grpc_service import GrpcService
from .http_service import HttpService


class _Service(Protocol):
    async def start(self, host: Host) -> None: ...

    async def shutdown(self) -> None: ...


class HealthCheckV2Extension:
    def __init__(self, settings: Settings, config: Config) -> None:
        self._logger = settings.telemetry.logger
        self._config = config
        health = config.component_health
        priority = ErrorPriority.PERMANENT
        if health is not None and health.include_recoverable_errors and not health.include_permanent_errors:
            priority = ErrorPriority.RECOVERABLE
        self.aggregator = Aggregator(priority)
        self._services: list[_Service] = []
        grpc_cfg, http_cfg = config.grpc.get(), config.http.get()
        if config.use_v2 and grpc_cfg is not None:
            self._services.append(GrpcService(grpc_cfg, health, self.aggregator, self._logger))
        if not config.use_v2 or http_cfg is not None:
            self._services.append(HttpService(config, self.aggregator, self._logger))
        self._ready = False
        self._closed = False
        self._waiting: list[tuple[InstanceID, Event]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- StatusWatcher / PipelineWatcher -------------------------------------------------------
    def component_status_changed(self, source: InstanceID, event: StatusEvent) -> None:
        loop = self._loop
        if loop is not None and not _on_loop(loop):  # a report from another thread
            loop.call_soon_threadsafe(self.component_status_changed, source, event)
            return
        if self._closed:
            self._logger.info(
                "discarding event received after shutdown",
                extra={"fields": {"source": str(source.id), "event": event.status.value}},
            )
            return
        recorded = Event(event.status, event.error, int(event.timestamp * 1e9))
        if not self._ready and event.status is not Status.STARTING:
            self._waiting.append((source, recorded))
            return
        self.aggregator.record_status(source, recorded)

    def ready(self) -> None:
        if self._ready:
            return
        self._ready = True
        waiting, self._waiting = self._waiting, []
        for source, event in waiting:
            self.aggregator.record_status(source, event)

    def not_ready(self) -> None:
        """Nothing to do: the Stopping events that follow say it."""

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self, host: Host) -> None:
        self._loop = asyncio.get_running_loop()
        self._logger.debug("Starting health check extension V2")
        started: list[_Service] = []
        for service in self._services:
            try:
                await service.start(host)
            except BaseException:
                for running in started:  # the service does not shut down what failed to start
                    await running.shutdown()
                raise
            started.append(service)

    async def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.aggregator.close()
        for service in self._services:
            await service.shutdown()


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
