"""The persistent sending_queue (sending_queue.storage): durable enqueue, restart, at-least-once."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.exporterhelper.ehsupport import (
    Backend,
    MemStorage,
    fields,
    make,
    permanent,
    queue,
    records,
    retryable,
    traces,
    wait_for,
)
from pyotelcol.extensions.file_storage import create_factory as file_storage_factory

from pyotelcol.component import ID, Kind
from pyotelcol.config import decode
from pyotelcol.consumer import ConsumerError
from pyotelcol.helpers.exporterhelper import RetryConfig
from pyotelcol.testing import NopHost, make_settings

EXPORTER = "otlp/persist"


def host_with(ext: Any, name: str = "file_storage") -> NopHost:
    return NopHost({ID.parse(name): ext})


def file_storage(directory: Path) -> Any:
    factory = file_storage_factory()
    cfg = decode(type(factory.create_default_config()), {"directory": str(directory)}, factory.create_default_config())
    return factory.create(make_settings("file_storage", Kind.EXTENSION), cfg)


def item_keys(store: dict[str, bytes]) -> list[str]:
    return sorted((k for k in store if k != "q/meta"), key=lambda k: int(k.split("/")[1]))


def test_request_is_stored_before_consume_returns_and_deleted_after_send() -> None:
    async def run() -> None:
        storage = MemStorage()
        gate = asyncio.Event()
        h = make(Backend(gate=gate), component=EXPORTER, queue=queue(storage="file_storage", num_consumers=1))
        await h.helper.start(host_with(storage))
        (key,) = storage.stores
        assert key == ("exporter", EXPORTER, "traces")  # one client per exporter and signal
        await h.helper.consume(traces(2, tag=1))
        store = storage.items()
        assert item_keys(store) == ["q/0"]
        assert store["q/0"] == traces(2, tag=1).to_wire()
        meta = json.loads(store["q/meta"])
        assert meta["v"] == 1 and meta["w"] == 1
        gate.set()
        await wait_for(lambda: h.backend.tags() == [1])
        await wait_for(lambda: item_keys(storage.items()) == [])
        assert h.metric("otelcol_exporter_queue_size") == 0
        await h.helper.shutdown()
        assert storage.clients[0].closed

    asyncio.run(run())


def test_permanent_failure_deletes_the_request(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        storage = MemStorage()
        h = make(Backend(fail_always=permanent("bad")), queue=queue(storage="file_storage"))
        await h.helper.start(host_with(storage))
        await h.helper.consume(traces(1))
        await wait_for(lambda: bool(records(logs, "Exporting failed. Dropping data.")))
        await wait_for(lambda: item_keys(storage.items()) == [])
        await h.helper.shutdown()

    asyncio.run(run())


def test_unsent_requests_survive_a_restart(tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        # First run: the destination is down; five requests wait in the queue on disk.
        ext = file_storage(tmp_path)
        await ext.start(NopHost())
        down = Backend(fail_always=retryable("unavailable"))
        retry = RetryConfig(
            initial_interval=timedelta(seconds=10),
            max_interval=timedelta(seconds=10),
            max_elapsed_time=timedelta(0),
        )
        first = make(
            down,
            component=EXPORTER,
            queue=queue(storage="file_storage", num_consumers=2),
            retry=retry,
            timeout=timedelta(milliseconds=200),
        )
        await first.helper.start(host_with(ext))
        for i in range(5):
            await first.helper.consume(traces(3, tag=i))
        await wait_for(lambda: down.attempts >= 2)
        await first.helper.shutdown()
        await ext.shutdown()
        assert down.received == []
        assert any(p.name == "exporter_otlp_persist_traces" for p in tmp_path.iterdir())

        # Second run (a new extension over the same directory): everything is sent.
        ext2 = file_storage(tmp_path)
        await ext2.start(NopHost())
        up = Backend()
        second = make(up, component=EXPORTER, queue=queue(storage="file_storage"))
        await second.helper.start(host_with(ext2))
        await wait_for(lambda: len(up.received) == 5)
        assert sorted(up.tags()) == [0, 1, 2, 3, 4]
        # The two requests that were being sent when the first run stopped may be duplicates.
        assert second.metric("otelcol_exporter_queue_resent_requests") == 2
        (warning,) = records(logs, "Sending again the requests whose send had not finished")
        assert fields(warning)["requests"] == 2
        await wait_for(lambda: second.metric("otelcol_exporter_queue_size") == 0)
        await second.helper.shutdown()
        await ext2.shutdown()

        # Third run: nothing left.
        ext3 = file_storage(tmp_path)
        await ext3.start(NopHost())
        third_backend = Backend()
        third = make(third_backend, component=EXPORTER, queue=queue(storage="file_storage"))
        await third.helper.start(host_with(ext3))
        await asyncio.sleep(0.05)
        assert third_backend.received == []
        await third.helper.shutdown()
        await ext3.shutdown()

    asyncio.run(run())


def test_full_persistent_queue_refuses(tmp_path: Path) -> None:
    async def run() -> None:
        storage = MemStorage()
        h = make(
            Backend(gate=asyncio.Event()),
            queue=queue(storage="file_storage", num_consumers=1, queue_size=5, sizer="items"),
        )
        await h.helper.start(host_with(storage))
        await h.helper.consume(traces(3))
        await h.helper.consume(traces(2))
        with pytest.raises(ConsumerError, match=r"^sending queue is full$"):
            await h.helper.consume(traces(1))
        assert h.metric("otelcol_exporter_enqueue_failed_spans") == 1
        assert h.metric("otelcol_exporter_queue_size") == 5
        await h.helper.shutdown()
        assert len(item_keys(storage.items())) == 2

    asyncio.run(run())


def test_block_on_overflow_with_persistent_queue() -> None:
    async def run() -> None:
        storage = MemStorage()
        gate = asyncio.Event()
        h = make(
            Backend(gate=gate),
            queue=queue(storage="file_storage", num_consumers=1, queue_size=1, block_on_overflow=True),
        )
        await h.helper.start(host_with(storage))
        await h.helper.consume(traces(1, tag=1))
        second = asyncio.ensure_future(h.helper.consume(traces(1, tag=2)))
        await asyncio.sleep(0.02)
        assert not second.done()
        gate.set()
        await second
        await wait_for(lambda: h.backend.tags() == [1, 2])
        await h.helper.shutdown()

    asyncio.run(run())


def test_missing_storage_extension_fails_start() -> None:
    async def run() -> None:
        h = make(queue=queue(storage="file_storage/missing"))
        with pytest.raises(LookupError, match="storage extension 'file_storage/missing' not found"):
            await h.helper.start(NopHost())
        await h.helper.shutdown()

    asyncio.run(run())


def test_unknown_format_version_fails_start() -> None:
    async def run() -> None:
        storage = MemStorage()
        storage.stores[("exporter", EXPORTER, "traces")] = {"q/meta": b'{"v":99,"r":0,"w":0}'}
        h = make(component=EXPORTER, queue=queue(storage="file_storage"))
        with pytest.raises(RuntimeError, match="unsupported persistent queue format version 99"):
            await h.helper.start(host_with(storage))
        assert storage.clients[0].closed
        await h.helper.shutdown()

    asyncio.run(run())


def test_undecodable_or_missing_items_are_skipped(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        storage = MemStorage()
        meta = {"v": 1, "r": 0, "w": 4, "d": [], "i": 3, "b": 0}
        storage.stores[("exporter", EXPORTER, "traces")] = {
            "q/meta": json.dumps(meta).encode(),
            "q/0": traces(1, tag=7).to_wire(),
            "q/1": b"\xff\xff garbage",
            # q/2 missing (a write that failed)
            "q/3": traces(2, tag=8).to_wire(),
        }
        backend = Backend()
        h = make(backend, component=EXPORTER, queue=queue(storage="file_storage"))
        await h.helper.start(host_with(storage))
        await wait_for(lambda: len(backend.received) == 2)
        assert backend.tags() == [7, 8]
        await wait_for(lambda: item_keys(storage.items()) == [])
        assert records(logs, "Dropping a request of the persistent queue that cannot be decoded")
        await wait_for(lambda: h.metric("otelcol_exporter_queue_size") == 0)
        await h.helper.shutdown()

    asyncio.run(run())


def test_order_is_kept() -> None:
    async def run() -> None:
        storage = MemStorage()
        backend = Backend()
        h = make(backend, queue=queue(storage="file_storage", num_consumers=1))
        await h.helper.start(host_with(storage))
        for i in range(20):
            await h.helper.consume(traces(1, tag=i))
        await wait_for(lambda: len(backend.received) == 20)
        assert backend.tags() == list(range(20))
        await h.helper.shutdown()

    asyncio.run(run())


def test_consume_after_shutdown_is_refused() -> None:
    async def run() -> None:
        storage = MemStorage()
        h = make(queue=queue(storage="file_storage"))
        await h.helper.start(host_with(storage))
        await h.helper.shutdown()
        with pytest.raises(ConsumerError):
            await h.helper.consume(traces())

    asyncio.run(run())


def test_state_on_storage_is_complete_at_every_instant() -> None:
    """A run that dies without shutdown (storage left as it was at that instant) loses nothing."""

    async def run() -> None:
        storage = MemStorage()
        stuck = Backend(gate=asyncio.Event())  # sends never finish
        first = make(stuck, component=EXPORTER, queue=queue(storage="file_storage", num_consumers=3))
        await first.helper.start(host_with(storage))
        for i in range(8):
            await first.helper.consume(traces(1, tag=i))
        await wait_for(lambda: stuck.attempts == 3)
        snapshot = dict(storage.items())  # what a crash at this instant leaves behind
        assert first.helper.queue_sender is not None
        for task in list(first.helper.queue_sender.tasks):
            task.cancel()

        crashed = MemStorage()
        crashed.stores[("exporter", EXPORTER, "traces")] = snapshot
        up = Backend()
        second = make(up, component=EXPORTER, queue=queue(storage="file_storage", num_consumers=1))
        await second.helper.start(host_with(crashed))
        await wait_for(lambda: len(up.received) == 8)
        assert sorted(up.tags()) == list(range(8))
        assert up.tags()[:3] == [0, 1, 2]  # the ones in flight go first
        assert second.metric("otelcol_exporter_queue_resent_requests") == 3
        await wait_for(lambda: item_keys(crashed.items()) == [])
        await second.helper.shutdown()

    asyncio.run(run())
