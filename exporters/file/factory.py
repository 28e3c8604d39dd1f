"""Factory of the ``file`` exporter (alpha for traces, metrics and logs)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal, StabilityLevel
from pyotelcol.factories import ExporterFactory

from .config import Config
from .exporter import FileExporter, create

TYPE = "file"


def _create(settings: Settings, cfg: Any) -> FileExporter:
    return create(settings, cfg)


def create_factory() -> ExporterFactory:
    return ExporterFactory(
        TYPE,
        Config,
        create=_create,
        stability={
            Signal.TRACES: StabilityLevel.ALPHA,
            Signal.METRICS: StabilityLevel.ALPHA,
            Signal.LOGS: StabilityLevel.ALPHA,
        },
    )
