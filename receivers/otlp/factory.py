"""Factory of the ``otlp`` receiver (stable for traces, metrics and logs)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ReceiverFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.helpers.sharedcomponent import SharedComponents

from ._receiver import OTLPReceiver
from .config import Config

METADATA = load_metadata(__package__)
TYPE = METADATA.type

# One receiver (one gRPC and one HTTP server) per config object, whatever the signals.
_receivers: SharedComponents[OTLPReceiver] = SharedComponents()


def create_default_config() -> Config:
    return Config()


def _create(settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> OTLPReceiver:
    receiver = _receivers.get_or_add(cfg, lambda: OTLPReceiver(settings, cfg))
    receiver.register(signal, next_consumer)
    return receiver


def create_factory() -> ReceiverFactory:
    return ReceiverFactory.from_metadata(METADATA, create_default_config, create=_create)
