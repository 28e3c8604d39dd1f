"""Component health as Go's opamp extension reports it (contrib pkg/status aggregation).

Every status event is recorded per pipeline (``pipeline:<id>``; extensions under ``extensions``)
and per component (``<kind>:<id>``). A pipeline's and the collector's status are aggregated from
their children with permanent errors taking priority over recoverable ones; the reported event
is the newest child event with that status (the oldest, for errors) or a synthesized one.
Events other than Starting are held back until the pipelines are ready, so the status does not
flap while components start one after the other. A component stopped while the collector keeps
running (a reload retired it) leaves the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter

from pyotelcol.component import InstanceID, Kind, Status, StatusEvent
from pyotelcol.helpers.componentstatus import ERRORS, aggregate_status, representative

from . import opamp_pb2 as pb

EXTENSIONS_KEY = "extensions"


@dataclass
class Aggregate:
    event: StatusEvent
    children: dict[str, Aggregate] = field(default_factory=dict)


def _aggregate(children: dict[str, Aggregate]) -> StatusEvent:
    status = aggregate_status({c.event.status for c in children.values()})
    last, matching = representative(
        (c.event for c in children.values()), status, attrgetter("status"), attrgetter("timestamp")
    )
    assert last is not None
    if status in ERRORS and matching is not None:
        return matching
    if last.status is status:
        return last
    return StatusEvent(status, None, last.timestamp)


class HealthAggregator:
    def __init__(self) -> None:
        self.root = Aggregate(StatusEvent(Status.NONE))
        self._ready = False
        self._running = False
        self._queued: list[tuple[InstanceID, StatusEvent]] = []

    def record(self, source: InstanceID, event: StatusEvent) -> bool:
        """Record an event; False when it is held back until ``ready``."""
        if not self._ready and event.status is not Status.STARTING:
            self._queued.append((source, event))
            return False
        self._record(source, event)
        return True

    def ready(self) -> None:
        self._ready = True
        self._running = True
        queued, self._queued = self._queued, []
        for source, event in queued:
            self._record(source, event)

    def not_ready(self) -> None:
        self._running = False

    def _record(self, source: InstanceID, event: StatusEvent) -> None:
        if event.status is Status.STOPPED and self._running:
            # Stopped while the collector runs: a reload retired it, so it leaves the report
            # (Go recreates its service, and this aggregator, on every reload).
            self._forget(f"{source.kind}:{source.id}")
            return
        if source.kind is Kind.EXTENSION:
            keys = [EXTENSIONS_KEY]
        else:
            keys = sorted(f"pipeline:{pid}" for pid in source.pipelines)
        for key in keys:
            pipeline = self.root.children.setdefault(key, Aggregate(StatusEvent(Status.NONE)))
            pipeline.children[f"{source.kind}:{source.id}"] = Aggregate(event)
            pipeline.event = _aggregate(pipeline.children)
        if self.root.children:
            self.root.event = _aggregate(self.root.children)

    def _forget(self, component_key: str) -> None:
        for key in list(self.root.children):
            pipeline = self.root.children[key]
            pipeline.children.pop(component_key, None)
            if pipeline.children:
                pipeline.event = _aggregate(pipeline.children)
            else:
                del self.root.children[key]
        if self.root.children:
            self.root.event = _aggregate(self.root.children)

    def component_health(self) -> pb.ComponentHealth | None:
        """The collector's ComponentHealth, or None while nothing has a status yet."""
        if self.root.event.status is Status.NONE:
            return None
        return _to_health(self.root)


def _nanos(seconds: float) -> int:
    return max(0, int(seconds * 1_000_000_000))


def _to_health(agg: Aggregate) -> pb.ComponentHealth:
    ev = agg.event
    health = pb.ComponentHealth(
        healthy=ev.status is Status.OK,
        status=f"Status{ev.status.value}",
        status_time_unix_nano=_nanos(ev.timestamp),
    )
    if ev.error is not None:
        health.last_error = str(ev.error)
    for key, child in agg.children.items():
        health.component_health_map[key].CopyFrom(_to_health(child))
    return health


def with_start_time(health: pb.ComponentHealth) -> pb.ComponentHealth:
    """Go's setHealth: a healthy report starts at its status time, an unhealthy one has none."""
    health.start_time_unix_nano = health.status_time_unix_nano if health.healthy else 0
    return health
