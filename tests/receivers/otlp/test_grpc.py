"""OTLP/gRPC wire behaviour of the otlp receiver (otlp.md §1, checklist §6 items 1-10, 52)."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import grpc.aio
import pytest
from google.rpc import error_details_pb2, status_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from pyotelcol.component import Signal
from pyotelcol.consumer import Capabilities, ConsumerError, PermanentError
from pyotelcol.pdata import AnyData
from pyotelcol.pdata.otlpjson import from_json
from pyotelcol.testing import metric_values

METHODS = {
    Signal.TRACES: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    Signal.METRICS: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    Signal.LOGS: "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
}
EXAMPLES = {
    Signal.TRACES: ("trace.json", ExportTraceServiceRequest, ExportTraceServiceResponse, 1),
    Signal.METRICS: ("metrics.json", ExportMetricsServiceRequest, ExportMetricsServiceResponse, 5),
    Signal.LOGS: ("logs.json", ExportLogsServiceRequest, ExportLogsServiceResponse, 1),
}
GRPC_ONLY: dict[str, Any] = {}


def request_bytes(otlp: Any, signal: Signal) -> bytes:
    name, request_type, _, _ = EXAMPLES[signal]
    return bytes(from_json(otlp.example(name), request_type).SerializeToString())


async def call(target: str, signal: Signal, body: bytes, **kwargs: Any) -> bytes:
    async with grpc.aio.insecure_channel(target, options=[("grpc.max_send_message_length", 64 << 20)]) as channel:
        result: bytes = await channel.unary_unary(METHODS[signal], None, None)(body, timeout=10, **kwargs)
        return result


async def call_error(target: str, signal: Signal, body: bytes, **kwargs: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call(target, signal, body, **kwargs)
    return info.value


@pytest.mark.parametrize("signal", [Signal.TRACES, Signal.METRICS, Signal.LOGS])
@pytest.mark.parametrize("compression", [None, grpc.Compression.Gzip])
def test_export_each_signal(otlp: Any, signal: Signal, compression: grpc.Compression | None) -> None:
    _, request_type, response_type, items = EXAMPLES[signal]
    body = request_bytes(otlp, signal)

    async def main() -> None:
        async with otlp.run(grpc=GRPC_ONLY) as run:
            reply = await call(run.grpc_target, signal, body, compression=compression)
            assert reply == b"\x0a\x00"
            response = response_type()
            response.ParseFromString(reply)
            assert response.HasField("partial_success")
            assert response.partial_success == type(response.partial_success)()
            (got,) = run.sinks[signal].received
            assert got.item_count() == items
            assert got.has_wire and got.to_wire() == body
            parsed = request_type()
            parsed.ParseFromString(body)
            assert got.message == parsed
            accepted = {name: v for name, v in metric_values(run.reader).items() if "accepted" in name}
            assert len(accepted) == 1
            ((attrs, value),) = next(iter(accepted.values()))
            assert value == items and attrs["transport"] == "grpc" and attrs["receiver"] == "otlp"

    asyncio.run(main())


def test_unsupported_grpc_encoding_is_unimplemented(otlp: Any) -> None:
    """grpc-go (Go's collector) has no deflate decompressor; neither do we."""

    async def main() -> None:
        async with otlp.run(grpc=GRPC_ONLY) as run:
            body = request_bytes(otlp, Signal.TRACES)
            err = await call_error(run.grpc_target, Signal.TRACES, body, compression=grpc.Compression.Deflate)
            assert err.code() == grpc.StatusCode.UNIMPLEMENTED
            assert not run.sinks[Signal.TRACES].received

    asyncio.run(main())


def test_zero_items_are_ok_and_not_forwarded(otlp: Any) -> None:
    no_points = ExportMetricsServiceRequest()
    no_points.resource_metrics.add().scope_metrics.add().metrics.add(name="m").gauge.SetInParent()
    empty_spans = ExportTraceServiceRequest()
    empty_spans.resource_spans.add().scope_spans.add()

    async def main() -> None:
        async with otlp.run(grpc=GRPC_ONLY) as run:
            assert await call(run.grpc_target, Signal.TRACES, b"") == b"\x0a\x00"
            assert await call(run.grpc_target, Signal.TRACES, empty_spans.SerializeToString()) == b"\x0a\x00"
            assert await call(run.grpc_target, Signal.METRICS, no_points.SerializeToString()) == b"\x0a\x00"
            assert all(not sink.received for sink in run.sinks.values())
            assert not metric_values(run.reader)

    asyncio.run(main())


def _short_trace_id(otlp: Any) -> bytes:
    msg = from_json(otlp.example("trace.json"), ExportTraceServiceRequest)
    msg.resource_spans[0].scope_spans[0].spans[0].trace_id = b"\x01" * 15
    return bytes(msg.SerializeToString())


@pytest.mark.parametrize("case", ["garbage", "short-trace-id"])
def test_undecodable_requests_are_invalid_argument(otlp: Any, case: str) -> None:
    """Go answers INTERNAL; bad input is the client's to fix, so INVALID_ARGUMENT here (README)."""

    async def main() -> None:
        body = b"\xff\xff\xff\xff\x0f garbage" if case == "garbage" else _short_trace_id(otlp)
        async with otlp.run(grpc=GRPC_ONLY) as run:
            err = await call_error(run.grpc_target, Signal.TRACES, body)
            assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert (err.details() or "").startswith("grpc: error unmarshalling request: ")
            assert not run.sinks[Signal.TRACES].received
            # the server is fine afterwards
            assert await call(run.grpc_target, Signal.TRACES, request_bytes(otlp, Signal.TRACES)) == b"\x0a\x00"

    asyncio.run(main())


def test_nesting_deeper_than_protobuf_parses_is_invalid_argument(otlp: Any) -> None:
    """Go has no depth limit; upb refuses more than 100 levels on every later parse, so the
    receiver refuses them as the client's error, not as INTERNAL."""
    msg = ExportTraceServiceRequest()
    value = msg.resource_spans.add().scope_spans.add().spans.add(name="deep").attributes.add(key="k").value
    for _ in range(48):  # 5 levels down to the value, then 2 per array: 101
        value = value.array_value.values.add()

    async def main() -> None:
        async with otlp.run(grpc=GRPC_ONLY) as run:
            err = await call_error(run.grpc_target, Signal.TRACES, msg.SerializeToString())
            assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert (err.details() or "").endswith("messages nested more than 100 levels deep")
            assert not run.sinks[Signal.TRACES].received

    asyncio.run(main())


def test_all_zero_ids_are_accepted(otlp: Any) -> None:
    msg = from_json(otlp.example("trace.json"), ExportTraceServiceRequest)
    span = msg.resource_spans[0].scope_spans[0].spans[0]
    span.trace_id, span.span_id = b"\0" * 16, b"\0" * 8

    async def main() -> None:
        async with otlp.run(grpc=GRPC_ONLY) as run:
            assert await call(run.grpc_target, Signal.TRACES, msg.SerializeToString()) == b"\x0a\x00"

    asyncio.run(main())


def _big_request(size: int) -> bytes:
    msg = ExportLogsServiceRequest()
    msg.resource_logs.add().scope_logs.add().log_records.add().body.string_value = "x" * size
    return bytes(msg.SerializeToString())


def test_message_size_limit(otlp: Any) -> None:
    async def main() -> None:
        async with otlp.run(grpc=GRPC_ONLY) as run:
            err = await call_error(run.grpc_target, Signal.LOGS, _big_request(4 << 20))
            assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            trailers: dict[str, Any] = dict(err.trailing_metadata() or ())  # type: ignore[arg-type]
            assert "google.rpc.retryinfo-bin" not in trailers and "grpc-status-details-bin" not in trailers
            err = await call_error(
                run.grpc_target, Signal.LOGS, _big_request(4 << 20), compression=grpc.Compression.Gzip
            )
            assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert not run.sinks[Signal.LOGS].received
        async with otlp.run(grpc={"max_recv_msg_size_mib": 8}) as run:
            assert await call(run.grpc_target, Signal.LOGS, _big_request(5 << 20)) == b"\x0a\x00"
            assert run.sinks[Signal.LOGS].item_count() == 1

    asyncio.run(main())


def test_signal_without_pipeline_is_unimplemented(otlp: Any) -> None:
    async def main() -> None:
        async with otlp.run(grpc=GRPC_ONLY, signals=[Signal.TRACES]) as run:
            err = await call_error(run.grpc_target, Signal.LOGS, request_bytes(otlp, Signal.LOGS))
            assert err.code() == grpc.StatusCode.UNIMPLEMENTED
            assert await call(run.grpc_target, Signal.TRACES, request_bytes(otlp, Signal.TRACES)) == b"\x0a\x00"

    asyncio.run(main())


class Refusing:
    def __init__(self, err: BaseException) -> None:
        self.err = err

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities()

    async def consume(self, data: AnyData) -> None:
        raise self.err


@pytest.mark.parametrize(
    ("err", "code", "retry_seconds"),
    [
        (ConsumerError("queue is full"), grpc.StatusCode.UNAVAILABLE, None),
        (PermanentError("bad data"), grpc.StatusCode.INTERNAL, None),
        (ConsumerError("throttled", retry_after=13), grpc.StatusCode.UNAVAILABLE, 13),
        (ConsumerError("slow down", retry_after=2.5, grpc_code=8), grpc.StatusCode.RESOURCE_EXHAUSTED, 2),
        (ConsumerError("invalid", grpc_code=3), grpc.StatusCode.INVALID_ARGUMENT, None),
        (RuntimeError("bug"), grpc.StatusCode.UNAVAILABLE, None),
    ],
)
def test_consumer_errors_map_to_status(
    otlp: Any, err: BaseException, code: grpc.StatusCode, retry_seconds: int | None
) -> None:
    async def main() -> None:
        async with otlp.run(grpc=GRPC_ONLY, consumers={Signal.TRACES: Refusing(err)}) as run:
            rpc_err = await call_error(run.grpc_target, Signal.TRACES, request_bytes(otlp, Signal.TRACES))
            assert rpc_err.code() == code
            assert rpc_err.details() == str(err)
            trailers: dict[str, Any] = dict(rpc_err.trailing_metadata() or ())  # type: ignore[arg-type]
            if retry_seconds is None:
                assert "google.rpc.retryinfo-bin" not in trailers
            else:
                info = error_details_pb2.RetryInfo()
                info.ParseFromString(trailers["google.rpc.retryinfo-bin"])
                assert info.retry_delay.seconds == retry_seconds
                st = status_pb2.Status()
                st.ParseFromString(trailers["grpc-status-details-bin"])
                assert st.code == code.value[0] and st.message == str(err)
                assert st.details[0].Unpack(info) and info.retry_delay.seconds == retry_seconds
            refused = metric_values(run.reader)["otelcol_receiver_refused_spans"]
            assert refused == [({"receiver": "otlp", "transport": "grpc", "format": "protobuf"}, 1.0)]

    asyncio.run(main())


@pytest.mark.parametrize("include", [True, False])
def test_include_metadata(otlp: Any, include: bool) -> None:
    recorder = otlp.MetadataRecorder()

    async def main() -> None:
        async with otlp.run(grpc={"include_metadata": include}, consumers={Signal.TRACES: recorder}) as run:
            metadata = (("x-tenant", "acme"), ("x-tenant", "beta"))
            await call(run.grpc_target, Signal.TRACES, request_bytes(otlp, Signal.TRACES), metadata=metadata)
        (seen,) = recorder.seen
        if include:
            assert seen is not None and seen["x-tenant"] == ["acme", "beta"]
        else:
            assert seen is None

    asyncio.run(main())


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_taken_port_fails_start(otlp: Any, protocol: str) -> None:
    async def main() -> None:
        async with otlp.run(**{protocol: {}}) as run:
            port = run.grpc_port if protocol == "grpc" else run.http_port
            cfg = otlp.build({"protocols": {protocol: {"endpoint": f"127.0.0.1:{port}"}}})
            from pyotelcol.receivers.otlp import create_factory

            from pyotelcol.component import Kind
            from pyotelcol.testing import NopHost, Sink, make_settings

            second = create_factory().create_for(
                Signal.TRACES, make_settings("otlp/second", Kind.RECEIVER, Signal.TRACES), cfg, Sink()
            )
            with pytest.raises(OSError) as info:
                await second.start(NopHost())
            assert str(info.value) == f"listen tcp 127.0.0.1:{port}: bind: address already in use"
            await second.shutdown()
            await second.shutdown()
            # the first receiver still owns the port
            if protocol == "grpc":
                assert await call(run.grpc_target, Signal.TRACES, request_bytes(otlp, Signal.TRACES)) == b"\x0a\x00"
                assert run.sinks[Signal.TRACES].item_count() == 1

    asyncio.run(main())


def test_lifecycle_shutdown_without_start_and_twice(otlp: Any) -> None:
    from pyotelcol.receivers.otlp import create_factory

    from pyotelcol.component import Kind
    from pyotelcol.testing import NopHost, Sink, make_settings

    async def main() -> None:
        factory = create_factory()
        cfg = factory.create_default_config()
        receiver = factory.create_for(Signal.LOGS, make_settings("otlp", Kind.RECEIVER, Signal.LOGS), cfg, Sink())
        await receiver.shutdown()
        await receiver.shutdown()
        port = otlp.next_port()
        cfg = otlp.build({"protocols": {"grpc": {"endpoint": f"127.0.0.1:{port}"}}})
        receiver = factory.create_for(Signal.LOGS, make_settings("otlp", Kind.RECEIVER, Signal.LOGS), cfg, Sink())
        await receiver.start(NopHost())
        await receiver.shutdown()
        await receiver.shutdown()
        # the port is free again: a new receiver for the same config can bind it
        receiver = factory.create_for(Signal.LOGS, make_settings("otlp", Kind.RECEIVER, Signal.LOGS), cfg, Sink())
        await receiver.start(NopHost())
        await receiver.shutdown()

    asyncio.run(main())


def test_auth_without_extension_fails_start(otlp: Any) -> None:
    from pyotelcol.receivers.otlp import create_factory

    from pyotelcol.component import Kind
    from pyotelcol.testing import NopHost, Sink, make_settings

    async def main() -> None:
        port = otlp.next_port()
        cfg = otlp.build(
            {"protocols": {"grpc": {"endpoint": f"127.0.0.1:{port}", "auth": {"authenticator": "basicauth"}}}}
        )
        receiver = create_factory().create_for(
            Signal.TRACES, make_settings("otlp", Kind.RECEIVER, Signal.TRACES), cfg, Sink()
        )
        with pytest.raises(ValueError, match='failed to resolve authenticator "basicauth": authenticator not found'):
            await receiver.start(NopHost())
        await receiver.shutdown()

    asyncio.run(main())
