"""The in-memory ``sending_queue`` and what both queue kinds share.

Size is counted in the configured sizer's unit (``requests``: 1 per request, ``items``: spans /
data points / log records, ``bytes``: the request's encoded size) and covers queued *and*
in-flight requests, as Go's memory queue does: room is made when a send finishes, not when a
consumer picks the request up. A request larger than the whole capacity is refused with
``element size too large``; an empty request under the ``items`` sizer is dropped silently.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable

from ... import client
from ...consumer import ConsumerError
from ...pdata import AnyData
from .errors import QUEUE_FULL, SIZE_TOO_LARGE


class Entry:
    """One queued request with its sizes (computed once), the client ``Info`` of the request that
    produced it (kept in memory only, as Go's queues keep the request's context) and, for
    ``wait_for_result``, a waiter."""

    __slots__ = ("data", "info", "items", "nbytes", "seq", "size", "waiter")

    def __init__(self, data: AnyData, items: int, nbytes: int, size: int, seq: int = -1) -> None:
        self.data = data
        self.items = items
        self.nbytes = nbytes
        self.size = size
        self.seq = seq
        self.waiter: asyncio.Future[None] | None = None
        self.info = client.from_context()


def make_entry(data: AnyData, sizer: str, items: int | None = None) -> Entry:
    """An entry sized for ``sizer``; ``items`` is the item count when already known."""
    if items is None:
        items = data.item_count()
    nbytes = len(data.to_wire()) if sizer == "bytes" else 0
    size = 1 if sizer == "requests" else items if sizer == "items" else nbytes
    return Entry(data, items, nbytes, size)


def _wake_all(waiters: deque[asyncio.Future[None]]) -> None:
    while waiters:
        fut = waiters.popleft()
        if not fut.done():
            fut.set_result(None)


class Waitlists:
    """Who waits on a queue: consumers for a request (``getters``), producers for room (``space``)."""

    __slots__ = ("getters", "space")

    def __init__(self) -> None:
        self.getters: deque[asyncio.Future[None]] = deque()
        self.space: deque[asyncio.Future[None]] = deque()

    def wake_getter(self) -> None:
        """Wake one consumer (the first still waiting)."""
        while self.getters:
            fut = self.getters.popleft()
            if not fut.done():
                fut.set_result(None)
                return

    def wake_producers(self) -> None:
        _wake_all(self.space)

    def wake_all(self) -> None:
        _wake_all(self.getters)
        _wake_all(self.space)


async def wait_future(fut: asyncio.Future[None], timeout: float | None) -> bool:
    """Wait for ``fut`` at most ``timeout`` seconds; True if it completed."""
    if timeout is None:
        await fut
        return True
    try:
        async with asyncio.timeout(max(timeout, 0.0)):
            await fut
        return True
    except TimeoutError:
        return False


class MemoryQueue:
    """A bounded FIFO of :class:`Entry`; ``get`` returns None once closed and empty."""

    persistent = False

    def __init__(self, capacity: int, block_on_overflow: bool) -> None:
        self.capacity = capacity
        self._block = block_on_overflow
        self._items: deque[Entry] = deque()
        self._used = 0
        self._closed = False
        self._waits = Waitlists()

    def size(self) -> int:
        return self._used

    @property
    def exhausted(self) -> bool:
        return self._closed and not self._items

    async def offer(self, entry: Entry) -> None:
        if entry.size > self.capacity:
            raise ConsumerError(SIZE_TOO_LARGE)
        while self._used + entry.size > self.capacity:
            if not self._block or self._closed:
                raise ConsumerError(QUEUE_FULL)
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waits.space.append(fut)
            try:
                await fut
            finally:
                if not fut.done():
                    fut.cancel()
        self._used += entry.size
        self._items.append(entry)
        self._waits.wake_getter()

    async def get(self, timeout: float | None = None) -> Entry | None:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not self._items:
            if self._closed:
                return None
            fut: asyncio.Future[None] = loop.create_future()
            self._waits.getters.append(fut)
            try:
                ok = await wait_future(fut, None if deadline is None else deadline - loop.time())
            finally:
                if not fut.done():
                    fut.cancel()
            if not ok and not self._items:
                return None
        entry = self._items.popleft()
        if self._items:
            self._waits.wake_getter()
        return entry

    def requeue(self, entries: list[Entry]) -> None:
        """Put entries taken by ``get`` back at the front (their size stays counted)."""
        self._items.extendleft(reversed(entries))
        self._waits.wake_getter()

    async def finish(self, entries: Iterable[Entry], keep: bool = False) -> None:
        """The sends of ``entries`` are over (sent, dropped or abandoned): free their room."""
        self._used -= sum(e.size for e in entries)
        if self._used < 0:
            self._used = 0
        self._waits.wake_producers()

    def close(self) -> None:
        """No more offers; consumers drain what is queued, then ``get`` returns None."""
        self._closed = True
        self._waits.wake_all()

    def take_all(self) -> list[Entry]:
        """Remove and return every queued entry (what a drain could not send)."""
        out = list(self._items)
        self._items.clear()
        return out

    async def stop(self) -> None:
        self.close()
