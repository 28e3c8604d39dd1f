"""Factory of the ``debug`` exporter (alpha for traces, metrics and logs)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, StabilityLevel
from pyotelcol.factories import ExporterFactory, all_signals

from .config import Config
from .exporter import DebugExporter

TYPE = "debug"


def _create(settings: Settings, cfg: Any) -> DebugExporter:
    return DebugExporter(settings, cfg)


def create_factory() -> ExporterFactory:
    return ExporterFactory(
        TYPE,
        Config,
        create=_create,
        stability=all_signals(StabilityLevel.ALPHA),
    )
