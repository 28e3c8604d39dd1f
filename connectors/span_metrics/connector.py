"""The span metrics connector: aggregates the spans it consumes and hands the metrics to the
metrics pipelines every ``metrics_flush_interval``."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import uuid

from pyotelcol.component import Host, Settings
from pyotelcol.consumer import Capabilities, Consumer
from pyotelcol.pdata import AnyData, Metrics, Traces

from .aggregator import Aggregator
from .config import Config
from .gates import GateStates

_CAPABILITIES = Capabilities(mutates_data=False)

#: Go uses the collector's own ``service.instance.id``; here one random id per process, shared
#: by every span metrics connector of it (each ``--workers`` worker is a writer of its own).
INSTANCE_ID = str(uuid.uuid4())


class SpanMetricsConnector:
    def __init__(self, settings: Settings, cfg: Config, next_consumer: Consumer) -> None:
        self._logger = settings.telemetry.logger
        if cfg.dimensions_cache_size != 0:
            self._logger.warning("DimensionsCacheSize is deprecated, please use AggregationCardinalityLimit instead.")
        self._aggregator = Aggregator(cfg, GateStates.current(), INSTANCE_ID)
        self._interval = cfg.metrics_flush_interval.total_seconds()
        self._next = next_consumer
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    @property
    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    async def consume(self, data: AnyData) -> None:
        if isinstance(data, Traces) and not self._stopped:
            self._aggregator.aggregate(data.message)

    async def start(self, host: Host) -> None:
        self._task = asyncio.get_running_loop().create_task(self._tick(), context=contextvars.Context())

    async def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
            # Go drops what was aggregated since the last tick; reporting it keeps the spans counted.
            await self._flush()

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time()
        while True:
            deadline += self._interval
            delay = deadline - loop.time()
            if delay < 0:  # a flush overran the interval: skip the missed ticks, as Go's ticker does
                deadline, delay = loop.time(), 0.0
            await asyncio.sleep(delay)
            await self._flush()

    async def _flush(self) -> None:
        try:
            request = self._aggregator.flush()
            if request is not None:
                await self._next.consume(Metrics(request))
        except Exception as exc:  # the interval's metrics are lost, as in Go; the next tick goes on
            self._logger.error("Failed ConsumeMetrics", extra={"fields": {"error": str(exc)}})
