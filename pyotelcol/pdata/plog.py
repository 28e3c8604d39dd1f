"""Views over log data (Go's ``plog``): ``ResourceLogs`` → ``ScopeLogs`` → ``LogRecord``.
See ``pcommon`` for how views guard changes."""

from __future__ import annotations

from opentelemetry.proto.logs.v1 import logs_pb2

from .pcommon import Field, InstrumentationScope, MapField, MessageField, Resource, SliceField, Value, View

__all__ = ["LogRecord", "ResourceLogs", "ScopeLogs"]


class LogRecord(View[logs_pb2.LogRecord]):
    __slots__ = ()
    proto_type = logs_pb2.LogRecord
    time_unix_nano = Field[int]("time_unix_nano")
    observed_time_unix_nano = Field[int]("observed_time_unix_nano")
    severity_number = Field[int]("severity_number")
    severity_text = Field[str]("severity_text")
    body = MessageField("body", Value)
    attributes = MapField()
    dropped_attributes_count = Field[int]("dropped_attributes_count")
    flags = Field[int]("flags")
    trace_id = Field[bytes]("trace_id")
    span_id = Field[bytes]("span_id")
    event_name = Field[str]("event_name")


class ScopeLogs(View[logs_pb2.ScopeLogs]):
    __slots__ = ()
    proto_type = logs_pb2.ScopeLogs
    scope = MessageField("scope", InstrumentationScope)
    log_records = SliceField("log_records", LogRecord)
    schema_url = Field[str]("schema_url")


class ResourceLogs(View[logs_pb2.ResourceLogs]):
    __slots__ = ()
    proto_type = logs_pb2.ResourceLogs
    resource = MessageField("resource", Resource)
    scope_logs = SliceField("scope_logs", ScopeLogs)
    schema_url = Field[str]("schema_url")
