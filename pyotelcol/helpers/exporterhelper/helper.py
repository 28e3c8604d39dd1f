"""ExporterHelper: the sender chain every exporter runs its ``push`` through.

``consume -> [sending_queue (+batch)] -> obsreport -> [circuit breaker] -> [retry] -> [timeout] -> push``
(Go's order, plus the circuit breaker). See README.md next to this file for the behaviour.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from ...component import ID, Host, Kind, Settings
from ...config import OptionalSection
from ...consumer import Capabilities, ConsumerError, PermanentError
from ...extension.storage import find_storage
from ...pdata import AnyData
from ...telemetry.gofmt import go_duration
from ...telemetry.obsreport import ExporterObs
from .circuit_breaker import CircuitBreaker, Permit
from .config import BatchConfig, CircuitBreakerConfig, QueueConfig, RetryConfig
from .errors import CircuitOpenError, ExportError, ShutdownError, wrap
from .gauges import GaugeHandle, register_gauge
from .persistent_queue import PersistentQueue
from .queue import Entry, MemoryQueue, make_entry, merge
from .retry import ExponentialBackoff

PushFunc = Callable[[AnyData], Awaitable[None]]

#: How long shutdown drains the in-memory queue when no ``timeout`` is configured.
DEFAULT_DRAIN_TIMEOUT = 5.0

_RETRY_HINT = " Try enabling retry_on_failure config option to retry on retryable errors."


class ExporterHelper:
    """A Component and a Consumer wrapping an exporter's ``push`` with timeout, retry, queue and
    circuit breaker. ``settings.signal`` must be set (one helper per signal)."""

    def __init__(
        self,
        settings: Settings,
        push: PushFunc,
        *,
        timeout: timedelta | None = None,
        retry: RetryConfig | None = None,
        queue: OptionalSection[QueueConfig] | None = None,
        circuit_breaker: CircuitBreakerConfig | None = None,
        start: Callable[[Host], Awaitable[None]] | None = None,
        shutdown: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        if settings.signal is None:
            raise ValueError("exporterhelper needs settings.signal")
        self._settings = settings
        self._signal = settings.signal
        self._logger: logging.Logger | logging.LoggerAdapter[Any] = settings.telemetry.logger
        self._push = push
        self._timeout = timeout.total_seconds() if timeout is not None and timeout > timedelta(0) else 0.0
        self._retry = retry if retry is not None and retry.enabled else None
        self._failure_hint = _RETRY_HINT if retry is not None and not retry.enabled else ""
        self._start_fn = start
        self._shutdown_fn = shutdown
        self._obs = ExporterObs(settings, self._signal)

        self._qcfg: QueueConfig | None = queue.get() if queue is not None else None
        self._batch: BatchConfig | None = self._qcfg.batch.get() if self._qcfg is not None else None
        self._caps = Capabilities(mutates_data=self._batch is not None)
        self._queue: MemoryQueue | PersistentQueue | None = None
        if self._qcfg is not None:
            q = self._qcfg
            if q.storage:
                self._queue = PersistentQueue(q.queue_size, q.sizer, q.block_on_overflow, self._signal, self._logger)
            else:
                self._queue = MemoryQueue(q.queue_size, q.block_on_overflow)

        cb = circuit_breaker
        self._breaker = CircuitBreaker(cb, self._logger) if cb is not None and cb.enabled else None

        self._stop_retries = asyncio.Event()
        self._closed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._gauges: list[GaugeHandle] = []
        self._started = False
        self._stopping = False
        self._stopped = False
        self._attrs = {"exporter": str(settings.id), "data_type": self._signal.value}

    # -- Consumer ----------------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    async def consume(self, data: AnyData) -> None:
        if self._queue is None:
            await self._consume_sync(data)
            return
        q = self._qcfg
        assert q is not None
        entry = make_entry(data, q.sizer)
        if q.sizer == "items" and entry.items == 0 and not self._queue.persistent:
            return  # Go's memory queue ignores empty requests under the items sizer
        if self._stopping:
            err: ConsumerError = ConsumerError("sending queue is stopped")
            self._reject(entry.items, err)
            self._obs.record_enqueue_failed(entry.items)
            raise err
        if q.wait_for_result:
            entry.waiter = asyncio.get_running_loop().create_future()
        try:
            await self._queue.offer(entry)
        except ConsumerError as exc:
            self._obs.record_enqueue_failed(entry.items)
            self._reject(entry.items, exc)
            raise
        if entry.waiter is not None:
            try:
                await entry.waiter
            except ConsumerError as exc:
                self._reject(entry.items, exc)
                raise

    def _reject(self, items: int, err: BaseException) -> None:
        self._logger.error(
            "Exporting failed. Rejecting data." + self._failure_hint,
            extra={"fields": {"error": str(err), "rejected_items": items}},
        )

    async def _consume_sync(self, data: AnyData) -> None:
        """No queue: the caller waits for the export and gets its error."""
        items = data.item_count()
        permit: Permit | None = None
        if self._breaker is not None:
            permit = self._breaker.try_acquire()
            if permit is None:
                err = CircuitOpenError(self._breaker.remaining() or None)
                self._obs.record_sent(items, err)
                self._logger.debug(
                    "Exporting failed. Rejecting data.",
                    extra={"fields": {"error": str(err), "rejected_items": items}},
                )
                raise err
        try:
            await self._send(data, items, permit, record_circuit_open=True)
        except CircuitOpenError as exc:
            self._logger.debug(
                "Exporting failed. Rejecting data.", extra={"fields": {"error": str(exc), "rejected_items": items}}
            )
            raise
        except ConsumerError as exc:
            self._reject(items, exc)
            raise
        finally:
            if permit is not None and self._breaker is not None:
                self._breaker.release(permit)

    # -- obsreport -> circuit breaker -> retry -> timeout -> push -------------------------------
    async def _send(self, data: AnyData, items: int, permit: Permit | None, record_circuit_open: bool = False) -> None:
        try:
            await self._retry_loop(data, permit)
        except CircuitOpenError as exc:
            if record_circuit_open:
                self._obs.record_sent(items, exc)
            raise
        except ConsumerError as exc:
            self._obs.record_sent(items, exc)
            raise
        self._obs.record_sent(items, None)

    async def _attempt(self, data: AnyData, permit: Permit | None) -> None:
        breaker = self._breaker
        if breaker is not None and permit is not None and not breaker.allows(permit):
            raise CircuitOpenError(breaker.remaining() or None)
        scope: asyncio.Timeout | None = None
        try:
            if self._timeout > 0:
                async with asyncio.timeout(self._timeout) as scope:
                    await self._push(data)
            else:
                await self._push(data)
        except TimeoutError as exc:
            expired = scope is not None and scope.expired()
            err: ConsumerError = ExportError("context deadline exceeded" if expired else str(exc) or "timeout", exc)
            if breaker is not None and permit is not None:
                breaker.record(permit, False)
            raise err from None
        except PermanentError:
            if breaker is not None and permit is not None:
                breaker.record(permit, True)
            raise
        except ConsumerError:
            if breaker is not None and permit is not None:
                breaker.record(permit, False)
            raise
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if breaker is not None and permit is not None:
                breaker.record(permit, False)
            raise ExportError(str(exc) or type(exc).__name__, exc) from exc
        if breaker is not None and permit is not None:
            breaker.record(permit, True)

    async def _retry_loop(self, data: AnyData, permit: Permit | None) -> None:
        retry = self._retry
        if retry is None:
            await self._attempt(data, permit)
            return
        loop = asyncio.get_running_loop()
        backoff = ExponentialBackoff(retry)
        budget = retry.max_elapsed_time.total_seconds()
        deadline = loop.time() + budget if budget > 0 else None
        while True:
            try:
                await self._attempt(data, permit)
                return
            except CircuitOpenError:
                raise
            except PermanentError as exc:
                raise wrap("not retryable error", exc) from None
            except ConsumerError as exc:
                if self._stop_retries.is_set():
                    raise ShutdownError(exc) from None
                breaker = self._breaker
                if breaker is not None and permit is not None and not breaker.allows(permit):
                    # This failure opened the circuit (or was the probe): no back-off, the data goes back.
                    raise CircuitOpenError(breaker.remaining() or None) from None
                delay_ns = backoff.next_ns()
                hint = exc.retry_after
                if hint is not None and hint > 0:
                    delay_ns = max(delay_ns, int(hint * 1e9))
                delay = delay_ns / 1e9
                if deadline is not None and loop.time() + delay > deadline:
                    raise wrap("no more retries left", exc) from None
                self._logger.info(
                    "Exporting failed. Will retry the request after interval.",
                    extra={"fields": {"error": str(exc), "interval": go_duration(delay_ns)}},
                )
                if await self._sleep(delay):
                    raise ShutdownError(exc) from None

    async def _sleep(self, delay: float) -> bool:
        """Back off for ``delay`` seconds; wake early at shutdown (returns True) or when the
        circuit opens (returns False: the next attempt's breaker check puts the data back)."""
        events = [self._stop_retries]
        if self._breaker is not None:
            events.append(self._breaker.opened)
        if any(e.is_set() for e in events):
            return self._stop_retries.is_set()
        waiters = [asyncio.ensure_future(e.wait()) for e in events]
        try:
            await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        return self._stop_retries.is_set()

    # -- queue consumers ---------------------------------------------------------------------
    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _consumer(self) -> None:
        queue = self._queue
        assert queue is not None
        while True:
            permit: Permit | None = None
            if self._breaker is not None:
                permit = await self._wait_permit(queue)
                if permit is None:
                    return
            try:
                entry = await queue.get()
            except BaseException:
                self._release(permit)
                raise
            if entry is None:
                self._release(permit)
                return
            await self._process([entry], permit)

    async def _wait_permit(self, queue: MemoryQueue | PersistentQueue) -> Permit | None:
        """A circuit-breaker permit, or None when the queue is closed with nothing left to send."""
        breaker = self._breaker
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

    def _release(self, permit: Permit | None) -> None:
        if permit is not None and self._breaker is not None:
            self._breaker.release(permit)

    async def _merge(self, entries: list[Entry]) -> tuple[AnyData | None, list[Entry]]:
        """One request for the batch. When the requests do not merge (one of them does not
        parse back), the ones that fail on their own are dropped (send failures, one log line)
        and the rest are merged: one bad request must not take the others down."""
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
            if not bad:  # no single culprit: a bug, not bad data; nothing is merged
                bad, good = good, []
            await self._drop_bad(bad, first)
        try:
            return (merge(good) if good else None), good
        except Exception as err:
            await self._drop_bad(good, err)
            return None, []

    async def _drop_bad(self, entries: list[Entry], cause: BaseException) -> None:
        queue = self._queue
        assert queue is not None
        items = sum(e.items for e in entries)
        err = PermanentError(f"invalid data: {cause}")
        self._obs.record_sent(items, err)
        self._logger.error(
            "Exporting failed. Dropping data.", extra={"fields": {"error": str(err), "dropped_items": items}}
        )
        await queue.finish(entries)
        _resolve(entries, err)

    async def _process(self, entries: list[Entry], permit: Permit | None) -> None:
        queue = self._queue
        assert queue is not None
        merged, entries = await self._merge(entries)
        if merged is None:
            self._release(permit)
            return
        data = merged
        items = sum(e.items for e in entries)
        try:
            await self._send(data, items, permit)
        except CircuitOpenError:
            queue.requeue(entries)
            self._release(permit)
            return
        except ConsumerError as exc:
            self._release(permit)
            if queue.persistent and isinstance(exc, ShutdownError):
                self._logger.info(
                    "Export interrupted by shutdown; the data stays in the persistent queue.",
                    extra={"fields": {"error": str(exc), "items": items}},
                )
                await queue.finish(entries, keep=True)
                return
            self._logger.error(
                "Exporting failed. Dropping data." + self._failure_hint,
                extra={"fields": {"error": str(exc), "dropped_items": items}},
            )
            await queue.finish(entries)
            _resolve(entries, exc)
            return
        except asyncio.CancelledError:
            # Drain deadline passed while this send was under way.
            self._release(permit)
            err = ShutdownError(ExportError("drain deadline exceeded"))
            self._obs.record_sent(items, err)
            if queue.persistent:
                await _shielded(queue.finish(entries, keep=True))
            else:
                self._logger.error(
                    "Exporting failed. Dropping data." + self._failure_hint,
                    extra={"fields": {"error": str(err), "dropped_items": items}},
                )
                await _shielded(queue.finish(entries))
                _resolve(entries, err)
            raise
        self._release(permit)
        await queue.finish(entries)
        _resolve(entries, None)

    async def _batcher(self) -> None:
        """One reader forms batches (up to ``min_size`` or ``flush_timeout``), up to
        ``num_consumers`` of them are sent at once."""
        queue, batch, q = self._queue, self._batch, self._qcfg
        assert queue is not None and batch is not None and q is not None
        sizer = batch.effective_sizer(q.sizer)
        flush = batch.flush_timeout.total_seconds()
        slots = asyncio.Semaphore(q.num_consumers)
        loop = asyncio.get_running_loop()

        def measure(e: Entry) -> int:
            if sizer == "items":
                return e.items
            return e.nbytes or len(e.data.to_wire())

        carry: Entry | None = None
        group: list[Entry] = []
        try:
            while True:
                first = carry if carry is not None else await queue.get()
                carry = None
                if first is None:
                    return
                group, total = [first], measure(first)
                deadline = loop.time() + flush
                while total < batch.min_size:
                    left = deadline - loop.time()
                    if left <= 0:
                        break
                    nxt = await queue.get(timeout=left)
                    if nxt is None:
                        break
                    size = measure(nxt)
                    if batch.max_size and total + size > batch.max_size:
                        carry = nxt
                        break
                    group.append(nxt)
                    total += size
                await slots.acquire()
                self._spawn(self._batch_worker(group, slots))
                group = []
        except asyncio.CancelledError:
            # Drain deadline: what this reader holds is dropped (memory) or stays stored (persistent).
            held = group + ([carry] if carry is not None else [])
            if held:
                await self._drop_cancelled(held)
            raise

    async def _batch_worker(self, entries: list[Entry], slots: asyncio.Semaphore) -> None:
        try:
            permit = await self._breaker.acquire() if self._breaker is not None else None
        except asyncio.CancelledError:
            await self._drop_cancelled(entries)
            slots.release()
            raise
        try:
            await self._process(entries, permit)
        finally:
            slots.release()

    async def _drop_cancelled(self, entries: list[Entry]) -> None:
        queue = self._queue
        assert queue is not None
        items = sum(e.items for e in entries)
        err = ShutdownError(ExportError("drain deadline exceeded"))
        self._obs.record_sent(items, err)
        if queue.persistent:
            await _shielded(queue.finish(entries, keep=True))
            return
        self._logger.error(
            "Exporting failed. Dropping data." + self._failure_hint,
            extra={"fields": {"error": str(err), "dropped_items": items}},
        )
        await _shielded(queue.finish(entries))
        _resolve(entries, err)

    # -- Component ---------------------------------------------------------------------------
    async def start(self, host: Host) -> None:
        if self._started:
            return
        self._started = True
        if self._start_fn is not None:
            await self._start_fn(host)
        queue, q = self._queue, self._qcfg
        if queue is None or q is None:
            if self._breaker is not None:
                self._register_breaker_gauge()
            return
        if isinstance(queue, PersistentQueue):
            assert q.storage is not None
            storage = find_storage(host, ID.parse(q.storage))
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
        meter = self._settings.telemetry.meter
        attrs = self._attrs
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
        if self._breaker is not None:
            self._register_breaker_gauge()
        if self._batch is not None:
            self._spawn(self._batcher())
        else:
            for _ in range(q.num_consumers):
                self._spawn(self._consumer())

    def _register_breaker_gauge(self) -> None:
        breaker = self._breaker
        assert breaker is not None
        attrs = self._attrs
        self._gauges.append(
            register_gauge(
                self._settings.telemetry.meter,
                "otelcol_exporter_circuit_breaker_state",
                "State of the exporter's circuit breaker: 0 closed, 1 open, 2 half-open.",
                "1",
                lambda: [(int(breaker.peek()), attrs)],
            )
        )

    def drain_timeout(self) -> float:
        """Seconds shutdown lets the in-memory queue drain: ``timeout``, or 5 s when it is disabled."""
        return self._timeout if self._timeout > 0 else DEFAULT_DRAIN_TIMEOUT

    async def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._stopping = True
        # First stop retrying (each queued request then gets one more attempt), as Go does.
        self._stop_retries.set()
        queue = self._queue
        try:
            if queue is not None:
                queue.close()
                self._closed.set()
                loop = asyncio.get_running_loop()
                drain = self.drain_timeout()
                breaker = self._breaker
                if breaker is not None and breaker.remaining() >= drain:
                    drain = 0.0  # the circuit stays open past the deadline: nothing could be sent
                deadline = loop.time() + drain
                while True:
                    live = {t for t in self._tasks if not t.done()}
                    left = deadline - loop.time()
                    if not live or left <= 0:
                        break
                    await asyncio.wait(live, timeout=left)
                pending = {t for t in self._tasks if not t.done()}
                for task in pending:
                    task.cancel()
                if pending:
                    await asyncio.gather(*pending, return_exceptions=True)
                leftovers = queue.take_all()
                if leftovers:
                    await self._drop_cancelled(leftovers)
                await queue.stop()
        finally:
            for handle in self._gauges:
                handle.unregister()
            self._gauges.clear()
            if self._breaker is not None:
                self._breaker.close()
            if self._shutdown_fn is not None:
                await self._shutdown_fn()


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
