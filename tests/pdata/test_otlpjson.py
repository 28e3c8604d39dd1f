"""OTLP/JSON codec: official examples, round trips, checklist items 24-31/50/51, rejections."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from google.protobuf.duration_pb2 import Duration
from google.rpc.error_details_pb2 import RetryInfo
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTracePartialSuccess,
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import (
    InstrumentationScope,
    KeyValue,
)
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs, SeverityNumber
from opentelemetry.proto.metrics.v1 import metrics_pb2 as mp
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span
from opentelemetry.proto.trace.v1.trace_pb2 import Status as SpanStatus
from support import EXAMPLES

from pyotelcol.component import Signal
from pyotelcol.pdata import InvalidDataError, Logs, Metrics, Traces
from pyotelcol.pdata.otlpjson import JSONError, decode_request, from_json, to_json
from pyotelcol.testing import any_value, key_value

TRACE_ID = bytes.fromhex("5b8efff798038103d269b633813fc60c")
SPAN_ID = bytes.fromhex("eee19b7ec3c1b174")
# the ids and times of our example requests (tests/fixtures/otlp)
EXAMPLE_TRACE_ID = bytes.fromhex("0af7651916cd43dd8448eb211c80319c")
EXAMPLE_SPAN_ID = bytes.fromhex("b7ad6b7169203331")
T_START = 1700000000000000000
T0 = 1700000000100000000


def example(name: str) -> bytes:
    return (EXAMPLES / f"{name}.json").read_bytes()


kv = key_value
av = any_value


RESOURCE = Resource(attributes=[kv("service.name", "checkout")])
SCOPE = InstrumentationScope(name="shop.orders", version="2.3.1", attributes=[kv("shop.team", "payments")])


def expected_trace() -> ExportTraceServiceRequest:
    span = Span(
        trace_id=EXAMPLE_TRACE_ID,
        span_id=EXAMPLE_SPAN_ID,
        parent_span_id=bytes.fromhex("00f067aa0ba902b7"),
        name="POST /orders",
        start_time_unix_nano=T_START,
        end_time_unix_nano=T_START + 250_000_000,
        kind=Span.SPAN_KIND_SERVER,
        attributes=[kv("http.request.method", "POST")],
    )
    return ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(resource=RESOURCE, scope_spans=[ScopeSpans(scope=SCOPE, spans=[span])])]
    )


# fmt: off
def metrics_request(*metrics: mp.Metric, **resource_metrics: Any) -> ExportMetricsServiceRequest:
    scope = resource_metrics.pop("scope", None)
    scope_schema = resource_metrics.pop("scope_schema", "")
    sm = mp.ScopeMetrics(scope=scope, schema_url=scope_schema, metrics=metrics)
    return ExportMetricsServiceRequest(resource_metrics=[mp.ResourceMetrics(scope_metrics=[sm], **resource_metrics)])


def expected_metrics() -> ExportMetricsServiceRequest:
    region = [kv("shop.region", "eu")]
    delta = mp.AGGREGATION_TEMPORALITY_DELTA
    times: dict[str, Any] = {"start_time_unix_nano": T_START, "time_unix_nano": T0, "attributes": region}
    return metrics_request(
        mp.Metric(name="shop.orders.placed", unit="{order}", description="Orders placed", sum=mp.Sum(
            aggregation_temporality=delta, is_monotonic=True, data_points=[mp.NumberDataPoint(as_double=7, **times)])),
        mp.Metric(name="shop.cart.size", unit="{item}", description="Items in the cart", gauge=mp.Gauge(
            data_points=[mp.NumberDataPoint(as_double=4, time_unix_nano=T0, attributes=region)])),
        mp.Metric(name="shop.order.duration", unit="s", description="Time to place an order", histogram=mp.Histogram(
            aggregation_temporality=delta, data_points=[mp.HistogramDataPoint(
                count=3, sum=4.5, bucket_counts=[1, 2], explicit_bounds=[1], min=0.5, max=2.5, **times)])),
        mp.Metric(name="shop.order.value", unit="EUR", description="Order values",
                  exponential_histogram=mp.ExponentialHistogram(
            aggregation_temporality=delta, data_points=[mp.ExponentialHistogramDataPoint(
                count=4, sum=14, scale=0, zero_count=1, min=0, max=6, zero_threshold=0,
                positive=mp.ExponentialHistogramDataPoint.Buckets(offset=1, bucket_counts=[1, 2]), **times)])),
        mp.Metric(name="shop.payment.latency", unit="ms", description="Payment provider latency", summary=mp.Summary(
            data_points=[mp.SummaryDataPoint(count=5, sum=600, quantile_values=[
                mp.SummaryDataPoint.ValueAtQuantile(quantile=0.5, value=110),
                mp.SummaryDataPoint.ValueAtQuantile(quantile=0.99, value=180)], **times)])),
        resource=RESOURCE, scope=SCOPE,
    )
# fmt: on


def logs_request(record: LogRecord) -> ExportLogsServiceRequest:
    return ExportLogsServiceRequest(
        resource_logs=[ResourceLogs(resource=RESOURCE, scope_logs=[ScopeLogs(scope=SCOPE, log_records=[record])])]
    )


def expected_logs() -> ExportLogsServiceRequest:
    return logs_request(
        LogRecord(
            time_unix_nano=T0,
            observed_time_unix_nano=T0,
            severity_number=SeverityNumber.SEVERITY_NUMBER_WARN,
            severity_text="Warning",
            trace_id=EXAMPLE_TRACE_ID,
            span_id=EXAMPLE_SPAN_ID,
            body=av("payment retried"),
            attributes=[
                kv("order.id", "A-1027"),
                kv("order.express", True),
                kv("order.items", 3),
                kv("order.total", 42.5),
                kv("order.tags", ["gift", "fragile"]),
                kv("order.address", {"city": "Lyon"}),
            ],
        )
    )


def expected_events() -> ExportLogsServiceRequest:
    return logs_request(
        LogRecord(
            event_name="shop.cart_updated",
            time_unix_nano=T0,
            observed_time_unix_nano=T0,
            severity_number=SeverityNumber.SEVERITY_NUMBER_INFO,
            severity_text="Info",
            attributes=[kv("cart.source", "web")],
            body=av({"items": 2, "currency": "EUR", "page": "https://shop.example/cart"}),
        )
    )


EXAMPLE_CASES = [
    ("trace", ExportTraceServiceRequest, expected_trace, Signal.TRACES, Traces, 1),
    ("metrics", ExportMetricsServiceRequest, expected_metrics, Signal.METRICS, Metrics, 5),
    ("logs", ExportLogsServiceRequest, expected_logs, Signal.LOGS, Logs, 1),
    ("events", ExportLogsServiceRequest, expected_events, Signal.LOGS, Logs, 1),
]


def rich_traces() -> ExportTraceServiceRequest:
    tid, sid = bytes(range(1, 17)), bytes(range(0xA0, 0xA8))
    span = Span(
        trace_id=tid,
        span_id=sid,
        parent_span_id=bytes(range(8)),
        trace_state="k1=v1,k2=v2",
        flags=0x301,
        name="rich",
        kind=Span.SPAN_KIND_CONSUMER,
        start_time_unix_nano=2**64 - 1,
        end_time_unix_nano=1,
        attributes=[
            kv("bytes", b"\x00\xffbin"),
            kv("neg", -(2**63)),
            kv("empty.str", ""),
            kv("", "empty key"),
            kv("nested", [1, 2.5, True, {"k": ["x", b""]}, []]),
            kv("empty.map", {}),
            KeyValue(key="unset.value"),
        ],
        dropped_attributes_count=3,
        events=[
            Span.Event(time_unix_nano=5, name="ev", attributes=[kv("e", 1)], dropped_attributes_count=1),
            Span.Event(),
        ],
        dropped_events_count=4,
        links=[
            Span.Link(
                trace_id=tid[::-1],
                span_id=sid[::-1],
                trace_state="a=b",
                attributes=[kv("l", "x")],
                dropped_attributes_count=2,
                flags=0x100,
            )
        ],
        dropped_links_count=5,
        status=SpanStatus(code=SpanStatus.STATUS_CODE_ERROR, message="boom \u00e9\u4e2d"),
    )
    root = Span(trace_id=tid, span_id=sid[::-1], name="root", status=SpanStatus(code=SpanStatus.STATUS_CODE_OK))
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(attributes=[kv("service.name", "svc")], dropped_attributes_count=7),
                schema_url="https://opentelemetry.io/schemas/1.21.0",
                scope_spans=[
                    ScopeSpans(
                        scope=InstrumentationScope(name="s", version="v", dropped_attributes_count=1),
                        schema_url="https://scope/schema",
                        spans=[span, root],
                    ),
                    ScopeSpans(spans=[Span(name="no ids")]),
                ],
            ),
            ResourceSpans(),
        ]
    )


# fmt: off
def rich_metrics() -> ExportMetricsServiceRequest:
    buckets = mp.ExponentialHistogramDataPoint.Buckets
    quantile = mp.SummaryDataPoint.ValueAtQuantile
    exemplars = [
        mp.Exemplar(filtered_attributes=[kv("f", "x")], time_unix_nano=9, as_double=0.25,
                    trace_id=bytes(range(16)), span_id=bytes(range(8, 16))),
        mp.Exemplar(time_unix_nano=10, as_int=-3),
    ]
    return metrics_request(
        mp.Metric(name="sum.int", metadata=[kv("meta", "data")], sum=mp.Sum(
            aggregation_temporality=mp.AGGREGATION_TEMPORALITY_CUMULATIVE, data_points=[
                mp.NumberDataPoint(as_int=-(2**63), time_unix_nano=1, exemplars=exemplars, flags=1),
                mp.NumberDataPoint(as_int=0, time_unix_nano=2)])),
        mp.Metric(name="gauge.zero", gauge=mp.Gauge(data_points=[mp.NumberDataPoint(as_double=0.0)])),
        mp.Metric(name="summary", description="d", unit="ms", summary=mp.Summary(data_points=[
            mp.SummaryDataPoint(start_time_unix_nano=1, time_unix_nano=2, count=10, sum=99.5, flags=1,
                                quantile_values=[quantile(quantile=0.0, value=1.0), quantile(quantile=0.99, value=1e300)],
                                attributes=[kv("a", 1.5)])])),
        mp.Metric(name="hist", histogram=mp.Histogram(
            aggregation_temporality=mp.AGGREGATION_TEMPORALITY_DELTA, data_points=[
                mp.HistogramDataPoint(count=3, sum=0.0, bucket_counts=[1, 0, 2], explicit_bounds=[-1.5, 1e-9],
                                      exemplars=exemplars),
                mp.HistogramDataPoint(count=0)])),
        mp.Metric(name="exp", exponential_histogram=mp.ExponentialHistogram(
            aggregation_temporality=mp.AGGREGATION_TEMPORALITY_CUMULATIVE, data_points=[
                mp.ExponentialHistogramDataPoint(
                    count=9, scale=-2, zero_count=2, zero_threshold=1e-6, flags=1, exemplars=exemplars[1:],
                    positive=buckets(offset=-3, bucket_counts=[1, 2]),
                    negative=buckets(offset=4, bucket_counts=[0, 0, 4]))])),
        mp.Metric(name="empty.sum", sum=mp.Sum()),
        schema_url="https://schema/r", scope_schema="https://schema/s",
    )


def rich_logs() -> ExportLogsServiceRequest:
    records = [
        LogRecord(time_unix_nano=1, severity_number=SeverityNumber.SEVERITY_NUMBER_FATAL4, body=av(b"\x01\x02\x03"),
                  attributes=[kv("x", [])], dropped_attributes_count=6, flags=0xFF, trace_id=TRACE_ID,
                  span_id=SPAN_ID, event_name="ev.name"),
        LogRecord(body=av(""), severity_text="EMPTY"),
        LogRecord(),
    ]
    return ExportLogsServiceRequest(resource_logs=[
        ResourceLogs(schema_url="u1", scope_logs=[ScopeLogs(schema_url="u2", log_records=records)])])
# fmt: on


def trace_with_span(**span: Any) -> bytes:
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}).encode()


def first_span(msg: ExportTraceServiceRequest) -> Span:
    return msg.resource_spans[0].scope_spans[0].spans[0]


def decode_span(**span: Any) -> Span:
    return first_span(from_json(trace_with_span(**span), ExportTraceServiceRequest))


# --- official examples -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "mtype", "expected", "signal", "cls", "count"), EXAMPLE_CASES)
def test_examples_decode_to_hand_built_messages(
    name: str, mtype: Any, expected: Any, signal: Signal, cls: Any, count: int
) -> None:
    msg = from_json(example(name), mtype)
    assert msg == expected()
    # the same bytes also decode from str, and through decode_request (no wire bytes kept)
    assert from_json(example(name).decode(), mtype) == msg
    data = decode_request(signal, example(name))
    assert isinstance(data, cls) and not data.has_wire and data.item_count() == count
    assert data.message == msg
    # checklist 51: re-exported as protobuf, the data is identical
    assert cls.from_wire(data.to_wire()).message == msg
    # to_json -> from_json round trip
    assert from_json(to_json(msg), mtype) == msg


def test_example_key_fields() -> None:
    span = first_span(from_json(example("trace"), ExportTraceServiceRequest))
    assert span.trace_id == EXAMPLE_TRACE_ID and span.span_id == EXAMPLE_SPAN_ID and span.kind == 2
    assert span.end_time_unix_nano - span.start_time_unix_nano == 250_000_000
    m = from_json(example("metrics"), ExportMetricsServiceRequest).resource_metrics[0].scope_metrics[0].metrics
    assert m[0].sum.aggregation_temporality == 1 and m[0].sum.is_monotonic
    exp = m[3].exponential_histogram.data_points[0]
    assert (exp.count, exp.zero_count, exp.positive.offset, list(exp.positive.bucket_counts)) == (4, 1, 1, [1, 2])
    assert exp.HasField("min") and exp.HasField("max") and exp.max == 6
    quantiles = m[4].summary.data_points[0].quantile_values
    assert [(q.quantile, q.value) for q in quantiles] == [(0.5, 110), (0.99, 180)]
    ev = from_json(example("events"), ExportLogsServiceRequest).resource_logs[0].scope_logs[0].log_records[0]
    assert ev.event_name == "shop.cart_updated" and ev.body.kvlist_value.values[0].value.int_value == 2


# --- encoding --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mtype", "build"),
    [(ExportTraceServiceRequest, rich_traces), (ExportMetricsServiceRequest, rich_metrics),
     (ExportLogsServiceRequest, rich_logs)],
)  # fmt: skip
def test_rich_round_trip(mtype: Any, build: Any) -> None:
    msg = build()
    out = to_json(msg)
    assert from_json(out, mtype) == msg
    assert json.dumps(json.loads(out), separators=(",", ":"), ensure_ascii=False).encode() == out  # compact


def test_go_style_output() -> None:
    out = to_json(rich_traces())
    doc = json.loads(out)
    rs = doc["resourceSpans"][0]
    assert rs["schemaUrl"] == "https://opentelemetry.io/schemas/1.21.0"
    assert rs["resource"]["droppedAttributesCount"] == 7
    span, root = rs["scopeSpans"][0]["spans"]
    assert span["traceId"] == "0102030405060708090a0b0c0d0e0f10" and span["spanId"] == "a0a1a2a3a4a5a6a7"
    assert span["parentSpanId"] == "0001020304050607"
    assert span["kind"] == 5 and span["flags"] == 0x301 and span["status"] == {"code": 2, "message": "boom é中"}
    assert span["startTimeUnixNano"] == str(2**64 - 1) and span["endTimeUnixNano"] == "1"
    attrs = {a.get("key"): a["value"] for a in span["attributes"]}
    assert attrs["bytes"] == {"bytesValue": "AP9iaW4="} and attrs["neg"] == {"intValue": str(-(2**63))}
    assert attrs["empty.str"] == {"stringValue": ""} and attrs["unset.value"] == {}
    assert attrs["empty.map"] == {"kvlistValue": {}}
    assert {"value": {"stringValue": "empty key"}} in span["attributes"]  # key "" omitted, like Go
    assert span["events"][1] == {} and span["links"][0]["flags"] == 256
    assert "parentSpanId" not in root and "flags" not in root
    # fields Go always writes, even when empty
    assert doc["resourceSpans"][1] == {"resource": {}}
    assert rs["scopeSpans"][1] == {"scope": {}, "spans": [{"name": "no ids", "status": {}}]}
    assert b"\n" not in out and b": " not in out and "é中".encode() in out


def test_metric_output_and_special_doubles() -> None:
    doc = json.loads(to_json(rich_metrics()))
    metrics = doc["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    point = metrics[0]["sum"]["dataPoints"][0]
    assert point["asInt"] == str(-(2**63)) and point["flags"] == 1
    assert point["exemplars"][0]["traceId"] == bytes(range(16)).hex()
    assert metrics[1]["gauge"]["dataPoints"] == [{"asDouble": 0}]  # oneof set to 0 is written
    assert metrics[3]["histogram"]["dataPoints"][0]["bucketCounts"] == ["1", "0", "2"]
    assert metrics[3]["histogram"]["dataPoints"][0]["sum"] == 0  # optional field present
    assert "sum" not in metrics[3]["histogram"]["dataPoints"][1]
    exp = metrics[4]["exponentialHistogram"]["dataPoints"][0]
    assert exp["negative"] == {"offset": 4, "bucketCounts": ["0", "0", "4"]} and exp["scale"] == -2
    assert metrics[5] == {"name": "empty.sum", "sum": {}}

    specials = (math.nan, math.inf, -math.inf, -0.0, 1e21, 2.5)
    weird = metrics_request(mp.Metric(gauge=mp.Gauge(data_points=[mp.NumberDataPoint(as_double=v) for v in specials])))
    out = to_json(weird)
    assert b'"asDouble":"NaN"' in out and b'"asDouble":"Infinity"' in out and b'"asDouble":"-Infinity"' in out
    back = from_json(out, ExportMetricsServiceRequest)
    values = [p.as_double for p in back.resource_metrics[0].scope_metrics[0].metrics[0].gauge.data_points]
    assert math.isnan(values[0]) and values[1:3] == [math.inf, -math.inf]
    assert math.copysign(1, values[3]) == -1 and values[4:] == [1e21, 2.5]


def test_zero_ids_omitted_and_accepted() -> None:
    # checklist 50: an all-zero traceId is accepted; Go omits all-zero ids when writing
    span = decode_span(traceId="0" * 32, spanId="0" * 16, parentSpanId="")
    assert span.trace_id == bytes(16) and span.span_id == bytes(8) and span.parent_span_id == b""
    request = ExportTraceServiceRequest(resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=[span])])])
    out = json.loads(to_json(request))
    assert out["resourceSpans"][0]["scopeSpans"][0]["spans"][0] == {"status": {}}


def test_responses_and_status() -> None:
    for rtype in (ExportTraceServiceResponse, ExportMetricsServiceResponse, ExportLogsServiceResponse):
        assert to_json(rtype()) == b'{"partialSuccess":{}}'
        assert from_json(b'{"partialSuccess":{}}', rtype) == rtype()
    partial = ExportTraceServiceResponse(
        partial_success=ExportTracePartialSuccess(rejected_spans=3, error_message="bad")
    )
    assert to_json(partial) == b'{"partialSuccess":{"rejectedSpans":"3","errorMessage":"bad"}}'
    assert from_json(to_json(partial), ExportTraceServiceResponse) == partial
    assert from_json(b'{"partialSuccess":{"rejectedSpans":3}}', ExportTraceServiceResponse) == (
        ExportTraceServiceResponse(partial_success=ExportTracePartialSuccess(rejected_spans=3))
    )

    status = Status(code=14, message="try later")
    status.details.add().Pack(RetryInfo(retry_delay=Duration(seconds=5)))
    out = to_json(status)
    assert json.loads(out) == {
        "code": 14,
        "message": "try later",
        "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "5s"}],
    }
    assert from_json(out, Status) == status
    assert to_json(Status(code=3, message="x")) == b'{"code":3,"message":"x"}'
    with pytest.raises(JSONError, match="details"):
        from_json(b'{"code":3,"details":[{"@type":"type.googleapis.com/no.Such"}]}', Status)


# --- checklist 24-31 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("5B8EFFF798038103D269B633813FC60", id="24-31-hex-chars"),
        pytest.param("W47/95gDgQPSabYzgT/GDA==", id="24-base64"),
        pytest.param("5B8EFFF798038103D269B633813FC60C00", id="too-long"),
        pytest.param("5B8EFFF798038103D269B633813FC6XX", id="non-hex"),
        pytest.param("5B8EFFF798038103 269B633813FC60C", id="space"),
    ],
)
def test_24_bad_trace_ids_rejected(bad: str) -> None:
    with pytest.raises(JSONError, match=r"resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: invalid id"):
        decode_span(traceId=bad)


def test_25_hex_case_insensitive() -> None:
    upper = decode_span(traceId="5B8EFFF798038103D269B633813FC60C", spanId="EEE19B7EC3C1B174")
    lower = decode_span(traceId="5b8efff798038103d269b633813fc60c", spanId="eee19b7ec3c1b174")
    mixed = decode_span(traceId="5b8EFFF798038103d269b633813fc60C", spanId="eEe19b7ec3c1b174")
    assert upper == lower == mixed and upper.trace_id == TRACE_ID and upper.span_id == SPAN_ID


def test_26_unknown_fields_ignored_at_any_depth() -> None:
    doc = json.loads(example("trace"))
    doc["futureTopLevel"] = {"deep": [1, {"x": None}]}
    doc["resourceSpans"][0]["unknownList"] = [1, 2]
    doc["resourceSpans"][0]["resource"]["nope"] = "x"
    span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    span.update(unknownField="x", anotherOne={"traceId": "not-hex"}, kindName=7)
    span["attributes"][0]["value"]["futureValue"] = 1
    assert from_json(json.dumps(doc), ExportTraceServiceRequest) == expected_trace()


@pytest.mark.parametrize("kind", [2, "SPAN_KIND_SERVER"])
def test_27_enum_number_or_name(kind: Any) -> None:
    assert decode_span(kind=kind).kind == Span.SPAN_KIND_SERVER


@pytest.mark.parametrize(
    "span",
    [
        {"kind": "BOGUS"},
        {"kind": "span_kind_server"},
        {"kind": "2"},
        {"kind": True},
        {"kind": 1.5},
        {"status": {"code": "STATUS_CODE_BROKEN"}},
    ],
)
def test_27_bad_enums_rejected(span: dict[str, Any]) -> None:
    with pytest.raises(JSONError, match="enum"):
        decode_span(**span)


def test_27_other_enum_names() -> None:
    span = decode_span(status={"code": "STATUS_CODE_ERROR"})
    assert span.status.code == SpanStatus.STATUS_CODE_ERROR
    logs = from_json(
        b'{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"SEVERITY_NUMBER_WARN"}]}]}]}',
        ExportLogsServiceRequest,
    )
    assert logs.resource_logs[0].scope_logs[0].log_records[0].severity_number == 13
    metrics = from_json(
        b'{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"aggregationTemporality":'
        b'"AGGREGATION_TEMPORALITY_CUMULATIVE","dataPoints":[{"asInt":"1"}]}}]}]}]}',
        ExportMetricsServiceRequest,
    )
    assert metrics.resource_metrics[0].scope_metrics[0].metrics[0].sum.aggregation_temporality == 2


@pytest.mark.parametrize("value", [1544712660000000000, "1544712660000000000"])
def test_28_int64_as_number_or_string(value: Any) -> None:
    span = decode_span(startTimeUnixNano=value, endTimeUnixNano=value, droppedLinksCount=str(7), flags="256")
    assert span.start_time_unix_nano == span.end_time_unix_nano == 1544712660000000000
    assert span.dropped_links_count == 7 and span.flags == 256  # 32-bit ints as strings too


@pytest.mark.parametrize("value", [10, "10", "+10"])
def test_29_int_value_number_or_string(value: Any) -> None:
    span = decode_span(attributes=[{"key": "k", "value": {"intValue": value}}])
    assert span.attributes[0] == kv("k", 10)


def test_30_bytes_value_base64() -> None:
    span = decode_span(
        attributes=[{"key": "b", "value": {"bytesValue": "AQID"}}, {"key": "e", "value": {"bytesValue": ""}}]
    )
    assert span.attributes[0].value.bytes_value == b"\x01\x02\x03"
    assert span.attributes[1].value.WhichOneof("value") == "bytes_value"


def test_31_snake_case_keys() -> None:
    body = {
        "resource_spans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"string_value": "checkout"}}],
                             "dropped_attributes_count": 0},
                "scope_spans": [
                    {
                        "scope": {"name": "shop.orders", "version": "2.3.1",
                                  "attributes": [{"key": "shop.team", "value": {"string_value": "payments"}}]},
                        "spans": [
                            {
                                "trace_id": "0AF7651916CD43DD8448EB211C80319C",
                                "span_id": "B7AD6B7169203331",
                                "parent_span_id": "00F067AA0BA902B7",
                                "name": "POST /orders",
                                "start_time_unix_nano": "1700000000000000000",
                                "end_time_unix_nano": "1700000000250000000",
                                "kind": 2,
                                "attributes": [{"key": "http.request.method", "value": {"stringValue": "POST"}}],
                            }
                        ],
                    }
                ],
            }
        ]
    }  # fmt: skip
    assert from_json(json.dumps(body), ExportTraceServiceRequest) == expected_trace()
    logs = from_json(
        b'{"resource_logs":[{"scope_logs":[{"log_records":[{"event_name":"e","severity_number":9,'
        b'"observed_time_unix_nano":"5","body":{"kvlist_value":{"values":[{"key":"k",'
        b'"value":{"array_value":{"values":[{"int_value":"1"},{"double_value":"NaN"}]}}}]}}}]}]}]}',
        ExportLogsServiceRequest,
    )
    rec = logs.resource_logs[0].scope_logs[0].log_records[0]
    assert (rec.event_name, rec.severity_number, rec.observed_time_unix_nano) == ("e", 9, 5)
    values = rec.body.kvlist_value.values[0].value.array_value.values
    assert values[0].int_value == 1 and math.isnan(values[1].double_value)


# --- other accepted forms -----------------------------------------------------------------------------


def test_lenient_forms() -> None:
    span = decode_span(
        name=None,  # null = absent
        status={},  # {} = absent (Go cannot tell them apart; keeps from_json(to_json(m)) == m)
        events=[{"name": "e", "attributes": None}],
        attributes=[
            {"key": "d", "value": {"doubleValue": "Infinity"}},
            {"key": "d2", "value": {"doubleValue": "-1.5e3"}},
            {"key": "d4", "value": {"doubleValue": "-inf"}},  # Go's strconv.ParseFloat forms
            {"key": "d3", "value": {"doubleValue": 3}},
            {"key": "v", "value": {}},
            {"key": "a", "value": {"arrayValue": {}}},
        ],
    )
    assert span.name == "" and not span.HasField("status") and span.events[0].name == "e"
    values = [a.value for a in span.attributes]
    assert values[0].double_value == math.inf and values[1].double_value == -1500.0
    assert values[2].double_value == -math.inf and values[3].double_value == 3.0
    assert not span.attributes[4].HasField("value")
    assert values[5].HasField("array_value")  # oneof members keep their presence
    assert from_json(b"{}", ExportTraceServiceRequest) == ExportTraceServiceRequest()  # checklist 38
    assert from_json(b" \n{ } ", ExportLogsServiceRequest) == ExportLogsServiceRequest()


def test_lone_surrogates_become_replacement_chars() -> None:
    span = decode_span(name="a\ud800b\U0001f600", attributes=[{"key": "\udc00", "value": {"stringValue": "x"}}])
    assert span.name == "a\ufffdb\U0001f600" and span.attributes[0].key == "\ufffd"


# --- rejections -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty JSON body"),
        (b" \r\n\t", "empty JSON body"),
        (b"[]", "top level is an array"),
        (b'"x"', "top level is a string"),
        (b"null", "top level is null"),
        (b'{"resourceSpans":[', "invalid JSON: Expecting value at offset 18"),  # checklist 22
        (b'{"resourceSpans":[]', "invalid JSON"),
        (b"\xef\xbb\xbf{}", "invalid JSON"),
        (b'{"a":"\xff"}', "invalid UTF-8 at offset 6"),
        (b'{"a":NaN}', "NaN is not a JSON value"),
        (b'{"resourceSpans":{}}', "at resourceSpans: expected an array, got an object"),
        (b'{"resourceSpans":[{"resource":[]}]}', r"at resourceSpans[0].resource: expected an object"),
        (b'{"resourceSpans":[{"scopeSpans":[{"spans":[{},"x"]}]}]}', "spans[1]: expected an object, got a string"),
        (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
    ],
)
def test_rejected_bodies(body: bytes, message: str) -> None:
    with pytest.raises(JSONError) as info:
        from_json(body, ExportTraceServiceRequest)
    assert message in str(info.value)
    assert isinstance(info.value, InvalidDataError)


@pytest.mark.parametrize(
    ("span", "message"),
    [
        ({"spanId": "EEE19B7EC3C1B17"}, "spanId: invalid id: 15 characters, want 16 hex digits"),
        ({"parentSpanId": "5B8EFFF798038103D269B633813FC60C"}, "parentSpanId: invalid id"),
        ({"traceId": 12}, "traceId: expected a hex string, got a number"),
        ({"links": [{}, {"spanId": "zz"}]}, "links[1].spanId: invalid id"),
        (
            {"attributes": [{"key": "b", "value": {"bytesValue": "AQI"}}]},
            "attributes[0].value.bytesValue: invalid base64",
        ),
        ({"attributes": [{"key": "b", "value": {"bytesValue": "A-_B"}}]}, "invalid base64"),
        ({"attributes": [{"key": "b", "value": {"bytesValue": "AQ ID"}}]}, "invalid base64"),
        ({"attributes": [{"key": "i", "value": {"intValue": "1.5"}}]}, 'invalid integer string "1.5"'),
        ({"attributes": [{"key": "i", "value": {"intValue": " 10"}}]}, "invalid integer string"),
        ({"attributes": [{"key": "i", "value": {"intValue": "1_0"}}]}, "invalid integer string"),
        ({"attributes": [{"key": "i", "value": {"intValue": 1.5}}]}, "expected an integer, got a number"),
        ({"attributes": [{"key": "i", "value": {"intValue": "9223372036854775808"}}]}, "out of range"),
        ({"attributes": [{"key": "b", "value": {"boolValue": 1}}]}, "boolValue: expected a boolean"),
        ({"attributes": [{"key": "b", "value": {"boolValue": "true"}}]}, "expected a boolean"),
        ({"attributes": [{"key": "d", "value": {"doubleValue": "1_0"}}]}, 'invalid number string "1_0"'),
        ({"attributes": [{"key": "d", "value": {"doubleValue": " 1"}}]}, "invalid number string"),
        ({"attributes": [{"key": "d", "value": {"doubleValue": "NaNa"}}]}, "invalid number string"),
        ({"attributes": [{"key": "d", "value": {"doubleValue": True}}]}, "expected a number, got a boolean"),
        ({"attributes": [{"key": 5, "value": {}}]}, "attributes[0].key: expected a string, got a number"),
        ({"attributes": {"key": "k"}}, "attributes: expected an array"),
        ({"startTimeUnixNano": "-1"}, "out of range"),
        ({"startTimeUnixNano": True}, "expected an integer, got a boolean"),
        ({"flags": 4294967296}, "out of range"),
        ({"droppedAttributesCount": "x"}, "droppedAttributesCount: invalid integer string"),
        ({"name": ["x"]}, "name: expected a string, got an array"),
        ({"kind": "B\u00d6GUS\u2603"}, r'unknown enum value "B\u00d6GUS\u2603"'),
        ({"attributes": [{"key": "d", "value": {"doubleValue": 10**400}}]}, "doubleValue: number out of range"),
    ],
)
def test_rejected_values(span: dict[str, Any], message: str) -> None:
    with pytest.raises(JSONError) as info:
        decode_span(**span)
    text = str(info.value)
    assert message in text and text.isascii() and len(text) < 300


def test_rejected_metric_values() -> None:
    def metric_body(point: str) -> bytes:
        return (
            b'{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"histogram":{"dataPoints":['
            + point.encode()
            + b"]}}]}]}]}"
        )

    with pytest.raises(JSONError, match=r"dataPoints\[0\]\.bucketCounts\[1\]: invalid integer string"):
        from_json(metric_body('{"bucketCounts":["1","x"]}'), ExportMetricsServiceRequest)
    with pytest.raises(JSONError, match=r"explicitBounds\[0\]: expected a number"):
        from_json(metric_body('{"explicitBounds":[null]}'), ExportMetricsServiceRequest)
    with pytest.raises(JSONError, match=r"exemplars\[0\]\.traceId: invalid id"):
        from_json(metric_body('{"exemplars":[{"traceId":"abcd"}]}'), ExportMetricsServiceRequest)
    ok = from_json(
        metric_body('{"bucketCounts":[1,"2"],"explicitBounds":[0.5],"sum":"NaN"}'), ExportMetricsServiceRequest
    )
    point = ok.resource_metrics[0].scope_metrics[0].metrics[0].histogram.data_points[0]
    assert list(point.bucket_counts) == [1, 2] and math.isnan(point.sum)


def test_decode_request_errors() -> None:
    with pytest.raises(JSONError, match="empty JSON body"):
        decode_request(Signal.TRACES, b"")
    with pytest.raises(ValueError, match="profiles"):
        decode_request(Signal.PROFILES, b"{}")
