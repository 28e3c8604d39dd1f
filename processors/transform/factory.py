"""The ``transform`` processor factory."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ProcessorFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.helpers.processorhelper import Processor

from .config import Config, compile_groups
from .processor import TransformProcessor

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> Processor[Any]:
    # Compiled again with the component's logger (validate() compiled without one).
    groups = compile_groups(cfg, settings.telemetry.logger).get(signal, [])
    return Processor(settings, signal, next_consumer, TransformProcessor(groups), mutates_data=True)


def create_factory() -> ProcessorFactory:
    return ProcessorFactory.from_metadata(METADATA, Config, create=_create)
