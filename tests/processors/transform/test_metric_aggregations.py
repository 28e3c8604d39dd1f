"""The transform processor's aggregation-style metric functions, ported from Go's test tables and
run through the OTTL engine on small in-memory metric requests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from ottl.engine_data import as_json, metrics
from pyotelcol.processors.transform.metric_aggregations import SPECS

from pyotelcol.ottl import CompileError, ExecutionError, parse_statements

ATTRS = [
    {"key": "test", "value": {"stringValue": "hello world"}},
    {"key": "test2", "value": {"intValue": "3"}},
    {"key": "test3", "value": {"boolValue": True}},
]


def run(statement: str, *items: dict[str, Any]) -> list[dict[str, Any]]:
    data = metrics(*items)
    group = parse_statements(
        [statement],
        signal="metrics",
        context="metric",
        error_mode="propagate",
        extra_functions={s.name: s for s in SPECS},
    )
    group.execute(data)
    result: list[dict[str, Any]] = as_json(data)["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    return result


def normal(item: dict[str, Any]) -> dict[str, Any]:
    """The item as the JSON encoder writes it back (zero values left out)."""
    result: dict[str, Any] = as_json(metrics(item))["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]
    return result


def compile_error(statement: str) -> str:
    with pytest.raises(CompileError) as caught:
        run(statement)
    return str(caught.value)


# --- convert_summary_quantile_val_to_gauge ----------------------------------------------------------

SUMMARY = {
    "name": "summary_metric",
    "summary": {
        "dataPoints": [
            {
                "attributes": ATTRS,
                "count": "100",
                "sum": 12.34,
                "quantileValues": [
                    {"quantile": 0.99, "value": 1.0},
                    {"quantile": 0.95, "value": 2.0},
                    {"quantile": 0.5, "value": 3.0},
                ],
            }
        ]
    },
}


def quantile_points(key: str) -> list[dict[str, Any]]:
    return [
        {"attributes": [*ATTRS, {"key": key, "value": {"doubleValue": q}}], "asDouble": v}
        for q, v in ((0.99, 1.0), (0.95, 2.0), (0.5, 3.0))
    ]


@pytest.mark.parametrize(
    ("arguments", "key", "name"),
    [
        ("", "quantile", "summary_metric.quantiles"),
        ('"custom_quantile"', "custom_quantile", "summary_metric.quantiles"),
        ('"custom_quantile", ".custom_suffix"', "custom_quantile", "summary_metric.custom_suffix"),
        ('suffix=".s"', "quantile", "summary_metric.s"),
    ],
)
def test_convert_summary_quantile_val_to_gauge(arguments: str, key: str, name: str) -> None:
    original, gauge = run(f"convert_summary_quantile_val_to_gauge({arguments})", SUMMARY)
    assert original == SUMMARY
    assert gauge == {"name": name, "gauge": {"dataPoints": quantile_points(key)}}


def test_convert_summary_quantile_keeps_metadata_and_replaces_a_clashing_attribute() -> None:
    point = {
        "attributes": [{"key": "quantile", "value": {"stringValue": "old"}}],
        "startTimeUnixNano": "5",
        "timeUnixNano": "7",
        "quantileValues": [{"quantile": 0.5, "value": 9.0}],
    }
    summary = {"name": "s", "description": "d", "unit": "ms", "summary": {"dataPoints": [point]}}
    _, gauge = run("convert_summary_quantile_val_to_gauge()", summary)
    assert gauge == {
        "name": "s.quantiles",
        "description": "d",
        "unit": "ms",
        "gauge": {
            "dataPoints": [
                {
                    "attributes": [{"key": "quantile", "value": {"doubleValue": 0.5}}],
                    "startTimeUnixNano": "5",
                    "timeUnixNano": "7",
                    "asDouble": 9.0,
                }
            ]
        },
    }


def test_convert_summary_quantile_val_to_gauge_ignores_other_types() -> None:
    gauge = {"name": "gauge_metric", "gauge": {"dataPoints": [{"attributes": ATTRS, "asInt": "12"}]}}
    assert run("convert_summary_quantile_val_to_gauge()", gauge) == [gauge]


# --- extract_percentile_metric -----------------------------------------------------------------------


def histogram(name: str, count: int, counts: list[int], bounds: list[float], **extra: Any) -> dict[str, Any]:
    point: dict[str, Any] = {"attributes": ATTRS, "count": str(count), **extra}
    if counts:
        point["bucketCounts"] = [str(c) for c in counts]
    if bounds:
        point["explicitBounds"] = bounds
    return {"name": name, "histogram": {"aggregationTemporality": 2, "dataPoints": [point]}}


def exponential(
    name: str,
    scale: int,
    count: int,
    positive: list[int],
    negative: Sequence[int] = (),
    **extra: Any,
) -> dict[str, Any]:
    point: dict[str, Any] = {"attributes": ATTRS, "scale": scale, "count": str(count), **extra}
    if positive:
        point["positive"] = {"bucketCounts": [str(c) for c in positive]}
    if negative:
        point["negative"] = {"bucketCounts": [str(c) for c in negative]}
    return {"name": name, "exponentialHistogram": {"aggregationTemporality": 2, "dataPoints": [point]}}


HISTOGRAM_CASES: list[tuple[str, dict[str, Any], float, str | None, str, float | None]] = [
    ("zero count", histogram("empty_count", 0, [0, 0], [1.0]), 50.0, None, "", None),
    ("no bucket counts", histogram("no_buckets", 10, [], []), 50.0, None, "", None),
    ("p50 first bucket", histogram("response_time", 100, [60, 40], [1.0]), 50.0, None, "_p50", 0.8333333333333334),
    ("p99 last bucket", histogram("latency", 115, [50, 35, 50], [1.0, 5.0]), 99.0, None, "_p99", 5.0),
    ("p95 third bucket", histogram("latency", 115, [50, 35, 50, 15], [1.0, 3.0, 5.0]), 95.0, None, "_p95", 4.0),
    (
        "p99.5 custom suffix",
        histogram("request_duration", 1000, [100, 400, 400, 95, 5], [0.1, 0.5, 1.0, 5.0]),
        99.5,
        "_percentile_995",
        "_percentile_995",
        5.0,
    ),
    (
        "p99 last bucket with max",
        histogram("response_size", 100, [25, 50, 25], [100.0, 500.0], max=750.0),
        99.0,
        None,
        "_p99",
        740.0,
    ),
    ("two buckets p75", histogram("simple", 41, [40, 1], [100.0]), 75.0, None, "_p75", 77.5),
    (
        "many buckets p90",
        histogram("detailed", 1000, [50, 100, 200, 300, 200, 100, 50], [10, 25, 50, 100, 250, 500]),
        90.0,
        None,
        "_p90",
        375.0,
    ),
    (
        "timestamps",
        histogram("timed_metric", 100, [40, 60], [10.0], startTimeUnixNano="1000000000", timeUnixNano="2000000000"),
        50.0,
        None,
        "_p50",
        10.0,
    ),
    ("no bounds, min and max", histogram("no_bounds", 100, [100], [], min=5.0, max=25.0), 50.0, None, "_p50", 15.0),
    ("no bounds, no min/max", histogram("no_bounds_no_minmax", 100, [100], []), 50.0, None, "", None),
    ("negative bound, no min", histogram("all_negative", 100, [100, 0], [-5.0]), 50.0, None, "_p50", -5.0),
    ("negative bound, min", histogram("negative_with_min", 100, [100, 0], [-5.0], min=-10.0), 50.0, None, "_p50", -7.5),
]

EXPONENTIAL_CASES: list[tuple[str, dict[str, Any], float, str | None, str, float | None]] = [
    ("zero count", exponential("empty_count", 0, 0, []), 50.0, None, "", None),
    ("no buckets, no zero count", exponential("no_buckets", 0, 10, []), 50.0, None, "", None),
    ("p50 scale 0", exponential("latency_exp", 0, 100, [30, 40, 30]), 50.0, "_median", "_median", 2.82842712474619),
    (
        "p95 scale 2",
        exponential("response_time", 2, 210, [20, 30, 40, 50, 30, 35, 5]),
        95.0,
        None,
        "_p95",
        2.7592682406908096,
    ),
    ("p99 scale -1", exponential("coarse_metric", -1, 500, [100, 200, 150, 40, 10]), 99.0, None, "_p99", 512.0),
    (
        "p75 with zero count",
        exponential("with_zeros", 1, 120, [40, 60], zeroCount="20"),
        75.0,
        None,
        "_p75",
        1.6817928305074292,
    ),
    (
        "p50 negative buckets",
        exponential("negative_heavy", 2, 95, [15], [20, 30, 20], zeroCount="10"),
        50.0,
        None,
        "_p50",
        -1.2030250360821166,
    ),
    (
        "p25 negative buckets",
        exponential("mostly_negative", 0, 100, [15], [15, 35, 20, 10], zeroCount="5"),
        25.0,
        None,
        "_p25",
        -4.756828,
    ),
    (
        "p99 timestamps",
        exponential(
            "timed_exponential", 1, 200, [100, 80, 20], startTimeUnixNano="1500000000", timeUnixNano="2500000000"
        ),
        99.0,
        None,
        "_p99",
        2.7320805135087904,
    ),
    (
        "zero bucket, both sides",
        exponential("zero_heavy", 0, 100, [10], [10], zeroCount="80", zeroThreshold=1.0),
        50.0,
        None,
        "_p50",
        0.0,
    ),
    (
        "zero bucket, positive only",
        exponential("zero_with_positive_only", 0, 100, [20], zeroCount="80", zeroThreshold=1.0),
        60.0,
        None,
        "_p60",
        0.75,
    ),
    (
        "zero bucket, negative only",
        exponential("zero_with_negative_only", 0, 100, [], [20], zeroCount="80", zeroThreshold=1.0),
        30.0,
        None,
        "_p30",
        -0.875,
    ),
]


@pytest.mark.parametrize(
    ("source", "percentile", "suffix", "want_suffix", "want"),
    [case[1:] for case in HISTOGRAM_CASES + EXPONENTIAL_CASES],
    ids=[
        f"{'exp' if i >= len(HISTOGRAM_CASES) else 'hist'}: {c[0]}"
        for i, c in enumerate(HISTOGRAM_CASES + EXPONENTIAL_CASES)
    ],
)
def test_extract_percentile_metric(
    source: dict[str, Any], percentile: float, suffix: str | None, want_suffix: str, want: float | None
) -> None:
    arguments = repr(percentile) + (f', "{suffix}"' if suffix else "")
    result = run(f"extract_percentile_metric({arguments})", source)
    assert result[0] == normal(source)
    if want is None:
        assert len(result) == 1
        return
    assert len(result) == 2
    gauge = result[1]
    kind = "histogram" if "histogram" in source else "exponentialHistogram"
    point = source[kind]["dataPoints"][0]
    label = f"p{percentile:g}"
    assert gauge["name"] == source["name"] + want_suffix
    assert gauge["description"] == label
    (got,) = gauge["gauge"]["dataPoints"]
    assert got["asDouble"] == pytest.approx(want, abs=1e-4)
    assert got["attributes"] == ATTRS
    assert got.get("timeUnixNano") == point.get("timeUnixNano")
    assert got.get("startTimeUnixNano") == point.get("startTimeUnixNano")


def test_extract_percentile_metric_names_and_description() -> None:
    source = histogram("h", 4, [2, 2], [1.0])
    source.update(description="latency", unit="s")
    _, gauge = run("extract_percentile_metric(50)", source)
    assert (gauge["name"], gauge["description"], gauge["unit"]) == ("h_p50", "latency (p50)", "s")
    # an empty suffix falls back to the default, as in Go
    _, gauge = run('extract_percentile_metric(99.9, "")', source)
    assert (gauge["name"], gauge["description"]) == ("h_p99.9", "latency (p99.9)")


def test_extract_percentile_metric_skips_other_types_and_empty_histograms() -> None:
    gauge = {"name": "g", "gauge": {"dataPoints": [{"asInt": "12"}]}}
    empty = {"name": "e", "histogram": {"aggregationTemporality": 2}}
    assert run("extract_percentile_metric(50.0)", gauge, empty) == [gauge, empty]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            histogram("bad_histogram", 10, [5, 5], [1.0, 2.0]),
            "calculating histogram percentile: malformed data: bucketCounts length (2) != explicitBounds length (2) + 1",
        ),
        (
            histogram("bad_histogram", 100, [5, 5], [1.0]),
            "calculating histogram percentile: malformed data: cumulative count doesn't reach target count "
            "corresponding to percentile. targetCount=50, total count=10",
        ),
        (
            exponential("bad_exp_histogram", 0, 100, [5, 5]),
            "calculating exponential histogram percentile: malformed data: cumulative count doesn't reach target "
            "count corresponding to percentile. targetCount=50, total count=10",
        ),
    ],
)
def test_extract_percentile_metric_malformed_data(source: dict[str, Any], message: str) -> None:
    with pytest.raises(ExecutionError) as caught:
        run("extract_percentile_metric(50.0)", source)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("percentile", "message"),
    [
        ("-1.0", "percentile must be greater than 0 and less than 100, got -1.000000"),
        ("101.0", "percentile must be greater than 0 and less than 100, got 101.000000"),
        ("100", "percentile must be greater than 0 and less than 100, got 100.000000"),
        ('"50"', "percentile must be a float"),
    ],
)
def test_extract_percentile_metric_rejects_bad_percentiles(percentile: str, message: str) -> None:
    assert message in compile_error(f"extract_percentile_metric({percentile})")


# --- convert_exponential_histogram_to_histogram ---------------------------------------------------


def exp_source(scale: int, offset: int, counts: list[int], count: int, zero_count: int = 0) -> dict[str, Any]:
    point = {
        "attributes": [{"key": "metric_type", "value": {"stringValue": "timing"}}],
        "timeUnixNano": "1700000000000000000",
        "count": str(count),
        "sum": 361.0,
        "min": 166.0,
        "max": 195.0,
        "scale": scale,
        "zeroCount": str(zero_count),
        "positive": {"offset": offset, "bucketCounts": [str(c) for c in counts]},
    }
    return {"name": "response_time", "exponentialHistogram": {"aggregationTemporality": 1, "dataPoints": [point]}}


def converted(source: dict[str, Any], distribution: str, bounds: list[float]) -> dict[str, Any]:
    (result,) = run(f'convert_exponential_histogram_to_histogram("{distribution}", {bounds})', source)
    assert set(result) == {"name", "histogram"} and result["name"] == "response_time"
    assert result["histogram"]["aggregationTemporality"] == 1
    points: list[dict[str, Any]] = result["histogram"]["dataPoints"]
    (point,) = points
    assert point["explicitBounds"] == bounds
    source_point = source["exponentialHistogram"]["dataPoints"][0]
    for field in ("attributes", "timeUnixNano", "count", "sum", "min", "max"):
        assert point[field] == source_point[field]
    return point


SCALE_7 = exp_source(7, 944, [1] + [0] * 28 + [1], 2)  # two values, in (166.3, 167.2] and (193.3, 194.4]
SCALE_0 = exp_source(0, 5, [10, 22, 12], 44)  # (32, 64], (64, 128], (128, 256]
SCALE_0_ZEROS = exp_source(0, 5, [10, 22, 12], 49, zero_count=5)
TENS = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0]


@pytest.mark.parametrize(
    ("source", "distribution", "bounds", "want"),
    [
        (SCALE_7, "upper", [1.0, 2.0, 3.0, 4.0, 5.0], [0, 0, 0, 0, 0, 2]),
        (SCALE_7, "upper", [1000.0, 2000.0, 3000.0, 4000.0, 5000.0], [2, 0, 0, 0, 0, 0]),
        (SCALE_7, "upper", [160.0, 170.0, 180.0, 190.0, 200.0], [0, 1, 0, 0, 1, 0]),
        (exp_source(0, 944, [1] + [0] * 28 + [1], 2), "upper", [160.0, 170.0, 180.0, 190.0, 200.0], [0, 0, 0, 0, 0, 2]),
        (SCALE_0, "midpoint", [1.0, 2.0, 3.0, 4.0, 5.0], [0, 0, 0, 0, 0, 44]),
        (SCALE_0, "midpoint", [1000.0, 2000.0, 3000.0, 4000.0, 5000.0], [44, 0, 0, 0, 0, 0]),
        (SCALE_0, "midpoint", TENS, [0, 0, 0, 0, 10, 0, 0, 0, 0, 22, 12]),
        (SCALE_0_ZEROS, "midpoint", [0.0, *TENS], [5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 22, 12]),
        (SCALE_0, "uniform", [1.0, 2.0, 3.0, 4.0, 5.0], [0, 0, 0, 0, 0, 44]),
        (SCALE_0, "uniform", [1000.0, 2000.0, 3000.0, 4000.0, 5000.0], [44, 0, 0, 0, 0, 0]),
        (SCALE_0, "uniform", TENS, [0, 0, 0, 3, 3, 3, 4, 3, 3, 4, 21]),
        (SCALE_0, "random", [1.0, 2.0, 3.0, 4.0, 5.0], [0, 0, 0, 0, 0, 44]),
        (SCALE_0, "", [1000.0, 2000.0, 3000.0, 4000.0, 5000.0], [44, 0, 0, 0, 0, 0]),
    ],
)
def test_convert_exponential_histogram_to_histogram(
    source: dict[str, Any], distribution: str, bounds: list[float], want: list[int]
) -> None:
    point = converted(source, distribution, bounds)
    assert [int(c) for c in point["bucketCounts"]] == want


def test_convert_exponential_histogram_random_keeps_the_count_in_range() -> None:
    counts = [int(c) for c in converted(SCALE_0, "random", TENS)["bucketCounts"]]
    # the values lie in (32, 256]: nothing below 30, something above 100, every value kept
    assert sum(counts) == 44 and counts[:3] == [0, 0, 0] and counts[-1] > 0


def test_convert_exponential_histogram_keeps_the_data_point() -> None:
    point = {
        "attributes": [{"key": "key", "value": {"stringValue": "value"}}],
        "startTimeUnixNano": "100000000000",
        "timeUnixNano": "200000000000",
        "count": "16",
        "scale": 0,
        "zeroThreshold": 1.0,
        "zeroCount": "8",
        "min": -2.0,
        "flags": 1,
        "negative": {"bucketCounts": ["4"]},
        "positive": {"bucketCounts": ["4"]},
        "exemplars": [{"asDouble": 1.5}],
    }
    source = {
        "name": "test",
        "description": "description",
        "unit": "ms",
        "exponentialHistogram": {"aggregationTemporality": 2, "dataPoints": [point]},
    }
    (result,) = run('convert_exponential_histogram_to_histogram("uniform", [-2.0, -1.0, 0.0, 1.0, 2.0])', source)
    assert result == {
        "name": "test",
        "description": "description",
        "unit": "ms",
        "histogram": {
            "aggregationTemporality": 2,
            "dataPoints": [
                {
                    "attributes": [{"key": "key", "value": {"stringValue": "value"}}],
                    "startTimeUnixNano": "100000000000",
                    "timeUnixNano": "200000000000",
                    "count": "16",
                    "bucketCounts": ["0", "4", "4", "4", "4", "0"],
                    "explicitBounds": [-2.0, -1.0, 0.0, 1.0, 2.0],
                    "exemplars": [{"asDouble": 1.5}],
                    "flags": 1,
                    "min": -2.0,
                }
            ],
        },
    }


def test_convert_exponential_histogram_is_atomic_on_error() -> None:
    def exp_point(count: int) -> dict[str, Any]:
        return {"count": str(count), "positive": {"bucketCounts": ["1"]}}

    source = {
        "name": "m",
        "exponentialHistogram": {"aggregationTemporality": 2, "dataPoints": [exp_point(1), exp_point(2)]},
    }
    data = metrics(source)
    group = parse_statements(
        ['convert_exponential_histogram_to_histogram("random", [1.0])'],
        signal="metrics",
        context="metric",
        error_mode="propagate",
        extra_functions={s.name: s for s in SPECS},
    )
    with pytest.raises(ExecutionError) as caught:
        group.execute(data)
    assert "converting exponential histogram data point 1: source histogram count 2 does not match bucket count 1" in (
        str(caught.value)
    )
    assert as_json(data)["resourceMetrics"][0]["scopeMetrics"][0]["metrics"] == [normal(source)]


def test_convert_exponential_histogram_leaves_other_metrics_alone() -> None:
    assert run('convert_exponential_histogram_to_histogram("upper", [0.0])', SUMMARY) == [SUMMARY]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ('"random", []', "explicit bounds cannot be empty"),
        ('"upper", [1.0, 3.0, 2.0]', "explicit bounds are not strictly increasing at index 2: 2 <= 3"),
        ('"linear", [1.0]', 'invalid distribution "linear"'),
        ('"upper", ["a"]', "explicit_bounds must be a list of floats"),
    ],
)
def test_convert_exponential_histogram_rejects_bad_arguments(arguments: str, message: str) -> None:
    assert message in compile_error(f"convert_exponential_histogram_to_histogram({arguments})")


# --- aggregate_on_attributes / aggregate_on_attribute_value ---------------------------------------


def attr(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def number_metric(kind: str, name: str, *points: tuple[float | int, list[dict[str, Any]]]) -> dict[str, Any]:
    field = "asInt" if kind == "gauge" else "asDouble"
    data = [{field: (str(v) if field == "asInt" else float(v)), "attributes": a} for v, a in points]
    return {"name": name, kind: {"dataPoints": data}}


def sums(*points: tuple[float, list[dict[str, Any]]]) -> dict[str, Any]:
    return number_metric("sum", "sum_metric", *points)


def gauges(*points: tuple[int, list[dict[str, Any]]]) -> dict[str, Any]:
    return number_metric("gauge", "gauge_metric", *points)


def histograms(temporality_key: str = "histogram") -> dict[str, Any]:
    if temporality_key == "histogram":
        data = [
            {"count": "5", "sum": 12.34, "bucketCounts": ["2", "3"], "explicitBounds": [1.0]},
            {"count": "5", "sum": 12.66, "bucketCounts": ["2", "3"], "explicitBounds": [1.0]},
        ]
    else:
        data = [{"scale": 1, "count": "5", "sum": 12.34}, {"scale": 1, "count": "5", "sum": 12.66}]
    name = "histogram_metric" if temporality_key == "histogram" else "exponential_histogram_metric"
    return {"name": name, temporality_key: {"aggregationTemporality": 1, "dataPoints": data}}


MERGED_HISTOGRAM = {
    "name": "histogram_metric",
    "histogram": {
        "aggregationTemporality": 1,
        "dataPoints": [{"count": "10", "sum": 25.0, "bucketCounts": ["4", "6"], "explicitBounds": [1.0]}],
    },
}
MERGED_EXP_HISTOGRAM = {
    "name": "exponential_histogram_metric",
    "exponentialHistogram": {"aggregationTemporality": 1, "dataPoints": [{"scale": 1, "count": "10", "sum": 25.0}]},
}

SUM_2 = sums((100, []), (50, []))
SUM_3 = sums((100, []), (50, []), (30, []))
GAUGE_2 = gauges((12, []), (5, []))
GAUGE_3 = gauges((12, []), (5, []), (3, []))
SUM_KEYS = sums((100, [attr("key1", "val1")]), (50, [attr("key1", "val1")]), (20, [attr("key2", "val1")]))

AGGREGATE_CASES = [
    ("non-matching attribute", SUM_KEYS, "sum", '["non-existing"]', [sums((170, []))]),
    ("matching attribute", SUM_KEYS, "sum", '["key1"]', [sums((150, [attr("key1", "val1")]), (20, []))]),
    ("duplicate attributes", SUM_KEYS, "sum", '["key1", "key1"]', [sums((150, [attr("key1", "val1")]), (20, []))]),
    ("no attributes kept", SUM_KEYS, "sum", "[]", [sums((170, []))]),
    (
        "attributes not given",
        SUM_KEYS,
        "sum",
        None,
        [sums((150, [attr("key1", "val1")]), (20, [attr("key2", "val1")]))],
    ),
    ("sum sum", SUM_2, "sum", None, [sums((150, []))]),
    ("sum max", SUM_2, "max", None, [sums((100, []))]),
    ("sum min", SUM_2, "min", None, [sums((50, []))]),
    ("sum mean", SUM_2, "mean", None, [sums((75, []))]),
    ("sum count", SUM_2, "count", None, [sums((2, []))]),
    ("sum median even", SUM_2, "median", None, [sums((75, []))]),
    ("sum median odd", SUM_3, "median", None, [sums((50, []))]),
    ("gauge sum", GAUGE_2, "sum", None, [gauges((17, []))]),
    ("gauge min", GAUGE_2, "min", None, [gauges((5, []))]),
    ("gauge max", GAUGE_2, "max", None, [gauges((12, []))]),
    ("gauge mean", GAUGE_2, "mean", None, [gauges((8, []))]),
    ("gauge count", GAUGE_2, "count", None, [gauges((2, []))]),
    ("gauge median even", GAUGE_2, "median", None, [gauges((8, []))]),
    ("gauge median odd", GAUGE_3, "median", None, [gauges((5, []))]),
    ("histogram", histograms(), "sum", None, [MERGED_HISTOGRAM]),
    ("exponential histogram", histograms("exponentialHistogram"), "sum", None, [MERGED_EXP_HISTOGRAM]),
]


@pytest.mark.parametrize(
    ("source", "function", "attributes", "want"), [c[1:] for c in AGGREGATE_CASES], ids=[c[0] for c in AGGREGATE_CASES]
)
def test_aggregate_on_attributes(
    source: dict[str, Any], function: str, attributes: str | None, want: list[dict[str, Any]]
) -> None:
    arguments = f'"{function}"' + (f", {attributes}" if attributes is not None else "")
    assert run(f"aggregate_on_attributes({arguments})", source) == [normal(m) for m in want]


def test_aggregate_on_attributes_keeps_type_settings_and_drops_nothing_else() -> None:
    source = {
        "name": "requests",
        "unit": "1",
        "description": "d",
        "sum": {
            "aggregationTemporality": 2,
            "isMonotonic": True,
            "dataPoints": [
                {"asInt": "3", "timeUnixNano": "10", "attributes": [attr("a", "x"), attr("b", "1")]},
                {"asInt": "4", "timeUnixNano": "10", "attributes": [attr("a", "x"), attr("b", "2")]},
                {"asInt": "5", "timeUnixNano": "20", "attributes": [attr("a", "x"), attr("b", "3")]},
            ],
        },
    }
    (result,) = run('aggregate_on_attributes("sum", ["a"])', source)
    assert result == {
        "name": "requests",
        "unit": "1",
        "description": "d",
        "sum": {
            "aggregationTemporality": 2,
            "isMonotonic": True,
            # points with another timestamp are not merged
            "dataPoints": [
                {"asInt": "7", "timeUnixNano": "10", "attributes": [attr("a", "x")]},
                {"asInt": "5", "timeUnixNano": "20", "attributes": [attr("a", "x")]},
            ],
        },
    }


def test_aggregate_on_attributes_rejects_summaries() -> None:
    with pytest.raises(ExecutionError, match="aggregate_on_attributes does not support aggregating Summary metrics"):
        run('aggregate_on_attributes("sum")', SUMMARY)


VALUES = sums((100, [attr("test", "test1")]), (50, [attr("test", "test2")]))
VALUES_EXTRA = sums((100, [attr("test", "test1")]), (50, [attr("test", "test2"), attr("test3", "test3")]))
VALUES_3 = sums((100, [attr("test", "test1")]), (50, [attr("test", "test1")]), (30, [attr("test", "test2")]))
GAUGE_VALUES = gauges((12, [attr("test", "test1")]), (5, [attr("test", "test2")]))
NEW = [attr("test", "test_new")]

VALUE_CASES = [
    ("non-existing value", VALUES, "sum", '"test", ["test44"]', [VALUES]),
    ("empty values", VALUES, "sum", '"test", []', [VALUES]),
    ("non-existing attribute", VALUES, "sum", '"testyy", ["test1"]', [VALUES]),
    ("non-matching attribute", VALUES_EXTRA, "sum", '"testyy", ["test1"]', [VALUES_EXTRA]),
    ("duplicated values", VALUES, "sum", '"test", ["test1", "test1", "test2"]', [sums((150, NEW))]),
    ("one left alone", VALUES_3, "sum", '"test", ["test1"]', [sums((150, NEW), (30, [attr("test", "test2")]))]),
    ("sum mean", VALUES, "mean", '"test", ["test1", "test2"]', [sums((75, NEW))]),
    ("sum max", VALUES, "max", '"test", ["test1", "test2"]', [sums((100, NEW))]),
    ("sum min", VALUES, "min", '"test", ["test1", "test2"]', [sums((50, NEW))]),
    ("sum count", VALUES, "count", '"test", ["test1", "test2"]', [sums((2, NEW))]),
    ("gauge sum", GAUGE_VALUES, "sum", '"test", ["test1", "test2"]', [gauges((17, NEW))]),
    ("gauge median", GAUGE_VALUES, "median", '"test", ["test1", "test2"]', [gauges((8, NEW))]),
]


@pytest.mark.parametrize(
    ("source", "function", "arguments", "want"), [c[1:] for c in VALUE_CASES], ids=[c[0] for c in VALUE_CASES]
)
def test_aggregate_on_attribute_value(
    source: dict[str, Any], function: str, arguments: str, want: list[dict[str, Any]]
) -> None:
    statement = f'aggregate_on_attribute_value("{function}", {arguments}, "test_new")'
    assert run(statement, source) == [normal(m) for m in want]


def test_aggregate_on_attribute_value_histograms() -> None:
    merged = run(
        'aggregate_on_attribute_value("sum", "test", ["x"], "y")', histograms(), histograms("exponentialHistogram")
    )
    assert merged == [normal(MERGED_HISTOGRAM), normal(MERGED_EXP_HISTOGRAM)]


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ('aggregate_on_attributes("avg")', "invalid aggregation function: 'unsupported function: 'avg''"),
        ('aggregate_on_attribute_value("first", "a", ["b"], "c")', "valid options: sum, mean, min, max, median, count"),
        ('aggregate_on_attributes("sum", [1])', "attributes must be a list of strings"),
        ('aggregate_on_attribute_value("sum", "a", "b", "c")', "values must be a list of strings"),
    ],
)
def test_aggregate_functions_reject_bad_arguments(statement: str, message: str) -> None:
    assert message in compile_error(statement)


def test_aggregate_on_attribute_value_empties_a_summary_as_go_does() -> None:
    # Go's aggregateutil does not group summary points, so the rebuilt summary has none left
    (result,) = run('aggregate_on_attribute_value("sum", "test", ["hello world"], "x")', SUMMARY)
    assert result == {"name": "summary_metric", "summary": {}}
