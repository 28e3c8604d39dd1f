"""Factory of the ``span_metrics`` connector (alias ``spanmetrics``): traces → metrics (alpha)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ConnectorFactory
from pyotelcol.factories.metadata import load as load_metadata

from .config import Config
from .connector import SpanMetricsConnector

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(
    settings: Settings, source: Signal, target: Signal, cfg: Any, next_consumer: Consumer
) -> SpanMetricsConnector:
    return SpanMetricsConnector(settings, cfg, next_consumer)


def create_factory() -> ConnectorFactory:
    return ConnectorFactory.from_metadata(METADATA, Config, create=_create)
