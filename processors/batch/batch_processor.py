"""The batch processor: buffers incoming requests and sends them on by size or after a timeout.

``consume`` hands the request to a batcher (one per distinct combination of the configured
client-metadata values) and returns: the batch owns the data from then on. Each batcher runs one
asyncio task that sends when ``send_batch_size`` items are buffered, or when the ``timeout``
timer fires with anything buffered, cutting outgoing requests to ``send_batch_max_size``.
Errors from the next consumer are logged (``Sender failed``) and never reach the sender.
Shutdown sends everything still buffered before returning.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Iterable
from typing import Any

from opentelemetry.metrics import CallbackOptions, Observation

from pyotelcol import client
from pyotelcol.component import Host, Settings, Signal
from pyotelcol.consumer import Capabilities, Consumer, PermanentError
from pyotelcol.pdata import BY_SIGNAL, AnyData
from pyotelcol.pdata.batching import merge, take
from pyotelcol.telemetry.views import BATCH_SEND_SIZE_BUCKETS, BATCH_SEND_SIZE_BYTES_BUCKETS

from .config import Config

_TRIGGER_SIZE = "size"
_TRIGGER_TIMEOUT = "timeout"

_CAPS = Capabilities(mutates_data=True)

TOO_MANY_BATCHERS = "too many batcher metadata-value combinations"

Metadata = dict[str, list[str]]


class _Telemetry:
    """The batch processor's self-metrics (Go emits them at level normal and above)."""

    def __init__(self, settings: Settings, cardinality: Any) -> None:
        level = settings.telemetry.metrics_level
        self.enabled = level in ("normal", "detailed")
        self.detailed = level == "detailed"
        self.attrs = {"processor": str(settings.id)}
        self._cardinality = cardinality
        self.closed = False
        if not self.enabled:
            return
        meter = settings.telemetry.meter
        self.send_size = meter.create_histogram(
            "otelcol_processor_batch_batch_send_size",
            unit="{unit}",
            description="Number of units in the batch",
            explicit_bucket_boundaries_advisory=BATCH_SEND_SIZE_BUCKETS,
        )
        self.size_trigger = meter.create_counter(
            "otelcol_processor_batch_batch_size_trigger_send",
            unit="{time}",
            description="Number of times the batch was sent due to a size trigger",
        )
        self.timeout_trigger = meter.create_counter(
            "otelcol_processor_batch_timeout_trigger_send",
            unit="{time}",
            description="Number of times the batch was sent due to a timeout trigger",
        )
        meter.create_observable_up_down_counter(
            "otelcol_processor_batch_metadata_cardinality",
            callbacks=[self._observe],
            unit="{combination}",
            description="Number of distinct metadata value combinations being processed",
        )
        if self.detailed:
            self.send_bytes = meter.create_histogram(
                "otelcol_processor_batch_batch_send_size_bytes",
                unit="By",
                description="Number of bytes in batch that was sent. Only available on detailed level.",
                explicit_bucket_boundaries_advisory=BATCH_SEND_SIZE_BYTES_BUCKETS,
            )

    def _observe(self, _options: CallbackOptions) -> Iterable[Observation]:
        if self.closed:
            return []
        return [Observation(self._cardinality(), self.attrs)]

    def record(self, trigger: str, sent: int, data: AnyData) -> None:
        if not self.enabled:
            return
        (self.size_trigger if trigger == _TRIGGER_SIZE else self.timeout_trigger).add(1, self.attrs)
        self.send_size.record(sent, self.attrs)
        if self.detailed:
            self.send_bytes.record(len(data.to_wire()), self.attrs)


class _Shard:
    """One batcher: a buffer of requests and the task that sends them on."""

    def __init__(self, proc: BatchProcessor, metadata: Metadata | None) -> None:
        self.proc = proc
        self.metadata = metadata
        self.pending: deque[tuple[AnyData, int]] = deque()
        self.items = 0
        self.wake = asyncio.Event()
        self.room = asyncio.Event()
        self.room.set()
        self.stopping = False
        self.timer_fired = False
        self.task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    # -- producer side ------------------------------------------------------------------------
    async def put(self, data: AnyData, count: int) -> None:
        proc = self.proc
        # Backpressure like Go's bounded channel: wait while a large backlog is already queued.
        while self.items >= proc.high_water and not self.stopping:
            self.room.clear()
            await self.room.wait()
        if self.stopping:
            await proc.send_direct(data)
            return
        self.pending.append((data, count))
        self.items += count
        if self.task is None:
            self.start()
        if not proc.has_timer or self.items >= proc.send_batch_size:
            self.wake.set()
            # Let the sender take this batch now, so batches stay close to send_batch_size even
            # when producers never suspend on their own.
            await asyncio.sleep(0)

    def start(self) -> None:
        if self.task is None:
            # A fresh context: nothing of the first sender's request context leaks into exports.
            self.task = asyncio.get_running_loop().create_task(self._run(), context=contextvars.Context())

    async def stop(self) -> None:
        self.stopping = True
        self.wake.set()
        self.room.set()
        if self.task is not None:
            await self.task
        self._cancel_timer()

    # -- sender task --------------------------------------------------------------------------
    def _on_timer(self) -> None:
        self._timer = None
        self.timer_fired = True
        self.wake.set()

    def _reset_timer(self) -> None:
        self._cancel_timer()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self.proc.timeout, self._on_timer)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _run(self) -> None:
        proc = self.proc
        # Exports carry only the partitioning keys as client metadata (Go's exportCtx).
        client.set_info(client.Info(metadata=client.Metadata(self.metadata)))
        if proc.has_timer:
            self._reset_timer()
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                if self.stopping:
                    break
                sent = False
                while self.items > 0 and (not proc.has_timer or self.items >= proc.send_batch_size):
                    await self._send(_TRIGGER_SIZE)
                    sent = True
                if self.timer_fired:
                    self.timer_fired = False
                    if self.items > 0:
                        await self._send(_TRIGGER_TIMEOUT)
                    self._reset_timer()
                elif sent:
                    self._reset_timer()
            while self.items > 0:
                await self._send(_TRIGGER_TIMEOUT)
        finally:
            self._cancel_timer()

    def _take(self) -> tuple[AnyData, int]:
        """Build the next batch. The buffer changes only once the batch is built: when a part
        cannot be split, joined or serialized the exception leaves every request buffered."""
        limit = self.proc.send_batch_max_size
        pending = self.pending
        if limit <= 0 or self.items <= limit:
            count = self.items
            batch = merge([d for d, _ in pending], count)
            pending.clear()
            self.items = 0
            return batch, count
        parts: list[AnyData] = []
        whole = 0
        need = limit
        split: tuple[AnyData, AnyData, int] | None = None  # (original, rest, head count)
        while need > 0:
            data, c = pending[whole]
            if c <= need:
                parts.append(data)
                need -= c
                whole += 1
            else:
                head, rest = take(data, need)
                parts.append(head)
                split = (data, rest, need)
                need = 0
        try:
            batch = merge(parts, limit)
        except Exception:
            if split is not None and split[1] is split[0]:
                # ``take`` moved the head out of the buffered request itself: put it back in front.
                _, rest, head_count = split
                pending[whole] = (rest, pending[whole][1] - head_count)
                pending.insert(whole, (parts[-1], head_count))
            raise
        for _ in range(whole):
            pending.popleft()
        if split is not None:
            _, rest, head_count = split
            pending[0] = (rest, pending[0][1] - head_count)
        self.items -= limit
        return batch, limit

    def _drop_unsound(self) -> tuple[int, BaseException | None]:
        """After a batch could not be built: keep the buffered requests that serialize and parse
        back on their own, drop the rest. Returns the dropped item count and the first error."""
        kept: deque[tuple[AnyData, int]] = deque()
        dropped = 0
        first: BaseException | None = None
        for data, count in self.pending:
            try:
                data.item_count()
                data.check_wire(force=True)
            except Exception as err:
                dropped += count
                first = first or err
                continue
            kept.append((data, count))
        self.pending = kept
        self.items -= dropped
        return dropped, first

    async def _send(self, trigger: str) -> None:
        proc = self.proc
        try:
            try:
                data, count = self._take()
            except Exception as err:
                # One bad request must not take the others down: drop only what fails on its own
                # (logged once per batch), then build the batch from the rest.
                dropped, cause = self._drop_unsound()
                if dropped:
                    proc.logger.error(
                        "Dropping data that cannot be batched",
                        extra={"fields": {"error": str(cause or err), "dropped_items": dropped}},
                    )
                if self.items == 0:
                    return
                data, count = self._take()
        except Exception as err:  # a bug, not bad input: drop the buffer rather than wedge the batcher
            proc.logger.error(
                "Failed to build a batch, dropping buffered data",
                extra={"fields": {"error": str(err), "dropped_items": self.items}},
            )
            self.pending.clear()
            self.items = 0
            return
        finally:
            if self.items < proc.high_water:
                self.room.set()
        try:
            await proc.next.consume(data)
        except Exception as err:
            proc.logger.warning("Sender failed", extra={"fields": {"error": str(err)}})
            return
        proc.telemetry.record(trigger, count, data)


class BatchProcessor:
    """A Component and Consumer for one signal of one pipeline."""

    def __init__(self, settings: Settings, signal: Signal, cfg: Config, next_consumer: Consumer) -> None:
        self.data_cls = BY_SIGNAL[signal]
        self.next = next_consumer
        self.logger = settings.telemetry.logger
        self.send_batch_size = cfg.send_batch_size
        self.send_batch_max_size = cfg.send_batch_max_size
        self.timeout = cfg.timeout.total_seconds()
        self.has_timer = self.timeout > 0 and self.send_batch_size > 0
        # Buffered items beyond which producers wait for the sender (bounded memory).
        self.high_water = 2 * max(self.send_batch_size, self.send_batch_max_size, 8192)
        self.metadata_keys = sorted({k.lower() for k in cfg.metadata_keys})
        self.metadata_limit = cfg.metadata_cardinality_limit
        self._shards: dict[tuple[tuple[str, tuple[str, ...]], ...], _Shard] = {}
        self._single: _Shard | None = None if self.metadata_keys else _Shard(self, None)
        self._stopped = False
        self.telemetry = _Telemetry(settings, self._cardinality)

    @property
    def capabilities(self) -> Capabilities:
        return _CAPS

    def _cardinality(self) -> int:
        return 1 if self._single is not None else len(self._shards)

    async def start(self, host: Host) -> None:
        if self._single is not None and not self._stopped:
            self._single.start()

    async def consume(self, data: AnyData) -> None:
        if self._stopped:
            await self.send_direct(data)
            return
        count = data.item_count()
        if count == 0:
            return
        shard = self._single if self._single is not None else self._shard_for_request()
        await shard.put(data, count)

    def _shard_for_request(self) -> _Shard:
        md = client.from_context().metadata
        values = {k: list(md.get_values(k)) for k in self.metadata_keys}
        key = tuple((k, tuple(v)) for k, v in values.items())
        shard = self._shards.get(key)
        if shard is None:
            if self.metadata_limit != 0 and len(self._shards) >= self.metadata_limit:
                raise PermanentError(TOO_MANY_BATCHERS)
            shard = _Shard(self, values)
            self._shards[key] = shard
        return shard

    async def send_direct(self, data: AnyData) -> None:
        """After shutdown nothing is buffered any more: late data goes straight on."""
        await self.next.consume(data)

    async def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        shards = list(self._shards.values())
        if self._single is not None:
            shards.append(self._single)
        await asyncio.gather(*(s.stop() for s in shards))
        self.telemetry.closed = True
