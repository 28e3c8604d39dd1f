"""Factory of the ``nop`` exporter (beta for traces, metrics and logs; alpha for profiles)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Host, Settings, Signal, StabilityLevel
from pyotelcol.consumer import Capabilities
from pyotelcol.factories import ExporterFactory
from pyotelcol.pdata import AnyData

from .config import Config

TYPE = "nop"
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


def _create(settings: Settings, cfg: Any) -> NopExporter:
    return _INSTANCE


def create_factory() -> ExporterFactory:
    return ExporterFactory(
        TYPE,
        Config,
        create=_create,
        stability={
            Signal.TRACES: StabilityLevel.BETA,
            Signal.METRICS: StabilityLevel.BETA,
            Signal.LOGS: StabilityLevel.BETA,
            Signal.PROFILES: StabilityLevel.ALPHA,
        },
    )
