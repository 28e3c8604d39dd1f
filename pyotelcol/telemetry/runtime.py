"""The collector's own telemetry at run time: logger, MeterProvider, Prometheus endpoints.

Usage by the service::

    telemetry = Telemetry(cfg, build_info)          # sync: configures logging, builds the provider
    settings = telemetry.settings(component_id, Kind.RECEIVER, signal=Signal.TRACES)
    await telemetry.start()                         # binds the /metrics listeners
    ...
    await telemetry.shutdown()                      # closes them; logging stays usable

Metrics level ``none`` (or no pull reader) gives a no-op MeterProvider and binds nothing.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from opentelemetry.metrics import Meter, MeterProvider, NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider as SDKMeterProvider
from opentelemetry.sdk.resources import Resource

from ..component import ID, BuildInfo, Kind, PipelineID, Signal, TelemetrySettings
from .config import MetricsLevel, TelemetryConfig
from .logs import FieldsLogger, configure_logger
from .process import ProcessMetrics
from .prometheus import PrometheusServer, PullMetricReader
from .views import level_views, user_views

ROOT_LOGGER = "pyotelcol"
METER_NAME = "pyotelcol"


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
        configure_logger(self._root, config.logs, static)
        self.logger = FieldsLogger(self._root, {})
        self._component_logger = logging.getLogger(f"{logger_name}.component")

        for warning in config.deprecation_warnings():
            self.logger.warning(warning)
        if config.logs.processors:
            self.logger.warning("service::telemetry::logs::processors are not supported yet; own logs are not exported")
        if config.traces.processors:
            self.logger.info("service::telemetry::traces::processors are not supported yet; own spans are not recorded")

        # -- metrics ---------------------------------------------------------------------------
        self._readers: list[PullMetricReader] = []
        self._servers: list[PrometheusServer] = []
        for reader_cfg in config.effective_readers():
            opts = reader_cfg.prometheus_options()
            if opts is None:
                self.logger.warning(
                    "periodic metric readers are not supported yet; this reader is ignored "
                    "(exporting own metrics over OTLP is planned)"
                )
                continue
            if worker_id is not None:
                opts = dataclasses.replace(opts, host="127.0.0.1", port=0)
            self._readers.append(PullMetricReader(opts))

        self.meter_provider: MeterProvider
        if self.metrics_level is MetricsLevel.NONE or not self._readers:
            self.meter_provider = NoOpMeterProvider()
            self._sdk_provider: SDKMeterProvider | None = None
        else:
            warnings: list[str] = []
            views = level_views(self.metrics_level)
            if config.metrics.views:
                views = user_views(config.metrics.views, warnings) + views
            for text in warnings:
                self.logger.warning(text)
            self._sdk_provider = SDKMeterProvider(
                metric_readers=list(self._readers), resource=self.resource, views=views
            )
            self.meter_provider = self._sdk_provider
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
        if self._sdk_provider is not None:
            self._sdk_provider.shutdown()
        for handler in self._root.handlers:
            handler.flush()


__all__ = ["METER_NAME", "ROOT_LOGGER", "Telemetry", "build_resource"]
