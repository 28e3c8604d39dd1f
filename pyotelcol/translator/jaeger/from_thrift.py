"""Jaeger thrift ``Batch`` -> OTLP ``ExportTraceServiceRequest``, as Go's ``ThriftToTraces``.

One resource (the batch's process) and one scope with no name per batch: unlike the protobuf path,
Go leaves ``otel.scope.name`` and ``w3c.tracestate`` as plain attributes here. The parent span id
is ``parentSpanId``, else the first CHILD_OF reference of the same trace, else the first
FOLLOWS_FROM one; every other reference becomes a link.
"""

from __future__ import annotations

import struct
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from . import attributes as A
from .text import text

_MASK64 = (1 << 64) - 1
_PAIR = struct.Struct(">qq")
_ONE = struct.Struct(">q")
_ZERO_TRACE = bytes(16)
_ZERO_SPAN = bytes(8)
_TAG_TYPE_NAMES = ("STRING", "DOUBLE", "BOOL", "LONG", "BINARY")
_CHILD_OF, _FOLLOWS_FROM = 0, 1


def _trace_id(high: int, low: int) -> bytes:
    raw = _PAIR.pack(high, low)
    return b"" if raw == _ZERO_TRACE else raw


def _span_id(value: int) -> bytes:
    raw = _ONE.pack(value)
    return b"" if raw == _ZERO_SPAN else raw


def tags_into(tags: Any, attrs: A.AttrMap, http_keys: tuple[str, ...]) -> None:
    """Add thrift ``Tag`` values to ``attrs`` as Go's jThriftTagsToInternalAttributes does."""
    for tag in tags:
        key = tag.key
        if type(key) is not str:
            key = text(key)
        vtype = tag.vType
        if vtype == 0:
            value = tag.vStr
            entry: tuple[int, Any] = (A.STR, "" if value is None else value if type(value) is str else text(value))
        elif vtype == 3:
            entry = (A.INT, tag.vLong or 0)
        elif vtype == 1:
            double = tag.vDouble
            entry = (A.DOUBLE, 0.0 if double is None else double)
        elif vtype == 2:
            entry = (A.BOOL, bool(tag.vBool))
        elif vtype == 4:
            entry = (A.BYTES, tag.vBinary or b"")
        else:
            entry = A.unknown_type("<UNSET>")
        A.put_tag(attrs, key, entry, http_keys)


def _parent_id(span: Any) -> int:
    if span.parentSpanId:
        return int(span.parentSpanId)
    follows_from = None
    for ref in span.references or ():
        if ref.traceIdHigh != span.traceIdHigh or ref.traceIdLow != span.traceIdLow:
            continue
        if ref.refType == _CHILD_OF:
            return int(ref.spanId)
        if follows_from is None and ref.refType == _FOLLOWS_FROM:
            follows_from = ref
    return int(follows_from.spanId) if follows_from is not None else 0


def _is_blank(span: Any) -> bool:
    return not (
        span.traceIdLow
        or span.traceIdHigh
        or span.spanId
        or span.parentSpanId
        or span.operationName
        or span.flags
        or span.startTime
        or span.duration
        or span.references is not None
        or span.tags is not None
        or span.logs is not None
    )


def _span(span: Any, http_keys: tuple[str, ...]) -> Any:
    out: Any = Span(
        trace_id=_trace_id(span.traceIdHigh, span.traceIdLow),
        span_id=_span_id(span.spanId),
        name=span.operationName if type(span.operationName) is str else text(span.operationName),
        start_time_unix_nano=(span.startTime * 1000) & _MASK64,
        end_time_unix_nano=((span.startTime + span.duration) * 1000) & _MASK64,
    )
    if span.flags & 1:
        out.flags = 1
    parent = _parent_id(span)
    if parent:
        out.parent_span_id = _span_id(parent)
    if span.tags:
        attrs: A.AttrMap = {}
        tags_into(span.tags, attrs, http_keys)
        kind = A.pop_span_kind(attrs) if "span.kind" in attrs else 0
        out.kind = kind
        status = A.pop_status(attrs, kind)
        if status is not None and (status[0] or status[1]):
            out.status.code, out.status.message = status
        out.attributes.extend(A.to_key_values(attrs))
    if span.logs:
        events = out.events
        for log in span.logs:
            event = events.add(time_unix_nano=(log.timestamp * 1000) & _MASK64)
            if log.fields:
                fields: A.AttrMap = {}
                tags_into(log.fields, fields, http_keys)
                if "event" in fields:
                    event.name = A.as_str(fields["event"])
                    A.swap_remove(fields, "event")
                event.attributes.extend(A.to_key_values(fields))
    refs = span.references
    if refs and not (len(refs) == 1 and refs[0].spanId == parent and refs[0].refType == _CHILD_OF):
        links = out.links
        for ref in refs:
            if ref.spanId == parent and ref.refType == _CHILD_OF:
                continue
            link = links.add(trace_id=_trace_id(ref.traceIdHigh, ref.traceIdLow), span_id=_span_id(ref.spanId))
            link.attributes.extend(
                A.to_key_values(
                    {"opentracing.ref_type": (A.STR, "child_of" if ref.refType == _CHILD_OF else "follows_from")}
                )
            )
    return out


def _resource_attributes(process: Any, http_keys: tuple[str, ...]) -> A.AttrMap:
    attrs: A.AttrMap = {}
    service = process.serviceName or ""
    if type(service) is not str:
        service = text(service)
    if service == "" and process.tags is None:
        return attrs
    if service:
        attrs["service.name"] = (A.STR, service)
    tags_into(process.tags or (), attrs, http_keys)
    A.fix_resource_keys(attrs)
    return attrs


def thrift_to_traces(batch: Any, http_keys: tuple[str, ...] = A.DEFAULT_HTTP_STATUS_KEYS) -> Any:
    """The OTLP request for a decoded thrift ``Batch`` (see ``thrift_codec``)."""
    request = ExportTraceServiceRequest()
    process, spans = batch.process, batch.spans
    if process is None and not spans:
        return request
    resource_spans = request.resource_spans.add()
    if process is not None:
        resource_spans.resource.attributes.extend(A.to_key_values(_resource_attributes(process, http_keys)))
    if not spans:
        return request
    scope_spans = resource_spans.scope_spans.add()
    scope_spans.spans.extend([_span(span, http_keys) for span in spans if span is not None and not _is_blank(span)])
    return request
