"""The batch processor factory."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, StabilityLevel
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ProcessorFactory, all_signals

from .batch_processor import BatchProcessor
from .config import Config

TYPE = "batch"


def _create(settings: Settings, cfg: Any, next_consumer: Consumer) -> BatchProcessor:
    return BatchProcessor(settings, cfg, next_consumer)


def create_factory() -> ProcessorFactory:
    return ProcessorFactory(
        TYPE,
        Config,
        create=_create,
        stability=all_signals(StabilityLevel.BETA),
    )
