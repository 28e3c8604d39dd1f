"""Factory of the ``prometheus`` exporter (beta for metrics)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.factories import ExporterFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.helpers.exporterhelper import ExporterHelper

from .config import Config
from .exporter import PrometheusExporter

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(settings: Settings, signal: Signal, cfg: Any) -> ExporterHelper:
    if cfg.resource_constant_labels.is_empty() and not cfg.resource_to_telemetry_conversion.is_empty():
        settings.telemetry.logger.warning(
            "resource_to_telemetry_conversion is deprecated; use resource_constant_labels instead"
        )
    exporter = PrometheusExporter(settings, cfg)
    # Pull-based: no retry or timeout; the queue is off unless configured (Go's default).
    return ExporterHelper(
        settings,
        signal,
        exporter.push,
        timeout=None,
        retry=None,
        queue=cfg.sending_queue,
        start=exporter.start,
        shutdown=exporter.shutdown,
    )


def create_factory() -> ExporterFactory:
    return ExporterFactory.from_metadata(METADATA, Config, create=_create)
