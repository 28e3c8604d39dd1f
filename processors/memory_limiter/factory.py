"""The memory_limiter processor factory: one shared limiter per config object (= per processor ID)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ProcessorFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.helpers.sharedcomponent import SharedComponents

from .config import Config
from .memory_limiter import MemoryLimiter, MemoryLimiterProcessor

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def create_factory() -> ProcessorFactory:
    limiters: SharedComponents[MemoryLimiter] = SharedComponents()

    def create(settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> MemoryLimiterProcessor:
        limiter = limiters.get_or_add(cfg, lambda: MemoryLimiter(settings, cfg))
        return MemoryLimiterProcessor(limiter, settings, signal, next_consumer)

    return ProcessorFactory.from_metadata(METADATA, Config, create=create)
