"""The ``python`` connector factory: every pair of signals."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ConnectorFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.helpers.pyconnector import FunctionConnector
from pyotelcol.helpers.pyfunction import FunctionCall

from .config import Config

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(settings: Settings, source: Signal, target: Signal, cfg: Any, next_consumer: Consumer) -> FunctionConnector:
    return FunctionConnector(settings, target, FunctionCall.of(cfg), cfg.error_mode, next_consumer)


def create_factory() -> ConnectorFactory:
    return ConnectorFactory.from_metadata(METADATA, Config, create=_create)
