"""Factory of the ``service_graph`` connector (alias ``servicegraph``): traces → metrics (alpha)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ConnectorFactory
from pyotelcol.factories.metadata import load as load_metadata

from .config import Config
from .connector import ServiceGraphConnector

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(
    settings: Settings, source: Signal, target: Signal, cfg: Any, next_consumer: Consumer
) -> ServiceGraphConnector:
    return ServiceGraphConnector(settings, cfg, next_consumer)


def create_factory() -> ConnectorFactory:
    return ConnectorFactory.from_metadata(METADATA, Config, create=_create)
