"""The benchmark's spans in other wire formats: Zipkin v2 JSON and Jaeger thrift (binary ``Batch``).

Each request carries the same content as payload.py's OTLP request: 512 server spans, 8 tags
each (the same keys and kinds of values), one service. What identifies a request at the sink:

- Jaeger: a ``bench.seq`` LONG tag on the batch's process, which the receiver turns into the
  resource attribute ``bench.seq``, as in the OTLP load;
- Zipkin: a v2 span has no resource tags of its own beyond a fixed semconv list, so the request's
  sequence number travels in the service name, ``bench-seq-<n>`` (the resource's
  ``service.name``; see ``payload.seqs_of``).

Bodies are built from one template per format before the clock starts; per request only the
sequence number is substituted (Zipkin: a text replace; Jaeger: 8 bytes spliced in place).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from payload import SEQ_KEY, SERVICE_SEQ_PREFIX, SPANS_PER_REQUEST

ZIPKIN_SERVICE_PREFIX = SERVICE_SEQ_PREFIX
_ROUTES = ["/api/v1/users/{id}", "/api/v1/orders", "/api/v1/cart/{id}/items", "/healthz", "/api/v2/search"]
_BASE_US = 1_700_000_000_000_000


def _span_fields(rnd: random.Random, i: int) -> dict[str, object]:
    """What payload.scope_block puts in span ``i``, as plain values."""
    route = _ROUTES[i % len(_ROUTES)]
    return {
        "trace_id": rnd.getrandbits(128) | 1,
        "span_id": rnd.getrandbits(64) | 1,
        "parent_id": (rnd.getrandbits(64) | 1) if i % 4 else 0,
        "name": f"GET {route}",
        "start_us": _BASE_US + i * 1000,
        "duration_us": rnd.randint(100, 50_000),
        "tags": {
            "http.request.method": "GET",
            "http.route": route,
            "http.response.status_code": 200 if i % 17 else 503,
            "url.path": f"/api/v1/users/{rnd.randint(1, 10**6)}",
            "server.address": "frontend.prod.svc",
            "network.peer.address": f"10.0.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}",
            "user_agent.original": "Mozilla/5.0 (X11; Linux x86_64) bench/1.0",
            "bench.index": i,
        },
    }


def zipkin_bodies(spans: int = SPANS_PER_REQUEST, seed: int = 1) -> Callable[[int], bytes]:
    """seq -> a Zipkin v2 JSON list of ``spans`` spans of the service ``bench-seq-<seq>``."""
    rnd = random.Random(seed)
    marker = f"{ZIPKIN_SERVICE_PREFIX}987654321"
    out = []
    for i in range(spans):
        f = _span_fields(rnd, i)
        span: dict[str, object] = {
            "traceId": f"{f['trace_id']:032x}",
            "id": f"{f['span_id']:016x}",
            "name": f["name"],
            "kind": "SERVER",
            "timestamp": f["start_us"],
            "duration": f["duration_us"],
            "localEndpoint": {"serviceName": marker},
            # Zipkin tags are strings; the receiver keeps them as strings (parse_string_tags off)
            "tags": {k: str(v) for k, v in f["tags"].items()},  # type: ignore[attr-defined]
        }
        if f["parent_id"]:
            span["parentId"] = f"{f['parent_id']:016x}"
        out.append(span)
    template = json.dumps(out, separators=(",", ":")).encode()
    needle = marker.encode()

    def body(seq: int) -> bytes:
        return template.replace(needle, f"{ZIPKIN_SERVICE_PREFIX}{seq}".encode())

    return body


def jaeger_bodies(spans: int = SPANS_PER_REQUEST, seed: int = 1) -> Callable[[int], bytes]:
    """seq -> a binary-protocol Jaeger ``Batch`` (a thrift_http body) with ``bench.seq`` = seq."""
    from pyotelcol.translator.jaeger.thrift_codec import encode_batch, thrift

    def tag(key: str, value: object) -> object:
        if isinstance(value, int):
            return thrift.Tag(key=key, vType=thrift.TagType.LONG, vLong=value)
        return thrift.Tag(key=key, vType=thrift.TagType.STRING, vStr=str(value))

    def signed(value: int) -> int:
        return value - (1 << 64) if value >= 1 << 63 else value

    marker = 0x7A6B5C4D3E2F1A0B  # an 8-byte value that occurs nowhere else in the body
    process = thrift.Process(
        serviceName="checkout",
        tags=[
            tag("service.version", "2.3.1"),
            tag("host.name", "bench-host-01"),
            tag("telemetry.sdk.name", "opentelemetry"),
            tag("telemetry.sdk.language", "python"),
            tag(SEQ_KEY, marker),
        ],
    )
    rnd = random.Random(seed)
    jspans = []
    for i in range(spans):
        f = _span_fields(rnd, i)
        trace_id: int = f["trace_id"]  # type: ignore[assignment]
        jspans.append(
            thrift.Span(
                traceIdLow=signed(trace_id & ((1 << 64) - 1)),
                traceIdHigh=signed(trace_id >> 64),
                spanId=signed(f["span_id"]),  # type: ignore[arg-type]
                parentSpanId=signed(f["parent_id"]),  # type: ignore[arg-type]
                operationName=f["name"],
                flags=1,
                startTime=f["start_us"],
                duration=f["duration_us"],
                tags=[tag("span.kind", "server")] + [tag(k, v) for k, v in f["tags"].items()],  # type: ignore[attr-defined]
            )
        )
    template = encode_batch(thrift.Batch(process=process, spans=jspans))
    needle = marker.to_bytes(8, "big")
    assert template.count(needle) == 1, "the marker must occur exactly once"
    head, _, tail = template.partition(needle)

    def body(seq: int) -> bytes:
        return head + seq.to_bytes(8, "big", signed=True) + tail

    return body
