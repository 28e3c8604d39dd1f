"""OTTL run-time values: type tests and the coercions Go's typed getters apply.

A value produced by a path, a literal or a function is one of ``None`` (Go's nil), ``bool``,
``int`` (int64), ``float``, ``str``, ``bytes``, ``list``/``dict`` (from literals and converters),
a pdata :class:`Map` or :class:`ValueSlice` view (a path to a map or slice, editable in place),
a :class:`Value` view (tolerated everywhere, read as its content), a ``datetime`` (OTTL time,
timezone-aware) or a ``timedelta`` (OTTL duration).

Go's time.Time and time.Duration count nanoseconds while Python stops at microseconds. The
:class:`Time` and :class:`Duration` subclasses carry the nanoseconds below the microsecond;
converters that create times or durations return them, and :func:`unix_nanos` /
:func:`duration_nanos` read the full precision of either the subclasses or plain
``datetime``/``timedelta`` values. Arithmetic on them falls back to microsecond precision.
"""

from __future__ import annotations

import base64
import json
import math
import re
import struct
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pyotelcol.ottl.functions import ExecutionError
from pyotelcol.pdata.pcommon import Map, Value, ValueSlice, float_to_string

__all__ = [
    "Duration",
    "Time",
    "as_list",
    "as_map",
    "bool_like",
    "byte_slice_like",
    "duration_from_nanos",
    "duration_nanos",
    "expect_bool",
    "expect_duration",
    "expect_float",
    "expect_int",
    "expect_map",
    "expect_string",
    "expect_time",
    "float_like",
    "float_to_int64",
    "format_go_duration",
    "go_format_float",
    "go_parse_bool",
    "go_parse_float",
    "go_parse_int",
    "go_type_name",
    "int_like",
    "is_list",
    "is_map",
    "json_dumps_go",
    "string_like",
    "time_from_unix_nanos",
    "to_raw",
    "to_value",
    "unix_nanos",
    "unwrap",
    "unwrap_scalar",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- time and duration with nanoseconds --------------------------------------------------------


class Time(datetime):
    """An OTTL time keeping Go's nanosecond precision (``_ns``: nanoseconds below the µs)."""

    __slots__ = ("_ns",)
    _ns: int


class Duration(timedelta):
    """An OTTL duration keeping Go's nanosecond precision (``_ns``: nanoseconds below the µs)."""

    __slots__ = ("_ns",)
    _ns: int

    def __str__(self) -> str:
        return format_go_duration(duration_nanos(self))


def time_from_unix_nanos(nanos: int, tz: Any = UTC) -> Time:
    """The time ``nanos`` nanoseconds after the Unix epoch, in ``tz``."""
    micros, rest = divmod(nanos, 1000)
    try:
        base = UNIX_EPOCH + timedelta(microseconds=micros)
        if tz is not UTC:
            base = base.astimezone(tz)
    except (OverflowError, ValueError):
        raise ExecutionError(f"time out of range: {nanos} ns since the Unix epoch") from None
    result = Time(
        base.year,
        base.month,
        base.day,
        base.hour,
        base.minute,
        base.second,
        base.microsecond,
        tzinfo=base.tzinfo,
        fold=base.fold,
    )
    result._ns = rest
    return result


def unix_nanos(value: datetime) -> int:
    """Nanoseconds since the Unix epoch (a naive datetime is read as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - UNIX_EPOCH
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros * 1000 + getattr(value, "_ns", 0)


def duration_from_nanos(nanos: int) -> Duration:
    micros, rest = divmod(nanos, 1000)
    result = Duration(microseconds=micros)
    result._ns = rest
    return result


def duration_nanos(value: timedelta) -> int:
    micros = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    return micros * 1000 + getattr(value, "_ns", 0)


def format_go_duration(nanos: int) -> str:
    """Go's ``time.Duration.String``: ``1h30m0s``, ``1.5s``, ``250ms``, ``1µs``, ``0s``."""
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    rest = abs(nanos)
    if rest < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if rest >= size:
                return sign + _fraction(rest, size) + unit
    hours, rest = divmod(rest, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    text = _fraction(rest, 1_000_000_000) + "s"
    if hours or minutes:
        text = f"{minutes}m" + text
    if hours:
        text = f"{hours}h" + text
    return sign + text


def _fraction(value: int, unit: int) -> str:
    whole, frac = divmod(value, unit)
    if not frac:
        return str(whole)
    width = len(str(unit)) - 1
    return f"{whole}." + f"{frac:0{width}d}".rstrip("0")


# --- type tests ----------------------------------------------------------------------------------


def unwrap(value: Any) -> Any:
    """A pdata ``Value`` view as its content (maps and slices stay views); anything else as is."""
    if isinstance(value, Value):
        kind = value.type.value
        if kind == "Map":
            return value.map
        if kind == "Slice":
            return value.slice
        return value.as_raw()
    return value


def is_map(value: Any) -> bool:
    return isinstance(value, Map | dict) or (isinstance(value, Value) and value.type.value == "Map")


def is_list(value: Any) -> bool:
    return isinstance(value, ValueSlice | list | tuple) or (isinstance(value, Value) and value.type.value == "Slice")


def to_raw(value: Any) -> Any:
    """Plain Python for a value: Map/ValueSlice/Value views become dict/list/scalars, deeply."""
    if isinstance(value, Map | ValueSlice | Value):
        return value.as_raw()
    if isinstance(value, dict):
        return {str(k): to_raw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_raw(v) for v in value]
    return value


def to_value(value: Any) -> Any:
    """A value ready for pdata (``Map.put`` / ``Value.from_raw``): views become plain Python.
    Raises ``ExecutionError`` for what an attribute cannot hold (a time or a duration)."""
    raw = to_raw(value)
    _check_storable(raw)
    return raw


def _check_storable(raw: Any) -> None:
    if raw is None or isinstance(raw, bool | int | float | str | bytes):
        return
    if isinstance(raw, dict):
        for item in raw.values():
            _check_storable(item)
        return
    if isinstance(raw, list):
        for item in raw:
            _check_storable(item)
        return
    raise ExecutionError(f"unsupported value type {go_type_name(raw)} for a telemetry field")


def go_type_name(value: Any) -> str:
    """The Go type name OTTL's error messages print (``%T``) for a run-time value."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes | bytearray):
        return "[]uint8"
    if isinstance(value, Map):
        return "pcommon.Map"
    if isinstance(value, ValueSlice):
        return "pcommon.Slice"
    if isinstance(value, Value):
        return "pcommon.Value"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, UnstorableList):
        return value.go_type
    if isinstance(value, list | tuple):
        return "[]interface {}"
    if isinstance(value, datetime):
        return "time.Time"
    if isinstance(value, timedelta):
        return "time.Duration"
    return type(value).__name__


# --- formatting ----------------------------------------------------------------------------------


def go_format_float(value: float) -> str:
    """A float64 as OTTL's StringLikeGetter prints it (Go's ``encoding/json``: shortest
    round-trip digits, exponent form below 1e-6 and from 1e21, ``1e-7`` not ``1e-07``)."""
    return float_to_string(value)


_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
_HTML_RE = re.compile("[<>&\u2028\u2029]")


def _json_string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    # Go's encoder escapes HTML characters and the JavaScript line separators.
    return _HTML_RE.sub(lambda m: _HTML_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), encoded)


def json_dumps_go(value: Any) -> str:
    """Compact JSON as OTTL renders maps and slices (Go's ``json.Marshal`` of ``AsRaw``): bytes
    in base64, map keys sorted, HTML characters escaped; NaN and infinities are refused as Go
    refuses them."""
    raw = to_raw(value)
    parts: list[str] = []

    def emit(item: Any) -> None:
        if item is None:
            parts.append("null")
        elif isinstance(item, bool):
            parts.append("true" if item else "false")
        elif isinstance(item, int):
            parts.append(str(item))
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise ExecutionError(f"unsupported value: {go_format_float(item)}")
            parts.append(go_format_float(item))
        elif isinstance(item, str):
            parts.append(_json_string(item))
        elif isinstance(item, bytes | bytearray):
            parts.append('"' + base64.b64encode(bytes(item)).decode() + '"')
        elif isinstance(item, dict):
            parts.append("{")
            for index, key in enumerate(sorted(item)):
                if index:
                    parts.append(",")
                parts.append(_json_string(str(key)))
                parts.append(":")
                emit(item[key])
            parts.append("}")
        elif isinstance(item, list | tuple):
            parts.append("[")
            for index, element in enumerate(item):
                if index:
                    parts.append(",")
                emit(element)
            parts.append("]")
        elif isinstance(item, datetime):
            parts.append(_json_string(_rfc3339_nano(item)))
        elif isinstance(item, timedelta):
            parts.append(str(duration_nanos(item)))
        else:
            raise ExecutionError(f"unsupported type: {go_type_name(item)}")

    emit(raw)
    return "".join(parts)


def _rfc3339_nano(value: datetime) -> str:
    """Go's ``time.Time`` JSON form (RFC 3339 with trailing zeros of the fraction trimmed)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    nanos = value.microsecond * 1000 + getattr(value, "_ns", 0)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    offset = value.utcoffset() or timedelta(0)
    if offset == timedelta(0):
        return text + "Z"
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"


# --- Go's strconv --------------------------------------------------------------------------------

_INT_RE = re.compile(r"[+-]?[0-9]+")
_DEC_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX_FLOAT_RE = re.compile(r"([+-]?)0[xX]((?:[0-9a-fA-F_]+\.?[0-9a-fA-F_]*|\.[0-9a-fA-F_]+))[pP]([+-]?[0-9_]+)")
_SPECIAL_FLOATS = {
    "inf": math.inf,
    "+inf": math.inf,
    "-inf": -math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-infinity": -math.inf,
    "nan": math.nan,
}


def go_parse_int(text: str) -> int:
    """Go's ``strconv.ParseInt(text, 10, 64)``; raises ValueError with Go's message."""
    if not _INT_RE.fullmatch(text):
        raise ValueError(f'strconv.ParseInt: parsing "{text}": invalid syntax')
    number = int(text)
    if not INT64_MIN <= number <= INT64_MAX:
        raise ValueError(f'strconv.ParseInt: parsing "{text}": value out of range')
    return number


def go_parse_float(text: str) -> float:
    """Go's ``strconv.ParseFloat(text, 64)``: decimal or hex (``0x1p-2``) forms, ``inf``,
    ``infinity`` and ``nan`` in any case; no spaces; raises ValueError with Go's message."""
    special = _SPECIAL_FLOATS.get(text.lower())
    if special is not None:
        return special
    if _DEC_FLOAT_RE.fullmatch(text):
        number = float(text)
    else:
        hex_match = _HEX_FLOAT_RE.fullmatch(text)
        if not hex_match or _bad_underscores(text):
            raise ValueError(f'strconv.ParseFloat: parsing "{text}": invalid syntax')
        sign, mantissa, exponent = hex_match.groups()
        mantissa = mantissa.replace("_", "")
        if "." not in mantissa:
            mantissa += "."
        try:
            number = float.fromhex(f"{sign}0x{mantissa}p{exponent.replace('_', '')}")
        except OverflowError:
            number = -math.inf if sign == "-" else math.inf
    if math.isinf(number):
        raise ValueError(f'strconv.ParseFloat: parsing "{text}": value out of range')
    return number


def _bad_underscores(text: str) -> bool:
    # Go allows '_' only between digits (after the base prefix).
    return "__" in text or re.search(r"(^|[^0-9a-fA-FxX])_|_($|[^0-9a-fA-F])", text) is not None


# --- typed getters -------------------------------------------------------------------------------


def string_like(value: Any) -> str | None:
    """Go's ``StringLikeGetter``: None stays None; strings as they are; bytes as lowercase hex;
    maps and slices as JSON; numbers and booleans as Go's JSON encoder prints them; a pdata
    ``Value`` as its ``AsString``."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Value):
        return value.as_string()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExecutionError("unsupported type: float64")
        return go_format_float(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, Map | ValueSlice | dict | list | tuple):
        return json_dumps_go(value)
    if isinstance(value, datetime | timedelta):
        return json_dumps_go(value)
    raise ExecutionError(f"unsupported type: {go_type_name(value)}")


class IdBytes(bytes):
    """What TraceID, SpanID and ProfileID return: Go's fixed-size ID arrays. They compare as
    bytes and set ID fields, but Go's SetValue has no case for them: written to an attribute
    they leave the slot as it was (a new key stays an empty value)."""


class UnstorableList(list[Any]):
    """A list read from a datapoint that Go returns as a type its SetValue has no case for
    (bucket counts as ``[]uint64``, quantile values as a pmetric slice): written to an
    attribute it leaves the slot as it was and fails the statement. ``go_type`` is the Go type
    name the error message prints."""

    def __init__(self, items: Any, go_type: str) -> None:
        super().__init__(items)
        self.go_type = go_type


def float_like(value: Any) -> float | None:
    """Go's ``FloatLikeGetter``: None stays None; float, int and bool (1/0) converted; strings
    parsed with ``strconv.ParseFloat`` (a parse failure is an error); other types are errors."""
    value = unwrap(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int):
        return float(value)
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        try:
            return go_parse_float(value)
        except ValueError as err:
            raise ExecutionError(str(err)) from None
    raise ExecutionError(f"unsupported type: {go_type_name(value)}")


def int_like(value: Any) -> int | None:
    """Go's ``IntLikeGetter``: None stays None; int as is; float truncated toward zero; bool
    1/0; strings parsed base 10 with ``strconv.ParseInt`` (a parse failure is an error); other
    types are errors."""
    value = unwrap(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return float_to_int64(value)
    if isinstance(value, str):
        try:
            return go_parse_int(value)
        except ValueError as err:
            raise ExecutionError(str(err)) from None
    raise ExecutionError(f"unsupported type: {go_type_name(value)}")


def float_to_int64(value: float) -> int:
    """Go's ``int64(f)``: truncation toward zero; NaN and out-of-range values give the minimum
    int64 as on amd64 (Go leaves them implementation-defined)."""
    if math.isnan(value) or not -(2.0**63) <= value < 2.0**63:
        return INT64_MIN
    return int(value)


def as_map(value: Any) -> Mapping[str, Any] | None:
    """A map value as a read-only mapping of key to OTTL value (views unwrapped), or None."""
    value = unwrap(value)
    if isinstance(value, Map):
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, dict):
        return value
    return None


def as_list(value: Any) -> list[Any] | None:
    """A slice value as a list of OTTL values (views unwrapped), or None."""
    value = unwrap(value)
    if isinstance(value, ValueSlice):
        return [unwrap(item) for item in value]
    if isinstance(value, list | tuple):
        return list(value)
    return None


# --- Go's typed getters (the error messages OTTL functions report) -------------------------------


def _type_for_error(value: Any) -> str:
    # Go prints a pcommon.Value's type (e.g. "Int") and other values' Go type (e.g. "int64").
    if isinstance(value, Value):
        return str(value.type.value)
    return go_type_name(value)


def expect_string(value: Any) -> str:
    """Go's ``StringGetter``: a string (or a string ``Value``), else an error."""
    value = unwrap_scalar(value)
    if isinstance(value, str):
        return value
    if value is None:
        raise ExecutionError("expected string but got nil")
    raise ExecutionError(f"expected string but got {_type_for_error(value)}")


def expect_int(value: Any) -> int:
    """Go's ``IntGetter``: an int64 (bool is not an int in Go)."""
    value = unwrap_scalar(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if value is None:
        raise ExecutionError("expected int64 but got nil")
    raise ExecutionError(f"expected int64 but got {_type_for_error(value)}")


def expect_float(value: Any) -> float:
    """Go's ``FloatGetter``: a float64 only."""
    value = unwrap_scalar(value)
    if isinstance(value, float):
        return value
    if value is None:
        raise ExecutionError("expected float64 but got nil")
    raise ExecutionError(f"expected float64 but got {_type_for_error(value)}")


def expect_bool(value: Any) -> bool:
    """Go's ``BoolGetter``: a bool only."""
    value = unwrap_scalar(value)
    if isinstance(value, bool):
        return value
    if value is None:
        raise ExecutionError("expected bool but got nil")
    raise ExecutionError(f"expected bool but got {_type_for_error(value)}")


def expect_map(value: Any) -> Map | dict[str, Any]:
    """Go's ``PMapGetter``: a pdata Map view or a plain dict (never mutated by converters)."""
    value = unwrap(value)
    if isinstance(value, Map | dict):
        return value
    if value is None:
        raise ExecutionError("expected pcommon.Map but got nil")
    raise ExecutionError(f"expected pcommon.Map but got {_type_for_error(value)}")


def expect_time(value: Any) -> datetime:
    """Go's ``TimeGetter``."""
    if isinstance(value, datetime):
        return value
    if value is None:
        raise ExecutionError("expected time but got nil")
    raise ExecutionError(f"expected time but got {_type_for_error(value)}")


def expect_duration(value: Any) -> timedelta:
    """Go's ``DurationGetter``."""
    if isinstance(value, timedelta):
        return value
    if value is None:
        raise ExecutionError("expected duration but got nil")
    raise ExecutionError(f"expected duration but got {_type_for_error(value)}")


def unwrap_scalar(value: Any) -> Any:
    """A pdata ``Value`` holding a scalar as plain Python; anything else as is."""
    if isinstance(value, Value) and value.type.value not in ("Map", "Slice"):
        return value.as_raw()
    return value


_GO_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})


def go_parse_bool(text: str) -> bool:
    """Go's ``strconv.ParseBool``; raises ValueError with Go's message."""
    if text in _GO_TRUE:
        return True
    if text in _GO_FALSE:
        return False
    raise ValueError(f'strconv.ParseBool: parsing "{text}": invalid syntax')


def bool_like(value: Any) -> bool | None:
    """Go's ``BoolLikeGetter``: None stays None; numbers are true when non-zero; strings
    parsed with ``strconv.ParseBool`` (a failure is an error); other types are errors."""
    value = unwrap(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        try:
            return go_parse_bool(value)
        except ValueError as err:
            raise ExecutionError(str(err)) from None
    raise ExecutionError(f"unsupported type: {go_type_name(value)}")


def byte_slice_like(value: Any) -> bytes | None:
    """Go's ``ByteSliceLikeGetter``: bytes as they are, strings as UTF-8, int64/float64/bool as
    their 8 (or 1 for bool) big-endian bytes; None stays None; other types are errors."""
    value = unwrap(value)
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, bool):
        return b"\x01" if value else b"\x00"
    if isinstance(value, int):
        return (value & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")
    if isinstance(value, float):
        return struct.pack(">d", value)
    raise ExecutionError(f"unsupported type: {go_type_name(value)}")
