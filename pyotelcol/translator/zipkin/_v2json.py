"""Zipkin v2 JSON decoded as Go's ``encoding/json`` decodes it into ``[]*model.SpanModel``, with
Go's error texts (see ``_gojson``)."""

from __future__ import annotations

from typing import Any

from . import _gojson as gojson
from ._common import ip_text
from ._v2model import MASK64, Endpoint, ZSpan, id_bytes
from .errors import ZipkinError

__all__ = ["decode_json"]

_MASK64 = MASK64

_SPAN_FIELDS = {
    name.lower(): name
    for name in (
        [
            "traceId",
            "id",
            "parentId",
            "debug",
            "name",
            "kind",
            "timestamp",
            "duration",
            "shared",
            "localEndpoint",
            "remoteEndpoint",
            "annotations",
            "tags",
        ]
    )
}
_ENDPOINT_FIELDS = {"servicename": "ServiceName", "ipv4": "IPv4", "ipv6": "IPv6", "port": "Port"}
_NOT_A_SPAN = (
    "json: cannot unmarshal %s into Go value of type struct { T uint64 "
    '"json:\\"timestamp,omitempty\\""; D uint64 "json:\\"duration,omitempty\\""; *model.Alias }'
)
_NOT_AN_ANNOTATION = (
    "json: cannot unmarshal %s into Go struct field .Alias.annotations of type "
    'struct { TimeStamp uint64 "json:\\"timestamp\\""; *model.Alias }'
)


def _hex_id(value: Any) -> int | None:
    """Go's ``model.ID.UnmarshalJSON``: the JSON text minus its first and last character."""
    raw = gojson.raw_text(value)
    if len(raw) < 3:
        return None
    return gojson.parse_uint(raw[1:-1])


def _trace_id(value: Any) -> bytes:
    raw = gojson.raw_text(value)
    if len(raw) < 3:
        raise ZipkinError("valid traceId required")
    text = raw[1:-1]
    if len(text) > 16:
        high = gojson.parse_uint(text[:-16])
        low = gojson.parse_uint(text[-16:])
    else:
        high, low = 0, gojson.parse_uint(text)
    return id_bytes((high << 64) | low, 16)


class _Decoder:
    """Decodes one span, keeping Go's first type error for the end (ids, IPs and annotation
    timestamps raise at once)."""

    __slots__ = ("saved",)

    def __init__(self) -> None:
        self.saved: str | None = None

    def save(self, message: str) -> None:
        if self.saved is None:
            self.saved = message

    def string(self, value: Any, field: str, go_type: str = "string") -> str:
        if isinstance(value, str):
            return value
        if value is not None:
            self.save(gojson.type_error(value, field, go_type))
        return ""

    def uint(self, value: Any, field: str, bits: int) -> int:
        if value is None:
            return 0
        number = gojson.go_uint(value, bits)
        if number is None:
            self.save(gojson.type_error(value, field, f"uint{bits}", literal=True))
            return 0
        return number

    def boolean(self, value: Any, field: str) -> None:
        if value is not None and not isinstance(value, bool):
            self.save(gojson.type_error(value, field, "bool"))

    def endpoint(self, value: Any, name: str) -> Endpoint | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.save(gojson.type_error(value, f".Alias.{name}", "model.Endpoint"))
            return None
        service, ipv4, ipv6, port = "", None, None, 0
        for key, val in value.items():
            field = _ENDPOINT_FIELDS.get(key.lower())
            if field is None:
                continue
            path = f"Endpoint.Alias.{name}.{field}"
            if field == "ServiceName":
                service = self.string(val, path)
            elif field == "Port":
                port = self.uint(val, path, 16)
            elif val is not None:
                if not isinstance(val, str):
                    self.save(gojson.type_error(val, path, "net.IP"))
                    continue
                ip = ip_text(val) if val else None
                if val and ip is None:
                    raise ZipkinError(f"invalid IP address: {val}")
                if field == "IPv4":
                    ipv4 = ip
                else:
                    ipv6 = ip
        if not service and not port and ipv4 is None and ipv6 is None:
            return None
        return Endpoint(service, ipv4, ipv6, port)

    def annotations(self, value: Any) -> list[tuple[int, str]]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.save(gojson.type_error(value, ".Alias.annotations", "[]model.Annotation"))
            return []
        out = []
        for item in value:
            if item is None:
                # Go's Annotation decoder crashes on null (the handler panics); refuse it as
                # Go would have for an annotation without a timestamp.
                raise ZipkinError("valid annotation timestamp required")
            if not isinstance(item, dict):
                raise ZipkinError(_NOT_AN_ANNOTATION % gojson.value_kind(item))
            # Annotation has its own decoder: its first type error is raised at once.
            inner = _Decoder()
            timestamp, text = 0, ""
            for key, val in item.items():
                lowered = key.lower()
                if lowered == "timestamp":
                    timestamp = inner.uint(val, ".Alias.annotations.timestamp", 64)
                elif lowered == "value":
                    text = inner.string(val, ".Alias.annotations.Alias.Value")
            if inner.saved is not None:
                raise ZipkinError(inner.saved)
            if timestamp < 1:
                raise ZipkinError("valid annotation timestamp required")
            out.append(((timestamp * 1000) & _MASK64, text))
        return out

    def tags(self, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.save(gojson.type_error(value, ".Alias.tags", "map[string]string"))
            return {}
        if all(type(v) is str for v in value.values()):
            return value
        out = {}
        for key, val in value.items():
            if isinstance(val, str) or val is None:
                out[key] = val or ""
            else:
                self.save(gojson.type_error(val, ".Alias.tags", "string"))
        return out


def _json_span(obj: Any) -> ZSpan | None:
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise ZipkinError(_NOT_A_SPAN % gojson.value_kind(obj))
    span = ZSpan()
    dec = _Decoder()
    span_id = 0
    timestamp = 0
    for key, val in obj.items():
        field = _SPAN_FIELDS.get(key.lower())
        if field is None:
            continue
        if field == "traceId":
            span.trace_id = _trace_id(val)
        elif field == "id":
            span_id = _hex_id(val) or 0
        elif field == "parentId":
            parent = None if val is None else (_hex_id(val) or 0)
            span.parent_id = b"" if parent is None else parent.to_bytes(8, "big")
        elif field == "name":
            span.name = dec.string(val, ".Alias.name")
        elif field == "kind":
            span.kind = dec.string(val, ".Alias.kind", "model.Kind")
        elif field == "timestamp":
            timestamp = dec.uint(val, ".timestamp", 64)
        elif field == "duration":
            span.duration = (dec.uint(val, ".duration", 64) * 1000) & _MASK64
        elif field == "tags":
            span.tags = dec.tags(val)
        elif field == "localEndpoint":
            span.local = dec.endpoint(val, "localEndpoint")
        elif field == "remoteEndpoint":
            span.remote = dec.endpoint(val, "remoteEndpoint")
        elif field == "annotations":
            span.annotations = dec.annotations(val)
        elif field == "debug":
            dec.boolean(val, ".Alias.SpanContext.debug")
        else:
            dec.boolean(val, ".Alias.shared")
    if dec.saved is not None:
        raise ZipkinError(dec.saved)
    if span_id < 1:
        raise ZipkinError("valid span id required")
    span.span_id = span_id.to_bytes(8, "big")
    if span.parent_id == span.span_id or span.parent_id == b"\0" * 8:
        span.parent_id = b""
    if timestamp > 0:
        span.start = (timestamp * 1000) & _MASK64
    return span


def decode_json(body: bytes | str) -> list[ZSpan | None]:
    """The spans of a v2 JSON body; None for a null element (Go skips those)."""
    doc = gojson.load(body)
    if doc is None:
        return []
    if not isinstance(doc, list):
        kind = gojson.value_kind(doc)
        raise ZipkinError(f"json: cannot unmarshal {kind} into Go value of type []*model.SpanModel")
    return [_json_span(item) for item in doc]
