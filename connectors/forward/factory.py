"""Factory of the ``forward`` connector: traces→traces, metrics→metrics, logs→logs (beta)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Host, Settings, Signal
from pyotelcol.consumer import Capabilities, Consumer
from pyotelcol.factories import ConnectorFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.pdata import AnyData

from .config import Config

METADATA = load_metadata(__package__)
TYPE = METADATA.type
_CAPABILITIES = Capabilities(mutates_data=False)


class Forward:
    """Hands each request to the router over the receiver-side pipelines, unchanged."""

    __slots__ = ("_next",)

    def __init__(self, next_consumer: Consumer) -> None:
        self._next = next_consumer

    @property
    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    async def consume(self, data: AnyData) -> None:
        await self._next.consume(data)

    async def start(self, host: Host) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _create(settings: Settings, source: Signal, target: Signal, cfg: Any, next_consumer: Consumer) -> Forward:
    return Forward(next_consumer)


def create_factory() -> ConnectorFactory:
    return ConnectorFactory.from_metadata(METADATA, Config, create=_create)
