"""Factory of the ``sdk`` receiver (pyotelcol only; development for traces, metrics and logs)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Host, Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.embed import bridge
from pyotelcol.factories import ReceiverFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.telemetry.obsreport import ReceiverObs

from .config import Config

METADATA = load_metadata(__package__)
TYPE = METADATA.type


class SdkReceiver:
    """Registers its pipelines' consumer with the process's embedding bridge while it runs;
    the SDK exporters of ``pyotelcol.embed`` hand the program's telemetry to it."""

    def __init__(self, settings: Settings, signal: Signal, next_consumer: Consumer) -> None:
        self._id = str(settings.id)
        self._signal = signal
        self._entry = bridge.Entry(next_consumer, ReceiverObs(settings, transport="sdk", format=None))
        self._logger = settings.telemetry.logger

    async def start(self, host: Host) -> None:
        bridge.register(self._id, self._signal, self._entry)
        if not bridge.embedded():
            self._logger.warning(
                "The sdk receiver only gets data in a collector embedded with pyotelcol.embed; "
                "in a standalone collector nothing feeds it"
            )

    async def shutdown(self) -> None:
        bridge.unregister(self._id, self._signal, self._entry)


def _create(settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> SdkReceiver:
    return SdkReceiver(settings, signal, next_consumer)


def create_factory() -> ReceiverFactory:
    return ReceiverFactory.from_metadata(METADATA, Config, create=_create)
