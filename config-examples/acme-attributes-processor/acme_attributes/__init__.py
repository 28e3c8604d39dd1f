"""``acme_attributes``: a pyotelcol processor that sets one resource attribute on all data.

The smallest complete third-party component: a config dataclass, the processor, and
``create_factory()``, which a distribution built by ``builder`` imports by name (see README.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyotelcol.component import Host, Settings, Signal, StabilityLevel
from pyotelcol.consumer import Capabilities, Consumer
from pyotelcol.factories import ProcessorFactory, all_signals
from pyotelcol.pdata import AnyData

TYPE = "acme_attributes"


@dataclass
class Config:
    """The YAML section, decoded strictly: an unknown key is an error naming this processor."""

    key: str = "acme.team"
    value: str = ""

    def validate(self) -> None:  # the collector prefixes the message with "processors::<id>: "
        if not self.key:
            raise ValueError("'key' must not be empty")


class AttributesProcessor:
    # We change the data: the pipeline hands us our own copy when others share it.
    capabilities = Capabilities(mutates_data=True)

    def __init__(self, cfg: Config, next_consumer: Consumer) -> None:
        self._key, self._value, self._next = cfg.key, cfg.value, next_consumer

    async def start(self, host: Host) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def consume(self, data: AnyData) -> None:
        # One step per resource, not per span or data point: the attribute goes on the resource.
        # Writing through the views makes the pipeline serialize the change (and would raise
        # if the data were shared read-only, which capabilities above rule out).
        for resource in data.resources():
            resource.attributes.put_str(self._key, self._value)
        await self._next.consume(data)


def _create(settings: Settings, signal: Signal, cfg: Config, next_consumer: Consumer) -> AttributesProcessor:
    return AttributesProcessor(cfg, next_consumer)


def create_factory() -> ProcessorFactory:
    return ProcessorFactory(TYPE, Config, create=_create, stability=all_signals(StabilityLevel.ALPHA))
