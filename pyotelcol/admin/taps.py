"""Live taps: what passes a point of the pipeline graph, copied to whoever is watching.

Points are where the graph hands data on: out of a receiver, out of each processor of a
pipeline, into each exporter of a pipeline. When the admin endpoint is on, the graph puts a
``TapPoint`` consumer at each of them; it counts the items that pass (the status page's
throughput) and, only while a tap matches it, offers a copy of the request to that tap.

Tapping must not slow the pipeline: a point with no matching tap costs one counter add and one
extra call per request; a matching tap takes at most ``max_per_second`` requests per second, and
only while its small queue has room (the rest are counted as skipped, never waited for). The copy
is the request's wire bytes, which a pass-through already has; making the JSON is the costly part
(~17 ms for 512 spans), so the tap's side spends at most ``TAP_CPU_BUDGET`` of a core on it and
otherwise lets its queue stay full.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..component import PipelineID, Signal
from ..consumer import Capabilities, Consumer
from ..pdata import AnyData


@dataclass(frozen=True)
class Point:
    """``pipeline`` is None for a receiver's output (it feeds every pipeline listing it)."""

    component: str  # "receivers/otlp", "processors/batch", "exporters/debug"
    signal: Signal
    pipeline: PipelineID | None = None

    def label(self) -> str:
        where = f" in {self.pipeline}" if self.pipeline is not None else ""
        return f"{self.component} ({self.signal.value}){where}"


@dataclass
class PointStats:
    requests: int = 0
    items: int = 0


@dataclass
class Tap:
    """One watcher: which points it wants, and the copies waiting for it."""

    pipeline: str | None = None
    component: str | None = None
    signal: Signal | None = None
    max_per_second: float = 20.0
    queue_size: int = 4
    queue: asyncio.Queue[tuple[Point, Signal, bytes, int]] = field(init=False)
    skipped: int = 0
    _window_start: float = 0.0
    _window_count: int = 0

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.queue_size)

    def matches(self, point: Point) -> bool:
        if self.signal is not None and point.signal is not self.signal:
            return False
        if self.component is not None and point.component != self.component:
            return False
        return self.pipeline is None or (point.pipeline is not None and str(point.pipeline) == self.pipeline)

    def offer(self, point: Point, data: AnyData, items: int) -> None:
        now = time.monotonic()
        if now - self._window_start >= 1.0:
            self._window_start, self._window_count = now, 0
        if self._window_count >= self.max_per_second or self.queue.full():
            self.skipped += 1
            return
        self._window_count += 1
        self.queue.put_nowait((point, point.signal, data.to_wire(), items))


class TapHub:
    """Every point of the running graph, their counters, and the open taps."""

    def __init__(self) -> None:
        self.points: dict[Point, PointStats] = {}
        self.taps: list[Tap] = []
        self._started = time.monotonic()

    def point(self, point: Point, inner: Consumer) -> TapPoint:
        stats = self.points.setdefault(point, PointStats())
        return TapPoint(inner, point, stats, self)

    def open(self, tap: Tap) -> Tap:
        self.taps.append(tap)
        return tap

    def close(self, tap: Tap) -> None:
        if tap in self.taps:
            self.taps.remove(tap)

    def matching(self, point: Point) -> Iterator[Tap]:
        return (tap for tap in self.taps if tap.matches(point))

    def snapshot(self) -> list[tuple[Point, PointStats]]:
        return sorted(self.points.items(), key=lambda kv: (str(kv[0].pipeline or ""), kv[0].component))


class TapPoint:
    """A consumer in front of ``inner`` that counts what passes and feeds matching taps."""

    __slots__ = ("_hub", "inner", "point", "stats")

    def __init__(self, inner: Consumer, point: Point, stats: PointStats, hub: TapHub) -> None:
        self.inner = inner
        self.point = point
        self.stats = stats
        self._hub = hub

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    async def consume(self, data: AnyData) -> None:
        items = data.item_count()
        self.stats.requests += 1
        self.stats.items += items
        if self._hub.taps:
            for tap in self._hub.matching(self.point):
                tap.offer(self.point, data, items)
        await self.inner.consume(data)
