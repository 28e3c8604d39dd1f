"""The service graph connector: pairs the spans it consumes into edges and hands the edge metrics
to the metrics pipelines every ``metrics_flush_interval`` (or after every batch when it is 0).

Three loops run as in Go: the flush, the store expiration (``store_expiration_loop``: unpaired
edges past ``store.ttl`` become virtual-node edges or are dropped) and the cache cleanup
(``cache_loop``: series idle for 15 minutes are forgotten).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable, Coroutine
from typing import Any

from pyotelcol.component import Host, Settings
from pyotelcol.consumer import Capabilities, Consumer
from pyotelcol.pdata import AnyData, Metrics, Traces

from .config import Config
from .graph import Counters, ServiceGraph

_CAPABILITIES = Capabilities(mutates_data=False)


class ServiceGraphConnector:
    def __init__(self, settings: Settings, cfg: Config, next_consumer: Consumer) -> None:
        self._logger = settings.telemetry.logger
        counters = Counters(
            settings.telemetry.meter,
            {"otelcol.component.id": str(settings.id), "otelcol.component.kind": "connector"},
        )
        self.graph = ServiceGraph(cfg, counters)
        self._flush_interval = cfg.flush_interval().total_seconds()
        if cfg.metrics_flush_interval is not None and self._flush_interval <= 0:
            self._logger.warning(
                "MetricsFlushInterval is set to 0, metrics will be flushed on every received batch of traces"
            )
        self._expiration_interval = cfg.store_expiration_interval().total_seconds()
        self._cache_interval = cfg.cache_loop_interval().total_seconds()
        self._next = next_consumer
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = False

    @property
    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    async def consume(self, data: AnyData) -> None:
        if not isinstance(data, Traces) or self._stopped:
            return
        self.graph.aggregate(data.message)
        if self._flush_interval <= 0:
            await self._flush()

    async def start(self, host: Host) -> None:
        loop = asyncio.get_running_loop()
        loops: list[tuple[float, Callable[[], Coroutine[Any, Any, None]]]] = [
            (self._expiration_interval, self._expire),
            (self._cache_interval, self._clean_cache),
        ]
        if self._flush_interval > 0:
            loops.append((self._flush_interval, self._flush))
        for interval, action in loops:
            self._tasks.append(loop.create_task(_every(interval, action), context=contextvars.Context()))
        self._logger.info("Started servicegraphconnector")

    async def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._logger.info("Shutting down servicegraphconnector")
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._tasks and self._flush_interval > 0:
            # Go drops what completed since the last tick; reporting it keeps those edges counted.
            await self._flush()
        self._tasks = []

    async def _expire(self) -> None:
        self.graph.expire()

    async def _clean_cache(self) -> None:
        self.graph.clean_cache()

    async def _flush(self) -> None:
        try:
            request = self.graph.build()
            if request is not None:
                await self._next.consume(Metrics(request))
        except Exception as exc:  # the next flush reports the cumulative values again
            self._logger.error("failed to flush metrics", extra={"fields": {"error": str(exc)}})


async def _every(interval: float, action: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``action`` every ``interval`` seconds, skipping missed ticks as Go's ticker does."""
    loop = asyncio.get_running_loop()
    deadline = loop.time()
    while True:
        deadline += interval
        delay = deadline - loop.time()
        if delay < 0:
            deadline, delay = loop.time(), 0.0
        await asyncio.sleep(delay)
        await action()
