"""Own telemetry sent where a management server says (OpAMP's ``ConnectionSettingsOffers``
``own_metrics``, ``own_traces``, ``own_logs``), over OTLP/HTTP, beside what ``service.telemetry``
configures. An empty destination stops sending.

- Metrics: :class:`OfferedMetrics` takes a snapshot when a destination is offered and then every
  interval, on a thread (the SDK's OTLP/HTTP exporter blocks), from the Prometheus pull reader
  (cumulative, collected only when asked). Without one, the SDK MeterProvider, which takes its
  readers when it is made, gets an :class:`OfferedMetricsReader` of its own.
- Logs: :class:`OfferedLogs` adds a handler copying the collector's log records (after the same
  sampling as the console) to a LoggerProvider exporting to the destination.
- Traces: :class:`OfferedTraces` gives the collector's tracer provider (one is made and installed
  when ``service.telemetry.traces`` configures none) a span processor exporting there; components
  pick the installed provider up at their next request (``tracing.TracerOf``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics.export import MetricExporter, MetricsData
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace import TracerProvider as SDKTracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from ..helpers.tasks import cancel_and_wait
from . import tracing
from .otellogs import OTelLogHandler
from .prometheus import SnapshotMetricReader

__all__ = ["DEFAULT_INTERVAL_S", "OfferedLogs", "OfferedMetrics", "OfferedMetricsReader", "OfferedTraces"]

Log = logging.Logger | logging.LoggerAdapter[logging.Logger]

DEFAULT_INTERVAL_S = 60.0  # Go's periodic reader default


class OfferedMetricsReader(SnapshotMetricReader):
    """The own metrics' reader for a configuration without a pull reader to take snapshots of.
    Every reader aggregates every measurement, so the runtime registers this one only then."""


class OfferedMetrics:
    """Sends snapshots of the own metrics (``source``: a pull reader's scrape) to the destination
    offered last: at once, then every interval."""

    def __init__(self, source: Callable[[], MetricsData | None], log: Log) -> None:
        self._source = source
        self._log = log
        self._exporter: MetricExporter | None = None
        self._task: asyncio.Task[None] | None = None
        self.destination = ""

    async def offer(self, endpoint: str, headers: Mapping[str, str], interval: float = DEFAULT_INTERVAL_S) -> None:
        """Send to ``endpoint`` (an OTLP/HTTP URL) from now on, with ``headers``; "" stops."""
        await self.stop()
        self.destination = endpoint
        if not endpoint:
            return
        self._exporter = OTLPMetricExporter(endpoint=endpoint, headers=dict(headers))
        self._task = asyncio.create_task(self._push(self._exporter, interval), name="offered-own-metrics")
        self._log.info(
            "Sending own metrics where the management server offered", extra={"fields": {"endpoint": endpoint}}
        )

    async def _push(self, exporter: MetricExporter, interval: float) -> None:
        while True:
            try:
                data = await asyncio.to_thread(self._source)
                if data is not None:
                    # blocking HTTP; the SDK logs a failed export itself
                    await asyncio.to_thread(exporter.export, data)
            except Exception as exc:
                self._log.warning("Own metrics not sent", extra={"fields": {"error": str(exc)}})
            await asyncio.sleep(interval)

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        exporter, self._exporter = self._exporter, None
        if exporter is not None:
            await asyncio.to_thread(exporter.shutdown)
        self.destination = ""


class OfferedLogs:
    """The collector's log records copied to the destination offered last."""

    def __init__(self, root: logging.Logger, resource: Resource, version: str, filters: list[Any], log: Log) -> None:
        self._root = root
        self._resource = resource
        self._version = version
        self._filters = filters  # the console's sampling, applied to the copies too
        self._log = log
        self._provider: LoggerProvider | None = None
        self._handler: OTelLogHandler | None = None
        self.destination = ""

    async def offer(self, endpoint: str, headers: Mapping[str, str]) -> None:
        await self.stop()
        self.destination = endpoint
        if not endpoint:
            return
        provider = LoggerProvider(resource=self._resource, shutdown_on_exit=False, meter_provider=NoOpMeterProvider())
        provider.add_log_record_processor(
            BatchLogRecordProcessor(OTLPLogExporter(endpoint=endpoint, headers=dict(headers)))
        )
        handler = OTelLogHandler(provider, self._version, disable_caller=False, disable_stacktrace=False)
        for flt in self._filters:
            handler.addFilter(flt)
        self._provider, self._handler = provider, handler
        self._root.addHandler(handler)
        self._log.info("Sending own logs where the management server offered", extra={"fields": {"endpoint": endpoint}})

    async def stop(self) -> None:
        handler, self._handler = self._handler, None
        if handler is not None:
            self._root.removeHandler(handler)
        provider, self._provider = self._provider, None
        if provider is not None:
            await asyncio.to_thread(provider.shutdown)
        self.destination = ""


class _Switch(SpanProcessor):
    """A span processor whose target can change (the SDK cannot remove a processor)."""

    def __init__(self) -> None:
        self.target: SpanProcessor | None = None

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        target = self.target
        if target is not None:
            target.on_start(span, parent_context=parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        target = self.target
        if target is not None:
            target.on_end(span)

    def shutdown(self) -> None:
        target, self.target = self.target, None
        if target is not None:
            target.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        target = self.target
        return True if target is None else target.force_flush(timeout_millis)


class OfferedTraces:
    """The collector's own spans also sent to the destination offered last."""

    def __init__(self, configured: SDKTracerProvider | None, resource: Resource, log: Log) -> None:
        self._configured = configured
        self._resource = resource
        self._log = log
        self._switch = _Switch()
        self._provider: SDKTracerProvider | None = None  # made here when none is configured
        if configured is not None:
            configured.add_span_processor(self._switch)
        self.destination = ""

    async def offer(self, endpoint: str, headers: Mapping[str, str]) -> None:
        await self.stop()
        self.destination = endpoint
        if not endpoint:
            return
        self._switch.target = BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, headers=dict(headers)))
        if self._configured is None:
            self._provider = SDKTracerProvider(resource=self._resource, shutdown_on_exit=False)
            self._provider.add_span_processor(self._switch)
            tracing.install(self._provider)
        self._log.info(
            "Sending own traces where the management server offered", extra={"fields": {"endpoint": endpoint}}
        )

    async def stop(self) -> None:
        provider, self._provider = self._provider, None
        if provider is not None and tracing.current() is provider:
            tracing.install(self._configured)
        target, self._switch.target = self._switch.target, None
        if target is not None:
            await asyncio.to_thread(target.shutdown)
        self.destination = ""
