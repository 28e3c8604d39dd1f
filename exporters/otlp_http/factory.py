"""Factory of the ``otlp_http`` exporter (stable for traces, metrics and logs; alias ``otlphttp``)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, StabilityLevel
from pyotelcol.factories import ExporterFactory, all_signals
from pyotelcol.helpers.exporterhelper import ExporterHelper

from .config import Config
from .exporter import HttpExporter

TYPE = "otlp_http"
DEPRECATED_ALIAS = "otlphttp"


def _create(settings: Settings, cfg: Any) -> ExporterHelper:
    exporter = HttpExporter(settings, cfg)  # raises for a signal without a URL, as Go's create does
    # No exporterhelper timeout: `timeout` is the HTTP client's (Go disables the sender's).
    return ExporterHelper(
        settings,
        exporter.push,
        timeout=None,
        retry=cfg.retry_on_failure,
        queue=cfg.sending_queue,
        circuit_breaker=cfg.circuit_breaker,
        start=exporter.start,
        shutdown=exporter.shutdown,
    )


def create_factory() -> ExporterFactory:
    return ExporterFactory(
        TYPE,
        Config,
        create=_create,
        stability=all_signals(StabilityLevel.STABLE),
        deprecated_alias=DEPRECATED_ALIAS,
    )
