"""Factory of the ``nop`` exporter (beta for traces, metrics and logs; alpha for profiles)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Host, Settings, Signal
from pyotelcol.consumer import Capabilities
from pyotelcol.factories import ExporterFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.pdata import AnyData

from .config import Config

METADATA = load_metadata(__package__)
TYPE = METADATA.type
_CAPABILITIES = Capabilities(mutates_data=False)


class NopExporter:
    """Accepts and discards everything. Like Go's, it records no exporter metrics."""

    __slots__ = ()

    @property
    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    async def consume(self, data: AnyData) -> None:
        return None

    async def start(self, host: Host) -> None:
        return None

    async def shutdown(self) -> None:
        return None


_INSTANCE = NopExporter()


def _create(settings: Settings, signal: Signal, cfg: Any) -> NopExporter:
    return _INSTANCE


def create_factory() -> ExporterFactory:
    return ExporterFactory.from_metadata(METADATA, Config, create=_create)
