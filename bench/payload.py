"""Realistic, pre-serialized OTLP trace requests for the benchmark.

One request = one ResourceSpans with 512 spans in one scope (the SDK's default batch), each span
with 8 attributes, an event-free body of about 350 bytes. The resource carries a ``bench.seq``
integer attribute, unique per request, so the sink can time every request from send to receipt.
Only the resource is serialized per request: the 512-span scope block is serialized once and the
request is assembled around it by hand (it is one length-delimited field).
"""

from __future__ import annotations

import random

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ScopeSpans, Span, Status

SPANS_PER_REQUEST = 512
SEQ_KEY = "bench.seq"
SEQ_KEY_BYTES = b"\n\tbench.seq"  # KeyValue.key field as it appears on the wire
SERVICE_SEQ_PREFIX = "bench-seq-"  # service.name prefix carrying the sequence number (Zipkin load)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _kv(key: str, value: object) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def scope_block(spans: int = SPANS_PER_REQUEST, seed: int = 1) -> bytes:
    """The serialized ScopeSpans field (tag included) shared by every request."""
    rnd = random.Random(seed)
    ss = ScopeSpans()
    ss.scope.name = "io.opentelemetry.bench"
    ss.scope.version = "1.0.0"
    base = 1_700_000_000_000_000_000
    routes = ["/api/v1/users/{id}", "/api/v1/orders", "/api/v1/cart/{id}/items", "/healthz", "/api/v2/search"]
    for i in range(spans):
        trace_id = rnd.randbytes(16)
        start = base + i * 1_000_000
        span = Span(
            trace_id=trace_id,
            span_id=rnd.randbytes(8),
            parent_span_id=rnd.randbytes(8) if i % 4 else b"",
            name=f"GET {routes[i % len(routes)]}",
            kind=Span.SPAN_KIND_SERVER,
            start_time_unix_nano=start,
            end_time_unix_nano=start + rnd.randint(100_000, 50_000_000),
        )
        span.attributes.extend(
            [
                _kv("http.request.method", "GET"),
                _kv("http.route", routes[i % len(routes)]),
                _kv("http.response.status_code", 200 if i % 17 else 503),
                _kv("url.path", f"/api/v1/users/{rnd.randint(1, 10**6)}"),
                _kv("server.address", "frontend.prod.svc"),
                _kv("network.peer.address", f"10.0.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}"),
                _kv("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) bench/1.0"),
                _kv("bench.index", i),
            ]
        )
        span.status.code = Status.STATUS_CODE_OK
        ss.spans.append(span)
    body = ss.SerializeToString()
    return b"\x12" + _varint(len(body)) + body  # ResourceSpans.scope_spans = 2


def resource_bytes(seq: int) -> bytes:
    res = Resource()
    res.attributes.extend(
        [
            _kv("service.name", "checkout"),
            _kv("service.version", "2.3.1"),
            _kv("host.name", "bench-host-01"),
            _kv("telemetry.sdk.name", "opentelemetry"),
            _kv("telemetry.sdk.language", "python"),
            _kv(SEQ_KEY, seq),
        ]
    )
    body = res.SerializeToString()
    return b"\x0a" + _varint(len(body)) + body  # ResourceSpans.resource = 1


def request(seq: int, block: bytes) -> bytes:
    """A whole ExportTraceServiceRequest for ``seq``."""
    rs = resource_bytes(seq) + block
    return b"\x0a" + _varint(len(rs)) + rs


def seqs_of(msg: ExportTraceServiceRequest) -> list[tuple[int, int]]:
    """(seq, span count) per resource of a received request."""
    out = []
    for rs in msg.resource_spans:
        seq = -1
        for kv in rs.resource.attributes:
            if kv.key == SEQ_KEY:
                seq = kv.value.int_value
                break
            # Zipkin load (formats.py): the sequence number is in the service name
            if kv.key == "service.name" and kv.value.string_value.startswith(SERVICE_SEQ_PREFIX):
                seq = int(kv.value.string_value[len(SERVICE_SEQ_PREFIX) :])
                break
        out.append((seq, sum(len(ss.spans) for ss in rs.scope_spans)))
    return out
