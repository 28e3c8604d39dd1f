"""Entries → OTLP logs (Go's adapter.ConvertEntries): one ResourceLogs per distinct resource,
one ScopeLogs per scope name inside it, in order of first appearance."""

from __future__ import annotations

import json
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from ...pdata import Logs
from .entry import Entry
from .severity import severity_name


def _put(pb: AnyValue, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        pb.bool_value = value
    elif isinstance(value, int):
        pb.int_value = value if -(2**63) <= value < 2**63 else value & (2**64 - 1) - (2**64 if value & 2**63 else 0)
    elif isinstance(value, float):
        pb.double_value = value
    elif isinstance(value, str):
        pb.string_value = value
    elif isinstance(value, (bytes, bytearray)):
        pb.bytes_value = bytes(value)
    elif isinstance(value, dict):
        kvs = pb.kvlist_value.values
        for k, v in value.items():
            kv = kvs.add()
            kv.key = str(k)
            _put(kv.value, v)
        if not value:
            pb.kvlist_value.SetInParent()
    elif isinstance(value, (list, tuple)):
        items = pb.array_value.values
        for v in value:
            _put(items.add(), v)
        if not value:
            pb.array_value.SetInParent()
    else:
        pb.string_value = str(value)


def _resource_key(resource: dict[str, Any]) -> Any:
    if not resource:
        return ""
    try:
        return frozenset(resource.items())
    except TypeError:  # a map or list value
        return json.dumps(resource, sort_keys=True, default=str)


def entries_to_logs(entries: list[Entry]) -> Logs:
    request = ExportLogsServiceRequest()
    by_resource: dict[Any, tuple[Any, dict[str, Any]]] = {}
    for entry in entries:
        key = _resource_key(entry.resource)
        slot = by_resource.get(key)
        if slot is None:
            rl = request.resource_logs.add()
            for k, v in entry.resource.items():
                kv = rl.resource.attributes.add()
                kv.key = k
                _put(kv.value, v)
            slot = (rl, {})
            by_resource[key] = slot
        rl, scopes = slot
        sl = scopes.get(entry.scope_name)
        if sl is None:
            sl = rl.scope_logs.add()
            sl.scope.name = entry.scope_name
            scopes[entry.scope_name] = sl
        rec = sl.log_records.add()
        if entry.timestamp:
            rec.time_unix_nano = entry.timestamp
        rec.observed_time_unix_nano = entry.observed_timestamp
        rec.severity_number = entry.severity
        rec.severity_text = entry.severity_text or severity_name(entry.severity)
        attributes = rec.attributes
        for k, v in entry.attributes.items():
            kv = attributes.add()
            kv.key = k
            if type(v) is str:
                kv.value.string_value = v
            else:
                _put(kv.value, v)
        body = entry.body
        if type(body) is str:
            rec.body.string_value = body
        elif body is not None:
            _put(rec.body, body)
        if entry.trace_id:
            rec.trace_id = entry.trace_id[:16].ljust(16, b"\0")
        if entry.span_id:
            rec.span_id = entry.span_id[:8].ljust(8, b"\0")
        if entry.trace_flags:
            rec.flags = entry.trace_flags[0]
    return Logs(request)
