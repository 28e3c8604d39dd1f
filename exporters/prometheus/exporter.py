"""The prometheus exporter: keeps the latest value of every series it receives and serves them
on ``GET /metrics`` (Go's prometheusexporter with promhttp's handler).

Scrapes render in a worker thread (the event loop keeps receiving). Other paths answer 404 as
Go's ServeMux does. The response is gzip-compressed when the scraper accepts it, as promhttp
does. Every ``metric_expiration`` a timer drops series (and remembered family types) that were
not updated for that long.
"""

from __future__ import annotations

import asyncio
import gzip
import logging

from aiohttp import web

from pyotelcol.component import Host, Settings
from pyotelcol.config.confighttp import HttpServer, ServerRequest, start_http_server
from pyotelcol.helpers.tasks import cancel_and_wait
from pyotelcol.pdata import AnyData, Metrics
from pyotelcol.translator.prometheus.from_otlp import ResourceLabeler
from pyotelcol.translator.prometheus.naming import LabelNamer, MetricNamer, NamingError, strategy_switches

from .accumulator import Accumulator
from .collector import Collector
from .config import Config
from .exposition import (
    OPENMETRICS_CONTENT_TYPE,
    PROTOBUF_CONTENT_TYPE,
    TEXT_CONTENT_TYPE,
    negotiate,
    render_openmetrics,
    render_protobuf,
    render_text,
)

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]

_THREAD_POINTS = 1000  # bigger requests are accumulated in a worker thread, off the event loop


class PrometheusExporter:
    def __init__(self, settings: Settings, cfg: Config) -> None:
        self._cfg = cfg
        self._logger: Logger = settings.telemetry.logger
        # Go's DisableAddMetricSuffixes gate (beta, on): add_metric_suffixes is ignored.
        strategy = strategy_switches(cfg.translation_strategy or "UnderscoreEscapingWithSuffixes", True)
        if not cfg.translation_strategy and not cfg.add_metric_suffixes:
            self._logger.warning(
                "add_metric_suffixes is deprecated and ignored (feature gate "
                "exporter.prometheusexporter.DisableAddMetricSuffixes); use translation_strategy instead"
            )
        label_namer = LabelNamer(strategy.utf8_allowed)
        namespace = ""
        if cfg.namespace:
            try:
                namespace = label_namer.build(cfg.namespace)
            except NamingError as exc:
                self._logger.error("failed to build namespace, ignoring", extra={"fields": {"error": str(exc)}})
        expiration = cfg.metric_expiration.total_seconds()
        self._labeler = ResourceLabeler(cfg.resource_to_telemetry_conversion, cfg.resource_constant_labels)
        self.accumulator = Accumulator(self._logger, expiration)
        self.collector = Collector(
            namespace=namespace,
            const_labels=dict(cfg.const_labels),
            send_timestamps=cfg.send_timestamps,
            without_scope_info=cfg.without_scope_info,
            metric_namer=MetricNamer(cfg.namespace, strategy.with_suffixes, strategy.utf8_allowed),
            label_namer=label_namer,
            expiration_s=expiration,
            logger=self._logger,
        )
        self._server: HttpServer | None = None
        self._cleanup: asyncio.Task[None] | None = None

    async def start(self, host: Host) -> None:
        self._server = await start_http_server(self._cfg, host, self._handle, logger=self._logger)
        period = self._cfg.metric_expiration.total_seconds()
        if period > 0:
            self._cleanup = asyncio.create_task(self._expire_every(period))

    async def shutdown(self) -> None:
        task, self._cleanup = self._cleanup, None
        await cancel_and_wait(task)
        server, self._server = self._server, None
        if server is not None:
            await server.stop()

    async def _expire_every(self, period: float) -> None:
        while True:
            await asyncio.sleep(period)
            self.accumulator.cleanup_expired()

    async def push(self, data: AnyData) -> None:
        assert isinstance(data, Metrics)
        if data.item_count() > _THREAD_POINTS:
            await asyncio.to_thread(self._accumulate, data)
        else:
            self._accumulate(data)

    def _accumulate(self, data: Metrics) -> None:
        extra_for = self._labeler.extra if self._labeler.active else None
        for rm in data.message.resource_metrics:
            self.accumulator.accumulate(rm, extra_for(rm.resource.attributes) if extra_for else [])

    # -- scrape -----------------------------------------------------------------------------------

    def _render(self, accept: str, accept_encoding: str) -> tuple[bytes, str, bool]:
        fmt, utf8 = negotiate(accept, self._cfg.enable_open_metrics)
        families = self.collector.families(self.accumulator.collect())
        if fmt == "openmetrics":
            body, content_type = render_openmetrics(families, utf8), OPENMETRICS_CONTENT_TYPE
        elif fmt == "protobuf":
            body, content_type = render_protobuf(families, utf8), PROTOBUF_CONTENT_TYPE
        else:
            body, content_type = render_text(families, utf8), TEXT_CONTENT_TYPE
        if utf8:
            content_type += "; escaping=allow-utf-8"
        else:
            content_type += "; escaping=underscores"
        gzipped = any(part.split(";")[0].strip() == "gzip" for part in accept_encoding.split(","))
        if gzipped:
            body = gzip.compress(body, compresslevel=1)
        return body, content_type, gzipped

    async def _handle(self, served: ServerRequest) -> web.StreamResponse:
        request = served.request
        if request.path != "/metrics":
            return web.Response(status=404, text="404 page not found\n")
        try:
            body, content_type, gzipped = await asyncio.to_thread(
                self._render, request.headers.get("Accept", ""), request.headers.get("Accept-Encoding", "")
            )
        except Exception as exc:  # a bug or odd data must not take the endpoint down: answer as promhttp does
            self._logger.error("error gathering metrics", exc_info=exc)
            return web.Response(status=500, text=f"An error has occurred while serving metrics:\n\n{exc}\n")
        response = web.Response(status=200, body=body)
        response.headers["Content-Type"] = content_type
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
        return response
