"""OTLP/JSON codec: the proto3 JSON mapping with OTLP's deviations, as the Go collector applies them.

Decoding: ``json.loads`` -> one descriptor-driven walk that renames keys (lowerCamelCase or
snake_case) to proto field names and converts the values whose JSON form differs from what the
protobuf constructor takes (hex ids, base64 bytes, 64-bit ints as strings, "NaN"/"Infinity"
doubles) -> a single ``message_type(**fields)`` call, which builds the whole tree in C and
checks the remaining types and ranges (strings, enum names, int32/uint32/int64 limits).
``google.protobuf.json_format.ParseDict`` is ~10x slower and decodes ids as base64.

Encoding: a walk over ``ListFields()`` (set fields only, so defaults are omitted) -> ``json.dumps``.
The output follows Go's ``pdata`` writer: lowerCamelCase, lower-case hex ids with all-zero ids
omitted, enums as integers, 64-bit integers as strings, and the fields Go always writes
(``resource``, ``scope``, ``status``, KeyValue ``value``, LogRecord ``body``, exponential-histogram
``positive``/``negative``, ``partialSuccess``) present even when empty.

Deliberate choices (Go behaves the same or cannot tell the difference):
- an empty object for a singular, non-oneof message field (``"status": {}``) leaves the field
  unset, so that ``from_json(to_json(m)) == m`` despite the always-written fields above;
- ``null`` anywhere means "absent"; unknown keys are skipped without looking at their values;
- all-zero hex ids are kept as zero bytes (Go treats them as empty and omits them on output).
"""

from __future__ import annotations

import binascii
import json
import math
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.rpc import error_details_pb2  # noqa: F401  (registers RetryInfo & co for Status.details)
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ..component.ids import Signal
from .data import DEPTH_MESSAGE, MAX_DEPTH, InvalidDataError, Logs, Metrics, Traces

__all__ = ["JSONError", "decode_request", "from_json", "to_json"]

M = TypeVar("M", bound=Message)


class JSONError(InvalidDataError):
    """The body is not valid OTLP/JSON; ``str()`` is a short ASCII-only reason."""


# --- plans ---------------------------------------------------------------------------------------

# Field kinds. The decode walk tests them in this order, so the frequent ones come first.
_STR, _MSG, _RMSG, _INT, _ID, _ENUM, _DBL, _OMSG, _BOOL, _BYTES = range(10)
_RINT, _RDBL, _RSTR, _RBOOL, _RENUM, _RBYTES, _WKT, _RWKT, _RKV = range(10, 19)

_REPEATED = frozenset({_RMSG, _RKV, _RINT, _RDBL, _RSTR, _RBOOL, _RENUM, _RBYTES, _RWKT})

_ID_SIZES = {"trace_id": 16, "span_id": 8, "parent_span_id": 8, "profile_id": 16}

# Singular message fields Go writes even when empty (embedded structs in Go's pdata).
_ALWAYS_WRITTEN = {
    "opentelemetry.proto.trace.v1.ResourceSpans": ("resource",),
    "opentelemetry.proto.metrics.v1.ResourceMetrics": ("resource",),
    "opentelemetry.proto.logs.v1.ResourceLogs": ("resource",),
    "opentelemetry.proto.trace.v1.ScopeSpans": ("scope",),
    "opentelemetry.proto.metrics.v1.ScopeMetrics": ("scope",),
    "opentelemetry.proto.logs.v1.ScopeLogs": ("scope",),
    "opentelemetry.proto.trace.v1.Span": ("status",),
    "opentelemetry.proto.common.v1.KeyValue": ("value",),
    "opentelemetry.proto.logs.v1.LogRecord": ("body",),
    "opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint": ("positive", "negative"),
    "opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse": ("partialSuccess",),
    "opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse": ("partialSuccess",),
    "opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse": ("partialSuccess",),
}

_INT_TYPES = frozenset(
    {
        FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_FIXED32, FieldDescriptor.TYPE_SFIXED32,
    }
)  # fmt: skip
_INT64_TYPES = frozenset(
    {
        FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED64,
    }
)  # fmt: skip

_KEY_VALUE = "opentelemetry.proto.common.v1.KeyValue"

# Per protobuf integer type: the values it holds (checked on the error path only: the message
# constructor refuses the rest, without saying which field).
_INT_RANGES: dict[int, tuple[int, int]] = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
_ENUM_RANGE = (-(2**31), 2**31 - 1)  # proto3 enums are open: any int32

DecFields = dict[str, tuple[str, int, Any]]


class _Plan:
    """Per message type: JSON key -> (proto name, kind, extra) and field -> (JSON key, kind, extra)."""

    __slots__ = ("always", "dec", "enc")

    def __init__(self) -> None:
        self.dec: DecFields = {}
        self.enc: dict[FieldDescriptor, tuple[str, int, Any]] = {}
        self.always: tuple[str, ...] = ()


_PLANS: dict[str, _Plan] = {}
_PLANS_LOCK = threading.Lock()


def _is_wkt(desc: Any) -> bool:
    """Types left to json_format: google.protobuf well-known types and anything with map fields."""
    if desc.full_name.startswith("google.protobuf."):
        return True
    return any(f.message_type is not None and f.message_type.GetOptions().map_entry for f in desc.fields)


def _plan(desc: Any) -> _Plan:
    plan = _PLANS.get(desc.full_name)
    if plan is None:
        with _PLANS_LOCK:  # plans are published only once complete (threads may decode too)
            pending: dict[str, _Plan] = {}
            plan = _build_plan(desc, pending)
            for name, built in pending.items():
                _PLANS.setdefault(name, built)
            plan = _PLANS[desc.full_name]
    return plan


def _build_plan(desc: Any, pending: dict[str, _Plan]) -> _Plan:
    plan = _PLANS.get(desc.full_name) or pending.get(desc.full_name)
    if plan is not None:
        return plan
    plan = pending[desc.full_name] = _Plan()  # registered first: AnyValue <-> ArrayValue recurse
    otlp = desc.full_name.startswith("opentelemetry.proto.")
    fd: Any
    for fd in desc.fields:
        rep = fd.is_repeated
        kind: int
        extra: Any = None
        if fd.type == FieldDescriptor.TYPE_MESSAGE:
            if _is_wkt(fd.message_type):
                kind, extra = (_RWKT if rep else _WKT), message_factory.GetMessageClass(fd.message_type)
            else:
                sub = _build_plan(fd.message_type, pending)
                oneof = fd.containing_oneof
                kind = _RMSG if rep else (_OMSG if oneof is not None else _MSG)
                if rep and fd.message_type.full_name == _KEY_VALUE:
                    kind = _RKV  # attribute lists: the bulk of every request, with a fast path
                extra = sub
        elif fd.type == FieldDescriptor.TYPE_STRING:
            kind = _RSTR if rep else _STR
        elif fd.type == FieldDescriptor.TYPE_BYTES:
            if otlp and not rep and fd.name in _ID_SIZES:
                kind, extra = _ID, _ID_SIZES[fd.name]
            else:
                kind = _RBYTES if rep else _BYTES
        elif fd.type == FieldDescriptor.TYPE_BOOL:
            kind = _RBOOL if rep else _BOOL
        elif fd.type == FieldDescriptor.TYPE_ENUM:
            kind = _RENUM if rep else _ENUM
            extra = frozenset(v.name for v in fd.enum_type.values)
        elif fd.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            kind = _RDBL if rep else _DBL
        elif fd.type in _INT_TYPES:
            kind, extra = (_RINT if rep else _INT), False
        elif fd.type in _INT64_TYPES:
            kind, extra = (_RINT if rep else _INT), True
        else:  # groups: not used by any OTLP or google.rpc message
            continue
        dec_extra = extra.dec if isinstance(extra, _Plan) else extra
        if kind in (_INT, _RINT):
            dec_extra = _INT_RANGES[fd.type]  # the decode walk needs no 32/64-bit flag
        plan.dec[fd.json_name] = plan.dec[fd.name] = (fd.name, kind, dec_extra)
        plan.enc[fd] = (fd.json_name, kind, extra)
    plan.always = _ALWAYS_WRITTEN.get(desc.full_name, ())
    return plan


# --- decoding ------------------------------------------------------------------------------------


class _Fail(Exception):
    """Internal: a decode failure; ``path`` collects JSON keys/indices while unwinding."""

    def __init__(self, reason: str, node: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[str] = []
        self.node = node  # the JSON value being decoded when it failed: finds its array index


def _jtype(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a number")


def _show(value: str) -> str:
    text = value if len(value) <= 40 else value[:37] + "..."
    return json.dumps(text)  # ensure_ascii: escapes anything outside ASCII


class _LongNumber:
    """A JSON number literal with more digits than ``int()`` converts (4300): kept as text so
    that the field it belongs to is named in the error."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _int_literal(text: str) -> int | _LongNumber:
    try:
        return int(text)
    except ValueError:
        return _LongNumber(text)


_MAX_INT_DIGITS = 20  # 2**64 - 1 has 20 digits: anything longer is out of range for every field


def _out_of_range(digits: int) -> _Fail:
    return _Fail(f"integer out of range ({digits} digits)")


def _parse_int(value: Any) -> int:
    t = type(value)
    if t is int:
        return value  # type: ignore[no-any-return]
    if t is str:
        signed = value[:1] in ("-", "+")
        digits = value[1:] if signed else value
        if digits.isascii() and digits.isdigit():
            if len(digits) > _MAX_INT_DIGITS:  # Go's ParseInt: leading zeros are fine
                digits = digits.lstrip("0") or "0"
                if len(digits) > _MAX_INT_DIGITS:
                    raise _out_of_range(len(digits))
                value = value[0] + digits if signed else digits
            return int(value)
        raise _Fail(f"invalid integer string {_show(value)}")
    if t is _LongNumber:
        raise _out_of_range(len(value.text.lstrip("-")))
    raise _Fail(f"expected an integer, got {_jtype(value)}")


# What Go's strconv.ParseFloat takes (bar hex floats): decimals, and inf/infinity/nan in any case.
_FLOAT_RE = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:inf|infinity|nan))")
_FLOAT_NAMES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_INFINITIES = (math.inf, -math.inf)
_FLOAT_RANGE = "number out of range for a double"


def _parse_float(value: Any) -> float:
    # Go's strconv.ParseFloat refuses (ErrRange) what overflows a double, quoted or not, while
    # Python rounds it to infinity: only the names (Infinity, inf, ...) may give one.
    t = type(value)
    if t is float:
        if value in _INFINITIES:
            raise _Fail(_FLOAT_RANGE)
        return value  # type: ignore[no-any-return]
    if t is int:
        try:
            return float(value)
        except OverflowError:
            raise _Fail(_FLOAT_RANGE) from None
    if t is str:
        special = _FLOAT_NAMES.get(value)
        if special is not None:
            return special
        if _FLOAT_RE.fullmatch(value):
            number = float(value)
            if number in _INFINITIES and value.lstrip("+-")[:1] in "0123456789.":
                raise _Fail(_FLOAT_RANGE)
            return number
        raise _Fail(f"invalid number string {_show(value)}")
    if t is _LongNumber:
        raise _Fail(_FLOAT_RANGE)  # more than 4300 digits before any dot or exponent
    raise _Fail(f"expected a number, got {_jtype(value)}")


def _parse_bool(value: Any) -> bool:
    if type(value) is not bool:
        raise _Fail(f"expected a boolean, got {_jtype(value)}")
    return value


def _parse_str(value: Any) -> str:
    if type(value) is not str:
        raise _Fail(f"expected a string, got {_jtype(value)}")
    return value


def _parse_enum(value: Any, names: frozenset[str]) -> Any:
    t = type(value)
    if t is str:
        if value not in names:
            raise _Fail(f"unknown enum value {_show(value)}")
        return value  # the constructor maps the name to its number
    if t is _LongNumber:
        raise _out_of_range(len(value.text.lstrip("-")))
    if t is not int:
        raise _Fail(f"expected an enum number or name, got {_jtype(value)}")
    return value


def _parse_bytes(value: Any) -> bytes:
    if type(value) is not str:
        raise _Fail(f"expected a base64 string, got {_jtype(value)}")
    try:
        return binascii.a2b_base64(value.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError):
        raise _Fail("invalid base64 (standard alphabet with padding expected)") from None


def _parse_id(value: Any, size: int) -> bytes:
    if type(value) is not str:
        raise _Fail(f"expected a hex string, got {_jtype(value)}")
    if not value:
        return b""
    if len(value) != 2 * size:
        raise _Fail(f"invalid id: {len(value)} characters, want {2 * size} hex digits")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) != size:  # non-hex, or whitespace that fromhex tolerates
        raise _Fail("invalid id: not a hex string")
    return raw


def _parse_list(value: Any, item: Callable[[Any], Any]) -> list[Any]:
    if type(value) is not list:
        raise _Fail(f"expected an array, got {_jtype(value)}")
    return [item(x) for x in value]


def _parse_wkt(value: Any, cls: type[Message]) -> Message:
    if type(value) is not dict:
        raise _Fail(f"expected an object, got {_jtype(value)}")
    try:
        return json_format.ParseDict(value, cls(), ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError) as exc:
        raise _Fail(_ascii(str(exc))) from None


def _rare(kind: int, val: Any, extra: Any) -> Any:
    """Conversions for the kinds that do not occur per span/point/record."""
    if kind == _BOOL:
        return _parse_bool(val)
    if kind == _BYTES:
        return _parse_bytes(val)
    if kind == _RINT:
        return _parse_list(val, _parse_int)
    if kind == _RDBL:
        return _parse_list(val, _parse_float)
    if kind == _RSTR:
        return _parse_list(val, _parse_str)
    if kind == _RBOOL:
        return _parse_list(val, _parse_bool)
    if kind == _RENUM:
        return _parse_list(val, lambda x: _parse_enum(x, extra))
    if kind == _RBYTES:
        return _parse_list(val, _parse_bytes)
    if kind == _WKT:
        return _parse_wkt(val, extra)
    if kind == _RWKT:
        return _parse_list(val, lambda x: _parse_wkt(x, extra))
    raise AssertionError(kind)  # pragma: no cover


def _dec(obj: Any, fields: DecFields, depth: int) -> dict[str, Any]:
    """One JSON object (a message ``depth`` levels below the request) -> constructor keyword
    arguments. Unknown keys and nulls are skipped."""
    if type(obj) is not dict:
        raise _Fail(f"expected an object, got {_jtype(obj)}", obj)
    if depth > MAX_DEPTH:
        raise _Fail(DEPTH_MESSAGE, obj)
    out: dict[str, Any] = {}
    child = depth + 1
    for key, val in obj.items():
        spec = fields.get(key)
        if spec is None or val is None:
            continue
        name, kind, extra = spec
        try:
            if kind == _STR:
                if type(val) is not str:
                    raise _Fail(f"expected a string, got {_jtype(val)}")
                out[name] = val
            elif kind == _MSG:
                if val or type(val) is not dict:  # {} = unset: Go cannot tell the two apart
                    out[name] = _dec(val, extra, child)
            elif kind == _RKV:
                out[name] = _dec_attrs(val, extra, child)
            elif kind == _RMSG:
                if type(val) is not list:
                    raise _Fail(f"expected an array, got {_jtype(val)}")
                out[name] = [_dec(x, extra, child) for x in val]
            elif kind == _INT:
                out[name] = val if type(val) is int else _parse_int(val)
            elif kind == _ID:
                out[name] = _parse_id(val, extra)
            elif kind == _ENUM:
                out[name] = val if type(val) is int else _parse_enum(val, extra)
            elif kind == _DBL:
                out[name] = _parse_float(val)
            elif kind == _OMSG:
                out[name] = _dec(val, extra, child)
            else:
                out[name] = _rare(kind, val, extra)
        except _Fail as exc:
            if kind in _REPEATED and type(val) is list:
                exc.path.append(f"[{_failing_index(val, kind, extra, exc.node)}]")
            exc.path.append(key)
            exc.node = obj
            raise
    return out


def _dec_attrs(items: Any, fields: DecFields, depth: int) -> list[dict[str, Any]]:
    """A KeyValue list; ``{"key": k, "value": {"stringValue": s}}`` skips the generic walk
    (unless the value would sit deeper than ``MAX_DEPTH``)."""
    if type(items) is not list:
        raise _Fail(f"expected an array, got {_jtype(items)}")
    out = []
    fast = depth < MAX_DEPTH
    for kv in items:
        if fast and type(kv) is dict and len(kv) == 2:
            key = kv.get("key")
            value = kv.get("value")
            if type(key) is str and type(value) is dict and len(value) == 1:
                text = value.get("stringValue")
                if type(text) is str:
                    out.append({"key": key, "value": {"string_value": text}})
                    continue
        out.append(_dec(kv, fields, depth))
    return out


def _failing_index(items: list[Any], kind: int, extra: Any, node: Any) -> int:
    """Error path only: which element of an array made the conversion fail. A message element
    is found by identity (``node``: no second walk of deep data); a scalar is converted again."""
    for i, item in enumerate(items):
        if kind in (_RMSG, _RKV):
            if item is node:
                return i
            continue
        try:
            _rare(kind, [item], extra)
        except _Fail:
            return i
    return 0  # pragma: no cover


def _check_ranges(obj: Any, fields: DecFields) -> None:
    """Error path only, after the constructor refused decoded data: find the integer that is out
    of its field's range (the constructor does not say which) and fail naming its field."""
    for key, val in obj.items():
        spec = fields.get(key)
        if spec is None or val is None:
            continue
        _, kind, extra = spec
        try:
            if kind in (_MSG, _OMSG) and type(val) is dict:
                _check_ranges(val, extra)
            elif kind in (_RMSG, _RKV):
                for i, item in enumerate(val):
                    try:
                        if type(item) is dict:
                            _check_ranges(item, extra)
                    except _Fail as exc:
                        exc.path.append(f"[{i}]")
                        raise
            elif kind in (_INT, _ENUM):
                _check_range(_parse_int(val) if kind == _INT or type(val) is int else 0, extra, kind)
            elif kind in (_RINT, _RENUM):
                for i, item in enumerate(val):
                    try:
                        _check_range(_parse_int(item) if kind == _RINT or type(item) is int else 0, extra, kind)
                    except _Fail as exc:
                        exc.path.append(f"[{i}]")
                        raise
        except _Fail as exc:
            exc.path.append(key)
            raise


def _check_range(value: int, extra: Any, kind: int) -> None:
    low, high = extra if kind in (_INT, _RINT) else _ENUM_RANGE
    if not low <= value <= high:
        raise _Fail(f"integer out of range: {_show(str(value))}")


def _ascii(text: str, limit: int = 200) -> str:
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _reject_constant(name: str) -> Any:
    raise _Fail(f"invalid JSON: {name} is not a JSON value")


def _loads(text: str, long_numbers: bool) -> Any:
    try:
        if long_numbers:
            return json.loads(text, parse_constant=_reject_constant, parse_int=_int_literal)
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise JSONError(f"invalid JSON: {_ascii(exc.msg)} at offset {exc.pos}") from None
    except _Fail as exc:
        raise JSONError(exc.reason) from None
    except RecursionError:
        raise JSONError("invalid JSON: nested too deeply") from None


def _load(body: bytes | bytearray | memoryview | str) -> Any:
    if isinstance(body, str):
        text = body
    else:
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JSONError(f"invalid JSON: invalid UTF-8 at offset {exc.start}") from None
    if not text or text.isspace():
        raise JSONError("empty JSON body")
    try:
        return _loads(text, False)
    except JSONError:
        raise
    except ValueError:
        pass
    # An integer literal longer than int() converts: parse again keeping such literals as text,
    # so that the field they belong to decides (and names) the error. The default hook is kept
    # on the normal path: a Python hook per integer costs.
    try:
        return _loads(text, True)
    except JSONError:
        raise
    except ValueError as exc:
        raise JSONError(f"invalid JSON: {_ascii(str(exc))}") from None


def _where(path: list[str]) -> str:
    where = "".join(p if p.startswith("[") else "." + p for p in reversed(path)).lstrip(".")
    return where if len(where) <= 160 else where[:100] + "..." + where[-57:]


def _fail_message(exc: _Fail) -> str:
    where = _where(exc.path)
    return f"invalid OTLP/JSON at {where}: {exc.reason}" if where else exc.reason


def from_json(body: bytes | bytearray | memoryview | str, message_type: type[M]) -> M:
    """Decode OTLP/JSON into ``message_type``; raises JSONError on anything OTLP rejects, and on
    messages nested deeper than ``MAX_DEPTH`` (they could not be parsed back from protobuf)."""
    obj = _load(body)
    if type(obj) is not dict:
        raise JSONError(f"invalid OTLP/JSON: the top level is {_jtype(obj)}, not an object")
    desc = message_type.DESCRIPTOR
    try:
        if _is_wkt(desc):
            return _parse_wkt(obj, message_type)  # type: ignore[return-value]
        plan = _plan(desc).dec
        kwargs = _dec(obj, plan, 0)
    except _Fail as exc:
        raise JSONError(_fail_message(exc)) from None
    except RecursionError:
        raise JSONError("invalid OTLP/JSON: nested too deeply") from None
    try:
        try:
            return message_type(**kwargs)
        except UnicodeEncodeError:  # a lone "\ud800" escape: Go decodes it as U+FFFD, so do we
            return message_type(**_replace_surrogates(kwargs))
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # out-of-range numbers
        try:
            _check_ranges(obj, plan)
        except _Fail as fail:
            raise JSONError(_fail_message(fail)) from None
        raise JSONError(f"invalid OTLP/JSON: {_ascii(str(exc))}") from None


def _replace_surrogates(value: Any) -> Any:
    """Error path only: strings with unpaired surrogates get U+FFFD in their place."""
    if type(value) is str:
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if type(value) is dict:
        return {k: _replace_surrogates(v) for k, v in value.items()}
    if type(value) is list:
        return [_replace_surrogates(v) for v in value]
    return value


def decode_request(signal: Signal, body: bytes) -> Traces | Metrics | Logs:
    """Decode an OTLP/JSON export request body for ``signal`` (no wire bytes are kept). The
    decoder enforces what ``from_wire`` does, so the data is marked as parsing back."""
    data: Traces | Metrics | Logs
    if signal is Signal.TRACES:
        data = Traces(from_json(body, ExportTraceServiceRequest))
    elif signal is Signal.METRICS:
        data = Metrics(from_json(body, ExportMetricsServiceRequest))
    elif signal is Signal.LOGS:
        data = Logs(from_json(body, ExportLogsServiceRequest))
    else:
        raise ValueError(f"OTLP/JSON: no request type for signal {signal}")
    data.mark_checked()
    return data


# --- encoding ------------------------------------------------------------------------------------


def _dbl(v: float) -> float | int | str:
    if v != v:
        return "NaN"
    if v in (math.inf, -math.inf):
        return "Infinity" if v > 0 else "-Infinity"
    if v.is_integer() and abs(v) < 1e21 and (v != 0 or math.copysign(1.0, v) > 0):
        return int(v)  # Go writes 5, not 5.0
    return v


def _b64(v: bytes) -> str:
    return binascii.b2a_base64(v, newline=False).decode("ascii")


def _wkt_dict(v: Message) -> Any:
    return json_format.MessageToDict(v, use_integers_for_enums=True)


def _enc(msg: Message, plan: _Plan) -> dict[str, Any]:
    out: dict[str, Any] = {}
    enc = plan.enc
    for fd, val in msg.ListFields():
        key, kind, extra = enc[fd]
        if kind in (_STR, _ENUM, _BOOL):
            out[key] = val
        elif kind in (_MSG, _OMSG):
            out[key] = _enc(val, extra)
        elif kind == _RKV:
            out[key] = _enc_attrs(val, extra)
        elif kind == _RMSG:
            out[key] = [_enc(x, extra) for x in val]
        elif kind == _INT:
            out[key] = str(val) if extra else val
        elif kind == _ID:
            if val.strip(b"\x00"):  # all-zero ids are "empty" for Go and are omitted
                out[key] = val.hex()
        elif kind == _DBL:
            out[key] = _dbl(val)
        elif kind == _BYTES:
            out[key] = _b64(val)
        elif kind == _RINT:
            out[key] = [str(x) for x in val] if extra else list(val)
        elif kind == _RDBL:
            out[key] = [_dbl(x) for x in val]
        elif kind in (_RSTR, _RBOOL, _RENUM):
            out[key] = list(val)
        elif kind == _RBYTES:
            out[key] = [_b64(x) for x in val]
        elif kind == _WKT:
            out[key] = _wkt_dict(val)
        elif kind == _RWKT:
            out[key] = [_wkt_dict(x) for x in val]
    for key in plan.always:
        if key not in out:
            out[key] = {}
    return out


def _enc_attrs(items: Any, plan: _Plan) -> list[dict[str, Any]]:
    """A KeyValue list; non-empty keys with string values skip the generic walk."""
    out = []
    for kv in items:
        value = kv.value
        key = kv.key
        if key and value.WhichOneof("value") == "string_value":
            out.append({"key": key, "value": {"stringValue": value.string_value}})
        else:
            out.append(_enc(kv, plan))
    return out


def to_json(message: Message) -> bytes:
    """Encode ``message`` as compact OTLP/JSON, the way Go's pdata writes it."""
    desc = message.DESCRIPTOR
    tree = _wkt_dict(message) if _is_wkt(desc) else _enc(message, _plan(desc))
    return json.dumps(tree, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


for _request in (ExportTraceServiceRequest, ExportMetricsServiceRequest, ExportLogsServiceRequest):
    _plan(_request.DESCRIPTOR)
