"""The persistent ``sending_queue`` (``sending_queue.storage``): requests survive a restart or a crash.

On-disk format, version 1, in the storage client the exporter gets for
``(exporter, <its id>, <signal>)`` (so the signal is implied by the client):

- ``q/<seq>``: the request's OTLP wire bytes, ``seq`` a decimal sequence number;
- ``q/meta``: compact JSON ``{"v": 1, "r": R, "w": W, "d": [...], "i": I, "b": B}`` where every
  stored request is either in ``d`` (taken by a consumer, send not finished) or has
  ``R <= seq < W`` (waiting); ``i``/``b`` are the stored items / bytes for the sizers.

Every change is one storage batch (one transaction) that writes the item(s) *and* the new meta:
enqueue = set ``q/<seq>`` + meta (done before ``consume`` returns), pick-up = get ``q/<seq>`` +
meta (the seq moves to ``d``), end of send (success or permanent failure/drop) = delete
``q/<seq>`` + meta. At start, requests listed in ``d`` are sent first (at-least-once: the previous
run may have delivered them, so they are logged and counted as possible duplicates), then the
waiting ones in order. Keys in ``[R, W)`` that are missing (a failed write) are skipped. At
shutdown the queue stops handing out requests; whatever is unsent stays stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Iterable
from typing import Any

from ...component import Signal
from ...consumer import ConsumerError
from ...extension.storage import Operation, StorageClient
from ...pdata import BY_SIGNAL, InvalidDataError
from .errors import QUEUE_FULL, SIZE_TOO_LARGE
from .queue import Entry, Waitlists, wait_future

FORMAT_VERSION = 1
META_KEY = "q/meta"


def item_key(seq: int) -> str:
    return f"q/{seq}"


class PersistentQueue:
    persistent = True

    def __init__(
        self,
        capacity: int,
        sizer: str,
        block_on_overflow: bool,
        signal: Signal,
        logger: logging.Logger | logging.LoggerAdapter[Any],
    ) -> None:
        self.capacity = capacity
        self._sizer = sizer
        self._block = block_on_overflow
        self._cls = BY_SIGNAL[signal]
        self._logger = logger
        self._client: StorageClient | None = None
        self._stopped = False
        self._w = 0  # next sequence number
        self._pending: deque[int] = deque()  # written, not yet picked up (ascending)
        self._writing: set[int] = set()  # enqueue transactions under way
        self._dispatched: set[int] = set()  # picked up, send not finished
        self._redo: deque[int] = deque()  # dispatched by a previous run: send again first
        self._ready: deque[Entry] = deque()  # picked up, put back (circuit open)
        self._count = 0
        self._items = 0
        self._bytes = 0
        self._waits = Waitlists()

    # -- state -------------------------------------------------------------------------------
    def size(self) -> int:
        if self._sizer == "items":
            return self._items
        if self._sizer == "bytes":
            return self._bytes
        return self._count

    @property
    def exhausted(self) -> bool:
        return self._stopped

    def _read_index(self) -> int:
        low = self._pending[0] if self._pending else self._w
        if self._writing:
            low = min(low, min(self._writing))
        return low

    def _meta(self) -> bytes:
        meta = {
            "v": FORMAT_VERSION,
            "r": self._read_index(),
            "w": self._w,
            "d": sorted(self._dispatched),
            "i": self._items,
            "b": self._bytes,
        }
        return json.dumps(meta, separators=(",", ":")).encode()

    async def open(self, client: StorageClient) -> int:
        """Load the stored state; return how many requests were being sent when the last run stopped."""
        raw = await client.get(META_KEY)
        if raw:
            meta = json.loads(raw)
            version = meta.get("v")
            if version != FORMAT_VERSION:
                raise RuntimeError(f"unsupported persistent queue format version {version!r}")
            read, write = int(meta["r"]), int(meta["w"])
            dispatched = sorted(int(s) for s in meta.get("d", []))
            self._w = write
            self._dispatched = set(dispatched)
            self._pending = deque(s for s in range(read, write) if s not in self._dispatched)
            self._redo = deque(dispatched)
            self._count = len(dispatched) + len(self._pending)
            self._items = int(meta.get("i", 0))
            self._bytes = int(meta.get("b", 0))
        self._client = client
        if self._count:
            self._logger.info(
                "Loaded the persistent queue",
                extra={"fields": {"stored_requests": self._count, "resent_requests": len(self._redo)}},
            )
        if self._redo:
            self._logger.warning(
                "Sending again the requests whose send had not finished when the exporter stopped; "
                "the destination may receive them twice",
                extra={"fields": {"requests": len(self._redo)}},
            )
        return len(self._redo)

    # -- producer ----------------------------------------------------------------------------
    async def offer(self, entry: Entry) -> None:
        client = self._client
        if client is None or self._stopped:
            raise ConsumerError("persistent queue is not started" if client is None else "sending queue is stopped")
        wire = entry.data.to_wire()
        entry.nbytes = len(wire)
        size = 1 if self._sizer == "requests" else entry.items if self._sizer == "items" else entry.nbytes
        entry.size = size
        if size > self.capacity:
            raise ConsumerError(SIZE_TOO_LARGE)
        while self.size() + size > self.capacity:
            if not self._block or self._stopped:
                raise ConsumerError(QUEUE_FULL)
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waits.space.append(fut)
            try:
                await fut
            finally:
                if not fut.done():
                    fut.cancel()
        seq = self._w
        self._w += 1
        self._writing.add(seq)
        self._count += 1
        self._items += entry.items
        self._bytes += entry.nbytes
        try:
            await client.batch([Operation(item_key(seq), wire), Operation(META_KEY, self._meta())])
        except Exception as err:
            self._count -= 1
            self._items -= entry.items
            self._bytes -= entry.nbytes
            raise ConsumerError(f"failed to write to the persistent queue: {err}") from err
        finally:
            self._writing.discard(seq)
        entry.seq = seq
        if self._pending and self._pending[-1] > seq:
            self._insert_sorted(seq)
        else:
            self._pending.append(seq)
        self._waits.wake_getter()

    def _insert_sorted(self, seq: int) -> None:
        items = sorted([*self._pending, seq])
        self._pending = deque(items)

    # -- consumers ---------------------------------------------------------------------------
    def _has_work(self) -> bool:
        return bool(self._ready or self._redo or self._pending)

    async def get(self, timeout: float | None = None) -> Entry | None:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            if self._stopped or self._client is None:
                return None
            if self._ready:
                return self._ready.popleft()
            if self._redo or self._pending:
                entry = await self._pick()
                if self._stopped:
                    return None  # picked during shutdown: it stays stored (listed in "d") for the next start
                if self._has_work():
                    self._waits.wake_getter()
                if entry is not None:
                    return entry
                continue
            fut: asyncio.Future[None] = loop.create_future()
            self._waits.getters.append(fut)
            try:
                ok = await wait_future(fut, None if deadline is None else deadline - loop.time())
            finally:
                if not fut.done():
                    fut.cancel()
            if not ok and not self._has_work():
                return None

    async def _pick(self) -> Entry | None:
        client = self._client
        assert client is not None
        if self._redo:
            seq = self._redo.popleft()
            try:
                raw = await client.get(item_key(seq))
            except Exception as err:
                self._logger.error(
                    "Failed to read a request from the persistent queue", extra={"fields": {"error": str(err)}}
                )
                return None
        else:
            seq = self._pending.popleft()
            self._dispatched.add(seq)
            try:
                values = await client.batch([Operation(item_key(seq)), Operation(META_KEY, self._meta())])
                raw = values[0]
            except Exception as err:
                self._logger.error(
                    "Failed to read a request from the persistent queue", extra={"fields": {"error": str(err)}}
                )
                return None
        if raw is None:  # a write that failed, or an item already deleted
            await self._forget([seq], 0, 0)
            return None
        try:
            data = self._cls.from_wire(raw)
        except InvalidDataError as err:
            self._logger.error(
                "Dropping a request of the persistent queue that cannot be decoded",
                extra={"fields": {"error": str(err)}},
            )
            await self._forget([seq], 0, len(raw))
            return None
        items = data.item_count()
        size = 1 if self._sizer == "requests" else items if self._sizer == "items" else len(raw)
        return Entry(data, items, len(raw), size, seq)

    def requeue(self, entries: list[Entry]) -> None:
        self._ready.extendleft(reversed(entries))
        self._waits.wake_getter()

    async def finish(self, entries: Iterable[Entry], keep: bool = False) -> None:
        """Sends over: delete the requests (``keep``: leave them stored for the next start)."""
        if keep:
            return
        entries = list(entries)
        await self._forget([e.seq for e in entries], sum(e.items for e in entries), sum(e.nbytes for e in entries))

    async def _forget(self, seqs: list[int], items: int, nbytes: int) -> None:
        for seq in seqs:
            self._dispatched.discard(seq)
        self._count = max(0, self._count - len(seqs))
        self._items = max(0, self._items - items)
        self._bytes = max(0, self._bytes - nbytes)
        if self._count == 0:
            self._items = self._bytes = 0
        client = self._client
        if client is not None:
            ops = [Operation(item_key(s), delete=True) for s in seqs]
            ops.append(Operation(META_KEY, self._meta()))
            try:
                await client.batch(ops)
            except Exception as err:
                self._logger.error("Error deleting item from queue", extra={"fields": {"error": str(err)}})
        self._waits.wake_producers()

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Stop handing out requests and refusing new ones; stored data stays."""
        self._stopped = True
        self._waits.wake_all()

    def take_all(self) -> list[Entry]:
        return []

    async def stop(self) -> None:
        self.close()
        client, self._client = self._client, None
        if client is not None:
            await client.close()
