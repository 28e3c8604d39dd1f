"""Factory of the ``host_metrics`` receiver (beta for metrics; Go's development logs signal, host
entity events, is not offered)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ReceiverFactory
from pyotelcol.factories.metadata import load as load_metadata

from .config import Config
from .receiver import HostMetricsReceiver

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> HostMetricsReceiver:
    return HostMetricsReceiver(settings, cfg, next_consumer)


def create_factory() -> ReceiverFactory:
    return ReceiverFactory.from_metadata(METADATA, Config, create=_create)
