"""Factory of the ``file_log`` receiver (beta for logs)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ReceiverFactory
from pyotelcol.factories.metadata import load as load_metadata

from .config import Config
from .receiver import FileLogReceiver

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> FileLogReceiver:
    return FileLogReceiver(settings, cfg, next_consumer)


def create_factory() -> ReceiverFactory:
    return ReceiverFactory.from_metadata(METADATA, Config, create=_create)
