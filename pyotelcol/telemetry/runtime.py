"""The collector's own telemetry at run time: logger, MeterProvider, Prometheus endpoints.

Usage by the service::

    telemetry = Telemetry(cfg, build_info)          # sync: configures logging, builds the provider
    settings = telemetry.settings(component_id, Kind.RECEIVER, signal=Signal.TRACES)
    await telemetry.start()                         # binds the /metrics listeners
    ...
    await telemetry.shutdown()                      # closes them; logging stays usable

Metrics level ``none`` (or no reader) gives a no-op MeterProvider and binds nothing. Push
exporters (``periodic`` metric readers, log and span ``processors``) run on the SDK's own threads
from construction on; :meth:`Telemetry.shutdown` flushes them (a last metrics export included).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

from opentelemetry.metrics import Meter, MeterProvider, NoOpMeterProvider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk.metrics import MeterProvider as SDKMeterProvider
from opentelemetry.sdk.metrics.export import MetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider as SDKTracerProvider
from opentelemetry.trace import NoOpTracerProvider, TracerProvider

from ..component import ID, BuildInfo, Kind, PipelineID, Signal, TelemetrySettings
from . import tracing
from .config import MetricsLevel, TelemetryConfig
from .logs import FieldsLogger, SamplingFilter, configure_logger
from .offered import OfferedLogs, OfferedMetrics, OfferedMetricsReader, OfferedTraces
from .otellogs import OTelLogHandler, SDKErrorHandler, build_logger_provider
from .process import ProcessMetrics
from .prometheus import PrometheusServer, PullMetricReader
from .push import periodic_reader
from .views import level_views, user_views

ROOT_LOGGER = "pyotelcol"
METER_NAME = "pyotelcol"
#: How long shutdown waits for the push exporters' last flush (an unreachable backend would
#: otherwise hold the exit for the exporters' whole retry budget).
PUSH_SHUTDOWN_BUDGET_S = 5.0
_SDK_LOGGER = "opentelemetry"


def build_resource(cfg: TelemetryConfig, build_info: BuildInfo, instance_id: str | None = None) -> Resource:
    """service.name/version/instance.id defaults, then the configured attributes; null removes."""
    spec = cfg.resource_spec()
    attrs: dict[str, Any] = {
        "service.name": build_info.command,
        "service.version": build_info.version,
        "service.instance.id": instance_id or str(uuid.uuid4()),
    }
    for key in spec.removed:
        attrs.pop(key, None)
    attrs.update(spec.attributes)
    return Resource(attrs, spec.schema_url)


class Telemetry:
    """Own logs and metrics of one service instance (recreated on reload)."""

    def __init__(
        self,
        config: TelemetryConfig,
        build_info: BuildInfo | None = None,
        *,
        logger_name: str = ROOT_LOGGER,
        instance_id: str | None = None,
        worker_id: int | None = None,
    ) -> None:
        """``worker_id`` (a ``--workers`` worker): every log line carries ``worker: <id>`` and
        every reader listens on an ephemeral loopback port instead of its configured endpoint;
        the supervisor scrapes those and serves the sum (docs/workers.md)."""
        config.validate()
        self.config = config
        self.build_info = build_info or BuildInfo()
        self.metrics_level: MetricsLevel = config.metrics_level()
        self.resource = build_resource(config, self.build_info, instance_id)

        # -- logs ------------------------------------------------------------------------------
        static: dict[str, Any] = dict(config.logs.initial_fields)
        if not config.logs.disable_zap_resource:
            static["resource"] = {k: self.resource.attributes[k] for k in sorted(self.resource.attributes)}
        if worker_id is not None:
            static["worker"] = worker_id
        self._root = logging.getLogger(logger_name)
        handlers = configure_logger(self._root, config.logs, static)
        # Own log records over OTLP: a handler next to the console ones, behind the same sampler.
        self.logger_provider: LoggerProvider | None = build_logger_provider(config.logs, self.resource)
        if self.logger_provider is not None:
            bridge = OTelLogHandler(
                self.logger_provider,
                self.build_info.version,
                config.logs.disable_caller,
                config.logs.disable_stacktrace,
            )
            for flt in handlers[0].filters if handlers else []:
                if isinstance(flt, SamplingFilter):
                    bridge.addFilter(flt)
            self._root.addHandler(bridge)
        self.logger = FieldsLogger(self._root, {})
        self._component_logger = logging.getLogger(f"{logger_name}.component")
        sampling = [f for f in (handlers[0].filters if handlers else []) if isinstance(f, SamplingFilter)]
        #: where an OpAMP server asked for the own log records
        self.offered_logs = OfferedLogs(self._root, self.resource, self.build_info.version, sampling, self.logger)

        for warning in config.deprecation_warnings():
            self.logger.warning(warning)

        # -- traces ----------------------------------------------------------------------------
        self._sdk_tracer_provider: SDKTracerProvider | None = tracing.build_tracer_provider(
            config.traces, self.resource
        )
        self.tracer_provider: TracerProvider = self._sdk_tracer_provider or NoOpTracerProvider()
        tracing.install(self._sdk_tracer_provider)
        #: where an OpAMP server asked for the own spans
        self.offered_traces = OfferedTraces(self._sdk_tracer_provider, self.resource, self.logger)

        # -- metrics ---------------------------------------------------------------------------
        self._readers: list[PullMetricReader] = []
        self._push_readers: list[MetricReader] = []
        self._servers: list[PrometheusServer] = []
        if self.metrics_level is not MetricsLevel.NONE:
            for reader_cfg in config.effective_readers():
                if reader_cfg.periodic is not None:
                    self._push_readers.append(periodic_reader(reader_cfg.periodic))
                    continue
                opts = reader_cfg.prometheus_options()
                if opts is None:
                    continue
                if worker_id is not None:
                    opts = dataclasses.replace(opts, host="127.0.0.1", port=0)
                self._readers.append(PullMetricReader(opts))

        self.meter_provider: MeterProvider
        #: where an OpAMP server asked for the own metrics (None: metrics are off, nothing to send)
        self.offered_metrics: OfferedMetrics | None = None
        if self.metrics_level is MetricsLevel.NONE or not (self._readers or self._push_readers):
            self.meter_provider = NoOpMeterProvider()
            self._sdk_provider: SDKMeterProvider | None = None
        else:
            warnings: list[str] = []
            views = level_views(self.metrics_level)
            if config.metrics.views:
                views = user_views(config.metrics.views, warnings) + views
            for text in warnings:
                self.logger.warning(text)
            # own metrics an OpAMP server asks for: snapshots of the pull reader, else of a reader
            # of their own (registered only then: every reader aggregates every measurement)
            offered_reader: OfferedMetricsReader | None = None
            if self._readers:
                snapshot = self._readers[0].scrape
            else:
                offered_reader = OfferedMetricsReader()
                snapshot = offered_reader.scrape
            self.offered_metrics = OfferedMetrics(snapshot, self.logger)
            self._sdk_provider = SDKMeterProvider(
                metric_readers=[*self._readers, *self._push_readers, *([offered_reader] if offered_reader else [])],
                resource=self.resource,
                views=views,
                shutdown_on_exit=False,
            )
            self.meter_provider = self._sdk_provider
        self._sdk_errors: SDKErrorHandler | None = None
        if self.logger_provider is not None or self._sdk_tracer_provider is not None or self._push_readers:
            self._sdk_errors = SDKErrorHandler(self._root)
            sdk_logger = logging.getLogger(_SDK_LOGGER)
            sdk_logger.addHandler(self._sdk_errors)
            sdk_logger.propagate = False
        self.meter: Meter = self.meter_provider.get_meter(METER_NAME, self.build_info.version)
        self._process: ProcessMetrics | None = None
        if self._sdk_provider is not None:
            self._process = ProcessMetrics(self.meter_provider.get_meter("pyotelcol.service"))
        self._started = False
        self._stopped = False

    # -- accessors -----------------------------------------------------------------------------
    def get_meter(self, name: str = METER_NAME) -> Meter:
        return self.meter if name == METER_NAME else self.meter_provider.get_meter(name)

    def get_logger(
        self,
        component_id: ID | str,
        kind: Kind | str,
        signal: Signal | str | None = None,
        pipeline: PipelineID | str | None = None,
        output_signal: Signal | str | None = None,
    ) -> FieldsLogger:
        """A logger carrying Go's ``otelcol.component.*`` / ``otelcol.signal`` / ``otelcol.pipeline.id`` fields."""
        fields: dict[str, Any] = {
            "otelcol.component.id": str(component_id),
            "otelcol.component.kind": str(kind).lower(),
        }
        if signal is not None:
            fields["otelcol.signal"] = str(signal)
        if pipeline is not None:
            fields["otelcol.pipeline.id"] = str(pipeline)
        if output_signal is not None:
            fields["otelcol.signal.output"] = str(output_signal)
        return FieldsLogger(self._component_logger, fields)

    def settings(
        self,
        component_id: ID | str,
        kind: Kind | str,
        signal: Signal | str | None = None,
        pipeline: PipelineID | str | None = None,
        output_signal: Signal | str | None = None,
    ) -> TelemetrySettings:
        """TelemetrySettings for one component: its logger, the shared meter, the level name."""
        return TelemetrySettings(
            self.get_logger(component_id, kind, signal, pipeline, output_signal),
            self.meter,
            str(self.metrics_level),
        )

    @property
    def endpoints(self) -> list[str]:
        """``host:port`` of every Prometheus listener that start() binds."""
        return [PrometheusServer(r, self.logger).endpoint for r in self._readers] if self._sdk_provider else []

    @property
    def bound_endpoints(self) -> list[str]:
        """``host:port`` actually bound by each started Prometheus listener, in reader order."""
        return [f"{s.reader.options.host}:{s.bound_port}" for s in self._servers]

    def resource_attributes(self) -> Mapping[str, Any]:
        return dict(self.resource.attributes)

    def metrics_text(self) -> str | None:
        """The self-metrics in the Prometheus text format, as the first pull reader serves
        them (the admin status page reads queue fill and failures here); None without one."""
        if not self._readers or self._sdk_provider is None:
            return None
        return self._readers[0].render()

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started or self._sdk_provider is None:
            self._started = True
            return
        self._started = True
        try:
            for reader in self._readers:
                server = PrometheusServer(reader, self.logger)
                await server.start()
                self._servers.append(server)
        except BaseException:
            await self._stop_servers()
            raise

    async def _stop_servers(self) -> None:
        servers, self._servers = self._servers, []
        for server in servers:
            await server.shutdown()

    async def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        await self._stop_servers()
        if self.offered_metrics is not None:
            await self.offered_metrics.stop()
        await self.offered_traces.stop()
        await self.offered_logs.stop()
        if tracing.current() is self._sdk_tracer_provider:
            tracing.install(None)
        # The SDK flushes synchronously (a last push of metrics, queued spans and log records):
        # on a daemon thread, off the event loop, waited for at most PUSH_SHUTDOWN_BUDGET_S.
        worker = threading.Thread(target=self._shutdown_sdk, name="telemetry-shutdown", daemon=True)
        worker.start()
        deadline = time.monotonic() + PUSH_SHUTDOWN_BUDGET_S
        while worker.is_alive() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if self._sdk_errors is not None:
            sdk_logger = logging.getLogger(_SDK_LOGGER)
            sdk_logger.removeHandler(self._sdk_errors)
            sdk_logger.propagate = True
        for handler in self._root.handlers:
            handler.flush()

    def _shutdown_sdk(self) -> None:
        if self._sdk_provider is not None:
            self._sdk_provider.shutdown(timeout_millis=PUSH_SHUTDOWN_BUDGET_S * 1000)
        if self._sdk_tracer_provider is not None:
            self._sdk_tracer_provider.shutdown()
        if self.logger_provider is not None:
            for handler in list(self._root.handlers):
                if isinstance(handler, OTelLogHandler):
                    self._root.removeHandler(handler)
            self.logger_provider.shutdown()


__all__ = ["METER_NAME", "ROOT_LOGGER", "Telemetry", "build_resource"]
