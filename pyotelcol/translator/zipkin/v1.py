"""Zipkin v1 JSON spans (annotations and binaryAnnotations) to OTLP traces, as Go's contrib
``zipkinv1`` JSON unmarshaler does it.

The span kind and the resource come from the core annotations (``cs``/``cr`` client, ``ss``/``sr``
server, ``ms`` producer, ``mr`` consumer): the first of them with a named endpoint gives the
resource (``service.name`` plus ``ipv4``/``ipv6``/``port`` attributes), else the last endpoint
named in a binary annotation, else the ``lc`` (local component) value, else "unknown-service".
Spans with the same endpoint share one resource, in order of first appearance. Other annotations
become events; binary annotations become attributes (``lc`` as ``component``), except the status
tags, which set the status (census > otel > error tag > HTTP code). A span without any timestamp
gets the current time and ``otel.zipkin.absentField.startTime=true``. v1 thrift: ``v1_thrift``.
"""

from __future__ import annotations

import re
import time
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from ...pdata import Traces
from . import _gojson as gojson
from ._common import START_TIME_ABSENT, http_status_keys, str_kv, typed_value
from .errors import ZipkinError

__all__ = ["v1_json_to_traces"]

_UNKNOWN_SERVICE = "unknown-service"
_CORE_KINDS = {
    "cs": Span.SPAN_KIND_CLIENT,
    "cr": Span.SPAN_KIND_CLIENT,
    "ms": Span.SPAN_KIND_PRODUCER,
    "mr": Span.SPAN_KIND_CONSUMER,
    "ss": Span.SPAN_KIND_SERVER,
    "sr": Span.SPAN_KIND_SERVER,
}
_INT64_MAX = (1 << 63) - 1
_INT64_MIN = -(1 << 63)
_INT32_MIN, _INT32_MAX = -(1 << 31), (1 << 31) - 1
_DEC_INT = re.compile(r"[+-]?[0-9]+")
_HEX_CHARS = frozenset(b"0123456789abcdefABCDEF")

_SPAN_FIELDS = {
    name.lower(): name
    for name in [
        "traceId",
        "name",
        "parentId",
        "id",
        "timestamp",
        "duration",
        "debug",
        "annotations",
        "binaryAnnotations",
    ]
}
_ANNOTATION_FIELDS = {"timestamp": "timestamp", "value": "value", "endpoint": "endpoint"}
_BINARY_FIELDS = {"key": "key", "value": "value", "endpoint": "endpoint"}
_STRUCT_NAMES = {
    "annotations": "annotation",
    "binaryAnnotations": "binaryAnnotation",
    "annotations.endpoint": "endpoint",
    "binaryAnnotations.endpoint": "endpoint",
}
_ENDPOINT_FIELDS = {"servicename": "serviceName", "ipv4": "ipv4", "ipv6": "ipv6", "port": "port"}


class _Endpoint:
    __slots__ = ("ipv4", "ipv6", "port", "service_name")

    def __init__(self, service_name: str = _UNKNOWN_SERVICE, ipv4: str = "", ipv6: str = "", port: int = 0) -> None:
        self.service_name = service_name
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.port = port


# --- Go's encoding/json into the jsonSpan struct ----------------------------------------------------


class _Decoder:
    """Type checks as Go's decoder makes them: the first mismatch in document order is the error."""

    __slots__ = ("saved",)

    def __init__(self) -> None:
        self.saved: str | None = None

    def _fail(self, value: Any, path: str, go_type: str, literal: bool = False) -> None:
        # Go names the innermost struct holding the field, then the path from the span.
        if self.saved is None:
            parent = path.rsplit(".", 1)[0] if "." in path else ""
            struct = _STRUCT_NAMES.get(parent, "jsonSpan") if parent else "jsonSpan"
            self.saved = gojson.type_error(value, f"{struct}.{path}", go_type, literal=literal)

    def string(self, value: Any, path: str) -> str:
        if isinstance(value, str):
            return value
        if value is not None:
            self._fail(value, path, "string")
        return ""

    def int(self, value: Any, path: str, bits: int) -> int:
        if value is None:
            return 0
        number = gojson.go_int(value, bits)
        if number is None:
            self._fail(value, path, f"int{bits}", literal=True)
            return 0
        return number

    def fields(self, value: Any, names: dict[str, str], path: str, go_type: str) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self._fail(value, path, go_type)
            return None
        out: dict[str, Any] = {}
        for key, val in value.items():
            name = names.get(key.lower())
            if name is not None:
                out[name] = val
        return out

    def endpoint(self, value: Any, path: str) -> _Endpoint | None:
        fields = self.fields(value, _ENDPOINT_FIELDS, path, "zipkinv1.endpoint")
        if fields is None:
            return None
        return _Endpoint(
            self.string(fields.get("serviceName"), f"{path}.serviceName"),
            self.string(fields.get("ipv4"), f"{path}.ipv4"),
            self.string(fields.get("ipv6"), f"{path}.ipv6"),
            self.int(fields.get("port"), f"{path}.port", 32),
        )

    def items(self, value: Any, path: str, go_type: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self._fail(value, path, go_type)
            return []
        return value


class _Annotation:
    __slots__ = ("endpoint", "timestamp", "value")

    def __init__(self, timestamp: int, value: str, endpoint: _Endpoint | None) -> None:
        self.timestamp = timestamp
        self.value = value
        self.endpoint = endpoint


class _JSONSpan:
    __slots__ = ("annotations", "binary", "duration", "id", "name", "parent_id", "timestamp", "trace_id")

    def __init__(self, fields: dict[str, Any], dec: _Decoder) -> None:
        self.trace_id = dec.string(fields.get("traceId"), "traceId")
        self.name = dec.string(fields.get("name"), "name")
        self.parent_id = dec.string(fields.get("parentId"), "parentId")
        self.id = dec.string(fields.get("id"), "id")
        self.timestamp = dec.int(fields.get("timestamp"), "timestamp", 64)
        self.duration = dec.int(fields.get("duration"), "duration", 64)
        debug = fields.get("debug")
        if debug is not None and not isinstance(debug, bool):
            dec._fail(debug, "debug", "bool")
        self.annotations: list[_Annotation | None] = []
        for item in dec.items(fields.get("annotations"), "annotations", "[]*zipkinv1.annotation"):
            ann = dec.fields(item, _ANNOTATION_FIELDS, "annotations", "zipkinv1.annotation")
            if ann is None:
                self.annotations.append(None)
                continue
            self.annotations.append(
                _Annotation(
                    dec.int(ann.get("timestamp"), "annotations.timestamp", 64),
                    dec.string(ann.get("value"), "annotations.value"),
                    dec.endpoint(ann.get("endpoint"), "annotations.endpoint"),
                )
            )
        self.binary: list[tuple[str, str, _Endpoint | None]] = []
        for item in dec.items(fields.get("binaryAnnotations"), "binaryAnnotations", "[]*zipkinv1.binaryAnnotation"):
            ann = dec.fields(item, _BINARY_FIELDS, "binaryAnnotations", "zipkinv1.binaryAnnotation")
            if ann is None:
                # Go dereferences the nil element and the request fails.
                raise ZipkinError("zipkinv1: null binary annotation")
            self.binary.append(
                (
                    dec.string(ann.get("key"), "binaryAnnotations.key"),
                    dec.string(ann.get("value"), "binaryAnnotations.value"),
                    dec.endpoint(ann.get("endpoint"), "binaryAnnotations.endpoint"),
                )
            )


def _decode(body: bytes | str) -> list[_JSONSpan]:
    try:
        doc = gojson.load(body)
    except ZipkinError as exc:
        raise ZipkinError(f"zipkinv1: {exc}") from None
    if doc is None:
        return []
    if not isinstance(doc, list):
        raise ZipkinError(
            f"zipkinv1: json: cannot unmarshal {gojson.value_kind(doc)} into Go value of type []*zipkinv1.jsonSpan"
        )
    dec = _Decoder()
    spans = []
    for item in doc:
        if item is None:
            raise ZipkinError("zipkinv1: null span")  # Go dereferences it and the request fails
        if not isinstance(item, dict):
            if dec.saved is None:
                kind = gojson.value_kind(item)
                dec.saved = f"json: cannot unmarshal {kind} into Go value of type zipkinv1.jsonSpan"
            continue
        fields = {}
        for key, val in item.items():
            name = _SPAN_FIELDS.get(key.lower())
            if name is not None:
                fields[name] = val
        spans.append(_JSONSpan(fields, dec))
    if dec.saved is not None:
        raise ZipkinError(f"zipkinv1: {dec.saved}")
    return spans


# --- ids --------------------------------------------------------------------------------------------


def _hex_decode(text: str) -> bytes:
    """Go's ``hex.Decode`` on an even-length string, with its first error."""
    raw = text.encode()
    for byte in raw:
        if byte not in _HEX_CHARS:
            ch = chr(byte)
            shown = f" '{ch}'" if ch.isprintable() else ""
            raise ZipkinError(f"encoding/hex: invalid byte: U+{byte:04X}{shown}")
    return bytes.fromhex(text)


def _trace_id(text: str) -> bytes:
    try:
        if len(text.encode()) not in (16, 32):
            raise ZipkinError("hex traceId span has wrong length (expected 16 or 32)")
        value = _hex_decode(text).rjust(16, b"\0")
        if value == b"\0" * 16:
            raise ZipkinError("traceId is zero")
    except ZipkinError as exc:
        raise ZipkinError(f"zipkinV1 span traceId: {exc}") from None
    return value


def _span_id(text: str, what: str) -> bytes:
    try:
        if len(text.encode()) != 16:
            raise ZipkinError("hex Id has wrong length (expected 16)")
        value = _hex_decode(text)
        if value == b"\0" * 8:
            raise ZipkinError("ID is zero")
    except ZipkinError as exc:
        raise ZipkinError(f"zipkinV1 span {what}: {exc}") from None
    return value


def _micros_to_nanos(micros: int) -> int:
    return 0 if micros <= 0 else micros * 1000


# --- status -----------------------------------------------------------------------------------------


def _status_int(value: AnyValue) -> int | None:
    """Go's ``attribToStatusCode``: an int32 from an int or a decimal string, else None."""
    which = value.WhichOneof("value")
    if which == "int_value":
        number = value.int_value
    elif which == "string_value" and _DEC_INT.fullmatch(value.string_value):
        number = int(value.string_value)
        if not _INT64_MIN <= number <= _INT64_MAX:
            return None
    else:
        return None
    return number if _INT32_MIN <= number <= _INT32_MAX else None


def _str(value: AnyValue) -> str:
    return value.string_value if value.WhichOneof("value") == "string_value" else ""


class _StatusMapper:
    """Go's ``statusMapper``: status tags seen on a span, resolved at the end."""

    __slots__ = ("census", "census_msg", "error", "http", "http_msg", "otel", "otel_msg")

    def __init__(self) -> None:
        self.census: int | None = None
        self.census_msg = ""
        self.otel: int | None = None
        self.otel_msg = ""
        self.http: int | None = None
        self.http_msg = ""
        self.error = False

    def take(self, key: str, value: AnyValue) -> bool:
        """Records a status tag; True when the tag is not kept as an attribute."""
        if key == "census.status_code":
            code = _status_int(value)
            if code is not None:
                self.census = Status.STATUS_CODE_OK if code == 0 else Status.STATUS_CODE_ERROR
            return True
        if key in ("census.status_description", "opencensus.status_description"):
            self.census_msg = _str(value)
            return True
        if key == "otel.status_code":
            code = _status_int(value)
            if code is not None:
                self.otel = code
            return True
        if key == "otel.status_description":
            self.otel_msg = _str(value)
            return True
        if key in ("http.status_code", "http.response.status_code"):
            code = _status_int(value)
            if code is not None:
                self.http = Status.STATUS_CODE_UNSET if 100 <= code < 400 else Status.STATUS_CODE_ERROR
        elif key == "http.status_message":
            self.http_msg = _str(value)
        elif key == "error":
            self.error = True
            return True
        return False

    def status(self) -> Status | None:
        if self.census is not None:
            return _status(self.census, self.census_msg)
        if self.otel is not None:
            return _status(self.otel, self.otel_msg)
        if self.error:
            return _status(Status.STATUS_CODE_ERROR, self.census_msg or self.otel_msg)
        if self.http is not None:
            return _status(self.http, self.http_msg)
        return None


def _status(code: int, message: str) -> Status:
    status = Status(message=message)
    status.code = code  # type: ignore[assignment]  # any int32: Go keeps unknown codes as they are
    return status


# --- translation ------------------------------------------------------------------------------------


def _annotations(span: _JSONSpan, out: dict[str, Any]) -> _Endpoint:
    early, late = _INT64_MAX, _INT64_MIN
    endpoint: _Endpoint | None = None
    kind_set = False
    events = []
    for ann in span.annotations:
        if ann is None or not ann.value:
            continue
        named = (
            ann.endpoint is not None
            and ann.endpoint.service_name != ""
            and ann.endpoint.service_name != _UNKNOWN_SERVICE
        )
        kind = _CORE_KINDS.get(ann.value)
        if endpoint is None and named and kind is not None:
            endpoint = ann.endpoint
        if not kind_set and kind is not None:
            out["kind"] = kind
            kind_set = True
        nanos = _micros_to_nanos(ann.timestamp)
        if ann.timestamp < early:
            early = ann.timestamp
            out["start_time_unix_nano"] = nanos
        if ann.timestamp > late:
            late = ann.timestamp
            out["end_time_unix_nano"] = nanos
        if kind is None:
            events.append(Span.Event(time_unix_nano=nanos, name=ann.value))
    out["events"] = events
    return endpoint if endpoint is not None else _Endpoint()


def _binary_annotations(span: _JSONSpan, attrs: dict[str, AnyValue], out: dict[str, Any], parse: bool) -> str:
    fallback = ""
    if not span.binary:
        return fallback
    mapper = _StatusMapper()
    local_component = ""
    for key, text, endpoint in span.binary:
        if endpoint is not None and endpoint.service_name:
            fallback = endpoint.service_name
        if key == "lc":
            key = "component"
            local_component = text
        value = typed_value(text) if parse and text else AnyValue(string_value=text)
        if mapper.take(key, value):
            continue
        for name in http_status_keys(key):
            attrs[name] = value
    status = mapper.status()
    if status is not None:
        out["status"] = status
    return fallback or local_component


def v1_json_to_traces(body: bytes | str, parse_string_tags: bool = False) -> Traces:
    """A Zipkin v1 JSON body (``POST /api/v1/spans``) as Traces; ``ZipkinError`` with Go's text
    for what Go refuses."""
    spans = _decode(body)
    request = ExportTraceServiceRequest()
    by_endpoint: dict[str, Any] = {}
    for span in spans:
        trace_id = _trace_id(span.trace_id)
        span_id = _span_id(span.id, "id")
        parent_id = _span_id(span.parent_id, "parentId") if span.parent_id else b""
        fields: dict[str, Any] = {}
        endpoint = _annotations(span, fields)
        attrs: dict[str, AnyValue] = {}
        fallback = _binary_annotations(span, attrs, fields, parse_string_tags)
        if endpoint.service_name == _UNKNOWN_SERVICE and fallback:
            endpoint = _Endpoint(fallback, endpoint.ipv4, endpoint.ipv6, endpoint.port)
        if span.timestamp:
            fields["start_time_unix_nano"] = _micros_to_nanos(span.timestamp)
            fields["end_time_unix_nano"] = _micros_to_nanos(_wrap64(span.timestamp + span.duration))
        if not fields.get("start_time_unix_nano"):
            now = time.time_ns()
            fields["start_time_unix_nano"] = fields["end_time_unix_nano"] = now
            attrs[START_TIME_ABSENT] = AnyValue(bool_value=True)
        fields["attributes"] = [KeyValue(key=k, value=v) for k, v in attrs.items()]
        _spans_for(endpoint, request, by_endpoint).add(
            trace_id=trace_id, span_id=span_id, parent_span_id=parent_id, name=span.name, **fields
        )
    return Traces(request)


def _wrap64(value: int) -> int:
    return ((value - _INT64_MIN) % (1 << 64)) + _INT64_MIN


def _spans_for(endpoint: _Endpoint, request: ExportTraceServiceRequest, by_endpoint: dict[str, Any]) -> Any:
    key = f"{endpoint.service_name}-{endpoint.ipv4}-{endpoint.ipv6}-{endpoint.port}"
    spans = by_endpoint.get(key)
    if spans is None:
        resource_spans = request.resource_spans.add()
        attrs = resource_spans.resource.attributes
        attrs.append(str_kv("service.name", endpoint.service_name))
        if endpoint.ipv4:
            attrs.append(str_kv("ipv4", endpoint.ipv4))
        if endpoint.ipv6:
            attrs.append(str_kv("ipv6", endpoint.ipv6))
        if endpoint.port:
            attrs.append(str_kv("port", str(endpoint.port)))
        spans = by_endpoint[key] = resource_spans.scope_spans.add().spans
    return spans
