"""Jaeger tags as an OTLP attribute map, with Go's pcommon.Map semantics and special tags.

The map is a dict ``key -> (kind, value)``: putting an existing key replaces its value in place, as
pcommon.Map's Put does, and ``swap_remove`` moves the last entry into the removed slot, as
pcommon.Map.Remove does, so the attribute order matches Go's.
"""

from __future__ import annotations

import re
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

STR, BOOL, INT, DOUBLE, BYTES = range(5)

AttrMap = dict[str, tuple[int, Any]]

HTTP_STATUS_CODE_V0 = "http.status_code"
HTTP_STATUS_CODE_V1 = "http.response.status_code"

DONT_EMIT_V0_HTTP_GATE = "pkg.translator.jaeger.DontEmitV0HttpConventions"
"""Go feature gate (beta, on by default): stop emitting ``http.status_code``."""
EMIT_V1_HTTP_GATE = "pkg.translator.jaeger.EmitV1HttpConventions"
"""Go feature gate (beta, on by default): emit ``http.response.status_code``."""


def http_status_keys(dont_emit_v0: bool = True, emit_v1: bool = True) -> tuple[str, ...]:
    """The attribute keys a ``http.status_code``/``http.response.status_code`` tag is written under."""
    keys: list[str] = []
    if not dont_emit_v0:
        keys.append(HTTP_STATUS_CODE_V0)
    if emit_v1:
        keys.append(HTTP_STATUS_CODE_V1)
    return tuple(keys)


DEFAULT_HTTP_STATUS_KEYS = http_status_keys()

# OTLP enum values
SPAN_KIND = {"client": 3, "server": 2, "producer": 4, "consumer": 5, "internal": 1}
KIND_SERVER, KIND_CLIENT = 2, 3
STATUS_UNSET, STATUS_OK, STATUS_ERROR = 0, 1, 2

_INT64 = re.compile(r"[+-]?[0-9]+\Z")


def put_tag(attrs: AttrMap, key: str, entry: tuple[int, Any], http_keys: tuple[str, ...]) -> None:
    """Store one translated tag; an HTTP status code goes under the key(s) the semconv gates pick."""
    if key in (HTTP_STATUS_CODE_V0, HTTP_STATUS_CODE_V1):
        for http_key in http_keys:
            attrs[http_key] = entry
    else:
        attrs[key] = entry


def swap_remove(attrs: AttrMap, key: str) -> bool:
    """Remove ``key`` the way pcommon.Map.Remove does: the last entry takes its place."""
    if key not in attrs:
        return False
    keys = list(attrs)
    last = keys[-1]
    if last == key:
        del attrs[key]
        return True
    moved = attrs.pop(last)
    items = list(attrs.items())
    position = keys.index(key)
    items[position] = (last, moved)
    attrs.clear()
    attrs.update(items)
    return True


def as_str(entry: tuple[int, Any] | None) -> str:
    """pcommon.Value.Str(): the string, or "" for any other type."""
    if entry is not None and entry[0] == STR:
        return str(entry[1])
    return ""


def pop_span_kind(attrs: AttrMap) -> int:
    """The OTLP span kind from the ``span.kind`` tag, which is removed whatever its type."""
    entry = attrs.get("span.kind")
    if entry is None:
        return 0
    swap_remove(attrs, "span.kind")
    return SPAN_KIND.get(as_str(entry), 0)


def _pop_description(attrs: AttrMap) -> str | None:
    entry = attrs.get("otel.status_description")
    if entry is None:
        return None
    swap_remove(attrs, "otel.status_description")
    return as_str(entry)


def _http_code(entry: tuple[int, Any], kind: int) -> int | None:
    """The OTLP status for an HTTP status code attribute, or None when it is not a valid code."""
    if entry[0] == INT:
        code = int(entry[1])
    elif entry[0] == STR and _INT64.match(entry[1]):
        code = int(entry[1])
        if not -(1 << 63) <= code < (1 << 63):
            return None
    else:
        return None
    if 400 <= code < 500:
        if kind == KIND_CLIENT:
            return STATUS_ERROR
        if kind == KIND_SERVER:
            return STATUS_UNSET
    # Go's tracetranslator.StatusCodeFromHTTP: 100 <= code < 399 is unset, anything else an error.
    return STATUS_UNSET if 100 <= code < 399 else STATUS_ERROR


def pop_status(attrs: AttrMap, kind: int) -> tuple[int, str] | None:
    """The span status from ``error``, ``otel.status_code``/``otel.status_description`` or an HTTP
    status code, removing the tags Go removes; None when Go leaves the status untouched."""
    code, message, exists = STATUS_UNSET, "", False
    error = attrs.get("error")
    if error is not None and error[0] == BOOL and error[1]:
        code, exists = STATUS_ERROR, True
        swap_remove(attrs, "error")
        description = _pop_description(attrs)
        if description is not None:
            message = description
        elif "http.status_message" in attrs:
            message = as_str(attrs["http.status_message"])
    otel_code = attrs.get("otel.status_code")
    if otel_code is not None:
        if not exists:
            # the error tag wins; otel.status_code is only read without it
            exists = True
            upper = as_str(otel_code).upper()
            if upper == "OK":
                code = STATUS_OK
            elif upper == "ERROR":
                code = STATUS_ERROR
            description = _pop_description(attrs)
            if description is not None:
                message = description
        swap_remove(attrs, "otel.status_code")
    elif not exists:
        http = attrs.get(HTTP_STATUS_CODE_V0) or attrs.get(HTTP_STATUS_CODE_V1)
        if http is not None:
            http_status = _http_code(http, kind)
            if http_status is not None and http_status != STATUS_UNSET:
                code, exists = http_status, True
                if "http.status_message" in attrs:
                    message = as_str(attrs["http.status_message"])
    return (code, message) if exists else None


def fix_resource_keys(attrs: AttrMap) -> None:
    """``hostname`` becomes ``host.name`` and ``jaeger.version`` becomes
    ``opencensus.exporterversion`` = "Jaeger-<version>", unless the target key is already there."""
    hostname = attrs.get("hostname")
    if hostname is not None and "host.name" not in attrs:
        attrs["host.name"] = hostname
        swap_remove(attrs, "hostname")
    version = attrs.get("jaeger.version")
    if version is not None and "opencensus.exporterversion" not in attrs:
        attrs["opencensus.exporterversion"] = (STR, "Jaeger-" + as_str(version))
        swap_remove(attrs, "jaeger.version")


def to_key_values(attrs: AttrMap) -> list[Any]:
    """The OTLP ``KeyValue`` messages for ``attrs``, in order."""
    out = []
    for key, (kind, value) in attrs.items():
        if kind == STR:
            any_value = AnyValue(string_value=value)
        elif kind == INT:
            any_value = AnyValue(int_value=value)
        elif kind == DOUBLE:
            any_value = AnyValue(double_value=value)
        elif kind == BOOL:
            any_value = AnyValue(bool_value=value)
        else:
            any_value = AnyValue(bytes_value=value)
        out.append(KeyValue(key=key, value=any_value))
    return out


def unknown_type(name: str) -> tuple[int, Any]:
    """Go's placeholder value for a tag of unknown type (``%q`` of the enum's String())."""
    return STR, '<Unknown Jaeger TagType "' + name + '">'
