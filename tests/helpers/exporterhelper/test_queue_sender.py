"""QueueSender alone: enqueue, consumers, what a send's outcome does to the queue, drain."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from helpers.exporterhelper.ehsupport import Recorder, fields, permanent, records, traces, wait_for
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from pyotelcol.component import Kind, Signal
from pyotelcol.consumer import ConsumerError
from pyotelcol.helpers.exporterhelper import QueueConfig
from pyotelcol.helpers.exporterhelper.errors import CircuitOpenError
from pyotelcol.helpers.exporterhelper.queue_sender import QueueSender
from pyotelcol.helpers.exporterhelper.sender import Request
from pyotelcol.telemetry.obsreport import ExporterObs
from pyotelcol.testing import NopHost, make_settings, metric_values


def make(nxt: Recorder, drain: float = 5.0, **kw: Any) -> tuple[QueueSender, InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    settings = make_settings("otlp/qs", Kind.EXPORTER, Signal.TRACES, reader=reader)
    sender = QueueSender(
        settings,
        Signal.TRACES,
        QueueConfig(**kw),
        nxt,
        obs=ExporterObs(settings, Signal.TRACES),
        breaker=None,
        drain_timeout=drain,
        failure_hint="",
    )
    return sender, reader


def metric(reader: InMemoryMetricReader, name: str) -> float | None:
    points = metric_values(reader).get(name, [])
    return points[0][1] if points else None


def test_send_returns_once_queued_and_a_consumer_sends_it_down() -> None:
    async def run() -> None:
        nxt = Recorder(gate=asyncio.Event())
        sender, reader = make(nxt, num_consumers=1)
        await sender.start(NopHost())
        data = traces(3)
        await sender.send(Request(data))  # returns although the next sender is held
        await wait_for(lambda: len(nxt.requests) == 1)
        assert nxt.requests[0].data is data and nxt.requests[0].items == 3
        assert sender.queue.size() == 1  # in flight still counts
        assert metric(reader, "otelcol_exporter_queue_size") == 1
        assert nxt.gate is not None
        nxt.gate.set()
        await wait_for(lambda: sender.queue.size() == 0)
        await sender.shutdown()

    asyncio.run(run())


def test_wait_for_result_returns_the_export_error() -> None:
    async def run() -> None:
        nxt = Recorder(failures=[permanent("bad")])
        sender, _ = make(nxt, wait_for_result=True)
        await sender.start(NopHost())
        with pytest.raises(ConsumerError, match=r"^Permanent error: bad$"):
            await sender.send(Request(traces()))
        await sender.send(Request(traces()))
        await sender.shutdown()

    asyncio.run(run())


def test_a_refused_request_goes_back_to_the_queue(caplog: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        nxt = Recorder(failures=[CircuitOpenError(0.1), None])
        sender, _ = make(nxt, num_consumers=1)
        await sender.start(NopHost())
        data = traces()
        await sender.send(Request(data))
        await wait_for(lambda: len(nxt.requests) == 2 and sender.queue.size() == 0)
        assert [r.data for r in nxt.requests] == [data, data]
        await sender.shutdown()

    asyncio.run(run())
    assert records(caplog, "Exporting failed. Dropping data.") == []


def test_a_failed_send_is_dropped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        nxt = Recorder(failures=[permanent("bad")])
        sender, _ = make(nxt, num_consumers=1)
        await sender.start(NopHost())
        await sender.send(Request(traces(2)))
        await wait_for(lambda: len(nxt.requests) == 1 and sender.queue.size() == 0)
        await sender.shutdown()

    asyncio.run(run())
    (line,) = records(caplog, "Exporting failed. Dropping data.")
    assert fields(line) == {"error": "Permanent error: bad", "dropped_items": 2}


def test_full_queue_refuses_and_counts_enqueue_failed() -> None:
    async def run() -> None:
        nxt = Recorder(gate=asyncio.Event())
        sender, reader = make(nxt, num_consumers=1, queue_size=1)
        await sender.start(NopHost())
        await sender.send(Request(traces()))
        with pytest.raises(ConsumerError, match=r"^sending queue is full$"):
            await sender.send(Request(traces(4)))
        assert metric(reader, "otelcol_exporter_enqueue_failed_spans") == 4
        assert nxt.gate is not None
        nxt.gate.set()
        await sender.shutdown()

    asyncio.run(run())


def test_shutdown_drains_then_refuses() -> None:
    async def run() -> None:
        nxt = Recorder()
        sender, _ = make(nxt, num_consumers=2)
        await sender.start(NopHost())
        for _ in range(5):
            await sender.send(Request(traces()))
        await sender.shutdown()
        assert len(nxt.requests) == 5
        with pytest.raises(ConsumerError, match=r"^sending queue is stopped$"):
            await sender.send(Request(traces()))

    asyncio.run(run())


def test_drain_deadline_abandons_what_is_still_sending(caplog: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        nxt = Recorder(gate=asyncio.Event())  # never opened
        sender, reader = make(nxt, drain=0.05, num_consumers=1)
        await sender.start(NopHost())
        await sender.send(Request(traces(2)))
        await sender.send(Request(traces(3)))
        await wait_for(lambda: len(nxt.requests) == 1)
        await sender.shutdown()
        assert metric(reader, "otelcol_exporter_send_failed_spans") == 5
        assert sender.queue.size() == 0

    asyncio.run(run())
    lines = records(caplog, "Exporting failed. Dropping data.")
    assert sorted(fields(r)["dropped_items"] for r in lines) == [2, 3]
    assert {fields(r)["error"] for r in lines} == {"interrupted due to shutdown: drain deadline exceeded"}
