"""Views over trace data (Go's ``ptrace``): ``ResourceSpans`` → ``ScopeSpans`` → ``Span`` with its
``SpanEvent``s, ``SpanLink``s and ``Status``. See ``pcommon`` for how views guard changes."""

from __future__ import annotations

from enum import IntEnum

from opentelemetry.proto.trace.v1 import trace_pb2

from .pcommon import Field, InstrumentationScope, MapField, MessageField, Resource, SliceField, View

__all__ = ["ResourceSpans", "ScopeSpans", "Span", "SpanEvent", "SpanKind", "SpanLink", "Status", "StatusCode"]


class SpanKind(IntEnum):
    UNSPECIFIED = 0
    INTERNAL = 1
    SERVER = 2
    CLIENT = 3
    PRODUCER = 4
    CONSUMER = 5


class StatusCode(IntEnum):
    UNSET = 0
    OK = 1
    ERROR = 2


class Status(View[trace_pb2.Status]):
    __slots__ = ()
    proto_type = trace_pb2.Status
    code = Field[int]("code")
    message = Field[str]("message")


class SpanEvent(View[trace_pb2.Span.Event]):
    __slots__ = ()
    proto_type = trace_pb2.Span.Event
    name = Field[str]("name")
    time_unix_nano = Field[int]("time_unix_nano")
    attributes = MapField()
    dropped_attributes_count = Field[int]("dropped_attributes_count")


class SpanLink(View[trace_pb2.Span.Link]):
    __slots__ = ()
    proto_type = trace_pb2.Span.Link
    trace_id = Field[bytes]("trace_id")
    span_id = Field[bytes]("span_id")
    trace_state = Field[str]("trace_state")
    flags = Field[int]("flags")
    attributes = MapField()
    dropped_attributes_count = Field[int]("dropped_attributes_count")


class Span(View[trace_pb2.Span]):
    __slots__ = ()
    proto_type = trace_pb2.Span
    trace_id = Field[bytes]("trace_id")
    span_id = Field[bytes]("span_id")
    parent_span_id = Field[bytes]("parent_span_id")
    trace_state = Field[str]("trace_state")
    flags = Field[int]("flags")
    name = Field[str]("name")
    kind = Field[int]("kind")
    start_time_unix_nano = Field[int]("start_time_unix_nano")
    end_time_unix_nano = Field[int]("end_time_unix_nano")
    attributes = MapField()
    dropped_attributes_count = Field[int]("dropped_attributes_count")
    events = SliceField("events", SpanEvent)
    dropped_events_count = Field[int]("dropped_events_count")
    links = SliceField("links", SpanLink)
    dropped_links_count = Field[int]("dropped_links_count")
    status = MessageField("status", Status)


class ScopeSpans(View[trace_pb2.ScopeSpans]):
    __slots__ = ()
    proto_type = trace_pb2.ScopeSpans
    scope = MessageField("scope", InstrumentationScope)
    spans = SliceField("spans", Span)
    schema_url = Field[str]("schema_url")


class ResourceSpans(View[trace_pb2.ResourceSpans]):
    __slots__ = ()
    proto_type = trace_pb2.ResourceSpans
    resource = MessageField("resource", Resource)
    scope_spans = SliceField("scope_spans", ScopeSpans)
    schema_url = Field[str]("schema_url")
