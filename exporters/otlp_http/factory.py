"""Factory of the ``otlp_http`` exporter (stable for traces, metrics and logs; alias ``otlphttp``)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.factories import ExporterFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.helpers.exporterhelper import ExporterHelper

from .config import Config
from .exporter import HttpExporter

METADATA = load_metadata(__package__)
TYPE = METADATA.type
DEPRECATED_ALIAS = METADATA.deprecated_alias


def _create(settings: Settings, signal: Signal, cfg: Any) -> ExporterHelper:
    exporter = HttpExporter(settings, signal, cfg)  # raises for a signal without a URL, as Go's create does
    # No exporterhelper timeout: `timeout` is the HTTP client's (Go disables the sender's).
    return ExporterHelper(
        settings,
        signal,
        exporter.push,
        timeout=None,
        retry=cfg.retry_on_failure,
        queue=cfg.sending_queue,
        circuit_breaker=cfg.circuit_breaker,
        start=exporter.start,
        shutdown=exporter.shutdown,
    )


def create_factory() -> ExporterFactory:
    return ExporterFactory.from_metadata(METADATA, Config, create=_create)
