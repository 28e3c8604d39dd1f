"""Go's text renderings of OTLP values, as the Go debug exporter prints them.

``as_string`` and ``type_name`` are pdata's ``Value.AsString`` and ``ValueType.String``
(``pyotelcol.pdata.Value``); ``go_v`` and ``go_f`` are ``fmt``'s ``%v`` and ``%f`` for float64; ``timestamp`` is ``time.Time.String`` in UTC.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from pyotelcol.pdata import Value


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
    return Value(value).type.value


def as_string(value: AnyValue) -> str:
    return Value(value).as_string()


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
