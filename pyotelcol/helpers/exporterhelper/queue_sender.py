"""``sending_queue``: Go's queue sender, the first link of the chain when the queue is on.

``send`` enqueues and returns (or, with ``wait_for_result``, waits for the export); consumer
tasks take requests off the queue and send them down the rest of the chain, up to
``num_consumers`` at once (with ``batch``, one reader forms batches, see batcher.py). What a
send finally does with its requests:

- sent, or failed for good: the queue forgets them (persistent: deleted); a failure is logged
  ``Exporting failed. Dropping data.``;
- refused by an open circuit: put back at the front of the queue, uncounted;
- interrupted by shutdown: a persistent queue keeps them for the next start;
- still under way at the drain deadline: cancelled, counted as failed, dropped (memory) or kept
  (persistent).

Beyond Go, with a circuit breaker a consumer holds a permit before it takes a request, so an
open circuit leaves requests queued rather than failing them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine
from typing import Any

from ... import client as client_info
from ...component import ID, Host, Kind, Settings, Signal
from ...consumer import ConsumerError, PermanentError
from ...extension.storage import find_storage
from ...pdata import AnyData
from ...telemetry.obsreport import ExporterObs
from .batcher import Batcher
from .circuit_breaker import CircuitBreaker, Permit
from .config import QueueConfig
from .errors import CircuitOpenError, ExportError, ShutdownError
from .gauges import GaugeHandle, register_gauge, unregister_all
from .persistent_queue import PersistentQueue
from .queue import Entry, MemoryQueue, make_entry
from .sender import Request, Sender


class QueueSender:
    def __init__(
        self,
        settings: Settings,
        signal: Signal,
        cfg: QueueConfig,
        next_sender: Sender,
        *,
        obs: ExporterObs,
        breaker: CircuitBreaker | None,
        drain_timeout: float,
        failure_hint: str,
    ) -> None:
        self._settings = settings
        self._signal = signal
        self._cfg = cfg
        self._next = next_sender
        self._obs = obs
        self._breaker = breaker
        self._drain_timeout = drain_timeout
        self._failure_hint = failure_hint
        self._logger: logging.Logger | logging.LoggerAdapter[Any] = settings.telemetry.logger
        self.queue: MemoryQueue | PersistentQueue
        if cfg.storage:
            self.queue = PersistentQueue(cfg.queue_size, cfg.sizer, cfg.block_on_overflow, self._signal, self._logger)
        else:
            self.queue = MemoryQueue(cfg.queue_size, cfg.block_on_overflow)
        batch = cfg.batch.get()
        self._batcher = Batcher(batch, cfg, self, breaker) if batch is not None else None
        self.tasks: set[asyncio.Task[None]] = set()
        self._closed = asyncio.Event()
        self._stopping = False
        self._gauges: list[GaugeHandle] = []
        self._attrs = {"exporter": str(settings.id), "data_type": self._signal.value}

    # -- enqueue -----------------------------------------------------------------------------
    async def send(self, request: Request) -> None:
        cfg, queue = self._cfg, self.queue
        entry = make_entry(request.data, cfg.sizer, request.items)
        if cfg.sizer == "items" and entry.items == 0 and not queue.persistent:
            return  # Go's memory queue ignores empty requests under the items sizer
        if self._stopping:
            self._obs.record_enqueue_failed(entry.items)
            raise ConsumerError("sending queue is stopped")
        if cfg.wait_for_result:
            entry.waiter = asyncio.get_running_loop().create_future()
        try:
            await queue.offer(entry)
        except ConsumerError:
            self._obs.record_enqueue_failed(entry.items)
            raise
        if entry.waiter is not None:
            await entry.waiter

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self, host: Host) -> None:
        queue, cfg = self.queue, self._cfg
        if isinstance(queue, PersistentQueue):
            assert cfg.storage is not None
            storage = find_storage(host, ID.parse(cfg.storage))
            client = await storage.get_client(Kind.EXPORTER, self._settings.id, self._signal.value)
            try:
                resent = await queue.open(client)
            except BaseException:
                await client.close()
                raise
            if resent:
                counter = self._settings.telemetry.meter.create_counter(
                    "otelcol_exporter_queue_resent_requests",
                    unit="{request}",
                    description="Requests of the persistent queue sent again after a restart because their "
                    "previous send had not finished (the destination may have them twice).",
                )
                counter.add(resent, self._attrs)
        meter, attrs = self._settings.telemetry.meter, self._attrs
        self._gauges.append(
            register_gauge(
                meter,
                "otelcol_exporter_queue_size",
                "Current size of the retry queue (in batches).",
                "{batch}",
                lambda: [(queue.size(), attrs)],
            )
        )
        self._gauges.append(
            register_gauge(
                meter,
                "otelcol_exporter_queue_capacity",
                "Fixed capacity of the retry queue (in batches).",
                "{batch}",
                lambda: [(queue.capacity, attrs)],
            )
        )
        if self._batcher is not None:
            self.spawn(self._batcher.run())
        else:
            for _ in range(cfg.num_consumers):
                self.spawn(self._consumer())

    async def shutdown(self) -> None:
        """Refuse new requests, drain until the deadline, then cancel what is still sending.

        The deadline is the exporter's ``timeout`` (5 s without one; Go has none); when the
        circuit stays open past it, nothing could be sent and shutdown does not wait."""
        self._stopping = True
        queue = self.queue
        try:
            queue.close()
            self._closed.set()
            loop = asyncio.get_running_loop()
            drain = self._drain_timeout
            if self._breaker is not None and self._breaker.remaining() >= drain:
                drain = 0.0
            deadline = loop.time() + drain
            while True:
                live = {t for t in self.tasks if not t.done()}
                left = deadline - loop.time()
                if not live or left <= 0:
                    break
                await asyncio.wait(live, timeout=left)
            pending = {t for t in self.tasks if not t.done()}
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            leftovers = queue.take_all()
            if leftovers:
                await self.abandon(leftovers)
            await queue.stop()
        finally:
            unregister_all(self._gauges)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    # -- consumers ---------------------------------------------------------------------------
    async def _consumer(self) -> None:
        queue = self.queue
        while True:
            permit: Permit | None = None
            if self._breaker is not None:
                permit = await self._wait_permit()
                if permit is None:
                    return
            try:
                entry = await queue.get()
            except BaseException:
                self.release(permit)
                raise
            if entry is None:
                self.release(permit)
                return
            await self.dispatch(entry.data, [entry], permit)

    async def _wait_permit(self) -> Permit | None:
        """A circuit-breaker permit, or None when the queue is closed with nothing left to send."""
        breaker, queue = self._breaker, self.queue
        assert breaker is not None
        permit = breaker.try_acquire()
        if permit is not None:
            return permit
        if queue.exhausted:
            return None
        acquire = asyncio.ensure_future(breaker.acquire())
        closed = asyncio.ensure_future(self._closed.wait())
        try:
            await asyncio.wait({acquire, closed}, return_when=asyncio.FIRST_COMPLETED)
            if acquire.done():
                permit = acquire.result()
                if queue.exhausted:
                    breaker.release(permit)
                    return None
                return permit
            if queue.exhausted:
                return None
            return await acquire  # closed, but requests are left: wait to drain them
        finally:
            closed.cancel()
            if not acquire.done():
                acquire.cancel()

    def release(self, permit: Permit | None) -> None:
        if permit is not None and self._breaker is not None:
            self._breaker.release(permit)

    # -- what a send does with its requests --------------------------------------------------
    async def dispatch(self, data: AnyData, entries: list[Entry], permit: Permit | None) -> None:
        """Send ``data`` (the request of ``entries``, merged when there are several)."""
        queue = self.queue
        items = sum(e.items for e in entries)
        try:
            with client_info.with_info(_common_info(entries)):
                await self._next.send(Request(data, items, permit))
        except CircuitOpenError:
            queue.requeue(entries)
            self.release(permit)
            return
        except ConsumerError as exc:
            self.release(permit)
            if queue.persistent and isinstance(exc, ShutdownError):
                self._logger.info(
                    "Export interrupted by shutdown; the data stays in the persistent queue.",
                    extra={"fields": {"error": str(exc), "items": items}},
                )
                await queue.finish(entries, keep=True)
                return
            await self._drop(entries, exc, self._failure_hint)
            return
        except asyncio.CancelledError:
            # Drain deadline passed while this send was under way.
            self.release(permit)
            await self.abandon(entries)
            raise
        self.release(permit)
        await queue.finish(entries)
        _resolve(entries, None)

    async def drop_invalid(self, entries: list[Entry], cause: BaseException) -> None:
        """Requests that do not parse: counted as failed and dropped, whatever the queue kind."""
        err = PermanentError(f"invalid data: {cause}")
        self._obs.record_sent(sum(e.items for e in entries), err)
        await self._drop(entries, err, "")

    async def abandon(self, entries: list[Entry]) -> None:
        """Requests the drain deadline cut off: counted as failed; dropped, or kept on storage."""
        err = ShutdownError(ExportError("drain deadline exceeded"))
        self._obs.record_sent(sum(e.items for e in entries), err)
        if self.queue.persistent:
            await _shielded(self.queue.finish(entries, keep=True))
            return
        await _shielded(self._drop(entries, err, self._failure_hint))

    async def _drop(self, entries: list[Entry], err: BaseException, hint: str) -> None:
        self._logger.error(
            "Exporting failed. Dropping data." + hint,
            extra={"fields": {"error": str(err), "dropped_items": sum(e.items for e in entries)}},
        )
        await self.queue.finish(entries)
        _resolve(entries, err)


def _common_info(entries: list[Entry]) -> client_info.Info:
    """The client the sent data came from: the entries' one client, or none when a batch
    merged requests of different clients (their metadata cannot all be sent)."""
    first = entries[0].info
    return first if all(e.info == first for e in entries[1:]) else client_info.Info()


def _resolve(entries: list[Entry], err: BaseException | None) -> None:
    for e in entries:
        waiter = e.waiter
        if waiter is not None and not waiter.done():
            if err is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(err)


async def _shielded(coro: Awaitable[None]) -> None:
    """Run cleanup to completion even though the calling task is being cancelled."""
    task = asyncio.ensure_future(coro)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
