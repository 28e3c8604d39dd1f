"""Real peers: the opentelemetry-python SDK OTLP exporters (gRPC and HTTP/protobuf) send spans,
metrics and logs to the receiver; the Sinks must see every item with resource, scope,
attributes and ids intact. Error paths check that the SDK honours our throttling hints."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import grpc
import pytest
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcLogExporter
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as GrpcMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http import Compression as HttpCompression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as HttpMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricsData
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from pyotelcol.component import Signal
from pyotelcol.consumer import Capabilities, ConsumerError, PermanentError
from pyotelcol.pdata import AnyData
from pyotelcol.testing import Sink

RESOURCE = Resource.create({"service.name": "sdk-test", "deployment.environment": "ci"})


def make_spans() -> list[ReadableSpan]:
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("sdk.test.scope", "1.2.3")
    with (
        tracer.start_as_current_span("parent", attributes={"http.method": "GET", "n": 7}),
        tracer.start_as_current_span("child") as child,
    ):
        child.add_event("evt", {"k": "v"})
    provider.shutdown()
    return list(memory.get_finished_spans())


def make_metrics() -> MetricsData:
    reader = InMemoryMetricReader()
    provider = MeterProvider(resource=RESOURCE, metric_readers=[reader])
    meter = provider.get_meter("sdk.test.meter", "0.1")
    meter.create_counter("requests").add(3, {"route": "/a"})
    meter.create_histogram("latency", unit="ms").record(12.5, {"route": "/a"})
    meter.create_up_down_counter("queue").add(-2)
    data = reader.get_metrics_data()
    provider.shutdown()
    assert data is not None
    return data


def make_logs() -> list[ReadableLogRecord]:
    memory = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    provider = LoggerProvider(resource=RESOURCE)
    provider.add_log_record_processor(SimpleLogRecordProcessor(memory))
    tracer_provider = TracerProvider(resource=RESOURCE)
    with tracer_provider.get_tracer("t").start_as_current_span("ctx"):
        provider.get_logger("sdk.test.logger", "4.5").emit(
            body="hello", severity_number=SeverityNumber.WARN, severity_text="WARN", attributes={"user": "u1"}
        )
    provider.shutdown()
    return list(memory.get_finished_logs())


def exporters(transport: str, run: Any, compressed: bool) -> tuple[Any, Any, Any]:
    if transport == "grpc":
        kwargs: dict[str, Any] = {"endpoint": run.grpc_target, "insecure": True, "timeout": 10}
        if compressed:
            kwargs["compression"] = grpc.Compression.Gzip
        return GrpcSpanExporter(**kwargs), GrpcMetricExporter(**kwargs), GrpcLogExporter(**kwargs)
    comp = HttpCompression.Gzip if compressed else HttpCompression.NoCompression
    return (
        HttpSpanExporter(endpoint=run.url("/v1/traces"), compression=comp, timeout=10),
        HttpMetricExporter(endpoint=run.url("/v1/metrics"), compression=comp, timeout=10),
        HttpLogExporter(endpoint=run.url("/v1/logs"), compression=comp, timeout=10),
    )


def attrs(kvs: Any) -> dict[str, Any]:
    out = {}
    for kv in kvs:
        kind = kv.value.WhichOneof("value")
        out[kv.key] = getattr(kv.value, kind) if kind else None
    return out


@pytest.mark.parametrize("transport", ["grpc", "http"])
@pytest.mark.parametrize("compressed", [False, True])
def test_sdk_exporters_deliver_everything(otlp: Any, transport: str, compressed: bool) -> None:
    spans, metrics, logs = make_spans(), make_metrics(), make_logs()

    async def main() -> None:
        async with otlp.run(grpc={}, http={}) as run:
            span_exp, metric_exp, log_exp = exporters(transport, run, compressed)
            try:
                assert (await asyncio.to_thread(span_exp.export, spans)).name == "SUCCESS"
                assert (await asyncio.to_thread(metric_exp.export, metrics)).name == "SUCCESS"
                assert (await asyncio.to_thread(log_exp.export, logs)).name == "SUCCESS"
            finally:
                for exp in (span_exp, metric_exp, log_exp):
                    await asyncio.to_thread(exp.shutdown)

            # traces: resource, scope, attributes, ids, parent links, events
            (traces,) = run.sinks[Signal.TRACES].received
            assert traces.item_count() == 2
            (rs,) = traces.message.resource_spans
            assert attrs(rs.resource.attributes)["service.name"] == "sdk-test"
            assert attrs(rs.resource.attributes)["deployment.environment"] == "ci"
            (ss,) = rs.scope_spans
            assert (ss.scope.name, ss.scope.version) == ("sdk.test.scope", "1.2.3")
            by_name = {s.name: s for s in ss.spans}
            for sdk_span in spans:
                got = by_name[sdk_span.name]
                assert got.trace_id == sdk_span.context.trace_id.to_bytes(16, "big")
                assert got.span_id == sdk_span.context.span_id.to_bytes(8, "big")
                assert got.start_time_unix_nano == sdk_span.start_time
            assert by_name["child"].parent_span_id == by_name["parent"].span_id
            assert attrs(by_name["parent"].attributes) == {"http.method": "GET", "n": 7}
            assert by_name["child"].events[0].name == "evt"

            # metrics: three instruments, one point each
            (mdata,) = run.sinks[Signal.METRICS].received
            assert mdata.item_count() == 3
            (sm,) = mdata.message.resource_metrics[0].scope_metrics
            assert (sm.scope.name, sm.scope.version) == ("sdk.test.meter", "0.1")
            by_metric = {m.name: m for m in sm.metrics}
            assert by_metric["requests"].sum.data_points[0].as_int == 3
            assert attrs(by_metric["requests"].sum.data_points[0].attributes) == {"route": "/a"}
            assert by_metric["latency"].histogram.data_points[0].sum == 12.5
            assert by_metric["queue"].sum.data_points[0].as_int == -2

            # logs: body, severity, attributes and the trace context
            (ldata,) = run.sinks[Signal.LOGS].received
            rec = ldata.message.resource_logs[0].scope_logs[0].log_records[0]
            assert ldata.message.resource_logs[0].scope_logs[0].scope.name == "sdk.test.logger"
            assert rec.body.string_value == "hello"
            assert (rec.severity_number, rec.severity_text) == (13, "WARN")
            assert attrs(rec.attributes) == {"user": "u1"}
            sdk_ctx = logs[0].log_record
            assert rec.trace_id == (sdk_ctx.trace_id or 0).to_bytes(16, "big") and len(rec.span_id) == 8

    asyncio.run(main())


class FailOnce:
    """Refuses the first request with ``err``, accepts the rest."""

    def __init__(self, err: BaseException) -> None:
        self.err: BaseException | None = err
        self.sink = Sink()

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities()

    async def consume(self, data: AnyData) -> None:
        err, self.err = self.err, None
        if err is not None:
            raise err
        await self.sink.consume(data)


@pytest.mark.parametrize("transport", ["grpc", "http"])
def test_sdk_honours_throttling_hints(otlp: Any, transport: str, caplog: pytest.LogCaptureFixture) -> None:
    """gRPC: the SDK reads our ``google.rpc.retryinfo-bin`` trailer; HTTP: our Retry-After.
    The retry delay it logs is ours (its own backoff would be 0.8-1.2 s)."""
    consumer = FailOnce(ConsumerError("memory limit", retry_after=0.05 if transport == "grpc" else 0))
    spans = make_spans()

    async def main() -> None:
        async with otlp.run(grpc={}, http={}, consumers={Signal.TRACES: consumer}) as run:
            span_exp = exporters(transport, run, False)[0]
            try:
                with caplog.at_level(logging.WARNING):
                    result = await asyncio.to_thread(span_exp.export, spans)
            finally:
                await asyncio.to_thread(span_exp.shutdown)
            assert result.name == "SUCCESS"
            assert consumer.sink.item_count() == 2
            expected = "retrying in 0.05s" if transport == "grpc" else "retrying in 0.00s"
            assert any(expected in rec.getMessage() for rec in caplog.records), [r.getMessage() for r in caplog.records]

    asyncio.run(main())


@pytest.mark.parametrize("transport", ["grpc", "http"])
def test_sdk_does_not_retry_permanent_errors(otlp: Any, transport: str) -> None:
    consumer = FailOnce(PermanentError("rejected"))
    spans = make_spans()

    async def main() -> None:
        async with otlp.run(grpc={}, http={}, consumers={Signal.TRACES: consumer}) as run:
            span_exp = exporters(transport, run, False)[0]
            try:
                result = await asyncio.to_thread(span_exp.export, spans)
            finally:
                await asyncio.to_thread(span_exp.shutdown)
            assert result.name == "FAILURE"
            assert consumer.sink.item_count() == 0  # no second attempt reached the pipeline

    asyncio.run(main())
