"""Type converters: Int, Double, Bool, String, Hex, ParseInt, Log, Coalesce and the Is* tests."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pyotelcol.ottl.functions import CompileError, ExecutionError, Getter, Param, converter
from pyotelcol.ottl.values import (
    INT64_MAX,
    INT64_MIN,
    bool_like,
    byte_slice_like,
    duration_nanos,
    expect_int,
    float_like,
    go_type_name,
    int_like,
    string_like,
    unwrap,
)
from pyotelcol.pdata.pcommon import Map, Value, ValueSlice

Item = Callable[[Any], Any]


def _unary(name: str, convert: Callable[[Any], Any]) -> None:
    @converter(name, Param("target", "getter"))
    def build(target: Getter) -> Item:
        constant = getattr(target, "ottl_constant", None)
        if constant is not None:
            # Go's *LikeGetter converts a literal once, when the statement is compiled: a
            # literal that does not convert fails the config.
            try:
                result = convert(constant[0])
            except ExecutionError as err:
                raise CompileError(f"invalid argument at position 0: {err}") from None
            return lambda tctx: result

        def run(tctx: Any) -> Any:
            return convert(target(tctx))

        return run


# Go's *LikeGetter conversions: nil stays nil, unsupported types and strings that do not parse
# are errors.
_unary("Int", int_like)
_unary("Double", float_like)
_unary("Bool", bool_like)
_unary("String", string_like)


def _hex(value: Any) -> str | None:
    data = byte_slice_like(value)
    return None if data is None else data.hex()


_unary("Hex", _hex)


# --- type tests ----------------------------------------------------------------------------------


def _value_type(value: Any) -> str | None:
    return str(value.type.value) if isinstance(value, Value) else None


def is_string(value: Any) -> bool:
    return isinstance(value, str) or _value_type(value) == "Str"


def is_int(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or _value_type(value) == "Int"


def is_double(value: Any) -> bool:
    return isinstance(value, float) or _value_type(value) == "Double"


def is_bool(value: Any) -> bool:
    return isinstance(value, bool) or _value_type(value) == "Bool"


def is_map(value: Any) -> bool:
    return isinstance(value, Map | dict) or _value_type(value) == "Map"


def is_list(value: Any) -> bool:
    return isinstance(value, ValueSlice | list | tuple) or _value_type(value) == "Slice"


def is_empty(value: Any) -> bool:
    """Go: nil, an empty Value, an empty map/slice/string/byte slice, or a zero value."""
    if isinstance(value, Value):
        return value.type.value == "Empty"
    if value is None:
        return True
    if isinstance(value, Map | ValueSlice | dict | list | tuple | str | bytes | bytearray):
        return len(value) == 0
    if isinstance(value, bool | int | float):
        return not value
    if isinstance(value, timedelta):
        return duration_nanos(value) == 0
    return False


_unary("IsString", is_string)
_unary("IsInt", is_int)
_unary("IsDouble", is_double)
_unary("IsBool", is_bool)
_unary("IsMap", is_map)
_unary("IsList", is_list)
_unary("IsEmpty", is_empty)


# --- others --------------------------------------------------------------------------------------


@converter("Coalesce", Param("values", "getter_list"))
def build_coalesce(values: list[Getter]) -> Item:
    """Go: the first value that is not nil (nil when all are)."""
    if not values:
        raise CompileError("Coalesce requires at least one value")

    def run(tctx: Any) -> Any:
        for getter in values:
            value = getter(tctx)
            if value is not None:
                return value
        return None

    return run


@converter("Log", Param("target", "getter"))
def build_log(target: Getter) -> Item:
    """Go: the natural logarithm of a FloatLikeGetter value; nil or <= 0 is an error."""

    def run(tctx: Any) -> float:
        value = float_like(target(tctx))
        if value is None:
            raise ExecutionError("target cannot be nil")
        if value <= 0:
            raise ExecutionError("value must be greater than zero")
        return math.log(value)

    return run


@converter("ParseInt", Param("target", "getter"), Param("base", "getter"))
def build_parse_int(target: Getter, base: Getter) -> Item:
    """Go's ``strconv.ParseInt(target, base, 64)``: base 0 infers it from the prefix
    (``0b``, ``0o``/``0``, ``0x``) and allows ``_`` between digits."""

    def run(tctx: Any) -> int:
        text = string_like(target(tctx))
        if text is None:
            raise ExecutionError("target cannot be nil")
        radix = expect_int(base(tctx))
        if radix < 0:
            raise ExecutionError(f"invalid base: {radix}, base must be greater than or equal to 0")
        try:
            return go_parse_int_base(text, radix)
        except ValueError as err:
            raise ExecutionError(str(err)) from None

    return run


def go_parse_int_base(text: str, base: int) -> int:
    """Go's ``strconv.ParseInt(text, base, 64)``."""

    def error(reason: str) -> ValueError:
        return ValueError(f'strconv.ParseInt: parsing "{text}": {reason}')

    if base != 0 and not 2 <= base <= 36:
        raise ValueError(f'strconv.ParseInt: parsing "{text}": invalid base {base}')
    body = text
    negative = False
    if body[:1] in ("+", "-"):
        negative = body[0] == "-"
        body = body[1:]
    if not body:
        raise error("invalid syntax")
    underscores = False
    if base == 0:
        underscores = True
        lowered = body.lower()
        if lowered.startswith("0x"):
            base, body = 16, body[2:]
        elif lowered.startswith("0b"):
            base, body = 2, body[2:]
        elif lowered.startswith("0o"):
            base, body = 8, body[2:]
        elif body.startswith("0") and len(body) > 1:
            base, body = 8, body[1:]
        else:
            base = 10
        if underscores and not _underscores_ok(text):
            raise error("invalid syntax")
        body = body.replace("_", "")
    if not body:
        raise error("invalid syntax")
    value = 0
    for char in body.lower():
        digit = int(char, 36) if char.isascii() and char.isalnum() else 99
        if digit >= base:
            raise error("invalid syntax")
        value = value * base + digit
    if negative:
        value = -value
    if not INT64_MIN <= value <= INT64_MAX:
        raise error("value out of range")
    return value


def _underscores_ok(text: str) -> bool:
    """Go's underscoreOK: '_' only between digits or between a base prefix and a digit."""
    saw = "^"
    i = 0
    if text[:1] in ("+", "-"):
        text = text[1:]
    hexadecimal = False
    if len(text) >= 2 and text[0] == "0" and text[1].lower() in "box":
        hexadecimal = text[1].lower() == "x"
        i = 2
        saw = "0"
    while i < len(text):
        char = text[i]
        if char.isdigit() or (hexadecimal and char.lower() in "abcdef"):
            saw = "0"
        elif char == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


@converter("IsValidLuhn", Param("target", "getter"))
def build_is_valid_luhn(target: Getter) -> Item:
    """Go: the Luhn checksum of a string of digits or a non-negative int."""

    def run(tctx: Any) -> bool:
        value = unwrap(target(tctx))
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                raise ExecutionError("the number must not be negative")
            digits = str(value)
        elif isinstance(value, str):
            digits = value
        else:
            raise ExecutionError(f"unsupported type: {go_type_name(value)}, expected string or int64")
        if not digits or not digits.isascii() or not digits.isdigit():
            raise ExecutionError("the string must contain only digits")
        total = 0
        for position, char in enumerate(reversed(digits)):
            digit = int(char)
            if position % 2:
                digit *= 2
                if digit > 9:
                    digit -= 9
            total += digit
        return total % 10 == 0

    return run
