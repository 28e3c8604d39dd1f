"""The OTTL functions only the filter processor has (Go's ``filterottl`` metric functions):
``HasAttrKeyOnDatapoint(key)`` and ``HasAttrOnDatapoint(key, value)``, in the metric context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyotelcol.ottl.functions import CompileError, ExecutionError, FunctionSpec, Param
from pyotelcol.pdata.pcommon import ValueType
from pyotelcol.pdata.pmetric import MetricType

__all__ = ["EXTRA_FUNCTIONS"]

_POINTS = {
    MetricType.GAUGE: "gauge",
    MetricType.SUM: "sum",
    MetricType.HISTOGRAM: "histogram",
    MetricType.EXPONENTIAL_HISTOGRAM: "exponential_histogram",
    MetricType.SUMMARY: "summary",
}


def _check_points(tctx: Any, key: str, expected: str | None) -> bool:
    """Go's ``checkDataPoints``: the first data point carrying ``key`` decides (its value read as
    a string, "" when it is not one); false when no point has it."""
    metric = tctx.metric
    field = _POINTS.get(metric.type)
    if field is None:
        raise ExecutionError("unknown metric type")
    for point in getattr(metric, field).data_points:
        value = point.attributes.get(key)
        if value is not None:
            if expected is None:
                return True
            text = value.str_value if value.type is ValueType.STR else ""
            return text == expected
    return False


def _string_literal(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise CompileError(f"{name} must be a string literal")
    return value


def _build_has_attr_key(key: Any) -> Callable[[Any], Any]:
    wanted = _string_literal("HasAttrKeyOnDatapoint key", key)
    return lambda tctx: _check_points(tctx, wanted, None)


def _build_has_attr(key: Any, expected_value: Any) -> Callable[[Any], Any]:
    wanted = _string_literal("HasAttrOnDatapoint key", key)
    expected = _string_literal("HasAttrOnDatapoint value", expected_value)
    return lambda tctx: _check_points(tctx, wanted, expected)


EXTRA_FUNCTIONS: dict[str, FunctionSpec] = {
    "HasAttrKeyOnDatapoint": FunctionSpec(
        "HasAttrKeyOnDatapoint", (Param("key", "literal"),), _build_has_attr_key, frozenset({"metric"})
    ),
    "HasAttrOnDatapoint": FunctionSpec(
        "HasAttrOnDatapoint",
        (Param("key", "literal"), Param("expected_value", "literal")),
        _build_has_attr,
        frozenset({"metric"}),
    ),
}
