"""Factory of the ``otlp_grpc`` exporter (stable for traces, metrics and logs; alias ``otlp``)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, StabilityLevel
from pyotelcol.factories import ExporterFactory, all_signals
from pyotelcol.helpers.exporterhelper import ExporterHelper

from .config import Config
from .exporter import GrpcExporter

TYPE = "otlp_grpc"
DEPRECATED_ALIAS = "otlp"


def _create(settings: Settings, cfg: Any) -> ExporterHelper:
    exporter = GrpcExporter(settings, cfg)
    return ExporterHelper(
        settings,
        exporter.push,
        timeout=cfg.timeout,
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
