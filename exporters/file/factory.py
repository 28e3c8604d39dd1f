"""Factory of the ``file`` exporter (alpha for traces, metrics and logs)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, StabilityLevel
from pyotelcol.factories import ExporterFactory, all_signals
from pyotelcol.factories.factory import WorkerPolicy

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
        stability=all_signals(StabilityLevel.ALPHA),
        worker_policy=WorkerPolicy.SINGLE,  # two processes appending to one file interleave
    )
