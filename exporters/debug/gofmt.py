"""Go's text renderings of OTLP values, as the Go debug exporter prints them.

``as_string`` is pdata's ``Value.AsString`` (maps and slices as compact JSON with sorted map
keys, doubles in ES6 style, bytes in base64); ``type_name`` is ``ValueType.String``; ``go_v`` and
``go_f`` are ``fmt``'s ``%v`` and ``%f`` for float64; ``timestamp`` is ``time.Time.String`` in UTC.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import AnyValue

_TYPE_NAMES = {
    None: "Empty",
    "string_value": "Str",
    "bool_value": "Bool",
    "int_value": "Int",
    "double_value": "Double",
    "kvlist_value": "Map",
    "array_value": "Slice",
    "bytes_value": "Bytes",
}


def _digits(value: float) -> tuple[str, str, int]:
    """Shortest round-trip digits of a finite non-zero ``value``: (sign, digits, exponent of the first digit)."""
    sign, digits, exp = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    return ("-" if sign else ""), text, len(text) - 1 + int(exp)


def _fixed(sign: str, digits: str, exp10: int) -> str:
    if digits == "0":
        return sign + "0"
    if exp10 >= 0:
        whole = digits[: exp10 + 1].ljust(exp10 + 1, "0")
        frac = digits[exp10 + 1 :]
    else:
        whole = "0"
        frac = "0" * (-exp10 - 1) + digits
    return sign + whole + ("." + frac if frac else "")


def _exponent(sign: str, digits: str, exp10: int, min_exp_digits: int = 2) -> str:
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    esign = "-" if exp10 < 0 else "+"
    return f"{sign}{mant}e{esign}{abs(exp10):0{min_exp_digits}d}"


def float_json(value: float) -> str:
    """Go's float64 formatting in JSON and ``AsString`` (ES6 number-to-string)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digits, exp10 = _digits(value)
    if abs(value) < 1e-6 or abs(value) >= 1e21:
        out = _exponent(sign, digits, exp10)
        # Go cleans e-09 to e-9 (negative exponents only).
        if -10 < exp10 < 0:
            out = out[:-2] + out[-1]
        return out
    return _fixed(sign, digits, exp10)


def go_v(value: float) -> str:
    """``fmt.Sprintf("%v", f)``: shortest digits, exponent form below 1e-4 or from 1e21."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digits, exp10 = _digits(value)
    if exp10 < -4 or exp10 >= 21:
        return _exponent(sign, digits, exp10)
    return _fixed(sign, digits, exp10)


def go_f(value: float) -> str:
    """``fmt.Sprintf("%f", f)``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:f}"


def type_name(value: AnyValue) -> str:
    return _TYPE_NAMES.get(value.WhichOneof("value"), "Empty")


def as_raw(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "kvlist_value":
        return {kv.key: as_raw(kv.value) for kv in value.kvlist_value.values}
    if kind == "array_value":
        return [as_raw(v) for v in value.array_value.values]
    return getattr(value, kind)


def _json(raw: Any) -> str:
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        text = float_json(raw)
        return text if text[-1].isdigit() else "null"  # Go's encoder fails on NaN/Inf; print null
    if isinstance(raw, str):
        return json.dumps(raw, ensure_ascii=False)
    if isinstance(raw, bytes):
        return '"' + base64.b64encode(raw).decode() + '"'
    if isinstance(raw, dict):
        return "{" + ",".join(f"{_json(k)}:{_json(raw[k])}" for k in sorted(raw)) + "}"
    if isinstance(raw, list):
        return "[" + ",".join(_json(v) for v in raw) + "]"
    return json.dumps(str(raw))


def as_string(value: AnyValue) -> str:
    kind = value.WhichOneof("value")
    if kind is None:
        return ""
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return "true" if value.bool_value else "false"
    if kind == "int_value":
        return str(value.int_value)
    if kind == "double_value":
        return float_json(value.double_value)
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return _json(as_raw(value))


def value_to_string(value: AnyValue) -> str:
    return f"{type_name(value)}({as_string(value)})"


def hex_id(raw: bytes) -> str:
    """Trace/span id as Go prints it: lower-case hex, empty when absent or all zero."""
    if not raw or not any(raw):
        return ""
    return raw.hex()


def timestamp(nanos: int) -> str:
    """``time.Unix(0, ns).UTC().String()``: fraction trimmed of trailing zeros."""
    secs, frac = divmod(nanos, 1_000_000_000)
    try:
        base = datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return str(nanos)
    if frac:
        base += "." + f"{frac:09d}".rstrip("0")
    return base + " +0000 UTC"
