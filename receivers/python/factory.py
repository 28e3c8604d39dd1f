"""The ``python`` receiver factory."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ReceiverFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.helpers.pyreceiver import FunctionReceiver
from pyotelcol.helpers.sharedcomponent import SharedComponents

from .config import Config

METADATA = load_metadata(__package__)
TYPE = METADATA.type

# One running function per config object, whatever the signals it emits.
_receivers: SharedComponents[FunctionReceiver] = SharedComponents()


def _create(settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> FunctionReceiver:
    receiver = _receivers.get_or_add(cfg, lambda: FunctionReceiver(settings, cfg.ensure_loaded(), cfg.config, cfg.name))
    receiver.register(signal, next_consumer)
    return receiver


def create_factory() -> ReceiverFactory:
    return ReceiverFactory.from_metadata(METADATA, Config, create=_create)
