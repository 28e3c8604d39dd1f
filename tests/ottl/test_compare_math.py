"""Go's comparison rules (pkg/ottl/compare.go) and math (int/float, time and duration)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from ottl.engine_data import first_span, span, traces

from pyotelcol.ottl import CompileError, ExecutionError, SpanContext, parse_conditions, parse_statements
from pyotelcol.ottl.compare import arithmetic, compare
from pyotelcol.ottl.values import duration_from_nanos, duration_nanos, time_from_unix_nanos, unix_nanos
from pyotelcol.pdata import Map, ValueSlice


@pytest.mark.parametrize(
    ("a", "b", "op", "expected"),
    [
        (1, 1, "==", True),
        (1, 1.0, "==", True),  # int vs float compared as float
        (2, 1.5, ">", True),
        (1.5, 2, "<", True),
        ("1", 1, "==", False),  # a string never equals a number
        ("1", 1, "!=", True),
        ("1", 1, "<", False),
        ("a", "b", "<", True),
        ("b", "a", ">=", True),
        (None, None, "==", True),
        (None, None, "<=", True),
        (None, None, "!=", False),
        (None, 0, "==", False),
        (None, "", "!=", True),
        (None, b"", "==", True),  # an empty byte slice is nil
        (True, False, ">", True),
        (False, True, "<", True),
        (True, 1, "==", False),
        (b"\x01", b"\x02", "<", True),
        (b"\x01", b"\x01", "==", True),
        ({"a": 1}, {"a": 1}, "==", True),
        ({"a": 1}, {"a": 1.0}, "==", False),  # deep equality keeps types apart
        ({"a": 1}, {"a": 2}, "!=", True),
        ({"a": 1}, {"a": 1}, "<", False),  # maps only support == and !=
        ([1, "x"], [1, "x"], "==", True),
        ([1], [2], "<=", False),
        (Map.from_raw({"a": [1, 2]}), {"a": [1, 2]}, "==", True),
        (ValueSlice.new(), [], "==", True),
        (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC), "<", True),
        (duration_from_nanos(5), duration_from_nanos(7), ">", False),
        (duration_from_nanos(5), 5, "==", False),
    ],
)
def test_comparison_table(a: Any, b: Any, op: str, expected: bool) -> None:
    assert compare(a, b, op) is expected


@pytest.mark.parametrize(
    ("a", "b", "op", "expected"),
    [
        (7, 2, "+", 9),
        (7, 2, "-", 5),
        (7, 2, "*", 14),
        (7, 2, "/", 3),
        (-7, 2, "/", -3),  # Go truncates toward zero
        (2**63 - 1, 1, "+", -(2**63)),  # int64 wraps
        (1.5, 0.5, "+", 2.0),
        (3.0, 2.0, "/", 1.5),
    ],
)
def test_math(a: Any, b: Any, op: str, expected: Any) -> None:
    result = arithmetic(a, b, op)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(("a", "b", "op", "expected"), [(1, 2.5, "+", 3.5), (1.5, 2, "/", 0.75), (3, 0.5, "*", 1.5)])
def test_mixed_int_float_math_is_float(a: Any, b: Any, op: str, expected: float) -> None:
    # Go converts the int64 operand to float64 (attemptMathOperation).
    assert arithmetic(a, b, op) == expected


@pytest.mark.parametrize(
    ("a", "b", "op", "message"),
    [
        (1, 0.0, "/", "attempted to divide by 0"),
        (1, 0, "/", "attempted to divide by 0"),
        (1.0, 0.0, "/", "attempted to divide by 0"),
        (None, 1, "+", "unsupported math operation"),
        ("a", "b", "+", "unsupported math operation"),
    ],
)
def test_math_errors(a: Any, b: Any, op: str, message: str) -> None:
    with pytest.raises(ExecutionError, match=message):
        arithmetic(a, b, op)


def test_time_and_duration_math_keep_nanoseconds() -> None:
    start = time_from_unix_nanos(1_000_000_001)
    end = time_from_unix_nanos(3_500_000_003)
    delta = arithmetic(end, start, "-")
    assert duration_nanos(delta) == 2_500_000_002
    assert unix_nanos(arithmetic(start, delta, "+")) == 3_500_000_003
    assert unix_nanos(arithmetic(delta, start, "+")) == 3_500_000_003
    assert duration_nanos(arithmetic(delta, delta, "-")) == 0
    with pytest.raises(ExecutionError):
        arithmetic(start, start, "+")


def test_conditions_use_the_rules_on_telemetry() -> None:
    data = traces(span(code=503, ratio=0.5, flag=True, empty=""))
    rs = data.resource_spans[0]
    ss = rs.scope_spans[0]
    tctx = SpanContext(rs, ss, ss.spans[0])

    def holds(condition: str) -> bool:
        return parse_conditions([condition], "traces").matches(tctx)

    assert holds('span.attributes["code"] >= 500')
    assert holds('span.attributes["code"] == 503.0')
    assert not holds('span.attributes["code"] == "503"')
    assert holds('span.attributes["missing"] == nil')
    assert holds('span.attributes["ratio"] < 1.0')
    assert holds('span.attributes["flag"] == true')
    assert holds('span.end_time - span.start_time == Duration("2.5s")')
    assert holds("span.end_time_unix_nano - span.start_time_unix_nano == 2500000000")
    assert holds('span.kind == SPAN_KIND_SERVER and not (span.name == "x")')
    assert holds('(span.attributes["code"] + 1) * 2 == 1008')


def test_math_in_statements_and_type_errors() -> None:
    data = traces(span(n=4))
    group = parse_statements(
        [
            'set(span.attributes["m"], span.attributes["n"] * 2 + 1)',
            'set(span.attributes["mixed"], span.attributes["n"] + 1.5)',
        ],
        "traces",
    )
    group.execute(data)
    attributes = {a["key"]: a["value"] for a in first_span(data)["attributes"]}
    assert attributes["m"] == {"intValue": "9"}
    assert attributes["mixed"] == {"doubleValue": 5.5}  # Go computes int64 with float64 as float64
    with pytest.raises(CompileError, match="is not a number"):
        parse_statements(['set(span.name, "a" + 1)'], "traces")
