"""Hand-built OTLP requests covering what the debug exporter prints (events, links, every metric type)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality
from opentelemetry.proto.trace.v1.trace_pb2 import Status

from pyotelcol.pdata import Logs, Metrics, Traces
from pyotelcol.testing import any_value, key_value

DELTA = AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
CUMULATIVE = AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
T0 = 1_581_452_772_000_000_321  # 2020-02-11 20:26:12.000000321 UTC
T1 = 1_581_452_773_000_000_789
TRACE_ID = bytes(range(1, 17))
SPAN_A = bytes(range(0x11, 0x19))
SPAN_B = bytes(range(0x21, 0x29))


kv = key_value


def build_traces() -> Traces:
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add(schema_url="https://opentelemetry.io/schemas/1.25.0")
    rs.resource.attributes.extend([kv("service.name", "checkout")])
    ss = rs.scope_spans.add()
    ss.scope.name, ss.scope.version = "io.test", "1.2.3"
    span = ss.spans.add(
        trace_id=TRACE_ID,
        span_id=SPAN_A,
        parent_span_id=SPAN_B,
        name="GET /cart",
        kind=2,
        start_time_unix_nano=T0,
        end_time_unix_nano=T1,
        trace_state="ot=th:0",
        dropped_attributes_count=1,
    )
    span.status.code, span.status.message = Status.STATUS_CODE_ERROR, "boom"
    span.attributes.extend(
        [
            kv("http.method", "GET"),
            kv("http.status", 500),
            kv("ratio", 0.5),
            kv("ok", False),
            kv("tags", ["a", 1]),
            kv("blob", b"\x00\x01"),
            kv("nested", {"b": 2, "a": "x"}),
        ]
    )
    ev = span.events.add(name="exception", time_unix_nano=T1, dropped_attributes_count=2)
    ev.attributes.extend([kv("exception.type", "ValueError")])
    link = span.links.add(trace_id=TRACE_ID, span_id=SPAN_B, trace_state="k=v")
    link.attributes.extend([kv("link.attr", "l")])
    ss.spans.add(trace_id=TRACE_ID, span_id=SPAN_B, name="db", kind=3, start_time_unix_nano=T0, end_time_unix_nano=T1)
    rs2 = req.resource_spans.add()
    rs2.scope_spans.add().spans.add(name="orphan", start_time_unix_nano=T0, end_time_unix_nano=T1)
    return Traces(req)


def build_metrics() -> Metrics:
    req = ExportMetricsServiceRequest()
    rm = req.resource_metrics.add()
    rm.resource.attributes.extend([kv("service.name", "checkout")])
    sm = rm.scope_metrics.add()
    sm.scope.name = "meter"
    gauge = sm.metrics.add(name="temp", unit="C", description="temperature")
    gauge.gauge.data_points.add(as_double=21.5, time_unix_nano=T1).attributes.extend([kv("room", "a")])
    gauge.gauge.data_points.add(as_int=7, time_unix_nano=T1)
    total = sm.metrics.add(name="requests")
    total.sum.is_monotonic, total.sum.aggregation_temporality = True, CUMULATIVE
    dp = total.sum.data_points.add(as_int=42, start_time_unix_nano=T0, time_unix_nano=T1)
    dp.exemplars.add(as_double=1.5, trace_id=TRACE_ID, span_id=SPAN_A, time_unix_nano=T1)
    hist = sm.metrics.add(name="latency")
    hist.histogram.aggregation_temporality = DELTA
    hp = hist.histogram.data_points.add(count=3, sum=6.0, min=1.0, max=3.0, time_unix_nano=T1)
    hp.explicit_bounds.extend([1.0, 2.5])
    hp.bucket_counts.extend([1, 1, 1])
    exp = sm.metrics.add(name="sizes")
    exp.exponential_histogram.aggregation_temporality = CUMULATIVE
    ep = exp.exponential_histogram.data_points.add(count=4, sum=10.0, scale=0, zero_count=1, time_unix_nano=T1)
    ep.positive.offset = 1
    ep.positive.bucket_counts.extend([0, 2])
    ep.negative.bucket_counts.extend([1])
    summ = sm.metrics.add(name="rpc")
    sp = summ.summary.data_points.add(count=5, sum=12.5, time_unix_nano=T1)
    sp.quantile_values.add(quantile=0.5, value=2.0)
    sp.quantile_values.add(quantile=0.99, value=4.5)
    return Metrics(req)


def build_logs() -> Logs:
    req = ExportLogsServiceRequest()
    rl = req.resource_logs.add()
    rl.resource.attributes.extend([kv("service.name", "checkout")])
    sl = rl.scope_logs.add()
    sl.scope.name = "logger"
    rec = sl.log_records.add(
        time_unix_nano=T1, severity_number=10, severity_text="Information", trace_id=TRACE_ID, span_id=SPAN_A, flags=1
    )
    rec.body.string_value = "user logged in"
    rec.attributes.extend([kv("user", "bob"), kv("attempt", 2)])
    event = sl.log_records.add(event_name="browser.page_view", severity_number=9)
    event.body.CopyFrom(any_value({"url": "/x", "n": 1}))
    return Logs(req)


@pytest.fixture
def traces() -> Iterator[Traces]:
    yield build_traces()


@pytest.fixture
def metrics() -> Iterator[Metrics]:
    yield build_metrics()


@pytest.fixture
def logs() -> Iterator[Logs]:
    yield build_logs()
