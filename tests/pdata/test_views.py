"""The pdata views: typed reads and writes over the OTLP messages, guarded by the data's state."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from pyotelcol.pdata import Logs, Metrics, ReadOnlyError, Traces
from pyotelcol.pdata.pcommon import Map, Value, ValueType, float_to_string, key_value
from pyotelcol.pdata.pmetric import AggregationTemporality, Metric, MetricType
from pyotelcol.pdata.ptrace import Span, SpanKind, StatusCode


def _traces() -> Traces:
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(key_value("service.name", "checkout"))
    ss = rs.scope_spans.add()
    ss.scope.name = "lib"
    for i in range(3):
        span = ss.spans.add(name=f"span-{i}", trace_id=bytes(range(16)), span_id=bytes([i + 1]) * 8)
        span.attributes.append(key_value("i", i))
    return Traces.from_wire(req.SerializeToString())


def test_reads_do_not_drop_the_received_bytes() -> None:
    traces = _traces()
    wire = traces.to_wire()
    rs = traces.resource_spans[0]
    assert rs.resource.attributes.get("service.name").str_value == "checkout"  # type: ignore[union-attr]
    assert [s.name for s in rs.scope_spans[0].spans] == ["span-0", "span-1", "span-2"]
    assert rs.scope_spans[0].scope.name == "lib"
    assert traces.to_wire() is wire


def test_a_write_through_any_view_is_serialized() -> None:
    traces = _traces()
    before = traces.to_wire()
    span = traces.resource_spans[0].scope_spans[0].spans[1]
    span.attributes.put_str("http.method", "GET")
    span.status.code = StatusCode.ERROR
    span.kind = SpanKind.SERVER
    after = traces.to_wire()
    assert after != before
    decoded = ExportTraceServiceRequest.FromString(after).resource_spans[0].scope_spans[0].spans[1]
    assert StatusCode(decoded.status.code) is StatusCode.ERROR and SpanKind(decoded.kind) is SpanKind.SERVER
    assert [kv.key for kv in decoded.attributes] == ["i", "http.method"]


def test_removing_items_updates_the_count_and_the_bytes() -> None:
    traces = _traces()
    assert traces.item_count() == 3
    spans = traces.resource_spans[0].scope_spans[0].spans
    assert spans.remove_if(lambda s: s.attributes.get("i").int_value % 2 == 0) == 2  # type: ignore[union-attr]
    assert traces.item_count() == 1
    assert Traces.from_wire(traces.to_wire()).item_count() == 1


def test_read_only_data_refuses_every_write() -> None:
    traces = _traces()
    traces.mark_read_only()
    rs = traces.resource_spans[0]
    span = rs.scope_spans[0].spans[0]
    writes: list[Callable[[], object]] = [
        lambda: rs.resource.attributes.put_int("x", 1),
        lambda: setattr(span, "name", "renamed"),
        lambda: span.events.append_empty(),
        lambda: rs.scope_spans.remove_if(lambda _: True),
        lambda: span.attributes.get("i").set_str("s"),  # type: ignore[union-attr]
        lambda: span.mutable_proto(),
    ]
    for write in writes:
        with pytest.raises(ReadOnlyError):
            write()
    assert span.name == "span-0" and len(rs.scope_spans) == 1


def test_a_predicate_that_removes_nothing_keeps_the_bytes() -> None:
    traces = _traces()
    wire = traces.to_wire()
    traces.resource_spans[0].scope_spans[0].spans.remove_if(lambda s: s.name == "nope")
    traces.resource_spans[0].resource.attributes.remove("missing")
    assert traces.to_wire() is wire


def test_map_typed_access_and_replacement() -> None:
    attrs = Map.new()
    attrs.put_str("a", "x")
    attrs.put_int("b", 2)
    attrs.put_double("c", 1.5)
    attrs.put_bool("d", True)
    attrs.put_bytes("e", b"\x01")
    attrs.put_empty_map("f").put_str("inner", "v")
    attrs.put_empty_slice("g").from_raw([1, "two"])
    assert attrs.as_raw() == {"a": "x", "b": 2, "c": 1.5, "d": True, "e": b"\x01", "f": {"inner": "v"}, "g": [1, "two"]}
    attrs.put_int("a", 7)  # replaces in place, keeps the order
    assert list(attrs) == ["a", "b", "c", "d", "e", "f", "g"]
    assert attrs.get("a").type is ValueType.INT  # type: ignore[union-attr]
    assert attrs.get("a").str_value == ""  # type: ignore[union-attr]  # another type's getter gives its zero value
    assert attrs.get("missing") is None and "missing" not in attrs and "b" in attrs
    assert attrs.remove("b") and not attrs.remove("b")
    assert attrs.remove_if(lambda k, v: v.type in (ValueType.MAP, ValueType.SLICE)) == 2
    assert len(attrs) == 4


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("s", "s"),
        (42, "42"),
        (True, "true"),
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        (123456789.0, "123456789"),
        (b"\x00\xff", "AP8="),
        ({"b": 1, "a": [True, None, 2.5]}, '{"a":[true,null,2.5],"b":1}'),
        (None, ""),
    ],
)
def test_value_as_string_follows_go(raw: object, text: str) -> None:
    value = Value.new()
    value.from_raw(raw)
    assert value.as_string() == text


def test_float_to_string_special_values() -> None:
    assert float_to_string(float("inf")) == "Infinity"
    assert float_to_string(-0.0) == "-0"


def test_sort_and_move() -> None:
    traces = _traces()
    spans = traces.resource_spans[0].scope_spans[0].spans
    spans.sort(key=lambda s: -s.attributes.get("i").int_value)  # type: ignore[union-attr]
    assert [s.name for s in spans] == ["span-2", "span-1", "span-0"]
    other = Traces.empty()
    target = other.resource_spans.append_empty().scope_spans.append_empty().spans
    spans.move_and_append_to(target)
    assert len(spans) == 0 and [s.name for s in target] == ["span-2", "span-1", "span-0"]
    assert traces.item_count() == 0 and other.item_count() == 3


def test_views_built_on_their_own_are_writable() -> None:
    span = Span.new()
    span.name = "standalone"
    span.events.append_empty().name = "ev"
    copy = Span.new()
    span.copy_to(copy)
    assert copy == span and copy.events[0].name == "ev"


def test_metrics_views() -> None:
    req = ExportMetricsServiceRequest()
    metric = req.resource_metrics.add().scope_metrics.add().metrics.add(name="requests")
    metric.sum.data_points.add(as_int=5)
    metrics = Metrics.from_wire(req.SerializeToString())
    view: Metric = metrics.resource_metrics[0].scope_metrics[0].metrics[0]
    assert view.type is MetricType.SUM and view.data_point_count() == 1
    assert view.sum.data_points[0].value == 5 and view.sum.data_points[0].value_type == "Int"
    gauge = view.set_empty_gauge()
    gauge.data_points.append_empty().as_double = 2.5
    assert metrics.resource_metrics[0].scope_metrics[0].metrics[0].type is MetricType.GAUGE
    hist = metrics.resource_metrics[0].scope_metrics[0].metrics.append_empty().set_empty_histogram()
    hist.aggregation_temporality = AggregationTemporality.DELTA
    point = hist.data_points.append_empty()
    point.set_bucket_counts([1, 2])
    point.set_explicit_bounds([10.0])
    assert not point.has_sum
    point.sum = 3.0
    assert point.has_sum
    again = Metrics.from_wire(metrics.to_wire())
    assert again.item_count() == 2
    decoded = again.message.resource_metrics[0].scope_metrics[0].metrics
    assert decoded[0].gauge.data_points[0].as_double == 2.5
    assert list(decoded[1].histogram.data_points[0].bucket_counts) == [1, 2]


def test_logs_views() -> None:
    req = ExportLogsServiceRequest()
    req.resource_logs.add().scope_logs.add().log_records.add().body.string_value = "hello"
    logs = Logs.from_wire(req.SerializeToString())
    record = logs.resource_logs[0].scope_logs[0].log_records[0]
    assert record.body.str_value == "hello"
    record.body.set_empty_map().put_str("msg", "hi")
    record.severity_text = "WARN"
    decoded = ExportLogsServiceRequest.FromString(logs.to_wire()).resource_logs[0].scope_logs[0].log_records[0]
    assert decoded.severity_text == "WARN" and decoded.body.kvlist_value.values[0].key == "msg"


@pytest.mark.parametrize("data_type", [Traces, Metrics, Logs])
def test_resources_of_any_signal(data_type: type[Traces] | type[Metrics] | type[Logs]) -> None:
    data = data_type.empty()
    getattr(data.message, data_type.resource_field).add()
    getattr(data.message, data_type.resource_field).add()
    wire = data.to_wire()
    for resource in data.resources():
        resource.attributes.put_str("team", "a")
    assert data.to_wire() != wire
    again = data_type.from_wire(data.to_wire())
    assert [r.attributes.as_raw() for r in again.resources()] == [{"team": "a"}, {"team": "a"}]


def test_items_walks_every_item_with_its_resource_and_scope() -> None:
    from pyotelcol.pdata import Logs

    logs = Logs.empty()
    for r in range(2):
        rl = logs.resource_logs.append_empty()
        rl.resource.attributes.put_str("r", str(r))
        for s in range(2):
            sl = rl.scope_logs.append_empty()
            sl.scope.name = f"s{s}"
            for i in range(2):
                sl.log_records.append_empty().body.set_str(f"{r}{s}{i}")
    seen = [(res.attributes.as_raw()["r"], scope.name, rec.body.as_raw()) for res, scope, rec in logs.items()]
    assert seen == [(str(r), f"s{s}", f"{r}{s}{i}") for r in range(2) for s in range(2) for i in range(2)]
