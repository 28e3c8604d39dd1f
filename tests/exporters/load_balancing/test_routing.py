"""The split of one request per backend (pure functions): every item lands once, under copies of
its own resource and scope, and keys are computed as the routing key says."""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.metrics.v1.metrics_pb2 import AGGREGATION_TEMPORALITY_CUMULATIVE
from pyotelcol.exporters.load_balancing import routing

from pyotelcol.pdata import AnyData, Logs, Metrics, Traces


def split(data: AnyData, key: str, names: list[str], backend_for: Any) -> dict[Any, Any]:
    return routing.split(data, key, names, backend_for)


def traces() -> Traces:
    """Two resources (services a and b), two scopes each, spans of traces 1..4."""
    req = ExportTraceServiceRequest()
    for svc in ("a", "b"):
        rs = req.resource_spans.add(schema_url="https://r")
        rs.resource.attributes.add(key="service.name").value.string_value = svc
        for scope in ("s1", "s2"):
            ss = rs.scope_spans.add(schema_url="https://s")
            ss.scope.name = scope
            for t in range(1, 5):
                span = ss.spans.add(
                    name=f"{svc}-{scope}-{t}", trace_id=t.to_bytes(16, "big"), span_id=t.to_bytes(8, "big")
                )
                span.attributes.add(key="tenant").value.string_value = f"tenant-{t % 2}"
    return Traces.from_wire(req.SerializeToString())


def flatten(data: Any) -> list[tuple[str, str, str, str, str]]:
    return [
        (rs.schema_url, rs.resource.attributes[0].value.string_value, ss.schema_url, ss.scope.name, span.name)
        for rs in data.message.resource_spans
        for ss in rs.scope_spans
        for span in ss.spans
    ]


def test_trace_id_routing_keeps_every_span_once_under_its_resource_and_scope() -> None:
    data = traces()
    keys: list[Any] = []

    def backend_for(key: bytes | None) -> int:
        keys.append(key)
        assert key is not None
        return key[-1] % 2  # traces 1,3 -> 1; 2,4 -> 0

    parts = split(data, "traceID", [], backend_for)
    assert set(parts) == {0, 1}
    assert sorted(flatten(parts[0]) + flatten(parts[1])) == sorted(flatten(data))
    for backend, part in parts.items():
        names = [f[4] for f in flatten(part)]
        assert all(int(n.rsplit("-", 1)[1]) % 2 == backend for n in names)
        # grouping kept: one ResourceSpans per input resource, one ScopeSpans per input scope
        assert [len(rs.scope_spans) for rs in part.message.resource_spans] == [2, 2]
    assert set(keys) == {t.to_bytes(16, "big") for t in range(1, 5)}


def test_one_backend_passes_the_input_through() -> None:
    data = traces()
    assert split(data, "traceID", [], lambda _k: "only") == {"only": data}


def test_service_routing_is_per_resource() -> None:
    parts = split(traces(), "service", [], lambda key: key)
    assert set(parts) == {b"a", b"b"}
    assert {f[1] for f in flatten(parts[b"a"])} == {"a"}
    assert len(flatten(parts[b"b"])) == 8


def test_attribute_routing_reads_resource_scope_span_and_pseudo_attributes() -> None:
    parts = split(traces(), "attributes", ["service.name", "tenant", "span.kind"], lambda key: key)
    # span.kind of an unset kind is Go's "Unspecified"
    assert set(parts) == {
        b"atenant-0Unspecified",
        b"atenant-1Unspecified",
        b"btenant-0Unspecified",
        b"btenant-1Unspecified",
    }
    names = sorted(f[4] for f in flatten(parts[b"btenant-1Unspecified"]))
    assert names == ["b-s1-1", "b-s1-3", "b-s2-1", "b-s2-3"]


def test_logs_without_trace_id_get_no_key() -> None:
    req = ExportLogsServiceRequest()
    sl = req.resource_logs.add().scope_logs.add()
    sl.log_records.add(trace_id=(7).to_bytes(16, "big")).body.string_value = "with"
    sl.log_records.add().body.string_value = "without"
    sl.log_records.add(trace_id=bytes(16)).body.string_value = "zero"
    seen: list[bytes | None] = []

    def backend_for(key: bytes | None) -> str:
        seen.append(key)
        return "random" if key is None else "keyed"

    parts = split(Logs.from_wire(req.SerializeToString()), "traceID", [], backend_for)
    assert seen == [(7).to_bytes(16, "big"), None, None]
    bodies = {
        b: [r.body.string_value for rl in p.message.resource_logs for s in rl.scope_logs for r in s.log_records]
        for b, p in parts.items()
    }
    assert bodies == {"keyed": ["with"], "random": ["without", "zero"]}


def metrics() -> Metrics:
    req = ExportMetricsServiceRequest()
    rm = req.resource_metrics.add()
    rm.resource.attributes.add(key="service.name").value.string_value = "svc"
    sm = rm.scope_metrics.add()
    sm.scope.name = "meter"
    m = sm.metrics.add(name="requests", unit="1")
    m.sum.is_monotonic = True
    m.sum.aggregation_temporality = AGGREGATION_TEMPORALITY_CUMULATIVE
    for i in range(6):
        dp = m.sum.data_points.add(as_int=i)
        dp.attributes.add(key="route").value.string_value = f"/r{i % 3}"
    sm.metrics.add(name="temperature").gauge.data_points.add(as_double=21.5)
    return Metrics.from_wire(req.SerializeToString())


def test_stream_id_routing_splits_data_points_and_keeps_the_metric_shell() -> None:
    data = metrics()
    backends: dict[bytes, int] = {}

    def backend_for(key: bytes | None) -> int:
        assert key is not None
        return backends.setdefault(key, len(backends) % 2)

    parts = split(data, "streamID", [], backend_for)
    assert len(backends) == 4  # three routes of "requests" + "temperature"
    points: dict[str, list[int]] = {}
    for part in parts.values():
        for rm in part.message.resource_metrics:
            assert rm.resource.attributes[0].value.string_value == "svc"
            for sm in rm.scope_metrics:
                assert sm.scope.name == "meter"
                for m in sm.metrics:
                    if m.name == "requests":
                        assert m.unit == "1" and m.sum.is_monotonic and m.sum.aggregation_temporality == 2
                        points.setdefault("requests", []).extend(dp.as_int for dp in m.sum.data_points)
                        # one stream never spans two backends
                        assert len({dp.attributes[0].value.string_value for dp in m.sum.data_points}) <= 2
                    else:
                        points.setdefault(m.name, []).extend([1] * len(m.gauge.data_points))
    assert sorted(points["requests"]) == list(range(6)) and points["temperature"] == [1]


def test_metric_and_service_routing() -> None:
    by_metric = split(metrics(), "metric", [], lambda key: key)
    assert set(by_metric) == {b"requests", b"temperature"}
    by_service = split(metrics(), "service", [], lambda key: key)
    assert set(by_service) == {b"svc"}
