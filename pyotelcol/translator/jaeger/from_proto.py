"""Jaeger api_v2 protobuf ``Batch`` -> OTLP ``ExportTraceServiceRequest``, as Go's ``ProtoToTraces``.

Spans are grouped into resources by process: a span's own ``process`` wins over the batch's, and
processes with the same service name and tags share one resource (Go keys them by a hash of those;
it emits the resources in map order, so their order is unspecified). Within a resource spans are
grouped into scopes by their ``otel.scope.name``/``otel.scope.version`` tags, which are removed.
``w3c.tracestate`` becomes the trace state.
"""

from __future__ import annotations

import struct
from typing import Any

from google.protobuf import duration_pb2, timestamp_pb2  # noqa: F401 (api_v2_pb2 needs them loaded first)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from . import attributes as A
from .api_v2_pb2 import PostSpansRequest
from .errors import JaegerDecodeError

_MASK64 = (1 << 64) - 1
_ZERO_TRACE = bytes(16)
_ZERO_SPAN = bytes(8)
_VALUE_TYPE_NAMES = ("STRING", "BOOL", "INT64", "FLOAT64", "BINARY")
_CHILD_OF, _FOLLOWS_FROM = 0, 1
_NO_SERVICE_NAME = "OTLPResourceNoServiceName"

# gogo's Timestamp/Duration checks, and Go's zero time.Time (0001-01-01) for an absent timestamp.
_ZERO_TIME_SECONDS = -62135596800
_MAX_TIME_SECONDS = 253402300800
_MAX_DURATION_SECONDS = 315576000000
_NANOS = 1_000_000_000
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_U16 = struct.Struct(">H")
_I64 = struct.Struct(">q")
_F64 = struct.Struct(">d")


def _trace_id(raw: bytes) -> bytes:
    """Jaeger sends 16 bytes, or 8 for a 64-bit id; anything else fails as in Go."""
    if len(raw) == 16:
        return b"" if raw == _ZERO_TRACE else raw
    if len(raw) == 8:
        return b"" if raw == _ZERO_SPAN else _ZERO_SPAN + raw
    if not raw:
        return b""
    raise JaegerDecodeError("invalid length for TraceID")


def _span_id(raw: bytes) -> bytes:
    if len(raw) == 8:
        return b"" if raw == _ZERO_SPAN else raw
    if not raw:
        return b""
    raise JaegerDecodeError("invalid length for SpanID")


def _time_nanos(message: Any, present: bool) -> int:
    """Nanoseconds since the epoch (not yet wrapped to uint64) of a google.protobuf.Timestamp."""
    if not present:
        return _ZERO_TIME_SECONDS * _NANOS
    seconds, nanos = message.seconds, message.nanos
    if seconds < _ZERO_TIME_SECONDS:
        raise JaegerDecodeError(f"timestamp: {seconds}s before 0001-01-01")
    if seconds >= _MAX_TIME_SECONDS:
        raise JaegerDecodeError(f"timestamp: {seconds}s after 10000-01-01")
    if not 0 <= nanos < _NANOS:
        raise JaegerDecodeError(f"timestamp: nanos {nanos} not in range [0, 1e9)")
    return int(seconds * _NANOS + nanos)


def _duration_nanos(message: Any) -> int:
    """A google.protobuf.Duration as a Go time.Duration (int64 nanoseconds), or an error."""
    seconds, nanos = message.seconds, message.nanos
    if not -_MAX_DURATION_SECONDS <= seconds <= _MAX_DURATION_SECONDS:
        raise JaegerDecodeError(f"duration: seconds {seconds} out of range")
    if not -_NANOS < nanos < _NANOS or (seconds < 0 < nanos) or (nanos < 0 < seconds):
        raise JaegerDecodeError(f"duration: nanos {nanos} out of range or of the wrong sign")
    total = int(seconds * _NANOS + nanos)
    if not _INT64_MIN <= total <= _INT64_MAX:
        raise JaegerDecodeError("duration: out of range for time.Duration")
    return total


def tags_into(tags: Any, attrs: A.AttrMap, http_keys: tuple[str, ...]) -> None:
    """Add api_v2 ``KeyValue`` values to ``attrs`` as Go's jTagsToInternalAttributes does."""
    for tag in tags:
        key = tag.key
        vtype = tag.v_type
        if vtype == 0:
            entry: tuple[int, Any] = (A.STR, tag.v_str)
        elif vtype == 2:
            entry = (A.INT, tag.v_int64)
        elif vtype == 3:
            entry = (A.DOUBLE, tag.v_float64)
        elif vtype == 1:
            entry = (A.BOOL, tag.v_bool)
        elif vtype == 4:
            entry = (A.BYTES, tag.v_binary)
        else:
            entry = A.unknown_type(str(vtype))
        A.put_tag(attrs, key, entry, http_keys)


def _process_key(process: Any) -> bytes:
    """The bytes Go hashes to tell processes apart: service name, then each tag's key, type and
    value; a tag of unknown type ends the input (Go's hasher stops at its error)."""
    parts = [process.service_name.encode()]
    for tag in process.tags:
        vtype = tag.v_type
        parts.append(tag.key.encode())
        parts.append(_U16.pack(vtype & 0xFFFF))
        if vtype == 0:
            parts.append(tag.v_str.encode())
        elif vtype == 1:
            parts.append(b"\x01" if tag.v_bool else b"\x00")
        elif vtype == 2:
            parts.append(_I64.pack(tag.v_int64))
        elif vtype == 3:
            parts.append(_F64.pack(tag.v_float64))
        elif vtype == 4:
            parts.append(tag.v_binary)
        else:
            break
    return b"".join(parts)


def _resource_attributes(process: Any, http_keys: tuple[str, ...]) -> A.AttrMap:
    attrs: A.AttrMap = {}
    service = process.service_name
    if service == _NO_SERVICE_NAME or (service == "" and not process.tags):
        return attrs
    if service:
        attrs["service.name"] = (A.STR, service)
    tags_into(process.tags, attrs, http_keys)
    A.fix_resource_keys(attrs)
    return attrs


def _parent_id(span: Any, trace_id: bytes) -> bytes:
    follows_from = None
    for ref in span.references:
        if _trace_id(ref.trace_id) != trace_id:
            continue
        if ref.ref_type == _CHILD_OF:
            return _span_id(ref.span_id)
        if follows_from is None and ref.ref_type == _FOLLOWS_FROM:
            follows_from = ref
    return _span_id(follows_from.span_id) if follows_from is not None else b""


def _is_blank(span: Any) -> bool:
    return not (
        _trace_id(span.trace_id)
        or _span_id(span.span_id)
        or span.operation_name
        or span.references
        or span.flags
        or (span.HasField("start_time") and _time_nanos(span.start_time, True) != _ZERO_TIME_SECONDS * _NANOS)
        or _duration_nanos(span.duration)
        or span.tags
        or span.logs
        or span.HasField("process")
        or span.process_id
        or span.warnings
    )


def _scope_of(span: Any) -> tuple[tuple[str, str], list[Any]]:
    """The (name, version) scope from the first ``otel.scope.name``/``otel.scope.version`` tags
    (their string field, whatever their type) and the span's other tags."""
    tags = list(span.tags)
    name = version = ""
    for i, tag in enumerate(tags):
        if tag.key == "otel.scope.name":
            name = tag.v_str
            del tags[i]
            for j, other in enumerate(tags):
                if other.key == "otel.scope.version":
                    version = other.v_str
                    del tags[j]
                    break
            break
    return (name, version), tags


def _span(span: Any, tags: list[Any], http_keys: tuple[str, ...]) -> Any:
    trace_id = _trace_id(span.trace_id)
    start = _time_nanos(span.start_time, span.HasField("start_time"))
    out: Any = Span(
        trace_id=trace_id,
        span_id=_span_id(span.span_id),
        name=span.operation_name,
        start_time_unix_nano=start & _MASK64,
        end_time_unix_nano=(start + _duration_nanos(span.duration)) & _MASK64,
    )
    if span.flags & 1:
        out.flags = 1
    parent = _parent_id(span, trace_id)
    if parent:
        out.parent_span_id = parent
    if tags:
        attrs: A.AttrMap = {}
        tags_into(tags, attrs, http_keys)
        kind = A.pop_span_kind(attrs) if "span.kind" in attrs else 0
        out.kind = kind
        status = A.pop_status(attrs, kind)
        if status is not None and (status[0] or status[1]):
            out.status.code, out.status.message = status
        if "w3c.tracestate" in attrs:
            out.trace_state = A.as_str(attrs["w3c.tracestate"])
            A.swap_remove(attrs, "w3c.tracestate")
        out.attributes.extend(A.to_key_values(attrs))
    events = out.events
    for log in span.logs:
        event = events.add(time_unix_nano=_time_nanos(log.timestamp, log.HasField("timestamp")) & _MASK64)
        if log.fields:
            fields: A.AttrMap = {}
            tags_into(log.fields, fields, http_keys)
            if "event" in fields:
                event.name = A.as_str(fields["event"])
                A.swap_remove(fields, "event")
            event.attributes.extend(A.to_key_values(fields))
    refs = span.references
    # Go compares span ids only (not trace ids) when it leaves the parent out of the links.
    if refs and not (len(refs) == 1 and _span_id(refs[0].span_id) == parent and refs[0].ref_type == _CHILD_OF):
        links = out.links
        for ref in refs:
            ref_span = _span_id(ref.span_id)
            if ref_span == parent and ref.ref_type == _CHILD_OF:
                continue
            link = links.add(trace_id=_trace_id(ref.trace_id), span_id=ref_span)
            link.attributes.extend(
                A.to_key_values(
                    {"opentracing.ref_type": (A.STR, "child_of" if ref.ref_type == _CHILD_OF else "follows_from")}
                )
            )
    return out


def proto_to_traces(batch: Any, http_keys: tuple[str, ...] = A.DEFAULT_HTTP_STATUS_KEYS) -> Any:
    """The OTLP request for an api_v2 ``Batch`` (``PostSpansRequest.batch``)."""
    # process key -> [process or None, spans]; the first process registered under a key is kept
    groups: dict[bytes, list[Any]] = {}

    def group_for(process: Any) -> list[Any]:
        key = b"" if process is None else _process_key(process)
        group = groups.get(key)
        if group is None:
            group = groups[key] = [process, []]
        return group

    batch_group = group_for(batch.process if batch.HasField("process") else None)
    for span in batch.spans:
        group = group_for(span.process) if span.HasField("process") else batch_group
        group[1].append(span)

    request = ExportTraceServiceRequest()
    for process, spans in groups.values():
        if process is None and not spans:
            continue
        resource_spans = request.resource_spans.add()
        if process is not None:
            resource_spans.resource.attributes.extend(A.to_key_values(_resource_attributes(process, http_keys)))
        scopes: dict[tuple[str, str], Any] = {}
        for span in spans:
            if _is_blank(span):
                continue
            scope, tags = _scope_of(span)
            scope_spans = scopes.get(scope)
            if scope_spans is None:
                scope_spans = scopes[scope] = resource_spans.scope_spans.add()
                scope_spans.scope.name, scope_spans.scope.version = scope
            scope_spans.spans.append(_span(span, tags, http_keys))
    return request


def decode_post_spans(body: bytes) -> Any:
    """The ``Batch`` of a serialized ``PostSpansRequest``."""
    request = PostSpansRequest()
    try:
        request.ParseFromString(body)
    except Exception as exc:
        raise JaegerDecodeError(f"cannot decode Jaeger PostSpansRequest: {exc}") from exc
    return request.batch
