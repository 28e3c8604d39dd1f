"""The in-memory sending_queue: asynchronous enqueue, back-pressure, sizers, drain, metrics."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from helpers.exporterhelper.ehsupport import (
    Backend,
    fields,
    make,
    permanent,
    queue,
    records,
    retryable,
    traces,
    wait_for,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from pyotelcol.component import ID, Kind, Settings, Signal, TelemetrySettings
from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.helpers.exporterhelper import ExporterHelper, RetryConfig
from pyotelcol.pdata import Traces
from pyotelcol.testing import NopHost, metric_values


def test_enqueue_returns_before_the_export() -> None:
    async def run() -> None:
        gate = asyncio.Event()
        h = make(Backend(gate=gate), queue=queue(num_consumers=2))
        await h.helper.start(NopHost())
        await h.helper.consume(traces(2, tag=1))  # returns although the backend is blocked
        await h.helper.consume(traces(2, tag=2))
        assert h.backend.received == []
        gate.set()
        await wait_for(lambda: len(h.backend.received) == 2)
        assert sorted(h.backend.tags()) == [1, 2]
        await wait_for(lambda: h.metric("otelcol_exporter_sent_spans") == 4)
        await h.helper.shutdown()

    asyncio.run(run())


def test_full_queue_refuses_retryably_and_counts(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        gate = asyncio.Event()
        h = make(Backend(gate=gate), queue=queue(num_consumers=1, queue_size=2))
        await h.helper.start(NopHost())
        await h.helper.consume(traces(1, tag=1))  # in flight (size still counted, as in Go)
        await h.helper.consume(traces(1, tag=2))  # queued
        with pytest.raises(ConsumerError) as info:
            await h.helper.consume(traces(3, tag=3))
        assert str(info.value) == "sending queue is full"
        assert not isinstance(info.value, PermanentError)
        assert h.metric("otelcol_exporter_enqueue_failed_spans", exporter=str(h.helper._settings.id)) == 3
        (line,) = records(logs, "Exporting failed. Rejecting data.")
        assert fields(line) == {"error": "sending queue is full", "rejected_items": 3}
        labels = {"exporter": str(h.helper._settings.id), "data_type": "traces"}
        assert h.metric("otelcol_exporter_queue_size", **labels) == 2
        assert h.metric("otelcol_exporter_queue_capacity", **labels) == 2
        gate.set()
        await wait_for(lambda: len(h.backend.received) == 2)
        await wait_for(lambda: h.metric("otelcol_exporter_queue_size") == 0)
        await h.helper.consume(traces(1, tag=4))  # room again
        await wait_for(lambda: len(h.backend.received) == 3)
        await h.helper.shutdown()

    asyncio.run(run())


def test_block_on_overflow_waits_for_room() -> None:
    async def run() -> None:
        gate = asyncio.Event()
        h = make(Backend(gate=gate), queue=queue(num_consumers=1, queue_size=1, block_on_overflow=True))
        await h.helper.start(NopHost())
        await h.helper.consume(traces(1, tag=1))
        second = asyncio.ensure_future(h.helper.consume(traces(1, tag=2)))
        await asyncio.sleep(0.05)
        assert not second.done()  # waiting for room, not refused
        gate.set()
        await second
        await wait_for(lambda: len(h.backend.received) == 2)
        assert h.backend.tags() == [1, 2]
        assert h.metric("otelcol_exporter_enqueue_failed_spans") is None
        await h.helper.shutdown()

    asyncio.run(run())


def test_items_sizer() -> None:
    async def run() -> None:
        gate = asyncio.Event()
        h = make(Backend(gate=gate), queue=queue(num_consumers=1, queue_size=5, sizer="items"))
        await h.helper.start(NopHost())
        await h.helper.consume(traces(3, tag=1))
        await h.helper.consume(traces(2, tag=2))
        assert h.metric("otelcol_exporter_queue_size") == 5
        with pytest.raises(ConsumerError, match=r"^sending queue is full$"):
            await h.helper.consume(traces(1, tag=3))
        with pytest.raises(ConsumerError, match=r"^element size too large$"):
            await h.helper.consume(traces(6, tag=4))
        await h.helper.consume(Traces.empty())  # Go ignores empty requests under the items sizer
        gate.set()
        await wait_for(lambda: len(h.backend.received) == 2)
        await h.helper.shutdown()

    asyncio.run(run())


def test_bytes_sizer() -> None:
    async def run() -> None:
        gate = asyncio.Event()
        one = traces(1, tag=1)
        size = len(one.to_wire())
        h = make(Backend(gate=gate), queue=queue(num_consumers=1, queue_size=size * 2, sizer="bytes"))
        await h.helper.start(NopHost())
        await h.helper.consume(one)
        assert h.metric("otelcol_exporter_queue_size") == size
        await h.helper.consume(traces(1, tag=2))
        with pytest.raises(ConsumerError, match=r"^sending queue is full$"):
            await h.helper.consume(traces(1, tag=3))
        gate.set()
        await wait_for(lambda: len(h.backend.received) == 2)
        await h.helper.shutdown()

    asyncio.run(run())


def test_failure_after_enqueue_is_logged_and_counted(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        h = make(Backend(fail_always=permanent("rejected by backend")), queue=queue())
        await h.helper.start(NopHost())
        await h.helper.consume(traces(3))  # accepted: the failure happens later
        await wait_for(lambda: h.metric("otelcol_exporter_send_failed_spans") == 3)
        (line,) = records(logs, "Exporting failed. Dropping data.")
        assert line.levelname == "ERROR"
        assert fields(line) == {
            "error": "not retryable error: Permanent error: rejected by backend",
            "dropped_items": 3,
        }
        assert h.backend.attempts == 1
        await h.helper.shutdown()

    asyncio.run(run())


def test_wait_for_result_returns_the_export_error() -> None:
    async def run() -> None:
        h = make(Backend(failures=[permanent("nope"), None]), queue=queue(wait_for_result=True))
        await h.helper.start(NopHost())
        with pytest.raises(PermanentError, match="nope"):
            await h.helper.consume(traces(1, tag=1))
        await h.helper.consume(traces(1, tag=2))
        assert h.backend.tags() == [2]  # returned only once sent
        await h.helper.shutdown()

    asyncio.run(run())


def test_shutdown_drains_the_queue() -> None:
    async def run() -> None:
        h = make(Backend(delay=0.002), queue=queue(num_consumers=2), timeout=timedelta(seconds=5))
        await h.helper.start(NopHost())
        for i in range(30):
            await h.helper.consume(traces(1, tag=i))
        await h.helper.shutdown()
        assert sorted(h.backend.tags()) == list(range(30))
        assert h.metric("otelcol_exporter_sent_spans") == 30

    asyncio.run(run())


def test_drain_tries_each_request_once_without_retries(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        gate = asyncio.Event()
        backend = Backend(gate=gate, fail_always=retryable("down"))
        h = make(backend, queue=queue(num_consumers=1), timeout=timedelta(seconds=5))
        await h.helper.start(NopHost())
        for i in range(3):
            await h.helper.consume(traces(1, tag=i))
        await wait_for(lambda: backend.attempts == 1)
        stopping = asyncio.ensure_future(h.helper.shutdown())
        await asyncio.sleep(0.01)
        gate.set()
        await stopping
        assert backend.attempts == 3
        dropped = records(logs, "Exporting failed. Dropping data.")
        assert [fields(r)["error"] for r in dropped] == ["interrupted due to shutdown: down"] * 3
        assert h.metric("otelcol_exporter_send_failed_spans") == 3

    asyncio.run(run())


def test_drain_is_bounded_by_the_timeout(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        backend = Backend(gate=asyncio.Event())  # never answers
        h = make(backend, queue=queue(num_consumers=1), timeout=timedelta(milliseconds=100))
        await h.helper.start(NopHost())
        for i in range(5):
            await h.helper.consume(traces(2, tag=i))
        await h.helper.shutdown()  # each attempt would take 100 ms: the drain deadline cuts it short
        assert backend.received == []
        assert h.metric("otelcol_exporter_send_failed_spans") == 10
        dropped = sum(fields(r)["dropped_items"] for r in records(logs, "Exporting failed. Dropping data."))
        assert dropped == 10

    asyncio.run(run())


def test_shutdown_is_idempotent_and_safe_without_start() -> None:
    async def run() -> None:
        called: list[str] = []

        async def stop() -> None:
            called.append("stop")

        h = make(queue=queue(), shutdown=stop)
        await h.helper.shutdown()
        await h.helper.shutdown()
        assert called == ["stop"]
        with pytest.raises(ConsumerError):
            await h.helper.consume(traces())

    asyncio.run(run())


def test_start_calls_the_exporter_start_first() -> None:
    async def run() -> None:
        order: list[str] = []

        async def start(host: object) -> None:
            order.append("exporter")

        h = make(queue=queue(), start=start)
        await h.helper.start(NopHost())
        assert order == ["exporter"]
        assert h.helper.capabilities.mutates_data is False
        await h.helper.shutdown()

    asyncio.run(run())


def test_gauges_of_several_exporters_on_one_meter() -> None:
    """The SDK keeps only the first callback of an instrument name: both exporters must still report."""

    async def run() -> None:
        reader = InMemoryMetricReader()
        meter = MeterProvider(metric_readers=[reader]).get_meter("t")
        logger = logging.getLogger("pyotelcol.test.shared")
        helpers = []
        for cid, signal, size in (("otlp/a", Signal.TRACES, 7), ("otlp/b", Signal.LOGS, 9)):
            settings = Settings(ID.parse(cid), Kind.EXPORTER, TelemetrySettings(logger, meter), signal=signal)
            backend = Backend()
            helper = ExporterHelper(settings, signal, backend.push, retry=RetryConfig(), queue=queue(queue_size=size))
            await helper.start(NopHost())
            helpers.append(helper)
        capacity = {
            (a["exporter"], a["data_type"]): v for a, v in metric_values(reader)["otelcol_exporter_queue_capacity"]
        }
        assert capacity == {("otlp/a", "traces"): 7, ("otlp/b", "logs"): 9}
        await helpers[0].shutdown()
        capacity = {
            (a["exporter"], a["data_type"]): v for a, v in metric_values(reader)["otelcol_exporter_queue_capacity"]
        }
        assert ("otlp/b", "logs") in capacity
        await helpers[1].shutdown()

    asyncio.run(run())
