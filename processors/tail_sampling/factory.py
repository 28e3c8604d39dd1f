"""The tail_sampling processor factory."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ProcessorFactory
from pyotelcol.factories.metadata import load as load_metadata

from .config import Config
from .processor import TailSamplingProcessor

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> TailSamplingProcessor:
    return TailSamplingProcessor(settings, cfg, next_consumer)


def create_factory() -> ProcessorFactory:
    return ProcessorFactory.from_metadata(METADATA, Config, create=_create)
