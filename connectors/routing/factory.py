"""Factory of the ``routing`` connector: traces→traces, metrics→metrics, logs→logs (alpha)."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import PipelineID, Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.factories import ConnectorFactory
from pyotelcol.factories.metadata import load as load_metadata

from .config import Config, compile_table
from .connector import RoutingConnector

METADATA = load_metadata(__package__)
TYPE = METADATA.type


def _consumer_for(router: Any, pipelines: tuple[PipelineID, ...], cache: dict[Any, Consumer]) -> Consumer:
    """One consumer per distinct pipeline list, so that routes to the same pipelines share a
    request. ValueError in Go's words when a pipeline does not take the connector as receiver."""
    if pipelines not in cache:
        try:
            cache[pipelines] = router.consumer(*pipelines)
        except ValueError as exc:
            raise ValueError(f"pipeline not found: {exc}") from None
    return cache[pipelines]


def _create(settings: Settings, source: Signal, target: Signal, cfg: Any, next_consumer: Consumer) -> RoutingConnector:
    if not hasattr(next_consumer, "consumer"):
        raise ValueError("expected consumer to be a connector router")
    logger = settings.telemetry.logger
    routes, default_pipelines = compile_table(cfg, source, logger)
    cache: dict[Any, Consumer] = {}
    default = _consumer_for(next_consumer, default_pipelines, cache) if default_pipelines else None
    consumers = [_consumer_for(next_consumer, route.pipelines, cache) for route in routes]
    return RoutingConnector(routes, consumers, default, logger)


def create_factory() -> ConnectorFactory:
    return ConnectorFactory.from_metadata(METADATA, Config, create=_create)
