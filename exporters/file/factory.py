"""Factory of the ``file`` exporter (alpha for traces, metrics and logs)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.factories import ExporterFactory
from pyotelcol.factories.metadata import load as load_metadata

from .config import Config
from .exporter import FileExporter, create

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(settings: Settings, signal: Signal, cfg: Any) -> FileExporter:
    return create(settings, signal, cfg)


def create_factory() -> ExporterFactory:
    return ExporterFactory.from_metadata(METADATA, Config, create=_create)
