"""The transform processor's own functions, run in-process on small metric and span requests."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from ottl.engine_data import as_json, first_span, metrics, span, traces
from pyotelcol.processors.transform.config import Config
from pyotelcol.processors.transform.functions import extra_functions
from support import REPO

from pyotelcol.config.decode import decode
from pyotelcol.ottl import CompileError, ExecutionError, parse_statements


def run(statements: list[str], data: Any, signal: str, context: str | None = None) -> None:
    group = parse_statements(
        statements, signal, context=context, error_mode="propagate", extra_functions=extra_functions()
    )
    group.execute(data)


def metric_list(data: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = as_json(data)["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    return result


HISTOGRAM = {
    "name": "h",
    "unit": "s",
    "histogram": {
        "aggregationTemporality": 2,
        "dataPoints": [
            {"count": "4", "sum": 10.0, "bucketCounts": ["1", "1", "1", "1"], "explicitBounds": [1.0, 2.0, 3.0]}
        ],
    },
}


def test_sum_and_gauge_conversions() -> None:
    data = metrics(
        {"name": "s", "sum": {"aggregationTemporality": 2, "isMonotonic": True, "dataPoints": [{"asInt": "3"}]}},
        {"name": "g", "gauge": {"dataPoints": [{"asDouble": 1.5}]}},
    )
    run(
        [
            'convert_sum_to_gauge() where metric.name == "s"',
            'convert_gauge_to_sum("delta", true) where metric.name == "g"',
        ],
        data,
        "metrics",
    )
    s, g = metric_list(data)
    assert s["gauge"]["dataPoints"] == [{"asInt": "3"}] and "sum" not in s
    assert g["sum"] == {"aggregationTemporality": 1, "isMonotonic": True, "dataPoints": [{"asDouble": 1.5}]}
    with pytest.raises(CompileError, match="unknown aggregation temporality: weekly"):
        run(['convert_gauge_to_sum("weekly", true)'], data, "metrics", "metric")


def test_extract_copy_and_scale() -> None:
    data = metrics(HISTOGRAM)
    run(
        [
            # the new metrics are appended to the scope and visited too (as in Go): hence the where
            'extract_sum_metric(true) where metric.name == "h"',
            'extract_count_metric(false, "_n") where metric.name == "h"',
            'extract_avg_metric() where metric.name == "h"',
            'copy_metric(name="h_copy") where metric.name == "h"',
        ],
        data,
        "metrics",
        "metric",
    )
    by_name = {m["name"]: m for m in metric_list(data)}
    assert by_name["h_sum"]["sum"]["dataPoints"] == [{"asDouble": 10.0}]
    assert by_name["h_sum"]["sum"]["aggregationTemporality"] == 2 and by_name["h_sum"]["unit"] == "s"
    assert by_name["h_n"]["sum"]["dataPoints"] == [{"asInt": "4"}] and by_name["h_n"]["unit"] == "1"
    assert by_name["h_avg"]["gauge"]["dataPoints"] == [{"asDouble": 2.5}]
    assert by_name["h_copy"]["histogram"] == by_name["h"]["histogram"]
    scaled = metrics({"name": "g", "unit": "s", "gauge": {"dataPoints": [{"asDouble": 1.5}, {"asInt": "2"}]}})
    run(['scale_metric(1000.0, "ms")'], scaled, "metrics", "metric")
    (g,) = metric_list(scaled)
    assert g["unit"] == "ms" and g["gauge"]["dataPoints"] == [{"asDouble": 1500.0}, {"asInt": "2000"}]


def test_extract_needs_a_distribution() -> None:
    data = metrics({"name": "g", "gauge": {"dataPoints": [{"asDouble": 1.5}]}})
    with pytest.raises(
        ExecutionError, match="requires an input metric of type Histogram, ExponentialHistogram or Summary, got Gauge"
    ):
        run(["extract_sum_metric(true)"], data, "metrics", "metric")


def test_merge_histogram_buckets() -> None:
    data = metrics(HISTOGRAM)
    run(["merge_histogram_buckets(2.0)"], data, "metrics", "datapoint")
    (point,) = metric_list(data)[0]["histogram"]["dataPoints"]
    assert point["explicitBounds"] == [1.0, 3.0] and point["bucketCounts"] == ["1", "2", "1"]
    limited = metrics(HISTOGRAM)
    run(['merge_histogram_buckets(2, method="limit_buckets")'], limited, "metrics", "datapoint")
    (point,) = metric_list(limited)[0]["histogram"]["dataPoints"]
    assert point["explicitBounds"] == [2.0] and point["bucketCounts"] == ["2", "2"]
    with pytest.raises(CompileError, match='unsupported method "halve"'):
        run(['merge_histogram_buckets(2, "halve")'], limited, "metrics", "datapoint")


def test_summary_values_to_sums() -> None:
    summary = {"name": "q", "summary": {"dataPoints": [{"count": "3", "sum": 4.5}]}}
    data = metrics(summary)
    run(
        [
            'convert_summary_sum_val_to_sum("cumulative", false)',
            'convert_summary_count_val_to_sum("delta", true, "_c")',
        ],
        data,
        "metrics",
        "datapoint",
    )
    by_name = {m["name"]: m for m in metric_list(data)}
    assert by_name["q_sum"]["sum"] == {"aggregationTemporality": 2, "dataPoints": [{"asDouble": 4.5}]}
    assert by_name["q_c"]["sum"] == {"aggregationTemporality": 1, "isMonotonic": True, "dataPoints": [{"asInt": "3"}]}


@pytest.mark.parametrize(
    ("kind", "attributes", "name"),
    [
        (2, {"http.request.method": "GET", "http.route": "/users/{id}"}, "GET /users/{id}"),
        (3, {"http.request.method": "POST", "url.template": "/orders"}, "POST /orders"),
        (3, {"rpc.system": "grpc", "rpc.service": "shop.Cart", "rpc.method": "Add"}, "shop.Cart/Add"),
        (
            3,
            {
                "db.system.name": "postgresql",
                "db.operation.name": "SELECT",
                "db.collection.name": "users",
                "db.namespace": "shop",
            },
            "SELECT shop.users",
        ),
        (
            4,
            {"messaging.system": "kafka", "messaging.operation.name": "send", "messaging.destination.name": "orders"},
            "send orders",
        ),
        (1, {"http.request.method": "GET"}, "original"),  # internal spans keep their name
    ],
)
def test_set_semconv_span_name(kind: int, attributes: dict[str, Any], name: str) -> None:
    data = traces(span("original", kind, **attributes))
    run(['set_semconv_span_name("1.37.0", "original_span_name")'], data, "traces", "span")
    out = first_span(data)
    assert out["name"] == name
    originals = [a for a in out["attributes"] if a["key"] == "original_span_name"]
    assert originals == (
        [] if name == "original" else [{"key": "original_span_name", "value": {"stringValue": "original"}}]
    )


def test_set_semconv_span_name_checks_the_version() -> None:
    with pytest.raises(CompileError, match=re.escape('unsupported semconv version "1.2.0"')):
        run(['set_semconv_span_name("1.2.0")'], traces(span()), "traces", "span")


def test_every_transform_of_the_real_configs_compiles() -> None:
    sections = yaml.safe_load((REPO / "tests" / "fixtures" / "real-config-transforms.yaml").read_text())
    checked = 0
    for key, raw in sections.items():
        source = key.split(" ", 1)[0]
        cfg = decode(Config, raw or {})
        if source == "contrib__couchbase-otel-collector-config.yaml":
            # written for an old Go release: convert_gauge_to_sum left the datapoint context
            with pytest.raises(ValueError, match='"convert_gauge_to_sum" is not supported in the "datapoint" context'):
                cfg.validate()
        elif raw and raw.get("profile_statements"):
            with pytest.raises(ValueError, match="profile_statements"):
                cfg.validate()
        else:
            cfg.validate()
        checked += 1
    assert checked >= 10
