"""Factory of the ``nop`` receiver (beta for traces, metrics and logs; alpha for profiles)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Host, Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ReceiverFactory
from pyotelcol.factories.metadata import load as load_metadata

from .config import Config

METADATA = load_metadata(__package__)
TYPE = METADATA.type


class NopReceiver:
    """Starts and stops without doing anything; never calls its next consumer."""

    __slots__ = ()

    async def start(self, host: Host) -> None:
        return None

    async def shutdown(self) -> None:
        return None


_INSTANCE = NopReceiver()


def _create(settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> NopReceiver:
    return _INSTANCE


def create_factory() -> ReceiverFactory:
    return ReceiverFactory.from_metadata(METADATA, Config, create=_create)
