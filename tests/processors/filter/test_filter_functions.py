"""HasAttrKeyOnDatapoint / HasAttrOnDatapoint on every metric type, through the OTTL engine."""

from __future__ import annotations

from typing import Any

import pytest
from pyotelcol.processors.filter.functions import EXTRA_FUNCTIONS

from pyotelcol.component import Signal
from pyotelcol.ottl import ExecutionError, MetricContext, parse_conditions
from pyotelcol.pdata.pmetric import Metric, ResourceMetrics, ScopeMetrics


def metric_of(kind: str, *points: dict[str, Any]) -> tuple[ResourceMetrics, ScopeMetrics, Metric]:
    rm = ResourceMetrics.new()
    sm = rm.scope_metrics.append_empty()
    metric = sm.metrics.append_empty()
    metric.name = "m"
    if kind == "empty":
        return rm, sm, metric
    data = getattr(metric, f"set_empty_{kind}")()
    for attrs in points:
        data.data_points.append_empty().attributes.put_all(attrs)
    return rm, sm, metric


def check(condition: str, kind: str, *points: dict[str, Any], mode: str = "propagate") -> bool:
    conds = parse_conditions(
        [condition], signal=Signal.METRICS, context="metric", error_mode=mode, extra_functions=EXTRA_FUNCTIONS
    )
    return conds.matches(MetricContext(*metric_of(kind, *points)))


@pytest.mark.parametrize("kind", ["gauge", "sum", "histogram", "exponential_histogram", "summary"])
def test_every_metric_type(kind: str) -> None:
    assert check('HasAttrKeyOnDatapoint("k")', kind, {"a": 1}, {"k": 2})
    assert not check('HasAttrKeyOnDatapoint("k")', kind, {"a": 1})
    assert check('HasAttrOnDatapoint("k", "v")', kind, {"k": "v"})
    assert not check('HasAttrOnDatapoint("k", "v")', kind, {"k": "w"}, {"k": "v"})  # the first point with k decides
    assert not check('HasAttrKeyOnDatapoint("k")', kind)  # no points


def test_non_string_values_compare_as_empty_string() -> None:
    assert check('HasAttrOnDatapoint("k", "")', "gauge", {"k": 5})
    assert not check('HasAttrOnDatapoint("k", "5")', "gauge", {"k": 5})


def test_metric_without_data_is_an_error() -> None:
    with pytest.raises(ExecutionError, match="unknown metric type"):
        check('HasAttrKeyOnDatapoint("k")', "empty")
    assert not check('HasAttrKeyOnDatapoint("k")', "empty", mode="silent")


def test_key_must_be_a_string_literal() -> None:
    with pytest.raises(ValueError):
        parse_conditions(
            ["HasAttrKeyOnDatapoint(1)"], signal=Signal.METRICS, context="metric", extra_functions=EXTRA_FUNCTIONS
        )
