"""Pieces shared by the v1 and v2 translators: attribute values, Go's IP text, semconv keys."""

from __future__ import annotations

import functools
import ipaddress
import re

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

__all__ = [
    "START_TIME_ABSENT",
    "http_status_keys",
    "ip_text",
    "str_kv",
    "tag_kv",
]

START_TIME_ABSENT = "otel.zipkin.absentField.startTime"

# Go's feature gates pkg.translator.zipkin.{DontEmitV0,EmitV1}HttpConventions are beta, so on by
# default: a tag "http.status_code" becomes "http.response.status_code" only.
_HTTP_STATUS_CODE = "http.status_code"
_HTTP_RESPONSE_STATUS_CODE = ("http.response.status_code",)

# Go's zipkin.DetermineValueType, in its order; RE2's \d and \w are ASCII-only.
_INT = re.compile(r"-?[0-9]+")
_DOUBLE = re.compile(r"-?[0-9]+\.[0-9]+")
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


def http_status_keys(key: str) -> tuple[str, ...]:
    return _HTTP_RESPONSE_STATUS_CODE if key == _HTTP_STATUS_CODE else (key,)


def str_kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def typed_value(value: str) -> AnyValue:
    """A string tag as ``parse_string_tags`` turns it: integers, decimals and true/false typed."""
    if _INT.fullmatch(value):
        number = int(value)
        # strconv.ParseInt saturates on overflow (the error is ignored).
        return AnyValue(int_value=min(max(number, _INT64_MIN), _INT64_MAX))
    if _DOUBLE.fullmatch(value):
        return AnyValue(double_value=float(value))
    if value == "true" or value == "false":
        return AnyValue(bool_value=value == "true")
    return AnyValue(string_value=value)


def tag_kv(key: str, value: str, parse_string_tags: bool) -> KeyValue:
    if parse_string_tags and value:
        return KeyValue(key=key, value=typed_value(value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def go_float_to_int64(value: float) -> int:
    """Go's ``int64(f)`` on amd64: out-of-range values become the minimum int64."""
    if -9.223372036854775808e18 <= value < 9.223372036854775808e18:
        return int(value)
    return _INT64_MIN


def json_attr_kvs(attrs: dict[str, object]) -> list[KeyValue]:
    """Go's ``jsonMapToAttributeMap``: strings, numbers (whole ones as ints) and bools; anything
    else is dropped."""
    out: list[KeyValue] = []
    for key, val in attrs.items():
        if isinstance(val, str):
            out.append(str_kv(key, val))
        elif isinstance(val, bool):
            out.append(KeyValue(key=key, value=AnyValue(bool_value=val)))
        elif isinstance(val, int | float):
            number = float(val)
            if number % 1.0 == 0.0:
                out.append(KeyValue(key=key, value=AnyValue(int_value=go_float_to_int64(number))))
            else:
                out.append(KeyValue(key=key, value=AnyValue(double_value=number)))
    return out


@functools.lru_cache(maxsize=4096)
def ip_text(text: str) -> str | None:
    """Go's ``net.ParseIP(text).String()``; None when Go cannot parse it. Cached: a batch repeats
    the same few addresses and ``ipaddress`` is slow."""
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        pass
    if "%" in text:  # Go refuses zones
        return None
    try:
        addr = ipaddress.IPv6Address(text)
    except ValueError:
        return None
    return ip_bytes_text(addr.packed)


def ip_bytes_text(raw: bytes) -> str:
    """Go's ``net.IP(raw).String()``."""
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw))
    if len(raw) == 16:
        addr = ipaddress.IPv6Address(raw)
        mapped = addr.ipv4_mapped
        return str(mapped) if mapped is not None else str(addr)
    if not raw:
        return "<nil>"
    return "?" + raw.hex()
