"""sending_queue.batch: queued requests merged up to min_size / max_size or flush_timeout."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from helpers.exporterhelper.ehsupport import Backend, MemStorage, make, tag_of, traces, wait_for

from pyotelcol.component import ID
from pyotelcol.config import OptionalSection
from pyotelcol.helpers.exporterhelper import BatchConfig, QueueConfig
from pyotelcol.testing import NopHost


def batched(persist: bool = False, **kw: Any) -> OptionalSection[QueueConfig]:
    batch = BatchConfig(**kw)
    q = QueueConfig(num_consumers=2, batch=OptionalSection.some(batch))
    if persist:
        q.storage = "file_storage"
    return OptionalSection.some(q)


def test_batching_reports_mutating_capabilities() -> None:
    h = make(queue=batched())
    assert h.helper.capabilities.mutates_data is True


def test_merges_until_min_size() -> None:
    async def run() -> None:
        h = make(queue=batched(min_size=5, flush_timeout=timedelta(seconds=30)))
        await h.helper.start(NopHost())
        for i in range(5):
            await h.helper.consume(traces(1, tag=i))
        await wait_for(lambda: len(h.backend.received) == 1)
        (merged,) = h.backend.received
        assert tag_of(merged) == [0, 1, 2, 3, 4] and merged.item_count() == 5
        assert h.metric("otelcol_exporter_sent_spans") == 5
        await h.helper.shutdown()

    asyncio.run(run())


def test_flush_timeout_sends_a_partial_batch() -> None:
    async def run() -> None:
        h = make(queue=batched(min_size=100, flush_timeout=timedelta(milliseconds=30)))
        await h.helper.start(NopHost())
        await h.helper.consume(traces(1, tag=1))
        await h.helper.consume(traces(1, tag=2))
        await wait_for(lambda: len(h.backend.received) == 1)
        assert tag_of(h.backend.received[0]) == [1, 2]
        await h.helper.shutdown()

    asyncio.run(run())


def test_max_size_starts_a_new_batch() -> None:
    async def run() -> None:
        h = make(queue=batched(min_size=4, max_size=4, flush_timeout=timedelta(milliseconds=30)))
        await h.helper.start(NopHost())
        for i in range(3):
            await h.helper.consume(traces(2, tag=i))
        await wait_for(lambda: len(h.backend.received) == 2)
        assert [tag_of(d) for d in h.backend.received] == [[0, 1], [2]]
        await h.helper.shutdown()

    asyncio.run(run())


def test_bytes_sizer_batches() -> None:
    async def run() -> None:
        size = len(traces(1, tag=0).to_wire())
        h = make(queue=batched(min_size=size * 3, sizer="bytes", flush_timeout=timedelta(seconds=30)))
        await h.helper.start(NopHost())
        for i in range(3):
            await h.helper.consume(traces(1, tag=i))
        await wait_for(lambda: len(h.backend.received) == 1)
        assert tag_of(h.backend.received[0]) == [0, 1, 2]
        await h.helper.shutdown()

    asyncio.run(run())


def test_shutdown_flushes_the_open_batch() -> None:
    async def run() -> None:
        h = make(queue=batched(min_size=100, flush_timeout=timedelta(seconds=30)), timeout=timedelta(seconds=2))
        await h.helper.start(NopHost())
        await h.helper.consume(traces(1, tag=1))
        await h.helper.consume(traces(1, tag=2))
        await h.helper.shutdown()
        assert [tag_of(d) for d in h.backend.received] == [[1, 2]]

    asyncio.run(run())


def test_batches_from_a_persistent_queue_are_deleted_once_sent() -> None:
    async def run() -> None:
        storage = MemStorage()
        gate = asyncio.Event()
        h = make(Backend(gate=gate), queue=batched(persist=True, min_size=3, flush_timeout=timedelta(seconds=30)))
        await h.helper.start(NopHost({ID.parse("file_storage"): storage}))
        for i in range(3):
            await h.helper.consume(traces(1, tag=i))
        assert sorted(k for k in storage.items() if k != "q/meta") == ["q/0", "q/1", "q/2"]
        gate.set()
        await wait_for(lambda: len(h.backend.received) == 1)
        await wait_for(lambda: [k for k in storage.items() if k != "q/meta"] == [])
        await h.helper.shutdown()

    asyncio.run(run())
