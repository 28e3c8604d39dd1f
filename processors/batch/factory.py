"""The batch processor factory."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ProcessorFactory
from pyotelcol.factories.metadata import load as load_metadata

from .batch_processor import BatchProcessor
from .config import Config

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> BatchProcessor:
    return BatchProcessor(settings, signal, cfg, next_consumer)


def create_factory() -> ProcessorFactory:
    return ProcessorFactory.from_metadata(METADATA, Config, create=_create)
