"""Factory of the ``statsd`` receiver (beta for metrics, as Go's)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ReceiverFactory
from pyotelcol.factories.metadata import load as load_metadata

from ._receiver import StatsdReceiver
from .config import Config

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> StatsdReceiver:
    return StatsdReceiver(settings, cfg, next_consumer)


def create_factory() -> ReceiverFactory:
    return ReceiverFactory.from_metadata(METADATA, Config, create=_create)
