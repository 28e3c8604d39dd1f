"""Unit tests of the pure parts of service_graph: the edge store (pairing, bound, expiry order)
and the span → edge → series logic on hand-built OTLP requests (odd data included)."""

from __future__ import annotations

from datetime import timedelta

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1 import trace_pb2
from pyotelcol.connectors.service_graph.config import Config, StoreConfig
from pyotelcol.connectors.service_graph.graph import ServiceGraph
from pyotelcol.connectors.service_graph.store import Edge, Store, TooManyItemsError

TRACE = bytes(range(1, 17))
CLIENT = trace_pb2.Span.SPAN_KIND_CLIENT
SERVER = trace_pb2.Span.SPAN_KIND_SERVER


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_store_pairs_bounds_and_expires_oldest_first() -> None:
    clock = Clock()
    done: list[Edge] = []
    expired: list[Edge] = []
    store = Store(1.0, 2, done.append, expired.append, clock)

    def client(name: str):  # type: ignore[no-untyped-def]
        def update(e: Edge) -> None:
            e.client_service = name

        return update

    assert store.upsert((TRACE, b"a" * 8), client("a")) is True
    clock.now = 0.5
    assert store.upsert((TRACE, b"b" * 8), client("b")) is True
    try:
        store.upsert((TRACE, b"c" * 8), client("c"))
        raise AssertionError("a full store must refuse a new edge")
    except TooManyItemsError as exc:
        assert str(exc) == "too many items"

    def server(e: Edge) -> None:
        e.server_service = "srv"

    assert store.upsert((TRACE, b"a" * 8), server) is False
    assert [e.client_service for e in done] == ["a"] and len(store) == 1
    clock.now = 1.2  # "b" expires at 1.5
    store.expire()
    assert expired == []
    clock.now = 1.6
    store.expire()
    assert [e.client_service for e in expired] == ["b"] and len(store) == 0


def _kv(key: str, value: AnyValue) -> KeyValue:
    return KeyValue(key=key, value=value)


def _request(*resources: tuple[list[KeyValue], list[trace_pb2.Span]]) -> ExportTraceServiceRequest:
    req = ExportTraceServiceRequest()
    for attributes, spans in resources:
        rs = req.resource_spans.add()
        rs.resource.attributes.extend(attributes)
        rs.scope_spans.add().spans.extend(spans)
    return req


def _span(
    kind: trace_pb2.Span.SpanKind.ValueType, span_id: bytes, parent: bytes = b"", ms: int = 10, **attrs: str
) -> trace_pb2.Span:
    span = trace_pb2.Span(trace_id=TRACE, span_id=span_id, parent_span_id=parent, kind=kind)
    span.start_time_unix_nano = 1_000_000_000
    span.end_time_unix_nano = 1_000_000_000 + ms * 1_000_000
    span.attributes.extend(_kv(k.replace("_", "."), AnyValue(string_value=v)) for k, v in attrs.items())
    return span


def _service(name: str) -> list[KeyValue]:
    return [_kv("service.name", AnyValue(string_value=name))]


def _totals(graph: ServiceGraph) -> dict[tuple[str, ...], int]:
    req = graph.build()
    assert req is not None
    metrics = {m.name: m for m in req.resource_metrics[0].scope_metrics[0].metrics}
    out: dict[tuple[str, ...], int] = {}
    for dp in metrics["traces_service_graph_request_total"].sum.data_points:
        a = {kv.key: kv.value for kv in dp.attributes}
        out[(a["client"].string_value, a["server"].string_value, a["connection_type"].string_value)] = dp.as_int
    return out


def test_non_string_service_name_and_odd_spans_do_not_crash() -> None:
    clock = Clock()
    graph = ServiceGraph(Config(), monotonic=clock)
    numeric = [_kv("service.name", AnyValue(int_value=42))]
    backwards = _span(SERVER, b"s" * 8, parent=b"c" * 8)
    backwards.end_time_unix_nano = 0  # ends before it starts
    req = _request(
        (numeric, [_span(CLIENT, b"c" * 8)]),
        (_service("api"), [backwards, _span(SERVER, b"x" * 8, parent=b"")]),
        ([], [_span(CLIENT, b"n" * 8)]),  # no service.name: skipped
    )
    graph.aggregate(req)
    assert _totals(graph) == {("42", "api", ""): 1}
    assert graph.counters.totals == {"dropped_spans": 0, "expired_edges": 0, "total_edges": 2}
    clock.now = 10
    graph.expire()  # the root server span becomes a call from "user"
    assert _totals(graph)[("user", "api", "virtual_node")] == 1


def test_database_name_attributes_priority_and_virtual_nodes_off() -> None:
    cfg = Config(
        database_name_attributes=["db.namespace", "db.name"],
        virtual_node_peer_attributes=[],
        store=StoreConfig(ttl=timedelta(0)),
    )
    clock = Clock()
    graph = ServiceGraph(cfg, monotonic=clock)
    db = _span(CLIENT, b"d" * 8, db_name="old", db_namespace="new")
    graph.aggregate(_request((_service("api"), [db, _span(CLIENT, b"p" * 8, peer_service="pay")])))
    clock.now = 1
    graph.expire()
    # the unanswered call expires without a virtual node when peer attributes are turned off
    assert _totals(graph) == {("api", "new", "database"): 1}
    assert graph.counters.totals["expired_edges"] == 1


def test_exponential_histograms_as_go_builds_them() -> None:
    """The values Go's TestExponentialHistogram expects: a 1s client and a 2s server span, max
    size 4: one bucket each at scale 20."""
    graph = ServiceGraph(Config(exponential_histogram_max_size=4))
    client = _span(CLIENT, b"c" * 8, ms=1000)
    server = _span(SERVER, b"s" * 8, parent=b"c" * 8, ms=2000)
    graph.aggregate(_request((_service("svc"), [client, server])))
    req = graph.build()
    assert req is not None
    metrics = req.resource_metrics[0].scope_metrics[0].metrics
    assert [m.name for m in metrics] == [
        "traces_service_graph_request_total",
        "traces_service_graph_request_server",
        "traces_service_graph_request_client",
    ]
    for metric, seconds, offset in ((metrics[1], 2.0, 1048575), (metrics[2], 1.0, -1)):
        (dp,) = metric.exponential_histogram.data_points
        assert (dp.count, dp.sum, dp.min, dp.max, dp.zero_count, dp.scale) == (1, seconds, seconds, seconds, 0, 20)
        assert dp.positive.offset == offset and list(dp.positive.bucket_counts) == [1]
        assert dp.time_unix_nano >= dp.start_time_unix_nano > 0
