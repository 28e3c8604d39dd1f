"""Exposition text → OTLP, through the translator's public functions."""

from __future__ import annotations

import math

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.translator.prometheus import (
    STALE_NAN,
    MetricsBuilder,
    is_stale_nan,
    parse_exposition,
    target_resource,
)
from pyotelcol.translator.prometheus.normalize import trim_prom_suffixes

TS = 1_700_000_000_000
NO_RECORDED = metrics_pb2.DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK

TEXT = r"""# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{code="200",path="/a\"b\\c\nd"} 1027 1699999999000
http_requests_total{code="500",path="/"} 3
# HELP temperature Current temperature.
# TYPE temperature gauge
temperature{room="kitchen"} -Inf
temperature{room="hall"} NaN
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 2
latency_seconds_bucket{le="1"} 5
latency_seconds_bucket{le="+Inf"} 6
latency_seconds_sum 3.5
latency_seconds_count 6
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.2
rpc_seconds{quantile="0.99"} 0.9
rpc_seconds_sum 12
rpc_seconds_count 40
untyped_thing{a="1"} 7
"""

OPENMETRICS = """# TYPE job_seconds counter
# UNIT job_seconds seconds
job_seconds_total{otel_scope_name="my.lib",otel_scope_version="1.2",otel_scope_team="core",kind="a"} 17
job_seconds_created{otel_scope_name="my.lib",otel_scope_version="1.2",otel_scope_team="core",kind="a"} 1690000000.5
# EOF
"""


def build(text: str, content_type: str = "text/plain; version=0.0.4", trim: bool = False) -> dict:  # type: ignore[type-arg]
    builder = MetricsBuilder(target_resource("job1", "10.0.0.7:9100", "http"), "scope", "9.9", trim)
    for s in parse_exposition(text, content_type):
        labels = {**s.labels, "__name__": s.name, "job": "job1", "instance": "10.0.0.7:9100"}
        ts = TS if s.timestamp is None else int(s.timestamp * 1000)
        builder.add(
            family=s.family,
            kind=s.kind,
            name=s.name,
            labels=labels,
            value=s.value,
            ts_ms=ts,
            unit=s.unit,
            help=s.help,
            created=s.created,
        )
    return MessageToDict(builder.build())


def metrics_by_name(rm: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {m["name"]: m for sm in rm["scopeMetrics"] for m in sm["metrics"]}


def attrs(point: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {a["key"]: a["value"]["stringValue"] for a in point.get("attributes", [])}


def test_resource_of_a_target() -> None:
    rm = build("")
    res = {a["key"]: a["value"]["stringValue"] for a in rm["resource"]["attributes"]}
    assert res == {
        "service.name": "job1",
        "service.instance.id": "10.0.0.7:9100",
        "server.address": "10.0.0.7",
        "server.port": "9100",
        "url.scheme": "http",
    }


def test_loopback_and_localhost_have_no_server_address() -> None:
    for instance in ("127.0.0.1:8888", "localhost:8888", "[::1]:8888", "0.0.0.0:1"):
        keys = [a.key for a in target_resource("j", instance, "https").attributes]
        assert "server.address" not in keys, instance
        assert "server.port" in keys


def test_counter_is_a_cumulative_monotonic_sum_named_as_exposed() -> None:
    m = metrics_by_name(build(TEXT))["http_requests_total"]
    assert m["description"] == "Requests served."
    assert m["sum"]["isMonotonic"] is True
    assert m["sum"]["aggregationTemporality"] == "AGGREGATION_TEMPORALITY_CUMULATIVE"
    points = {attrs(p)["code"]: p for p in m["sum"]["dataPoints"]}
    assert points["200"]["asDouble"] == 1027
    assert attrs(points["200"]) == {"code": "200", "path": '/a"b\\c\nd'}  # escapes decoded
    assert points["200"]["timeUnixNano"] == str(1_699_999_999_000 * 1_000_000)  # exposed timestamp kept
    assert points["500"]["timeUnixNano"] == str(TS * 1_000_000)
    assert "startTimeUnixNano" not in points["500"]  # no start-time adjustment, as Go now


def test_gauge_keeps_nan_and_inf() -> None:
    m = metrics_by_name(build(TEXT))["temperature"]
    points = {attrs(p)["room"]: p for p in m["gauge"]["dataPoints"]}
    assert points["kitchen"]["asDouble"] == "-Infinity"
    assert points["hall"]["asDouble"] == "NaN"
    assert "flags" not in points["hall"]  # a plain NaN is a value, not a staleness marker


def test_histogram_from_buckets_sum_and_count() -> None:
    m = metrics_by_name(build(TEXT))["latency_seconds"]
    (p,) = m["histogram"]["dataPoints"]
    assert m["histogram"]["aggregationTemporality"] == "AGGREGATION_TEMPORALITY_CUMULATIVE"
    assert p["explicitBounds"] == [0.1, 1.0]
    assert p["bucketCounts"] == ["2", "3", "1"]
    assert p["count"] == "6"
    assert p["sum"] == 3.5
    assert "attributes" not in p  # le is not an attribute


def test_summary_quantiles() -> None:
    m = metrics_by_name(build(TEXT))["rpc_seconds"]
    (p,) = m["summary"]["dataPoints"]
    assert p["count"] == "40"
    assert p["sum"] == 12
    assert p["quantileValues"] == [{"quantile": 0.5, "value": 0.2}, {"quantile": 0.99, "value": 0.9}]


def test_untyped_is_a_gauge() -> None:
    m = metrics_by_name(build(TEXT))["untyped_thing"]
    assert attrs(m["gauge"]["dataPoints"][0]) == {"a": "1"}


def test_openmetrics_unit_created_and_scope_labels() -> None:
    rm = build(OPENMETRICS, "application/openmetrics-text; version=1.0.0; charset=utf-8")
    (sm,) = rm["scopeMetrics"]
    assert sm["scope"]["name"] == "my.lib"
    assert sm["scope"]["version"] == "1.2"
    assert sm["scope"]["attributes"] == [{"key": "team", "value": {"stringValue": "core"}}]
    (m,) = sm["metrics"]
    assert m["name"] == "job_seconds_total"
    assert m["unit"] == "seconds"
    (p,) = m["sum"]["dataPoints"]
    assert p["startTimeUnixNano"] == str(1_690_000_000_500_000_000)  # from _created
    assert attrs(p) == {"kind": "a"}  # otel_scope_* labels are not point attributes


def test_default_scope_is_the_receivers() -> None:
    (sm,) = build("up 1\n")["scopeMetrics"]
    assert sm["scope"] == {"name": "scope", "version": "9.9"}


def test_stale_marker_gives_no_recorded_value() -> None:
    assert is_stale_nan(STALE_NAN)
    assert not is_stale_nan(math.nan)
    builder = MetricsBuilder(target_resource("j", "h:1", "http"), "s", "v")
    builder.add(family="c_total", kind="counter", name="c_total", labels={"x": "1"}, value=STALE_NAN, ts_ms=TS)
    builder.add(family="h", kind="histogram", name="h_count", labels={}, value=STALE_NAN, ts_ms=TS)
    ms = metrics_by_name(MessageToDict(builder.build()))
    (p,) = ms["c_total"]["sum"]["dataPoints"]
    assert p["flags"] == NO_RECORDED and "asDouble" not in p
    (h,) = ms["h"]["histogram"]["dataPoints"]
    assert h["flags"] == NO_RECORDED and "count" not in h


def test_target_info_becomes_resource_attributes() -> None:
    rm = build('# TYPE target_info gauge\ntarget_info{region="eu",job="x"} 1\nother 2\n')
    res = {a["key"]: a["value"]["stringValue"] for a in rm["resource"]["attributes"]}
    assert res["region"] == "eu"
    assert res["service.name"] == "job1"
    assert set(metrics_by_name(rm)) == {"other"}


def test_trim_metric_suffixes() -> None:
    assert trim_prom_suffixes("http_requests_total", "sum", "") == "http_requests"
    assert trim_prom_suffixes("job_seconds_total", "sum", "seconds") == "job"
    assert trim_prom_suffixes("latency_seconds", "histogram", "seconds") == "latency"
    assert trim_prom_suffixes("temperature_total", "gauge", "") == "temperature_total"
    ms = metrics_by_name(build(TEXT, trim=True))
    assert "http_requests" in ms and "http_requests_total" not in ms


def test_malformed_exposition_is_an_error() -> None:
    import pytest

    with pytest.raises(ValueError):
        parse_exposition("metric{a=unquoted} 1\n", "text/plain")
