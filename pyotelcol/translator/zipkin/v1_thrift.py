"""Zipkin v1 Thrift spans (``POST /api/v1/spans`` with ``Content-Type: application/x-thrift``)
to OTLP traces, as Go's contrib ``zipkinv1`` thrift unmarshaler does it.

The body is a binary-protocol ``list<Span>`` of ``zipkinCore.thrift``. Annotations are handled as
in v1 JSON (core annotations give the kind and the resource endpoint, others become events);
binary annotations carry typed values: BOOL (true only for the single byte 1), BYTES (base64
text), I16/I32 (big-endian, read **unsigned** as Go does), I64, DOUBLE (big-endian IEEE), STRING;
a value too short for its type becomes the text ``<not enough bytes representing the number>``.
IDs are 64-bit integers (``trace_id_high`` for 128-bit trace IDs).

Difference from Go: a span whose trace or span ID is zero is refused (400), as the JSON
translators refuse it; Go's thrift path lets such invalid OTLP through.
"""

from __future__ import annotations

import base64
import io
import ipaddress
import struct
import types
from typing import Any

import thriftpy2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from ...pdata import Traces
from .. import thriftio
from .errors import ZipkinError
from .v1 import (
    _UNKNOWN_SERVICE,
    _Annotation,
    _annotations,
    _Endpoint,
    _micros_to_nanos,
    _spans_for,
    _StatusMapper,
    _wrap64,
)

__all__ = ["v1_thrift_to_traces"]

# zipkinCore.thrift (field ids and types of the published IDL), and a wrapper struct whose field 1
# is the top-level list, so that thriftpy2 reads the list like any field.
ZIPKIN_CORE_THRIFT = """
struct Endpoint {
  1: i32 ipv4
  2: i16 port
  3: string service_name
  4: optional binary ipv6
}

struct Annotation {
  1: i64 timestamp
  2: string value
  3: optional Endpoint host
}

enum AnnotationType { BOOL, BYTES, I16, I32, I64, DOUBLE, STRING }

struct BinaryAnnotation {
  1: string key
  2: binary value
  3: AnnotationType annotation_type
  4: optional Endpoint host
}

struct Span {
  1: i64 trace_id
  3: string name
  4: i64 id
  5: optional i64 parent_id
  6: list<Annotation> annotations
  8: list<BinaryAnnotation> binary_annotations
  9: optional bool debug = 0
  10: optional i64 timestamp
  11: optional i64 duration
  12: optional i64 trace_id_high
}

struct SpanList {
  1: list<Span> spans
}
"""

_NOT_ENOUGH = "<not enough bytes representing the number>"
_LIST_FIELD_HEADER = b"\x0f\x00\x01"  # field type LIST, field id 1
_STOP = b"\x00"


def _load() -> types.ModuleType:
    return thriftpy2.load_fp(io.StringIO(ZIPKIN_CORE_THRIFT), module_name="pyotelcol_zipkincore_thrift")


zipkincore: Any = _load()


def _decode(body: bytes) -> list[Any]:
    wrapper = zipkincore.SpanList()
    try:
        wrapper.read(thriftio.binary_protocol(_LIST_FIELD_HEADER + body + _STOP))
    except Exception as exc:  # thriftpy2 raises several unrelated types for bad input
        raise ZipkinError(f"cannot decode Zipkin v1 thrift: {type(exc).__name__}: {exc}") from None
    return list(wrapper.spans or [])


def _endpoint(host: Any) -> _Endpoint | None:
    if host is None:
        return None
    ipv4 = ""
    if host.ipv4:
        ipv4 = str(ipaddress.IPv4Address(host.ipv4 & 0xFFFFFFFF))
    ipv6 = ""
    if host.ipv6:
        ipv6 = _go_ip_string(host.ipv6)
    return _Endpoint(host.service_name or "", ipv4, ipv6, host.port or 0)


def _go_ip_string(raw: bytes) -> str:
    """Go's ``net.IP.String``: 4 or 16 bytes as an address, anything else ``?`` + hex."""
    if len(raw) == 16:
        addr = ipaddress.IPv6Address(raw)
        return str(addr.ipv4_mapped) if addr.ipv4_mapped is not None else str(addr)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw))
    return "?" + raw.hex()


def _value(kind: int | None, raw: bytes) -> AnyValue:
    types_ = zipkincore.AnnotationType
    if kind == types_.BOOL:
        return AnyValue(bool_value=raw == b"\x01")
    if kind == types_.BYTES:
        return AnyValue(string_value=base64.b64encode(raw).decode())
    if kind == types_.STRING:
        return AnyValue(string_value=raw.decode("utf-8", "replace"))
    # Go reads I16/I32 as unsigned big-endian and ignores bytes past the first 2/4/8.
    layouts = {types_.I16: ">H", types_.I32: ">I", types_.I64: ">q", types_.DOUBLE: ">d"}
    layout = layouts.get(kind) if kind is not None else None
    if layout is None:
        return AnyValue(string_value=f"<unknown zipkin v1 binary annotation type ({kind or 0})>")
    size = struct.calcsize(layout)
    if len(raw) < size:
        return AnyValue(string_value=_NOT_ENOUGH)
    (number,) = struct.unpack(layout, raw[:size])
    return AnyValue(double_value=number) if kind == types_.DOUBLE else AnyValue(int_value=number)


def _binary_annotations(items: list[Any], attrs: dict[str, AnyValue], out: dict[str, Any]) -> str:
    fallback = ""
    if not items:
        return fallback
    mapper = _StatusMapper()
    local_component = ""
    for item in items:
        if item.host is not None:
            fallback = item.host.service_name or ""
        raw = item.value or b""
        key = item.key or ""
        value = _value(item.annotation_type, raw)
        if key == "lc":
            key = "component"
            local_component = raw.decode("utf-8", "replace")
        if mapper.take(key, value):
            continue
        attrs[key] = value  # a repeated key keeps its first position, as Go's Map.PutEmpty
    status = mapper.status()
    if status is not None:
        out["status"] = status
    return fallback or local_component


class _Span:
    """What ``v1._annotations`` reads from a span: its annotations."""

    __slots__ = ("annotations",)

    def __init__(self, annotations: list[_Annotation | None]) -> None:
        self.annotations = annotations


def _u64(value: int | None) -> int:
    return (value or 0) & 0xFFFFFFFFFFFFFFFF


def v1_thrift_to_traces(body: bytes, parse_string_tags: bool = False) -> Traces:
    """A Zipkin v1 thrift body as Traces (``parse_string_tags`` does not apply: values are typed)."""
    request = ExportTraceServiceRequest()
    by_endpoint: dict[str, Any] = {}
    for span in _decode(body):
        trace_id = _u64(span.trace_id_high).to_bytes(8, "big") + _u64(span.trace_id).to_bytes(8, "big")
        span_id = _u64(span.id).to_bytes(8, "big")
        if trace_id == bytes(16):
            raise ZipkinError("zipkinV1 span traceId: traceId is zero")
        if span_id == bytes(8):
            raise ZipkinError("zipkinV1 span id: ID is zero")
        parent_id = _u64(span.parent_id).to_bytes(8, "big") if span.parent_id else b""
        annotations = [
            _Annotation(a.timestamp or 0, a.value or "", _endpoint(a.host)) if a is not None else None
            for a in span.annotations or []
        ]
        fields: dict[str, Any] = {}
        endpoint = _annotations(_Span(annotations), fields)  # type: ignore[arg-type]
        attrs: dict[str, AnyValue] = {}
        fallback = _binary_annotations(span.binary_annotations or [], attrs, fields)
        if endpoint.service_name == _UNKNOWN_SERVICE and fallback:
            endpoint = _Endpoint(fallback, endpoint.ipv4, endpoint.ipv6, endpoint.port)
        if span.timestamp is not None:
            fields["start_time_unix_nano"] = _micros_to_nanos(span.timestamp)
            fields["end_time_unix_nano"] = _micros_to_nanos(_wrap64(span.timestamp + (span.duration or 0)))
        fields["attributes"] = [KeyValue(key=k, value=v) for k, v in attrs.items()]
        _spans_for(endpoint, request, by_endpoint).add(
            trace_id=trace_id, span_id=span_id, parent_span_id=parent_id, name=span.name or "", **fields
        )
    return Traces(request)
