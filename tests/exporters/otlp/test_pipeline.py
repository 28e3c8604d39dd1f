"""Both OTLP exporters through their factories (ExporterHelper: queue, retry) into a real otlp
receiver started in-process from its factory; what the receiver's Sink gets equals what was sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from pyotelcol.exporters.otlp_grpc import create_factory as grpc_factory
from pyotelcol.exporters.otlp_http import create_factory as http_factory
from pyotelcol.receivers.otlp import create_factory as receiver_factory

from pyotelcol.component import Kind, Signal, StabilityLevel
from pyotelcol.config import decode, validate
from pyotelcol.consumer import ConsumerError
from pyotelcol.testing import NopHost, Sink, make_settings, metric_values

SIGNALS = (Signal.TRACES, Signal.METRICS, Signal.LOGS)


def test_factories() -> None:
    g, h = grpc_factory(), http_factory()
    assert (g.type, g.deprecated_alias, h.type, h.deprecated_alias) == ("otlp_grpc", "otlp", "otlp_http", "otlphttp")
    for factory in (g, h):
        assert dict(factory.stability) == dict.fromkeys(SIGNALS, StabilityLevel.STABLE)
        assert Signal.PROFILES not in factory.stability


def _config(factory: Any, raw: dict[str, Any]) -> Any:
    cfg = decode(type(factory.create_default_config()), raw, factory.create_default_config())
    assert validate(cfg, f"exporters::{factory.type}") == []
    return cfg


@asynccontextmanager
async def receiver(grpc_port: int, http_port: int) -> AsyncIterator[dict[Signal, Sink]]:
    factory = receiver_factory()
    raw = {
        "protocols": {"grpc": {"endpoint": f"127.0.0.1:{grpc_port}"}, "http": {"endpoint": f"127.0.0.1:{http_port}"}}
    }
    cfg = decode(type(factory.create_default_config()), raw, factory.create_default_config())
    sinks = {s: Sink() for s in SIGNALS}
    comps = [factory.create_for(s, make_settings("otlp", Kind.RECEIVER, s), cfg, sinks[s]) for s in SIGNALS]
    for c in comps:
        await c.start(NopHost())
    try:
        yield sinks
    finally:
        for c in comps:
            await c.shutdown()


@pytest.mark.parametrize("kind", ["grpc", "http-proto", "http-json"])
def test_exporter_to_receiver_all_signals(h: ModuleType, port: Any, kind: str) -> None:
    grpc_port, http_port = port(), port()
    if kind == "grpc":
        factory = grpc_factory()
        raw: dict[str, Any] = {"endpoint": f"127.0.0.1:{grpc_port}", "tls": {"insecure": True}}
    else:
        factory = http_factory()
        raw = {"endpoint": f"http://127.0.0.1:{http_port}", "encoding": kind.removeprefix("http-")}
    cfg = _config(factory, raw)
    data = {Signal.TRACES: h.make_traces(7), Signal.METRICS: h.make_metrics(5), Signal.LOGS: h.make_logs(3)}

    async def main() -> None:
        reader = InMemoryMetricReader()
        async with receiver(grpc_port, http_port) as sinks:
            exporters = [
                factory.create_for(s, make_settings(factory.type, Kind.EXPORTER, s, reader if i == 0 else None), cfg)
                for i, s in enumerate(SIGNALS)
            ]
            for exp in exporters:
                assert not exp.capabilities.mutates_data
                await exp.start(NopHost())
            try:
                for exp, signal in zip(exporters, SIGNALS, strict=True):
                    await exp.consume(data[signal])  # queued: returns before the send
                await h.wait_until(lambda: all(sinks[s].received for s in SIGNALS), what="all signals")
            finally:
                for exp in exporters:
                    await exp.shutdown()
            for signal in SIGNALS:
                (got,) = sinks[signal].received
                assert got.message == data[signal].message
                if kind != "http-json":
                    assert got.to_wire() == data[signal].to_wire()
        sent = metric_values(reader)["otelcol_exporter_sent_spans"]
        assert sent == [({"exporter": factory.type}, 7.0)]

    asyncio.run(main())


def test_queue_full_refuses_retryably_and_shutdown_drains(h: ModuleType, port: Any) -> None:
    """A stalled backend, a two-slot non-blocking queue (a request in flight still takes its
    slot, as in Go): the third request is refused with ``sending queue is full``; once the
    backend answers, everything accepted arrives."""
    factory = grpc_factory()

    async def main() -> None:
        release = asyncio.Event()

        async def stall(record: Any) -> Any:
            await release.wait()
            return h.GrpcReply()

        sink = h.GrpcSink(port(), behaviour=stall)
        await sink.start()
        cfg = _config(
            factory,
            {
                "endpoint": sink.target,
                "tls": {"insecure": True},
                "timeout": "5s",
                "sending_queue": {"num_consumers": 1, "queue_size": 2},
            },
        )
        exp = factory.create_for(Signal.TRACES, make_settings("otlp", Kind.EXPORTER, Signal.TRACES), cfg)
        await exp.start(NopHost())
        try:
            await exp.consume(h.make_traces(1, "first"))  # taken by the consumer, stalls at the sink
            await h.wait_until(lambda: len(sink.attempts) == 1, what="first attempt")
            await exp.consume(h.make_traces(1, "second"))  # fills the queue
            with pytest.raises(ConsumerError, match="sending queue is full") as info:
                await exp.consume(h.make_traces(1, "third"))
            assert info.value.__class__ is ConsumerError  # retryable -> UNAVAILABLE / 503 upstream
            release.set()
            await h.wait_until(lambda: len(sink.accepted) == 2, what="both accepted requests")
        finally:
            await exp.shutdown()
            await sink.stop()
        assert h.span_names(sink.accepted_bodies()) == ["first-0", "second-0"]

    asyncio.run(main())
