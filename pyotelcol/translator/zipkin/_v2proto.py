"""Zipkin v2 protobuf (``ListOfSpans``) decoded as zipkin-go's ``zipkin_proto3.ParseSpans`` does."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import DecodeError

from ._common import ip_bytes_text
from ._proto import ListOfSpans, SpanKindNames
from ._v2model import MASK64, Endpoint, ZSpan
from .errors import ZipkinError

__all__ = ["decode_proto"]

_MASK64 = MASK64


def _proto_endpoint(msg: Any) -> Endpoint:
    ipv4 = ip_bytes_text(msg.ipv4) if msg.ipv4 else None
    ipv6 = ip_bytes_text(msg.ipv6) if msg.ipv6 else None
    return Endpoint(msg.service_name, ipv4, ipv6, msg.port & 0xFFFF)


def _proto_span(msg: Any) -> ZSpan:
    if len(msg.trace_id) != 16:
        raise ZipkinError(f"invalid TraceID: has length {len(msg.trace_id)} yet wanted length 16")
    if msg.parent_id and len(msg.parent_id) != 8:
        raise ZipkinError(f"invalid ParentID: has length {len(msg.parent_id)} yet wanted length 8")
    if not msg.id:
        raise ZipkinError("expected a non-nil SpanID")
    if len(msg.id) != 8:
        raise ZipkinError(f"invalid SpanID: has length {len(msg.id)} yet wanted length 8")
    span = ZSpan()
    span.trace_id = b"" if msg.trace_id == b"\0" * 16 else msg.trace_id
    span.span_id = b"" if msg.id == b"\0" * 8 else msg.id
    if msg.parent_id and msg.parent_id != msg.id and msg.parent_id != b"\0" * 8:
        span.parent_id = msg.parent_id
    kind = msg.kind
    span.kind = SpanKindNames.get(kind) or str(kind)
    span.name = msg.name
    span.start = (msg.timestamp * 1000) & _MASK64
    span.duration = (msg.duration * 1000) & _MASK64
    if msg.HasField("local_endpoint"):
        span.local = _proto_endpoint(msg.local_endpoint)
    if msg.HasField("remote_endpoint"):
        span.remote = _proto_endpoint(msg.remote_endpoint)
    span.annotations = [((a.timestamp * 1000) & _MASK64, a.value) for a in msg.annotations]
    span.tags = dict(msg.tags)
    return span


def decode_proto(body: bytes) -> list[ZSpan]:
    msg = ListOfSpans()
    try:
        msg.ParseFromString(body)
    except (DecodeError, RuntimeError, ValueError):
        raise ZipkinError("proto: cannot parse invalid wire-format data") from None
    return [_proto_span(s) for s in msg.spans]
