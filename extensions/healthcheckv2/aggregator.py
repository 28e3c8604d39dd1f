"""Component status aggregation (Go's contrib ``pkg/status`` Aggregator).

Every event is recorded under each pipeline of its source (extensions under the pseudo-pipeline
``extensions``), keyed ``<kind>:<id>``; each pipeline's status and the collector's overall
status are then derived from their children by priority:

- all children alike: that status (so OK and Stopped need every child to agree);
- otherwise FatalError > Starting > Stopping > (Stopped counts as Stopping) > the two error
  statuses, PermanentError before RecoverableError unless the priority is reversed
  (``include_recoverable_errors`` without ``include_permanent_errors``) > None.

An error aggregate carries the earliest matching child event (when the failure began); a
lifecycle aggregate the latest child event, or a synthetic one with the latest timestamp.
Subscribers (the gRPC Watch) get the latest status of their scope, older unread ones dropped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter

from pyotelcol.component import InstanceID, Kind, Status
from pyotelcol.helpers.componentstatus import ERRORS, ErrorPriority, aggregate_status, representative

SCOPE_ALL = ""
SCOPE_EXTENSIONS = "extensions"
_PIPELINE_PREFIX = "pipeline:"
__all__ = ["ErrorPriority"]  # re-exported: the extension's config picks the priority


@dataclass(frozen=True)
class Event:
    status: Status
    error: BaseException | None
    timestamp_ns: int


@dataclass
class AggregateStatus:
    event: Event
    components: dict[str, AggregateStatus] = field(default_factory=dict)

    def clone(self, verbose: bool) -> AggregateStatus:
        """A copy; children only when ``verbose`` (Go's Concise drops the subtree)."""
        children = {k: c.clone(verbose) for k, c in self.components.items()} if verbose else {}
        return AggregateStatus(self.event, children)


def scope_key(scope: str) -> str:
    return scope if scope in (SCOPE_ALL, SCOPE_EXTENSIONS) else _PIPELINE_PREFIX + scope


def aggregate_event(children: dict[str, AggregateStatus], priority: ErrorPriority) -> Event:
    status = aggregate_status({c.event.status for c in children.values()}, priority)
    last, matching = representative(
        (c.event for c in children.values()), status, attrgetter("status"), attrgetter("timestamp_ns")
    )
    if status in ERRORS:
        assert matching is not None
        return matching
    assert last is not None
    if last.status is status:
        return last
    return Event(status, None, last.timestamp_ns)


Subscriber = Callable[[AggregateStatus | None], None]


class Aggregator:
    def __init__(self, priority: ErrorPriority) -> None:
        self._priority = priority
        self._root = AggregateStatus(Event(Status.NONE, None, time.time_ns()))
        self._subscriptions: dict[str, list[Subscription]] = {}

    def aggregate_status(self, scope: str, verbose: bool) -> AggregateStatus | None:
        """The status of ``scope`` ("" overall, "extensions", or a pipeline id); None if unknown."""
        if scope == SCOPE_ALL:
            return self._root.clone(verbose)
        found = self._root.components.get(scope_key(scope))
        return found.clone(verbose) if found is not None else None

    def record_status(self, source: InstanceID, event: Event) -> None:
        if source.kind is Kind.EXTENSION:
            self._update(SCOPE_EXTENSIONS, source, event)
        else:
            for pipeline in sorted(source.pipelines, key=str):
                self._update(str(pipeline), source, event)
        self._root.event = aggregate_event(self._root.components, self._priority)
        self._notify(SCOPE_ALL, self._root)

    def _update(self, scope: str, source: InstanceID, event: Event) -> None:
        key = scope_key(scope)
        pipeline = self._root.components.get(key)
        if pipeline is None:
            pipeline = AggregateStatus(event)
            self._root.components[key] = pipeline
        pipeline.components[f"{str(source.kind).lower()}:{source.id}"] = AggregateStatus(event)
        pipeline.event = aggregate_event(pipeline.components, self._priority)
        self._notify(scope, pipeline)

    def subscribe(self, scope: str) -> Subscription:
        """Concise statuses of ``scope``, starting with the current one (None: not reported yet)."""
        key = scope_key(scope)
        sub = Subscription(self, key)
        self._subscriptions.setdefault(key, []).append(sub)
        current = self._root if scope == SCOPE_ALL else self._root.components.get(key)
        sub.offer(current.clone(False) if current is not None else None)
        return sub

    def close(self) -> None:
        """End every subscription (their ``next`` returns the end marker)."""
        for subs in self._subscriptions.values():
            for sub in subs:
                sub.close()
        self._subscriptions.clear()

    def _notify(self, scope: str, status: AggregateStatus) -> None:
        for sub in self._subscriptions.get(scope_key(scope), ()):
            sub.offer(status.clone(False))

    def _unsubscribe(self, sub: Subscription) -> None:
        subs = self._subscriptions.get(sub.key)
        if subs and sub in subs:
            subs.remove(sub)
            if not subs:
                del self._subscriptions[sub.key]


class Closed:
    """The end of a subscription: the aggregator was closed."""


class Subscription:
    """A one-slot mailbox: a new status replaces one not yet read (Go's buffered channel of 1)."""

    def __init__(self, aggregator: Aggregator, key: str) -> None:
        self._aggregator = aggregator
        self.key = key
        self._queue: asyncio.Queue[AggregateStatus | Closed | None] = asyncio.Queue(maxsize=1)

    def offer(self, status: AggregateStatus | Closed | None) -> None:
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(status)

    def close(self) -> None:
        self.offer(Closed())

    async def next(self) -> AggregateStatus | Closed | None:
        return await self._queue.get()

    def unsubscribe(self) -> None:
        self._aggregator._unsubscribe(self)
