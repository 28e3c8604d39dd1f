"""Test doubles for component tests: a recording sink, a host with no extensions, settings."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from ..component import ID, BuildInfo, Component, Kind, ServiceInfo, Settings, Signal, Status, TelemetrySettings
from ..consumer import Capabilities, ConsumerError
from ..pdata import AnyData, any_value, key_value


class Sink:
    """A consumer that records what it receives; ``fail_with`` makes it refuse instead."""

    def __init__(self, mutates_data: bool = False) -> None:
        self.received: list[AnyData] = []
        self.fail_with: BaseException | None = None
        self._caps = Capabilities(mutates_data)

    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    async def consume(self, data: AnyData) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.received.append(data)

    def item_count(self) -> int:
        return sum(d.item_count() for d in self.received)


class NopHost:
    def __init__(self, extensions: Mapping[ID, Component] | None = None) -> None:
        self._extensions = dict(extensions or {})
        self.fatal: list[BaseException] = []
        self.statuses: list[tuple[str, Status]] = []

    def get_extensions(self) -> Mapping[ID, Component]:
        return self._extensions

    def report_fatal_error(self, err: BaseException) -> None:
        self.fatal.append(err)

    def report_status(self, settings: Settings, status: Status, err: BaseException | None = None) -> None:
        self.statuses.append((str(settings.id), status))

    def service_info(self) -> ServiceInfo:
        return ServiceInfo(BuildInfo(), {}, tuple(self._extensions), time.time())


def make_settings(
    component_id: str, kind: Kind, signal: Signal | None = None, reader: InMemoryMetricReader | None = None
) -> Settings:
    """Settings with a real SDK meter; pass an InMemoryMetricReader to read the metrics back."""
    provider = MeterProvider(metric_readers=[reader] if reader else [])
    meter = provider.get_meter("pyotelcol.test")
    logger = logging.getLogger(f"pyotelcol.test.{component_id}")
    return Settings(ID.parse(component_id), kind, TelemetrySettings(logger, meter), signal=signal)


def run_processor(factory: Any, raw_config: Mapping[str, Any], signal: Signal, *batches: AnyData) -> list[AnyData]:
    """Decode and validate ``raw_config`` as the processor's config, create the processor from
    ``factory`` in front of a Sink, start it, hand it ``batches`` one by one, shut it down, and
    return what reached the sink (Go's processortest)."""
    import asyncio

    from ..config.decode import decode

    default = factory.create_default_config()
    cfg = decode(type(default), dict(raw_config), default)
    validate = getattr(cfg, "validate", None)
    if callable(validate):
        validate()
    sink = Sink()
    settings = make_settings(factory.type, Kind.PROCESSOR, signal)
    processor = factory.create_for(signal, settings, cfg, sink)

    async def main() -> None:
        await processor.start(NopHost())
        for batch in batches:
            await processor.consume(batch)
        await processor.shutdown()

    asyncio.run(main())
    return list(sink.received)


def metric_values(reader: InMemoryMetricReader) -> dict[str, list[tuple[dict[str, Any], float]]]:
    """Flatten an InMemoryMetricReader's data to ``{name: [(attributes, value), ...]}``."""
    out: dict[str, list[tuple[dict[str, Any], float]]] = {}
    data = reader.get_metrics_data()
    if data is None:
        return out
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                for point in metric.data.data_points:
                    value = getattr(point, "value", None)
                    if value is None:
                        value = getattr(point, "sum", 0)
                    out.setdefault(metric.name, []).append((dict(point.attributes or {}), float(value or 0)))
    return out


__all__ = [
    "ConsumerError",
    "NopHost",
    "Sink",
    "any_value",
    "key_value",
    "make_settings",
    "metric_values",
    "run_processor",
]
