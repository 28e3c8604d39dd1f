"""The value helpers shared by the engine and the converters (Go's getters and strconv)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pyotelcol.ottl.functions import ExecutionError
from pyotelcol.ottl.values import (
    duration_from_nanos,
    duration_nanos,
    format_go_duration,
    go_parse_float,
    go_parse_int,
    json_dumps_go,
    string_like,
    time_from_unix_nanos,
    to_raw,
    unix_nanos,
)
from pyotelcol.pdata.pcommon import Map


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1.0),
        ("-1.5e3", -1500.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("Inf", math.inf),
        ("-infinity", -math.inf),
        ("0x1.8p1", 3.0),
        ("0x_1p0", 1.0),
    ],
)
def test_go_parse_float(text: str, expected: float) -> None:
    assert go_parse_float(text) == expected


@pytest.mark.parametrize("text", ["", " 1", "1 ", "1_0", "1e", "0x1", "abc", "+-1"])
def test_go_parse_float_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="invalid syntax"):
        go_parse_float(text)


def test_go_parse_int() -> None:
    assert go_parse_int("+42") == 42
    assert go_parse_int("-9223372036854775808") == -(2**63)
    for bad in ("", "1.0", " 1", "1_000", "0x10"):
        with pytest.raises(ValueError, match="invalid syntax"):
            go_parse_int(bad)
    with pytest.raises(ValueError, match="value out of range"):
        go_parse_int("9223372036854775808")


@pytest.mark.parametrize(
    ("nanos", "text"),
    [
        (0, "0s"),
        (1, "1ns"),
        (1_500, "1.5µs"),
        (2_000_000, "2ms"),
        (1_500_000_000, "1.5s"),
        (61_000_000_000, "1m1s"),
        (3_600_000_000_001, "1h0m0.000000001s"),
        (-90_000_000_000, "-1m30s"),
    ],
)
def test_format_go_duration(nanos: int, text: str) -> None:
    assert format_go_duration(nanos) == text


def test_nanosecond_precision_round_trips() -> None:
    moment = time_from_unix_nanos(1_700_000_000_123_456_789)
    assert unix_nanos(moment) == 1_700_000_000_123_456_789
    assert duration_nanos(duration_from_nanos(-1_234_567_891)) == -1_234_567_891
    with pytest.raises(ExecutionError, match="time out of range"):
        time_from_unix_nanos(10**30)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": [1, 2.5, None, True], "a": b"\x00"}, '{"a":"AA==","b":[1,2.5,null,true]}'),
        ("<&>\u2028", '"\\u003c\\u0026\\u003e\\u2028"'),
        (1e21, "1e+21"),
        (123456789.0, "123456789"),
        (0.000001, "0.000001"),
        (-0.0, "-0"),
    ],
)
def test_json_dumps_go(value: Any, expected: str) -> None:
    assert json_dumps_go(value) == expected


def test_json_refuses_nan() -> None:
    with pytest.raises(ExecutionError):
        json_dumps_go([math.nan])
    with pytest.raises(ExecutionError, match="unsupported type: float64"):
        string_like(math.inf)


def test_to_raw_is_deep_and_leaves_views_alone() -> None:
    view = Map.from_raw({"k": {"n": [1]}})
    raw = to_raw({"outer": view, "list": (1, view)})
    assert raw == {"outer": {"k": {"n": [1]}}, "list": [1, {"k": {"n": [1]}}]}
    raw["outer"]["k"]["n"].append(2)
    assert view.as_raw() == {"k": {"n": [1]}}
