"""A bounded, seeded fuzz of both transports: mutated OTLP/JSON and protobuf bodies, wrong types
for every field kind, nulls, huge numbers and arrays, bad ids, deep nesting, empty and truncated
bodies, every Content-Encoding (intact, truncated, corrupted). No input may get a 5xx (HTTP) or
anything but INVALID_ARGUMENT (gRPC); whatever is accepted must serialize, parse back and encode
as JSON (what every later stage does); and the receiver still serves a valid request afterwards."""

from __future__ import annotations

import asyncio
import copy
import gzip
import json
import random
import zlib
from typing import Any

import cramjam
import grpc
import grpc.aio
import lz4.frame
import zstandard
from aiohttp import ClientSession
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from pyotelcol.component import Signal
from pyotelcol.pdata.otlpjson import from_json, to_json

PATHS = {Signal.TRACES: "/v1/traces", Signal.METRICS: "/v1/metrics", Signal.LOGS: "/v1/logs"}
METHODS = {
    Signal.TRACES: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    Signal.METRICS: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    Signal.LOGS: "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
}
ENCODINGS = ["", "gzip", "zlib", "deflate", "zstd", "snappy", "x-snappy-framed", "lz4", "br", "GZIP"]
CONTENT_TYPES = ["application/json", "application/x-protobuf", "application/json; charset=utf-8", "text/plain", ""]

TRACE_ID, SPAN_ID = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174"


def attributes() -> list[dict[str, Any]]:
    return [
        {"key": "s", "value": {"stringValue": "v"}},
        {"key": "b", "value": {"boolValue": True}},
        {"key": "i", "value": {"intValue": "42"}},
        {"key": "d", "value": {"doubleValue": 1.5}},
        {"key": "y", "value": {"bytesValue": "AQID"}},
        {"key": "a", "value": {"arrayValue": {"values": [{"stringValue": "x"}, {"intValue": 1}]}}},
        {"key": "m", "value": {"kvlistValue": {"values": [{"key": "n", "value": {"doubleValue": "NaN"}}]}}},
    ]


def resource() -> dict[str, Any]:
    return {"attributes": attributes(), "droppedAttributesCount": 1}


def scope() -> dict[str, Any]:
    return {"name": "fuzz", "version": "1", "attributes": attributes()}


def traces() -> dict[str, Any]:
    span = {
        "traceId": TRACE_ID,
        "spanId": SPAN_ID,
        "parentSpanId": SPAN_ID,
        "traceState": "a=b",
        "flags": 1,
        "name": "span",
        "kind": 2,
        "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000000000000100",
        "attributes": attributes(),
        "droppedAttributesCount": 0,
        "events": [{"timeUnixNano": "1", "name": "e", "attributes": attributes()}],
        "links": [{"traceId": TRACE_ID, "spanId": SPAN_ID, "attributes": attributes(), "flags": 256}],
        "status": {"code": 2, "message": "err"},
    }
    rs = {"resource": resource(), "scopeSpans": [{"scope": scope(), "spans": [span], "schemaUrl": "u"}]}
    return {"resourceSpans": [rs]}


def metrics() -> dict[str, Any]:
    exemplar = {
        "timeUnixNano": "1",
        "asDouble": 1.0,
        "traceId": TRACE_ID,
        "spanId": SPAN_ID,
        "filteredAttributes": attributes(),
    }
    point = {"attributes": attributes(), "timeUnixNano": "2", "asInt": "3", "exemplars": [exemplar], "flags": 1}
    hist = {
        "attributes": attributes(),
        "count": "2",
        "sum": 3.5,
        "bucketCounts": ["1", 1],
        "explicitBounds": [1.0],
        "exemplars": [exemplar],
        "min": 1,
        "max": 2,
    }
    exp = {
        "count": "1",
        "scale": -2,
        "zeroCount": "0",
        "positive": {"offset": -1, "bucketCounts": ["1"]},
        "negative": {},
    }
    summary = {"count": "1", "sum": 2.0, "quantileValues": [{"quantile": 0.5, "value": 1.0}]}
    ms = [
        {"name": "g", "unit": "1", "gauge": {"dataPoints": [point]}},
        {"name": "s", "sum": {"dataPoints": [point], "aggregationTemporality": 2, "isMonotonic": True}},
        {"name": "h", "histogram": {"dataPoints": [hist], "aggregationTemporality": "AGGREGATION_TEMPORALITY_DELTA"}},
        {"name": "e", "exponentialHistogram": {"dataPoints": [exp], "aggregationTemporality": 1}},
        {"name": "q", "summary": {"dataPoints": [summary]}, "metadata": attributes()},
    ]
    return {"resourceMetrics": [{"resource": resource(), "scopeMetrics": [{"scope": scope(), "metrics": ms}]}]}


def logs() -> dict[str, Any]:
    record = {
        "timeUnixNano": "1",
        "observedTimeUnixNano": "2",
        "severityNumber": 9,
        "severityText": "INFO",
        "body": {"kvlistValue": {"values": attributes()}},
        "attributes": attributes(),
        "flags": 1,
        "traceId": TRACE_ID,
        "spanId": SPAN_ID,
        "eventName": "ev",
    }
    return {"resourceLogs": [{"resource": resource(), "scopeLogs": [{"scope": scope(), "logRecords": [record]}]}]}


VALID = {Signal.TRACES: traces, Signal.METRICS: metrics, Signal.LOGS: logs}
MESSAGE_TYPES: dict[Signal, Any] = {
    Signal.TRACES: ExportTraceServiceRequest,
    Signal.METRICS: ExportMetricsServiceRequest,
    Signal.LOGS: ExportLogsServiceRequest,
}
RESOURCE_FIELDS = {Signal.TRACES: "resource_spans", Signal.METRICS: "resource_metrics", Signal.LOGS: "resource_logs"}


def deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"stringValue": "x"}
    for _ in range(levels):
        value = {"arrayValue": {"values": [value]}}
    return value


HOSTILE: list[Any] = [
    None, True, False, 0, -1, 1.5, 2**64, -(2**63) - 1, 10**30, "", "x", "-1", "1.5", "1e400", "NaN", "Infinity",
    "9" * 5000, "0" * 50 + "7", "\ud800", "zz" * 8, "AQ==", "A", "!!!!", [], [None], [{}], {}, {"x": 1},
    [[[[[]]]]], deep(60), deep(3), "s" * 10_000, list(range(2000)),
]  # fmt: skip


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += paths(v, (*prefix, i))
    return out


def mutate_tree(rng: random.Random, tree: Any) -> Any:
    tree = copy.deepcopy(tree)
    for _ in range(rng.randint(1, 3)):
        where = rng.choice(paths(tree)[1:])
        parent = tree
        for step in where[:-1]:
            parent = parent[step]
        last = where[-1]
        action = rng.random()
        if action < 0.75:
            parent[last] = copy.deepcopy(rng.choice(HOSTILE))
        elif action < 0.85 and isinstance(parent, dict):
            del parent[last]
        elif isinstance(parent[last], list) and parent[last]:
            parent[last] = parent[last] * rng.randint(2, 50)
        else:
            parent[last] = {"unknownField": copy.deepcopy(rng.choice(HOSTILE)), "more": parent[last]}
    return tree


def mutate_bytes(rng: random.Random, body: bytes) -> bytes:
    data = bytearray(body)
    action = rng.random()
    if not data or action < 0.2:
        return bytes(rng.randbytes(rng.randint(0, 64)))
    if action < 0.45:
        return bytes(data[: rng.randint(0, len(data) - 1)])
    if action < 0.8:
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    pos = rng.randrange(len(data) + 1)
    return bytes(data[:pos] + rng.randbytes(rng.randint(1, 16)) + data[pos:])


def compress(encoding: str, body: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding in ("zlib", "deflate"):
        return zlib.compress(body)
    if encoding == "zstd":
        return zstandard.ZstdCompressor().compress(body)
    if encoding == "snappy":
        return bytes(cramjam.snappy.compress_raw(body))
    if encoding == "x-snappy-framed":
        return bytes(cramjam.snappy.compress(body))
    if encoding == "lz4":
        return bytes(lz4.frame.compress(body))
    return body


def protobuf(signal: Signal, tree: Any) -> bytes:
    return bytes(from_json(json.dumps(tree), MESSAGE_TYPES[signal]).SerializeToString())


def deep_protobuf(signal: Signal, levels: int) -> bytes:
    """A valid request with a resource attribute nested ``levels`` arrays deep."""
    msg = from_json(json.dumps(VALID[signal]()), MESSAGE_TYPES[signal])
    value = getattr(msg, RESOURCE_FIELDS[signal])[0].resource.attributes.add(key="deep").value
    for _ in range(levels):
        value = value.array_value.values.add()
    value.string_value = "bottom"
    return bytes(msg.SerializeToString())


def hostile_request(rng: random.Random) -> tuple[Signal, str, str, bytes]:
    """(signal, content type, content encoding, body)."""
    signal = rng.choice(list(VALID))
    tree = VALID[signal]()
    kind = rng.random()
    if kind < 0.5:
        content_type = "application/json"
        body = json.dumps(mutate_tree(rng, tree)).encode()
        if rng.random() < 0.3:
            body = mutate_bytes(rng, body)
    else:
        content_type = "application/x-protobuf"
        chance = rng.random()
        if chance < 0.1:
            body = deep_protobuf(signal, rng.randint(45, 80))
        else:
            body = mutate_bytes(rng, protobuf(signal, tree)) if chance < 0.85 else b""
    if rng.random() < 0.1:
        content_type = rng.choice(CONTENT_TYPES)
    encoding = rng.choice(ENCODINGS) if rng.random() < 0.5 else ""
    body = compress(encoding, body)
    if encoding and rng.random() < 0.3:
        body = mutate_bytes(rng, body)  # truncated / corrupted compressed stream
    return signal, content_type, encoding, body


def check_accepted(run: Any) -> None:
    """What the receiver forwarded survives every later stage: serialize, parse back, JSON."""
    for sink in run.sinks.values():
        for data in sink.received:
            wire = data.to_wire()
            type(data).message_type.FromString(wire)
            data.check_wire(force=True)
            to_json(data.message)
        sink.received.clear()


def test_http_fuzz_never_answers_5xx(otlp: Any) -> None:
    rng = random.Random(20261204)

    async def main() -> None:
        async with otlp.run(http={}) as run, ClientSession(auto_decompress=False) as session:
            statuses: dict[int, int] = {}
            for i in range(400):
                signal, content_type, encoding, body = hostile_request(rng)
                headers = {"Content-Type": content_type} if content_type else {}
                if encoding:
                    headers["Content-Encoding"] = encoding
                url = run.url(PATHS[signal])
                async with session.post(url, data=body, headers=headers, skip_auto_headers=("Content-Type",)) as resp:
                    await resp.read()
                    assert resp.status < 500, (i, signal, content_type, encoding, body[:200], resp.status)
                    statuses[resp.status] = statuses.get(resp.status, 0) + 1
                check_accepted(run)
            # the fuzz reached both outcomes, and the receiver still serves valid data
            assert statuses.get(200, 0) > 20 and statuses.get(400, 0) > 100, statuses
            for signal, build in VALID.items():
                async with session.post(run.url(PATHS[signal]), json=build()) as resp:
                    assert resp.status == 200
                assert len(run.sinks[signal].received) == 1

    asyncio.run(main())


def test_grpc_fuzz_never_answers_unknown_or_unexpected_internal(otlp: Any) -> None:
    rng = random.Random(4121)

    async def main() -> None:
        async with otlp.run(grpc={}) as run, grpc.aio.insecure_channel(run.grpc_target) as channel:
            codes: dict[str, int] = {}
            for i in range(300):
                signal = rng.choice(list(VALID))
                tree = VALID[signal]()
                if rng.random() < 0.5:
                    try:
                        body = protobuf(signal, mutate_tree(rng, tree))  # typed but hostile values
                    except ValueError:
                        body = protobuf(signal, tree)
                elif rng.random() < 0.1:
                    body = deep_protobuf(signal, rng.randint(45, 80))
                else:
                    body = mutate_bytes(rng, protobuf(signal, tree))
                compression = grpc.Compression.Gzip if rng.random() < 0.3 else None
                try:
                    await channel.unary_unary(METHODS[signal], None, None)(body, timeout=10, compression=compression)
                    code = grpc.StatusCode.OK
                except grpc.aio.AioRpcError as err:
                    code = err.code()
                    details = err.details() or ""
                    assert code is grpc.StatusCode.INVALID_ARGUMENT, (i, code, details)
                codes[code.name] = codes.get(code.name, 0) + 1
                check_accepted(run)
            assert codes.get("OK", 0) > 20 and codes.get("INVALID_ARGUMENT", 0) > 0, codes
            for signal, build in VALID.items():
                await channel.unary_unary(METHODS[signal], None, None)(protobuf(signal, build()), timeout=10)
                assert len(run.sinks[signal].received) == 1

    asyncio.run(main())
