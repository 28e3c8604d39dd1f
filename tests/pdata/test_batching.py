"""pdata.batching: the merge and split that the batch processor and the exporter queue share."""

from __future__ import annotations

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from pyotelcol.pdata import Logs, Metrics, Traces
from pyotelcol.pdata.batching import merge, take


def traces(service: str, spans_per_scope: list[int]) -> Traces:
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add(schema_url="https://schema/1")
    rs.resource.attributes.add(key="service.name").value.string_value = service
    for i, n in enumerate(spans_per_scope):
        ss = rs.scope_spans.add()
        ss.scope.name = f"scope{i}"
        for j in range(n):
            ss.spans.add(name=f"{service}-{i}-{j}")
    return Traces.from_wire(req.SerializeToString())


def names(data: Traces) -> list[str]:
    return [s.name for rs in data.resource_spans for ss in rs.scope_spans for s in ss.spans]


def test_merge_joins_received_bytes_without_parsing() -> None:
    a, b = traces("a", [2]), traces("b", [1, 1])
    merged = merge([a, b])
    assert merged.has_wire and merged.to_wire() == a.to_wire() + b.to_wire()
    assert merged.item_count() == 4 and names(merged) == ["a-0-0", "a-0-1", "b-0-0", "b-1-0"]


def test_merge_of_changed_data_merges_messages() -> None:
    a, b = traces("a", [1]), traces("b", [1])
    a.resource_spans[0].resource.attributes.put_str("changed", "yes")
    b.resource_spans[0].resource.attributes.put_str("changed", "yes")
    merged = merge([a, b], 2)
    assert not merged.has_wire and merged.item_count() == 2
    assert [r.attributes.as_raw()["changed"] for r in merged.resources()] == ["yes", "yes"]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_take_cuts_at_an_exact_item_count_keeping_resource_and_scope(n: int) -> None:
    data = traces("svc", [3, 3])
    head, rest = take(data, n)
    assert head.item_count() == n and rest.item_count() == 6 - n
    assert names(head) + names(rest) == [f"svc-{i}-{j}" for i in range(2) for j in range(3)]
    for part in (head, rest):  # every piece keeps its resource, schema URL and scope names
        again = Traces.from_wire(part.to_wire())
        for rs in again.resource_spans:
            assert rs.resource.attributes.get("service.name").str_value == "svc"  # type: ignore[union-attr]
            assert rs.schema_url == "https://schema/1"
            assert all(ss.scope.name.startswith("scope") for ss in rs.scope_spans)


def test_take_splits_metrics_by_data_point_and_logs_by_record() -> None:
    req = ExportMetricsServiceRequest()
    metric = req.resource_metrics.add().scope_metrics.add().metrics.add(name="m", unit="1")
    for v in range(5):
        metric.gauge.data_points.add(as_int=v)
    head, rest = take(Metrics.from_wire(req.SerializeToString()), 2)
    assert head.item_count() == 2 and rest.item_count() == 3
    assert head.message.resource_metrics[0].scope_metrics[0].metrics[0].unit == "1"
    logs_req = ExportLogsServiceRequest()
    for _ in range(3):
        logs_req.resource_logs.add().scope_logs.add().log_records.add()
    head_logs, rest_logs = take(Logs.from_wire(logs_req.SerializeToString()), 1)
    assert (head_logs.item_count(), rest_logs.item_count(), rest_logs.resource_count()) == (1, 2, 2)


def test_take_leaves_shared_data_untouched() -> None:
    data = traces("svc", [4])
    data.mark_read_only()
    wire = data.to_wire()
    head, rest = take(data, 1)
    assert data.to_wire() is wire and data.item_count() == 4
    assert head.item_count() == 1 and rest.item_count() == 3
