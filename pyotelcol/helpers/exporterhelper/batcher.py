"""``sending_queue.batch``: one reader merges queued requests into batches (Go's queue batcher).

A batch closes when it reaches ``min_size`` (in the batch sizer's unit) or when
``flush_timeout`` has passed since its first request; with ``max_size``, a request that would
push it past that starts the next batch (a single larger request goes whole: Go would split
it). Up to ``num_consumers`` batches are sent at once, each under its own circuit-breaker permit.

OTLP requests merge by concatenating their wire bytes (the repeated ``resource_*`` field of
each message adds up). When the batch does not merge because a request's bytes do not parse,
each request is checked alone: those that fail are dropped as invalid data and the others are
merged and sent (not in Go, where a request cannot be malformed at this point).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Protocol

from ...pdata import AnyData, batching
from .circuit_breaker import CircuitBreaker, Permit
from .config import BatchConfig, QueueConfig
from .persistent_queue import PersistentQueue
from .queue import Entry, MemoryQueue


class BatchOwner(Protocol):
    """What the batcher needs from the queue sender."""

    queue: MemoryQueue | PersistentQueue

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]: ...

    def release(self, permit: Permit | None) -> None: ...

    async def dispatch(self, data: AnyData, entries: list[Entry], permit: Permit | None) -> None: ...

    async def drop_invalid(self, entries: list[Entry], cause: BaseException) -> None: ...

    async def abandon(self, entries: list[Entry]) -> None: ...


def merge(entries: list[Entry]) -> AnyData:
    """One request holding every request of ``entries``, in order (``pdata.batching.merge``:
    bytes nobody has parsed yet are parsed first, the joined bytes are not parsed again)."""
    return batching.merge([e.data for e in entries], sum(e.items for e in entries))


class Batcher:
    def __init__(
        self, batch: BatchConfig, queue_cfg: QueueConfig, owner: BatchOwner, breaker: CircuitBreaker | None
    ) -> None:
        self._batch = batch
        self._sizer = batch.effective_sizer(queue_cfg.sizer)
        self._flush = batch.flush_timeout.total_seconds()
        self._num_consumers = queue_cfg.num_consumers
        self._owner = owner
        self._breaker = breaker

    def _measure(self, entry: Entry) -> int:
        if self._sizer == "items":
            return entry.items
        return entry.nbytes or len(entry.data.to_wire())

    async def run(self) -> None:
        """The reader: form batches until the queue is closed and empty."""
        queue, batch = self._owner.queue, self._batch
        slots = asyncio.Semaphore(self._num_consumers)
        loop = asyncio.get_running_loop()
        carry: Entry | None = None
        group: list[Entry] = []
        try:
            while True:
                first = carry if carry is not None else await queue.get()
                carry = None
                if first is None:
                    return
                group, total = [first], self._measure(first)
                deadline = loop.time() + self._flush
                while total < batch.min_size:
                    left = deadline - loop.time()
                    if left <= 0:
                        break
                    nxt = await queue.get(timeout=left)
                    if nxt is None:
                        break
                    size = self._measure(nxt)
                    if batch.max_size and total + size > batch.max_size:
                        carry = nxt
                        break
                    group.append(nxt)
                    total += size
                await slots.acquire()
                self._owner.spawn(self._worker(group, slots))
                group = []
        except asyncio.CancelledError:
            # Drain deadline: what this reader holds is dropped (memory) or stays stored (persistent).
            held = group + ([carry] if carry is not None else [])
            if held:
                await self._owner.abandon(held)
            raise

    async def _worker(self, entries: list[Entry], slots: asyncio.Semaphore) -> None:
        try:
            permit = await self._breaker.acquire() if self._breaker is not None else None
        except asyncio.CancelledError:
            await self._owner.abandon(entries)
            slots.release()
            raise
        try:
            merged, entries = await self._merge(entries)
            if merged is None:
                self._owner.release(permit)
                return
            await self._owner.dispatch(merged, entries, permit)
        finally:
            slots.release()

    async def _merge(self, entries: list[Entry]) -> tuple[AnyData | None, list[Entry]]:
        """The batch's request and the entries in it. When the requests do not merge, those
        that fail on their own are dropped and the rest merged: one bad request must not take
        the others down. Without a single culprit (a bug, not bad data) nothing is sent."""
        try:
            return merge(entries), entries
        except Exception as err:
            good: list[Entry] = []
            bad: list[Entry] = []
            first: BaseException = err
            for entry in entries:
                try:
                    entry.data.check_wire(force=True)
                except Exception as exc:
                    if not bad:
                        first = exc
                    bad.append(entry)
                    continue
                good.append(entry)
            if not bad:
                bad, good = good, []
            await self._owner.drop_invalid(bad, first)
        try:
            return (merge(good) if good else None), good
        except Exception as err:
            await self._owner.drop_invalid(good, err)
            return None, []
