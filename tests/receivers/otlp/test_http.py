"""OTLP/HTTP wire behaviour of the otlp receiver, as Go's otlpreceiver and the OTLP/HTTP spec define it."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import tracemalloc
import zlib
from typing import Any

import cramjam
import lz4.frame
import pytest
import zstandard
from aiohttp import ClientSession
from google.rpc import error_details_pb2, status_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from support import EXAMPLES as OTLP_EXAMPLES

from pyotelcol import client
from pyotelcol.component import Signal
from pyotelcol.consumer import Capabilities, ConsumerError, PermanentError
from pyotelcol.pdata import AnyData
from pyotelcol.pdata.otlpjson import from_json
from pyotelcol.testing import metric_values

PB = "application/x-protobuf"
JS = "application/json"
HTTP_ONLY: dict[str, Any] = {}
REQUEST_TYPES: dict[str, Any] = {
    "trace.json": ExportTraceServiceRequest,
    "metrics.json": ExportMetricsServiceRequest,
    "logs.json": ExportLogsServiceRequest,
    "events.json": ExportLogsServiceRequest,
}
PATHS = {"trace.json": "/v1/traces", "metrics.json": "/v1/metrics", "logs.json": "/v1/logs", "events.json": "/v1/logs"}
SIGNALS = {
    "trace.json": Signal.TRACES,
    "metrics.json": Signal.METRICS,
    "logs.json": Signal.LOGS,
    "events.json": Signal.LOGS,
}


class Reply:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def content_type(self) -> str:
        return str(self.headers.get("Content-Type", ""))

    def json(self) -> Any:
        return json.loads(self.body)

    def status_pb(self) -> status_pb2.Status:
        st = status_pb2.Status()
        st.ParseFromString(self.body)
        return st


async def send(url: str, body: bytes = b"", headers: dict[str, str] | None = None, method: str = "POST") -> Reply:
    async with (
        ClientSession(auto_decompress=False, skip_auto_headers=("Content-Type",)) as session,
        session.request(method, url, data=body, headers=headers or {}) as resp,
    ):
        return Reply(resp.status, resp.headers, await resp.read())


def trace_pb() -> bytes:
    return bytes(from_json(EXAMPLE_TRACE, ExportTraceServiceRequest).SerializeToString())


EXAMPLE_TRACE = (OTLP_EXAMPLES / "trace.json").read_bytes()


async def assert_still_works(run: Any) -> None:
    """A valid request after whatever came before is accepted and forwarded."""
    before = len(run.sinks[Signal.TRACES].received)
    reply = await send(run.url("/v1/traces"), trace_pb(), {"Content-Type": PB})
    assert reply.status == 200
    assert len(run.sinks[Signal.TRACES].received) == before + 1


# -- accepted requests ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("trace.json", "application/json"),
        ("trace.json", "application/json; charset=utf-8"),
        ("trace.json", "APPLICATION/JSON"),
        ("trace.json", "application/json;"),
        ("metrics.json", "application/json"),
        ("logs.json", "application/json"),
        ("events.json", "application/json"),
    ],
)
def test_json_examples_decode_like_the_codec(otlp: Any, name: str, content_type: str) -> None:
    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY) as run:
            reply = await send(run.url(PATHS[name]), otlp.example(name), {"Content-Type": content_type})
            assert reply.status == 200
            assert reply.content_type == JS
            assert reply.json() == {"partialSuccess": {}}
            (got,) = run.sinks[SIGNALS[name]].received
            assert got.message == from_json(otlp.example(name), REQUEST_TYPES[name])
            assert REQUEST_TYPES[name].FromString(got.to_wire()) == got.message

    asyncio.run(main())


def test_json_examples_keep_their_details(otlp: Any) -> None:
    """Checklist 14/15/25: temporality, monotonicity, eventName, kvlist body, upper-case hex ids."""

    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY) as run:
            for name in ("trace.json", "metrics.json", "logs.json", "events.json"):
                assert (await send(run.url(PATHS[name]), otlp.example(name), {"Content-Type": JS})).status == 200
            span = run.sinks[Signal.TRACES].received[0].message.resource_spans[0].scope_spans[0].spans[0]
            assert span.trace_id == bytes.fromhex("0af7651916cd43dd8448eb211c80319c")
            assert span.kind == 2
            metrics = run.sinks[Signal.METRICS].received[0]
            assert metrics.item_count() == 5
            counter = metrics.message.resource_metrics[0].scope_metrics[0].metrics[0]
            assert counter.sum.aggregation_temporality == 1 and counter.sum.is_monotonic
            logs, events = run.sinks[Signal.LOGS].received
            assert logs.message.resource_logs[0].scope_logs[0].log_records[0].severity_number == 13
            event = events.message.resource_logs[0].scope_logs[0].log_records[0]
            assert event.event_name == "shop.cart_updated"
            assert event.body.WhichOneof("value") == "kvlist_value"

    asyncio.run(main())


def _variant(kind: str) -> bytes:
    doc = json.loads(EXAMPLE_TRACE)
    span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    if kind == "lower-hex":
        span["traceId"], span["spanId"] = span["traceId"].lower(), span["spanId"].lower()
    elif kind == "unknown-fields":
        doc["somethingNew"] = {"x": [1, 2]}
        span["futureField"] = "ignored"
    elif kind == "kind-name":
        span["kind"] = "SPAN_KIND_SERVER"
    elif kind == "time-as-number":
        span["startTimeUnixNano"] = int(span["startTimeUnixNano"])
    elif kind == "snake-case":
        doc = {
            "resource_spans": [
                {"resource": doc["resourceSpans"][0]["resource"], "scope_spans": doc["resourceSpans"][0]["scopeSpans"]}
            ]
        }
    return json.dumps(doc).encode()


@pytest.mark.parametrize("kind", ["lower-hex", "unknown-fields", "kind-name", "time-as-number", "snake-case"])
def test_json_variants_decode_to_the_same_data(otlp: Any, kind: str) -> None:
    """Checklist 25-28, 31: the same trace written differently is the same data."""

    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY) as run:
            reply = await send(run.url("/v1/traces"), _variant(kind), {"Content-Type": JS})
            assert reply.status == 200
            (got,) = run.sinks[Signal.TRACES].received
            assert got.message == from_json(EXAMPLE_TRACE, ExportTraceServiceRequest)

    asyncio.run(main())


def test_json_attribute_value_forms(otlp: Any) -> None:
    """Checklist 29/30: intValue as number or string; bytesValue is base64."""

    def with_attrs(values: list[dict[str, Any]]) -> bytes:
        return _json_trace(lambda s: s.update(attributes=[{"key": f"k{i}", "value": v} for i, v in enumerate(values)]))

    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY) as run:
            body = with_attrs([{"intValue": 10}, {"intValue": "10"}, {"bytesValue": "AQID"}])
            assert (await send(run.url("/v1/traces"), body, {"Content-Type": JS})).status == 200
            (got,) = run.sinks[Signal.TRACES].received
            attrs = got.message.resource_spans[0].scope_spans[0].spans[0].attributes
            assert [a.value.int_value for a in attrs[:2]] == [10, 10]
            assert attrs[2].value.bytes_value == b"\x01\x02\x03"
            # re-exported as protobuf, the data decodes to the same message (checklist 51)
            assert ExportTraceServiceRequest.FromString(got.to_wire()) == got.message

    asyncio.run(main())


@pytest.mark.parametrize("name", ["trace.json", "metrics.json", "logs.json", "events.json"])
def test_protobuf_bodies_keep_wire_bytes(otlp: Any, name: str) -> None:
    async def main() -> None:
        body = bytes(from_json(otlp.example(name), REQUEST_TYPES[name]).SerializeToString())
        async with otlp.run(http=HTTP_ONLY) as run:
            reply = await send(run.url(PATHS[name]), body, {"Content-Type": PB})
            assert reply.status == 200
            assert reply.content_type == PB
            assert reply.body == b"\x0a\x00"
            resp = ExportTraceServiceResponse()
            resp.ParseFromString(reply.body)
            assert resp.HasField("partial_success")
            (got,) = run.sinks[SIGNALS[name]].received
            assert got.has_wire and got.to_wire() == body

    asyncio.run(main())


def test_protocols_served_at_once(otlp: Any) -> None:
    """Checklist 52: one receiver serves gRPC and HTTP together (the gRPC side in test_grpc)."""

    async def main() -> None:
        async with otlp.run(grpc={}, http={}) as run:
            import grpc.aio

            async with grpc.aio.insecure_channel(run.grpc_target) as channel:
                export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export", None, None)
                assert await export(trace_pb()) == b"\x0a\x00"
            await assert_still_works(run)
            assert len(run.sinks[Signal.TRACES].received) == 2

    asyncio.run(main())


# -- rejected requests, in Go's check order ---------------------------------------------------

NOT_FOUND = (404, "text/plain; charset=utf-8", b"404 page not found\n")
NOT_ALLOWED = (405, "text/plain", b"405 method not allowed, supported: [POST]")
UNSUPPORTED = (415, "text/plain", b"415 unsupported media type, supported: [application/json, application/x-protobuf]")


@pytest.mark.parametrize(
    ("method", "path", "headers", "expected"),
    [
        ("GET", "/v1/traces", {}, NOT_ALLOWED),
        ("GET", "/v1/traces", {"Content-Type": "text/plain"}, NOT_ALLOWED),
        ("PUT", "/v1/logs", {"Content-Type": JS}, NOT_ALLOWED),
        ("HEAD", "/v1/metrics", {}, (405, "text/plain", b"")),
        (
            "OPTIONS",
            "/v1/traces",
            {"Origin": "https://a.example.com", "Access-Control-Request-Method": "POST"},
            NOT_ALLOWED,
        ),
        ("POST", "/v1/traces", {}, UNSUPPORTED),
        ("POST", "/v1/traces", {"Content-Type": "text/plain"}, UNSUPPORTED),
        ("POST", "/v1/traces", {"Content-Type": "application/protobuf"}, UNSUPPORTED),
        ("POST", "/v1/traces", {"Content-Type": "text/json"}, UNSUPPORTED),
        ("POST", "/v1/traces", {"Content-Type": "application/json; charset"}, UNSUPPORTED),
        ("POST", "/v1/traces", {"Content-Type": "application/json; a=1; a=2"}, UNSUPPORTED),
        ("POST", "/v1/trace", {"Content-Type": JS}, NOT_FOUND),
        ("POST", "/v1/traces/", {"Content-Type": JS}, NOT_FOUND),
        ("GET", "/", {}, NOT_FOUND),
        ("POST", "/v1development/profiles", {"Content-Type": PB}, NOT_FOUND),
    ],
)
def test_route_method_and_content_type(
    otlp: Any, method: str, path: str, headers: dict[str, str], expected: tuple[int, str, bytes]
) -> None:
    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY) as run:
            reply = await send(run.url(path), EXAMPLE_TRACE, headers, method)
            assert (reply.status, reply.content_type, reply.body) == expected
            assert not run.sinks[Signal.TRACES].received
            await assert_still_works(run)

    asyncio.run(main())


def _json_trace(mutate: Any) -> bytes:
    doc = json.loads(EXAMPLE_TRACE)
    mutate(doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0])
    return json.dumps(doc).encode()


BAD_BODIES = {
    "truncated-json": (JS, EXAMPLE_TRACE[:-7]),
    "empty-json": (JS, b""),
    "garbage-protobuf": (PB, b"\xff\xff\xff\xff garbage"),
    "short-trace-id-json": (JS, _json_trace(lambda s: s.update(traceId="5B8EFFF798038103D269B633813FC60"))),
    "base64-trace-id-json": (JS, _json_trace(lambda s: s.update(traceId=base64.b64encode(b"x" * 16).decode()))),
    "bogus-kind-json": (JS, _json_trace(lambda s: s.update(kind="BOGUS"))),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_undecodable_bodies_are_400_in_the_request_encoding(otlp: Any, case: str) -> None:
    content_type, body = BAD_BODIES[case]

    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY) as run:
            reply = await send(run.url("/v1/traces"), body, {"Content-Type": content_type})
            assert reply.status == 400
            assert reply.content_type == content_type
            if content_type == JS:
                st = reply.json()
                assert st["code"] == 3 and st["message"]
            else:
                st_pb = reply.status_pb()
                assert st_pb.code == 3 and st_pb.message
            assert not run.sinks[Signal.TRACES].received
            await assert_still_works(run)

    asyncio.run(main())


@pytest.mark.parametrize(
    ("encoding", "body", "content_type", "status", "message"),
    [
        ("br", b"x", JS, 400, "unsupported Content-Encoding: br"),
        ("br", b"x", PB, 400, "unsupported Content-Encoding: br"),
        ("GZIP", b"x", JS, 400, "unsupported Content-Encoding: GZIP"),
        ("gzip, identity", b"x", JS, 400, "unsupported Content-Encoding: gzip, identity"),
        ("identity", b"x", JS, 400, "unsupported Content-Encoding: identity"),
        ("gzip", EXAMPLE_TRACE, JS, 400, "gzip: invalid header"),
        ("gzip", b"not gzip at all", PB, 400, "gzip: invalid header"),
        ("gzip", b"", JS, 400, "EOF"),
        ("zlib", EXAMPLE_TRACE, JS, 400, "zlib: invalid header"),
        ("gzip", gzip.compress(EXAMPLE_TRACE)[:-12], JS, 400, "unexpected EOF"),
        ("zstd", zstandard.ZstdCompressor().compress(EXAMPLE_TRACE)[:-5], JS, 400, "unexpected EOF"),
        ("snappy", b"\xff\xff\xff\xff\xff", JS, 400, "snappy: corrupt input"),
        ("lz4", b"definitely not lz4", JS, 400, "lz4: bad magic number"),
        ("x-snappy-framed", b"\xff\x06\x00\x00sNaPpX", JS, 400, "snappy: corrupt input"),
    ],
)
def test_bad_content_encoding(
    otlp: Any, encoding: str, body: bytes, content_type: str, status: int, message: str
) -> None:
    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY) as run:
            headers = {"Content-Type": content_type, "Content-Encoding": encoding}
            reply = await send(run.url("/v1/traces"), body, headers)
            assert reply.status == status
            assert reply.content_type == content_type
            st = (
                reply.json()
                if content_type == JS
                else {"code": reply.status_pb().code, "message": reply.status_pb().message}
            )
            assert st == {"code": 3, "message": message}
            await assert_still_works(run)

    asyncio.run(main())


def test_encoding_error_beats_path_and_method_and_unknown_content_type_is_415(otlp: Any) -> None:
    """Go's decompression middleware runs before the mux; without a known Content-Type its
    error handler answers 500 (``failed to marshal error message``). Here such a request is
    refused by the checks that follow instead: 404 / 405 / 415, never a 500."""

    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY) as run:
            reply = await send(run.url("/nowhere"), b"x", {"Content-Type": JS, "Content-Encoding": "br"}, "GET")
            assert reply.status == 400 and reply.json()["message"] == "unsupported Content-Encoding: br"
            for encoding, body in (
                ("br", b"x"),
                ("gzip", b"not gzip"),
                ("zstd", b"\x28\xb5\x2f\xfd"),
                ("snappy", b"\xff"),
            ):
                for content_type in ("text/plain", ""):
                    headers = {"Content-Encoding": encoding}
                    if content_type:
                        headers["Content-Type"] = content_type
                    reply = await send(run.url("/v1/traces"), body, headers)
                    assert reply.status == 415, (encoding, content_type)
                    assert reply.body.startswith(b"415 unsupported media type")
            reply = await send(
                run.url("/v1/traces"), b"x", {"Content-Type": "text/plain", "Content-Encoding": "br"}, "GET"
            )
            assert reply.status == 405
            reply = await send(run.url("/nowhere"), b"x", {"Content-Type": "text/plain", "Content-Encoding": "br"})
            assert reply.status == 404
            # non-ASCII header text comes back escaped, never as a 500
            reply = await send(run.url("/v1/traces"), b"x", {"Content-Type": JS, "Content-Encoding": "gzíp"})
            assert reply.status == 400 and reply.json()["message"].startswith("unsupported Content-Encoding: gz")

    asyncio.run(main())


# -- empty and zero-item requests -------------------------------------------------------------


def test_empty_and_zero_item_requests_are_ok_and_not_forwarded(otlp: Any) -> None:
    no_points = {"resourceMetrics": [{"resource": {}, "scopeMetrics": [{"metrics": [{"name": "m", "gauge": {}}]}]}]}

    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY) as run:
            reply = await send(run.url("/v1/traces"), b"", {"Content-Type": PB})
            assert (reply.status, reply.body) == (200, b"\x0a\x00")
            reply = await send(run.url("/v1/logs"), b"{}", {"Content-Type": JS})
            assert (reply.status, reply.json()) == (200, {"partialSuccess": {}})
            reply = await send(run.url("/v1/metrics"), json.dumps(no_points).encode(), {"Content-Type": JS})
            assert reply.status == 200
            assert all(not sink.received for sink in run.sinks.values())
            assert not any(name.startswith("otelcol_receiver") for name in metric_values(run.reader))

    asyncio.run(main())


def test_all_zero_trace_id_is_accepted(otlp: Any) -> None:
    body = _json_trace(lambda s: s.update(traceId="0" * 32, spanId="0" * 16))

    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY) as run:
            assert (await send(run.url("/v1/traces"), body, {"Content-Type": JS})).status == 200
            assert run.sinks[Signal.TRACES].item_count() == 1

    asyncio.run(main())


# -- compression ------------------------------------------------------------------------------

COMPRESSORS: dict[str, Any] = {
    "gzip": gzip.compress,
    "gzip-multimember": lambda b: gzip.compress(b[:100]) + gzip.compress(b[100:]),
    "zlib": zlib.compress,
    "deflate": zlib.compress,
    "zstd": lambda b: zstandard.ZstdCompressor().compress(b),
    "snappy": lambda b: bytes(cramjam.snappy.compress_raw(b)),
    "snappy-framed-backcompat": lambda b: bytes(cramjam.snappy.compress(b)),
    "x-snappy-framed": lambda b: bytes(cramjam.snappy.compress(b)),
    "lz4": lz4.frame.compress,
}


@pytest.mark.parametrize("case", sorted(COMPRESSORS))
@pytest.mark.parametrize("content_type", [PB, JS])
def test_every_compression_algorithm(otlp: Any, case: str, content_type: str) -> None:
    encoding = case.split("-")[0] if case != "x-snappy-framed" else case
    raw = trace_pb() if content_type == PB else EXAMPLE_TRACE

    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY) as run:
            headers = {"Content-Type": content_type, "Content-Encoding": encoding}
            reply = await send(run.url("/v1/traces"), COMPRESSORS[case](raw), headers)
            assert reply.status == 200, reply.body
            (got,) = run.sinks[Signal.TRACES].received
            assert got.message == from_json(EXAMPLE_TRACE, ExportTraceServiceRequest)

    asyncio.run(main())


def test_compression_algorithms_setting(otlp: Any) -> None:
    async def main() -> None:
        async with otlp.run(http={"compression_algorithms": ["", "zstd"]}) as run:
            headers = {"Content-Type": PB, "Content-Encoding": "gzip"}
            reply = await send(run.url("/v1/traces"), gzip.compress(trace_pb()), headers)
            assert reply.status == 400 and reply.status_pb().message == "unsupported Content-Encoding: gzip"
            headers["Content-Encoding"] = "zstd"
            reply = await send(run.url("/v1/traces"), zstandard.ZstdCompressor().compress(trace_pb()), headers)
            assert reply.status == 200

    asyncio.run(main())


# -- size limits ------------------------------------------------------------------------------


def _bomb(encoding: str, size: int) -> bytes:
    """About ``size`` zero bytes, compressed cheaply (many small members/frames)."""
    mib = b"\0" * (1 << 20)
    if encoding == "gzip":
        return gzip.compress(mib, 1) * (size >> 20)
    if encoding == "lz4":
        return bytes(lz4.frame.compress(mib)) * (size >> 20)
    if encoding == "zstd":
        return zstandard.ZstdCompressor(level=1).compress(b"\0" * size)
    if encoding == "zlib":
        return zlib.compress(b"\0" * size, 1)
    if encoding == "x-snappy-framed":
        return bytes(cramjam.snappy.compress(b"\0" * size))
    return bytes(cramjam.snappy.compress_raw(b"\0" * size))


@pytest.mark.parametrize("encoding", ["gzip", "zlib", "zstd", "lz4", "snappy", "x-snappy-framed"])
def test_decompression_bombs_get_413_without_allocating_them(otlp: Any, encoding: str) -> None:
    bomb = _bomb(encoding, 256 << 20)

    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY) as run:
            tracemalloc.start()
            try:
                headers = {"Content-Type": PB, "Content-Encoding": encoding}
                reply = await send(run.url("/v1/traces"), bomb, headers)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert reply.status == 413
            assert reply.status_pb().code == 8
            assert peak < 72 << 20, f"peak {peak >> 20} MiB while refusing a 256 MiB bomb"
            await assert_still_works(run)

    asyncio.run(main())


def test_raw_body_over_default_limit_is_413(otlp: Any) -> None:
    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY) as run:
            body = b"\0" * (20 * 1024 * 1024 + 1)
            reply = await send(run.url("/v1/traces"), body, {"Content-Type": JS})
            assert reply.status == 413
            assert reply.json() == {"code": 8, "message": "http: request body too large"}

            async def chunks() -> Any:  # no Content-Length: the cap applies while reading
                for _ in range(21):
                    yield b"\0" * (1 << 20)

            async with (
                ClientSession() as session,
                session.post(run.url("/v1/traces"), data=chunks(), headers={"Content-Type": PB}) as resp,
            ):
                assert resp.status == 413
            await assert_still_works(run)

    asyncio.run(main())


def test_configured_limit_applies_to_raw_and_decompressed_size(otlp: Any) -> None:
    async def main() -> None:
        async with otlp.run(http={"max_request_body_size": 2000}) as run:
            big = _json_trace(lambda s: s.update(name="x" * 3000))
            headers = {"Content-Type": JS}
            assert (await send(run.url("/v1/traces"), big, headers)).status == 413
            packed = gzip.compress(big)
            assert len(packed) < 2000
            headers["Content-Encoding"] = "gzip"
            assert (await send(run.url("/v1/traces"), packed, headers)).status == 413
            assert (await send(run.url("/v1/traces"), gzip.compress(EXAMPLE_TRACE), headers)).status == 200
            assert run.sinks[Signal.TRACES].item_count() == 1

    asyncio.run(main())


# -- downstream errors ------------------------------------------------------------------------


class Refusing:
    def __init__(self, err: BaseException) -> None:
        self.err = err

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities()

    async def consume(self, data: AnyData) -> None:
        raise self.err


@pytest.mark.parametrize(
    ("err", "status", "code", "retry_after"),
    [
        (ConsumerError("queue is full"), 503, 14, None),
        (PermanentError("bad data"), 500, 13, None),
        (ConsumerError("throttled", retry_after=13), 503, 14, "13"),
        (ConsumerError("slow down", retry_after=13.9, grpc_code=8), 429, 8, "13"),
        (ConsumerError("too big", grpc_code=8), 429, 8, None),
        (ConsumerError("invalid", grpc_code=3), 400, 3, None),
        (ConsumerError("denied", grpc_code=7), 403, 7, None),
        (RuntimeError("bug"), 503, 14, None),
    ],
)
@pytest.mark.parametrize("content_type", [PB, JS])
def test_consumer_errors_map_to_status(
    otlp: Any, err: BaseException, status: int, code: int, retry_after: str | None, content_type: str
) -> None:
    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY, consumers={Signal.TRACES: Refusing(err)}) as run:
            body = EXAMPLE_TRACE if content_type == JS else trace_pb()
            reply = await send(run.url("/v1/traces"), body, {"Content-Type": content_type})
            assert reply.status == status
            assert reply.content_type == content_type
            assert reply.headers.get("Retry-After") == retry_after
            if content_type == JS:
                st = reply.json()
                assert (st["code"], st["message"]) == (code, str(err))
                if retry_after:
                    assert st["details"][0]["@type"] == "type.googleapis.com/google.rpc.RetryInfo"
                    assert st["details"][0]["retryDelay"].startswith("13")
            else:
                st_pb = reply.status_pb()
                assert (st_pb.code, st_pb.message) == (code, str(err))
                if retry_after:
                    info = error_details_pb2.RetryInfo()
                    assert st_pb.details[0].Unpack(info)
                    assert info.retry_delay.seconds == 13
            refused = metric_values(run.reader)["otelcol_receiver_refused_spans"]
            assert refused == [({"receiver": "otlp", "transport": "http", "format": "protobuf"}, 1.0)]

    asyncio.run(main())


def test_self_metrics_count_accepted_items(otlp: Any) -> None:
    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY, name="otlp/in") as run:
            for name in ("trace.json", "metrics.json", "logs.json"):
                assert (await send(run.url(PATHS[name]), otlp.example(name), {"Content-Type": JS})).status == 200
            values = metric_values(run.reader)
            assert values["otelcol_receiver_accepted_spans"] == [
                ({"receiver": "otlp/in", "transport": "http", "format": "protobuf"}, 1.0)
            ]
            assert values["otelcol_receiver_accepted_metric_points"][0][1] == 5.0
            assert values["otelcol_receiver_accepted_log_records"] == [
                ({"receiver": "otlp/in", "transport": "http"}, 1.0)
            ]

    asyncio.run(main())


# -- routes -----------------------------------------------------------------------------------


def test_custom_url_paths(otlp: Any) -> None:
    async def main() -> None:
        async with otlp.run(http={"traces_url_path": "v2/t", "logs_url_path": "/log/ingest"}) as run:
            assert (await send(run.url("/v2/t"), EXAMPLE_TRACE, {"Content-Type": JS})).status == 200
            assert (await send(run.url("/v2/t?x=1"), EXAMPLE_TRACE, {"Content-Type": JS})).status == 200
            assert (await send(run.url("/v1/traces"), EXAMPLE_TRACE, {"Content-Type": JS})).status == 404
            logs = otlp.example("logs.json")
            assert (await send(run.url("/log/ingest"), logs, {"Content-Type": JS})).status == 200
            assert (
                await send(run.url("/v1/metrics"), otlp.example("metrics.json"), {"Content-Type": JS})
            ).status == 200
            assert run.sinks[Signal.TRACES].item_count() == 2

    asyncio.run(main())


def test_signal_without_pipeline_is_404(otlp: Any) -> None:
    async def main() -> None:
        async with otlp.run(http=HTTP_ONLY, signals=[Signal.TRACES]) as run:
            assert (await send(run.url("/v1/logs"), otlp.example("logs.json"), {"Content-Type": JS})).status == 404
            assert (await send(run.url("/v1/traces"), EXAMPLE_TRACE, {"Content-Type": JS})).status == 200

    asyncio.run(main())


# -- CORS -------------------------------------------------------------------------------------

CORS = {
    "cors": {
        "allowed_origins": ["https://*.example.com", "https://exact.test"],
        "max_age": 7200,
        "exposed_headers": ["x-trace"],
    }
}
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


@pytest.mark.parametrize(
    ("cors", "headers", "expected"),
    [
        (
            CORS,
            {
                "Origin": "https://a.example.com",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
            {
                "Access-Control-Allow-Origin": "https://a.example.com",
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "content-type",
                "Access-Control-Allow-Credentials": "true",
                "Access-Control-Max-Age": "7200",
            },
        ),
        (
            CORS,
            {"Origin": "HTTPS://EXACT.TEST", "Access-Control-Request-Method": "POST"},
            {
                "Access-Control-Allow-Origin": "HTTPS://EXACT.TEST",
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Credentials": "true",
                "Access-Control-Max-Age": "7200",
            },
        ),
        (CORS, {"Origin": "https://evil.test", "Access-Control-Request-Method": "POST"}, {}),
        (CORS, {"Origin": "https://example.com", "Access-Control-Request-Method": "POST"}, {}),
        (CORS, {"Origin": "https://a.example.com", "Access-Control-Request-Method": "DELETE"}, {}),
        (
            CORS,
            {
                "Origin": "https://a.example.com",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "x-secret",
            },
            {},
        ),
        (
            {"cors": {"allowed_origins": ["*"], "allowed_headers": ["X-Custom"]}},
            {
                "Origin": "https://any.where",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,x-custom",
            },
            {
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "content-type,x-custom",
                "Access-Control-Allow-Credentials": "true",
            },
        ),
    ],
)
def test_cors_preflight(otlp: Any, cors: dict[str, Any], headers: dict[str, str], expected: dict[str, str]) -> None:
    async def main() -> None:
        async with otlp.run(http=cors) as run:
            reply = await send(run.url("/v1/traces"), b"", headers, "OPTIONS")
            assert (reply.status, reply.body) == (204, b"")
            assert reply.headers.getall("Vary") == [PREFLIGHT_VARY]
            got = {k: v for k, v in reply.headers.items() if k.lower().startswith("access-control-")}
            assert got == expected

    asyncio.run(main())


def test_cors_actual_requests(otlp: Any) -> None:
    async def main() -> None:
        async with otlp.run(http=CORS) as run:
            reply = await send(
                run.url("/v1/traces"), EXAMPLE_TRACE, {"Content-Type": JS, "Origin": "https://a.example.com"}
            )
            assert reply.status == 200
            assert reply.headers["Access-Control-Allow-Origin"] == "https://a.example.com"
            assert reply.headers["Access-Control-Allow-Credentials"] == "true"
            assert reply.headers["Access-Control-Expose-Headers"] == "X-Trace"
            assert reply.headers["Vary"] == "Origin"
            reply = await send(
                run.url("/v1/traces"), EXAMPLE_TRACE, {"Content-Type": JS, "Origin": "https://evil.test"}
            )
            assert reply.status == 200 and reply.headers["Vary"] == "Origin"
            assert "Access-Control-Allow-Origin" not in reply.headers
            reply = await send(
                run.url("/nowhere"),
                b"",
                {"Origin": "https://a.example.com", "Access-Control-Request-Method": "POST"},
                "OPTIONS",
            )
            assert reply.status == 204  # the CORS layer answers preflights before routing

    asyncio.run(main())


def test_cors_without_origins_is_off(otlp: Any) -> None:
    async def main() -> None:
        async with otlp.run(http={"cors": {"allowed_headers": ["x-a"]}}) as run:
            headers = {"Origin": "https://a.example.com", "Access-Control-Request-Method": "POST"}
            reply = await send(run.url("/v1/traces"), b"", headers, "OPTIONS")
            assert reply.status == 405
            assert "Vary" not in reply.headers

    asyncio.run(main())


# -- metadata and response headers ------------------------------------------------------------


@pytest.mark.parametrize("include", [True, False])
def test_include_metadata(otlp: Any, include: bool) -> None:
    recorder = otlp.MetadataRecorder()

    async def main() -> None:
        async with otlp.run(http={"include_metadata": include}, consumers={Signal.TRACES: recorder}) as run:
            headers = {"Content-Type": JS, "X-Tenant": "acme"}
            assert (await send(run.url("/v1/traces"), EXAMPLE_TRACE, headers)).status == 200
        (seen,) = recorder.seen
        if include:
            assert seen is not None and seen["x-tenant"] == ["acme"] and seen["content-type"] == [JS]
        else:
            assert seen is None
        assert not client.from_context().metadata

    asyncio.run(main())


def test_response_headers_on_every_response(otlp: Any) -> None:
    async def main() -> None:
        async with otlp.run(http={"response_headers": {"X-Served-By": "pyotelcol"}}) as run:
            assert (await send(run.url("/v1/traces"), EXAMPLE_TRACE, {"Content-Type": JS})).headers[
                "X-Served-By"
            ] == "pyotelcol"
            assert (await send(run.url("/nope"), b"", {}, "GET")).headers["X-Served-By"] == "pyotelcol"

    asyncio.run(main())
