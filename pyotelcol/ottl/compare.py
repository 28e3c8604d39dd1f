"""OTTL comparisons and arithmetic with Go's rules (``pkg/ottl/compare.go``, ``math.go``).

Comparisons: nil equals nil (and ``<=``/``>=`` hold); int and float compare as float; a string
never equals a number; values of different types are only "not equal"; ordering applies to
numbers, strings, booleans (false < true), bytes, times and durations; maps and slices (views or
plain) support only ``==``/``!=`` with deep equality. An empty attribute value reads as nil.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ..pdata.pcommon import Map, Value, ValueSlice
from .functions import ExecutionError
from .values import duration_from_nanos, duration_nanos, time_from_unix_nanos, unix_nanos

__all__ = ["arithmetic", "compare"]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _kind(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "num"
    if isinstance(value, str):
        return "str"
    if isinstance(value, bytes | bytearray):
        return "bytes"
    if isinstance(value, datetime):
        return "time"
    if isinstance(value, timedelta):
        return "duration"
    if isinstance(value, Map | dict):
        return "map"
    if isinstance(value, ValueSlice | list | tuple):
        return "slice"
    return "other"


def _plain(value: Any) -> Any:
    if isinstance(value, Map | ValueSlice):
        return value.as_raw()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _deep_equal(a: Any, b: Any) -> bool:
    # Go's reflect.DeepEqual on AsRaw() forms: types must match (1 != 1.0, True != 1).
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_deep_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def compare(a: Any, b: Any, op: str) -> bool:
    """``a op b`` with OTTL's rules; never raises."""
    if isinstance(a, Value):
        a = _unwrap(a)
    if isinstance(b, Value):
        b = _unwrap(b)
    ka, kb = _kind(a), _kind(b)
    if ka == "nil" and kb == "nil":
        return op in ("==", "<=", ">=")
    if (ka == "bytes" and not a and kb == "nil") or (kb == "bytes" and not b and ka == "nil"):
        # Go: a nil byte slice equals nil; an empty one read from pdata is nil too.
        return op in ("==", "<=", ">=")
    if ka != kb:
        return op == "!="
    if ka == "num":
        if type(a) is not type(b):  # Go converts the int to float64
            return _OPS[op](float(a), float(b))
        return _OPS[op](a, b)
    if ka in ("str", "bytes"):
        return _OPS[op](a, b)
    if ka == "bool":
        return _OPS[op](int(a), int(b))
    if ka == "time":
        return _OPS[op](unix_nanos(a), unix_nanos(b))
    if ka == "duration":
        return _OPS[op](duration_nanos(a), duration_nanos(b))
    if ka in ("map", "slice"):
        if op == "==":
            return _deep_equal(_plain(a), _plain(b))
        if op == "!=":
            return not _deep_equal(_plain(a), _plain(b))
        return False
    if op == "==":
        return bool(a == b)
    return op == "!="


def _unwrap(value: Value) -> Any:
    raw = value.type.value
    if raw == "Map":
        return value.map
    if raw == "Slice":
        return value.slice
    return value.as_raw()


# --- math ----------------------------------------------------------------------------------------

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def _wrap64(value: int) -> int:
    # Go's int64 arithmetic wraps around.
    return (value - INT64_MIN) % 2**64 + INT64_MIN


def _type_name(value: Any) -> str:
    from .values import go_type_name

    return go_type_name(value)


def arithmetic(a: Any, b: Any, op: str) -> Any:
    """``a op b`` for int64, float64, time and duration operands (Go's ``attemptMathOperation``).
    An int64 with a float64 is computed as float64; nil or other types are errors."""
    if isinstance(a, Value):
        a = _unwrap(a)
    if isinstance(b, Value):
        b = _unwrap(b)
    if isinstance(a, bool) or isinstance(b, bool):
        raise ExecutionError(f"unsupported math operation between {_type_name(a)} and {_type_name(b)}")
    if isinstance(a, int) and isinstance(b, int):
        if op == "+":
            return _wrap64(a + b)
        if op == "-":
            return _wrap64(a - b)
        if op == "*":
            return _wrap64(a * b)
        if b == 0:
            raise ExecutionError("attempted to divide by 0")
        quotient = abs(a) // abs(b)  # Go truncates toward zero
        return _wrap64(quotient if (a >= 0) == (b >= 0) else -quotient)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        a, b = float(a), float(b)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if b == 0:
            raise ExecutionError("attempted to divide by 0")
        return a / b
    if isinstance(a, datetime):
        if isinstance(b, timedelta) and op in "+-":
            delta = duration_nanos(b)
            return time_from_unix_nanos(unix_nanos(a) + (delta if op == "+" else -delta), a.tzinfo)
        if isinstance(b, datetime) and op == "-":
            return duration_from_nanos(unix_nanos(a) - unix_nanos(b))
        raise ExecutionError(f"only subtraction and addition are supported for {_type_name(a)}")
    if isinstance(a, timedelta):
        if isinstance(b, timedelta) and op in "+-":
            na, nb = duration_nanos(a), duration_nanos(b)
            return duration_from_nanos(na + nb if op == "+" else na - nb)
        if isinstance(b, datetime) and op == "+":
            return time_from_unix_nanos(unix_nanos(b) + duration_nanos(a), b.tzinfo)
        raise ExecutionError(f"only subtraction and addition are supported for {_type_name(a)}")
    raise ExecutionError(f"unsupported math operation between {_type_name(a)} and {_type_name(b)}")
