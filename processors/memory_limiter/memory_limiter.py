"""The memory limiter: refuses data while the process uses too much memory.

One ``MemoryLimiter`` exists per configured processor ID (the factory caches it per config
object): it samples memory usage every ``check_interval`` in one task, however many pipelines use
it. Each pipeline gets a ``MemoryLimiterProcessor``, a thin consumer with its own next consumer
that asks the shared limiter whether to refuse.

Usage above the soft limit (limit - spike) makes every ``consume`` raise the retryable
``data refused due to high memory usage`` (receivers answer UNAVAILABLE / 503). Above the soft
limit a garbage collection is forced at most every ``min_gc_interval_when_soft_limited``, above the
hard limit at most every ``min_gc_interval_when_hard_limited``; when collections stop reclaiming
memory (less than 5%) the interval doubles up to the ``max_gc_interval_*`` caps.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from typing import Any

from pyotelcol.component import Host, Settings, Signal, Status
from pyotelcol.consumer import Capabilities, Consumer, ConsumerError
from pyotelcol.helpers.processorhelper import ProcessorObs
from pyotelcol.helpers.sharedcomponent import SharedComponent
from pyotelcol.helpers.tasks import cancel_and_wait
from pyotelcol.pdata import AnyData

from .config import Config
from .memory import process_rss, total_memory

MIB = 1024 * 1024
ERR_DATA_REFUSED = "data refused due to high memory usage"
# A forced collection reclaiming less than this percentage of usage counts as ineffective.
_GC_EFFECTIVENESS_PERCENT = 5

_ITEM = {Signal.TRACES: "spans", Signal.METRICS: "metric_points", Signal.LOGS: "log_records"}
_UNIT = {Signal.TRACES: "{spans}", Signal.METRICS: "{datapoints}", Signal.LOGS: "{records}"}
_CAPS = Capabilities(mutates_data=False)

Reporter = Callable[[Status, BaseException | None], None]


class LimiterError(ValueError):
    """The limits cannot be computed (total memory unknown)."""


class MemoryLimiter(SharedComponent):
    """The shared limiter: limits, the check task, the refusal flag and the accepted/refused counters.

    ``usage_fn`` (bytes in use, default: process RSS), ``total_memory_fn``, ``gc_fn`` and ``clock``
    are injectable for tests.
    """

    def __init__(
        self,
        settings: Settings,
        cfg: Config,
        *,
        usage_fn: Callable[[], int] = process_rss,
        total_memory_fn: Callable[[], int] = total_memory,
        gc_fn: Callable[[], Any] = gc.collect,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.logger = settings.telemetry.logger
        self.usage_fn = usage_fn
        self.gc_fn = gc_fn
        self.clock = clock
        self.check_interval = cfg.check_interval.total_seconds()
        if cfg.limit_mib:
            hard = cfg.limit_mib * MIB
            spike = cfg.spike_limit_mib * MIB
        else:
            try:
                total = total_memory_fn()
            except Exception as exc:
                raise LimiterError(f"failed to get total memory, use fixed memory settings (limit_mib): {exc}") from exc
            self.logger.info(
                "Using percentage memory limiter",
                extra={
                    "fields": {
                        "total_memory_mib": total // MIB,
                        "limit_percentage": cfg.limit_percentage,
                        "spike_limit_percentage": cfg.spike_limit_percentage,
                    }
                },
            )
            hard = cfg.limit_percentage * total // 100
            spike = cfg.spike_limit_percentage * total // 100
        if spike == 0:
            spike = hard // 5  # unspecified spike: 20% of the limit
        self.hard_limit = hard
        self.soft_limit = hard - spike
        self.logger.info(
            "Memory limiter configured",
            extra={
                "fields": {
                    "limit_mib": hard // MIB,
                    "spike_limit_mib": spike // MIB,
                    "check_interval": str(cfg.check_interval),
                }
            },
        )

        self.min_gc_soft = cfg.min_gc_interval_when_soft_limited.total_seconds()
        self.min_gc_hard = cfg.min_gc_interval_when_hard_limited.total_seconds()
        self.max_gc_soft = cfg.max_gc_interval_when_soft_limited.total_seconds()
        self.max_gc_hard = cfg.max_gc_interval_when_hard_limited.total_seconds()
        self._cur_gc_soft = 0.0
        self._cur_gc_hard = 0.0
        self._last_gc = clock()
        self._last_usage = 0

        self.must_refuse = False
        self._running = 0
        self._task: asyncio.Task[None] | None = None
        self._reporters: list[Reporter] = []

        meter = settings.telemetry.meter
        self.attrs = {"processor": str(settings.id)}
        self.accepted = {
            sig: meter.create_counter(
                f"otelcol_processor_memory_limiter_accepted_{word}",
                unit=_UNIT[sig],
                description=f"Number of {word.replace('_', ' ')} successfully pushed into the next component "
                "in the pipeline.",
            )
            for sig, word in _ITEM.items()
        }
        self.refused = {
            sig: meter.create_counter(
                f"otelcol_processor_memory_limiter_refused_{word}",
                unit=_UNIT[sig],
                description=f"Number of {word.replace('_', ' ')} that were rejected by the next component "
                "in the pipeline.",
            )
            for sig, word in _ITEM.items()
        }

    # -- lifecycle (reference-counted over the pipelines that use this limiter) ----------------
    async def start(self, host: Host, reporter: Reporter | None = None) -> None:
        if reporter is not None:
            self._reporters.append(reporter)
        self._running += 1
        self._started = True
        if self._running == 1 and self.check_interval > 0:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def shutdown(self) -> None:
        if self._running == 0:
            return
        self._running -= 1
        if self._running > 0:
            return
        self._stopped = True
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.check_interval)
            try:
                self.check()
            except Exception as exc:  # never let a failed reading stop the checks
                self.logger.error("Memory check failed", extra={"fields": {"error": str(exc)}})

    # -- the check ------------------------------------------------------------------------------
    def _report(self, status: Status, err: BaseException | None) -> None:
        for report in self._reporters:
            report(status, err)

    def _fields(self, usage: int, **more: Any) -> dict[str, Any]:
        return {"fields": {"cur_mem_mib": usage // MIB, **more}}

    def _next_backoff(self, current: float, floor: float, cap: float) -> float:
        if cap == 0:
            return floor
        start = max(floor, self.check_interval * 0.95)
        return min(max(current, start) * 2, max(cap, floor))

    def _above_soft_with_backoff(self, usage: int, did_gc: bool) -> bool:
        above_soft = usage >= self.soft_limit
        effective = not above_soft or usage <= self._last_usage * (100 - _GC_EFFECTIVENESS_PERCENT) // 100
        self._last_usage = usage
        if effective:
            self._cur_gc_soft = self._cur_gc_hard = 0.0
            return above_soft
        if did_gc:
            self._cur_gc_soft = self._next_backoff(self._cur_gc_soft, self.min_gc_soft, self.max_gc_soft)
            self._cur_gc_hard = self._next_backoff(self._cur_gc_hard, self.min_gc_hard, self.max_gc_hard)
            self.logger.warning(
                "Forced GC did not reclaim enough memory. Will back off GC frequency to preserve CPU for recovery.",
                extra=self._fields(
                    usage, next_soft_gc_interval=f"{self._cur_gc_soft}s", next_hard_gc_interval=f"{self._cur_gc_hard}s"
                ),
            )
        return above_soft

    def _gc(self) -> int:
        self.gc_fn()
        self._last_gc = self.clock()
        usage = self.usage_fn()
        self.logger.info("Memory usage after GC.", extra=self._fields(usage))
        return usage

    def check(self) -> None:
        """One measurement: update the refusal flag, forcing a collection when allowed."""
        usage = self.usage_fn()
        self.logger.debug("Currently used memory.", extra=self._fields(usage))
        above_soft = self._above_soft_with_backoff(usage, False)
        if not above_soft:
            if self.must_refuse:
                self.logger.info(
                    "Memory usage back within limits. Resuming normal operation.", extra=self._fields(usage)
                )
                self._report(Status.OK, None)
            self.must_refuse = False
            return
        since_gc = self.clock() - self._last_gc
        if usage >= self.hard_limit:
            if since_gc > max(self.min_gc_hard, self._cur_gc_hard):
                self.logger.warning("Memory usage is above hard limit. Forcing a GC.", extra=self._fields(usage))
                usage = self._gc()
                above_soft = self._above_soft_with_backoff(usage, True)
        elif since_gc > max(self.min_gc_soft, self._cur_gc_soft):
            self.logger.info("Memory usage is above soft limit. Forcing a GC.", extra=self._fields(usage))
            usage = self._gc()
            above_soft = self._above_soft_with_backoff(usage, True)
        if above_soft and not self.must_refuse:
            self._report(Status.RECOVERABLE_ERROR, ConsumerError(ERR_DATA_REFUSED))
            self.logger.warning("Memory usage is above soft limit. Refusing data.", extra=self._fields(usage))
        elif not above_soft and self.must_refuse:
            self._report(Status.OK, None)
        self.must_refuse = above_soft


class MemoryLimiterProcessor:
    """One pipeline's memory_limiter: its own next consumer, the shared limiter's verdict."""

    def __init__(self, limiter: MemoryLimiter, settings: Settings, signal: Signal, next_consumer: Consumer) -> None:
        self.limiter = limiter
        self._settings = settings
        self._next = next_consumer
        self._accepted = limiter.accepted[signal]
        self._refused = limiter.refused[signal]
        self._attrs = limiter.attrs
        self._obs = ProcessorObs(settings, signal)
        self._started = False
        self._stopped = False

    @property
    def capabilities(self) -> Capabilities:
        return _CAPS

    async def start(self, host: Host) -> None:
        if self._started or self._stopped:
            return
        self._started = True
        await self.limiter.start(host, self._reporter(host))

    def _reporter(self, host: Host) -> Reporter | None:
        report = getattr(host, "report_status", None)
        if not callable(report):
            return None
        settings = self._settings

        def send(status: Status, err: BaseException | None) -> None:
            report(settings, status, err)

        return send

    async def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._started:
            await self.limiter.shutdown()

    async def consume(self, data: AnyData) -> None:
        count = data.item_count()
        if self.limiter.must_refuse:
            self._refused.add(count, self._attrs)
            self._obs.record(count, 0)
            raise ConsumerError(ERR_DATA_REFUSED)
        self._accepted.add(count, self._attrs)
        self._obs.record(count, count)
        await self._next.consume(data)
