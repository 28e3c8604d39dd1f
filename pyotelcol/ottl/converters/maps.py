"""Map and slice converters: Keys, Values, SliceToMap, Sort, ContainsValue."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from pyotelcol.ottl.compare import compare
from pyotelcol.ottl.functions import CompileError, ExecutionError, Getter, Param, converter
from pyotelcol.ottl.values import as_list, expect_map, go_type_name, to_raw, unwrap
from pyotelcol.pdata.pcommon import ValueSlice

Item = Callable[[Any], Any]


@converter("Keys", Param("target", "getter"))
def build_keys(target: Getter) -> Item:
    """Go: a slice of the map's keys, in the map's order."""

    def run(tctx: Any) -> list[str]:
        return list(expect_map(target(tctx)))

    return run


@converter("Values", Param("target", "getter"))
def build_values(target: Getter) -> Item:
    """Go: a slice of the map's values (copies), in the map's order."""

    def run(tctx: Any) -> list[Any]:
        return list(to_raw(expect_map(target(tctx))).values())

    return run


@converter("ContainsValue", Param("target", "getter"), Param("item", "getter"))
def build_contains_value(target: Getter, item: Getter) -> Item:
    """Go: whether a slice holds a value equal to ``item`` under OTTL's comparison rules."""

    def run(tctx: Any) -> bool:
        value = target(tctx)
        items = as_list(value)
        if items is None:
            raise ExecutionError(f"expected pcommon.Slice but got {go_type_name(unwrap(value))}")
        wanted = item(tctx)
        return any(compare(element, wanted, "==") for element in items)

    return run


def _string_path(function: str, name: str, value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise CompileError(f"{function}: {name} must be a list of strings")
    return list(value)


def _extract(item: dict[str, Any], path: list[str]) -> tuple[bool, Any]:
    current: Any = item
    for step in path:
        if not isinstance(current, dict) or step not in current:
            return False, None
        current = current[step]
    return True, current


@converter(
    "SliceToMap",
    Param("target", "getter"),
    Param("keyPath", "literal", optional=True),
    Param("valuePath", "literal", optional=True),
)
def build_slice_to_map(
    target: Getter,
    keyPath: list[str] | None = None,
    valuePath: list[str] | None = None,
) -> Item:
    """Go: map items of a slice of maps under the string found at ``keyPath`` (the item's index
    without it), valued by the item or what ``valuePath`` points at; items without a string key
    or without the value path are skipped."""
    key_path = _string_path("SliceToMap", "keyPath", keyPath)
    value_path = _string_path("SliceToMap", "valuePath", valuePath)
    if key_path is not None and not key_path:
        raise CompileError("key path must contain at least one element")
    if value_path is not None and not value_path:
        raise CompileError("value path must contain at least one element")

    def run(tctx: Any) -> dict[str, Any]:
        value = unwrap(target(tctx))
        if not isinstance(value, ValueSlice | list | tuple):
            raise ExecutionError(f"unsupported type provided to SliceToMap function: {go_type_name(value)}")
        result: dict[str, Any] = {}
        for index, element in enumerate(to_raw(value)):
            if not isinstance(element, dict):
                continue
            if key_path is None:
                key: Any = str(index)
            else:
                found, key = _extract(element, key_path)
                if not found or not isinstance(key, str):
                    continue
            if value_path is None:
                result[key] = element
                continue
            found, mapped = _extract(element, value_path)
            if found:
                result[key] = mapped
        return result

    return run


def _float_key(value: float) -> tuple[int, float]:
    # Go's cmp.Compare orders NaN before every other float.
    return (0, 0.0) if math.isnan(value) else (1, value)


def sort_values(items: list[Any], descending: bool) -> list[Any] | None:
    """Go's Sort on a slice: ints as ints, ints mixed with doubles as doubles, anything with
    strings, booleans or empty values as strings (Value.AsString); None when an element is a
    map, slice or bytes (Go then returns the slice unsorted)."""
    from pyotelcol.ottl.converters.parsing import value_as_string

    has_str = has_float = has_int = False
    for item in items:
        if isinstance(item, bool) or item is None or isinstance(item, str):
            has_str = True
        elif isinstance(item, int):
            has_int = True
        elif isinstance(item, float):
            has_float = True
        else:
            return None
    if has_str:
        strings = ["" if item is None else value_as_string(item) for item in items]
        return sorted(strings, reverse=descending)
    if has_float:
        floats = [float(item) for item in items]
        return sorted(floats, key=_float_key, reverse=descending)
    assert has_int or not items
    return sorted(items, reverse=descending)


@converter("Sort", Param("target", "getter"), Param("order", "literal", optional=True))
def build_sort(target: Getter, order: str | None = None) -> Item:
    direction = "asc" if order is None else order
    if direction not in ("asc", "desc"):
        raise CompileError(f'invalid arguments: {direction}. Order should be either "asc" or "desc"')
    descending = direction == "desc"

    def run(tctx: Any) -> Any:
        value = unwrap(target(tctx))
        if not isinstance(value, ValueSlice | list | tuple):
            # Go: anything but a list, nil included, is an error.
            raise ExecutionError(f"sort with unsupported type: '{go_type_name(value)}'. Target is not a list")
        items = to_raw(value)
        if not items:
            return value
        result = sort_values(items, descending)
        return value if result is None else result

    return run
