"""Factory of the ``count`` connector: traces, metrics, logs → metrics (alpha)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ConnectorFactory
from pyotelcol.factories.metadata import load as load_metadata

from .config import SECTIONS, Config, compile_section
from .connector import CountConnector

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(settings: Settings, source: Signal, target: Signal, cfg: Any, next_consumer: Consumer) -> CountConnector:
    logger = settings.telemetry.logger
    defs = {s.key: compile_section(cfg, s, logger) for s in SECTIONS if s.signal == source.value}
    return CountConnector(defs, next_consumer)


def create_factory() -> ConnectorFactory:
    return ConnectorFactory.from_metadata(METADATA, Config, create=_create)
