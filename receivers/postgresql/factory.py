"""Factory of the ``postgresql`` receiver (beta for metrics, as Go's)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ReceiverFactory
from pyotelcol.factories.metadata import load as load_metadata
from pyotelcol.helpers.scraperhelper import ScraperController

from .config import Config
from .scraper import PostgreSQLScraper

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _create(settings: Settings, signal: Signal, cfg: Any, next_consumer: Consumer) -> ScraperController:
    return ScraperController(settings, cfg, next_consumer, [(TYPE, PostgreSQLScraper(settings, cfg))])


def create_factory() -> ReceiverFactory:
    return ReceiverFactory.from_metadata(METADATA, Config, create=_create)
