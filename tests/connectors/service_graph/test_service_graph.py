"""The service_graph connector in a real collector: spans made with the OpenTelemetry Python SDK
(several services, one OTLP/HTTP request so every pair reaches the connector together) →
service_graph → metrics pipeline → file exporter, read back as OTLP JSON; the connector's own
counters read from the collector's Prometheus telemetry endpoint."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode
from support import Collector, free_port, series, wait_for_port

CONFIG = """
receivers:
  otlp/main:
    protocols:
      http: {{endpoint: "127.0.0.1:{main}"}}
  otlp/tiny:
    protocols:
      http: {{endpoint: "127.0.0.1:{tiny}"}}
  otlp/golden:
    protocols:
      http: {{endpoint: "127.0.0.1:{golden}"}}
connectors:
  service_graph:
    latency_histogram_buckets: [10ms, 100ms, 1s]
    dimensions: [deployment.environment]
    store: {{ttl: 1s, max_items: 100}}
    store_expiration_loop: 100ms
    metrics_flush_interval: 100ms
    virtual_node_extra_label: true
  servicegraph/tiny:
    exponential_histogram_max_size: 10
    store: {{ttl: 100ms, max_items: 1}}
    store_expiration_loop: 100ms
    metrics_flush_interval: 100ms
    metrics_timestamp_offset: 1h
  # the settings of Go's TestExtraDimensionsLabels
  service_graph/golden:
    dimensions: [db.system, messaging.system]
    latency_histogram_buckets: [100ms, 1s, 10s]
    store: {{max_items: 10}}
    metrics_flush_interval: 100ms
  service_graph/eager:
    metrics_flush_interval: 0s
exporters:
  file/eager: {{path: {out}/eager.jsonl}}
  file/golden: {{path: {out}/golden.jsonl}}
  file/main: {{path: {out}/main.jsonl}}
  file/tiny: {{path: {out}/tiny.jsonl}}
service:
  telemetry:
    metrics:
      readers: [{{pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {telemetry}}}}}}}}}]
  pipelines:
    traces/main: {{receivers: [otlp/main], exporters: [service_graph]}}
    traces/tiny: {{receivers: [otlp/tiny], exporters: [servicegraph/tiny]}}
    metrics/main: {{receivers: [service_graph], exporters: [file/main]}}
    metrics/tiny: {{receivers: [servicegraph/tiny], exporters: [file/tiny]}}
    traces/golden: {{receivers: [otlp/golden], exporters: [service_graph/golden, service_graph/eager]}}
    metrics/eager: {{receivers: [service_graph/eager], exporters: [file/eager]}}
    metrics/golden: {{receivers: [service_graph/golden], exporters: [file/golden]}}
"""

MS = 1_000_000
FIXTURES = Path(__file__).parent / "fixtures"
T0 = 1_700_000_000_000_000_000


class Services:
    """One SDK tracer provider per service; every finished span is kept for one request."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self._tracers: dict[str, trace.Tracer] = {}

    def tracer(self, service: str, environment: str = "prod") -> trace.Tracer:
        if service not in self._tracers:
            resource = Resource({"service.name": service, "deployment.environment": environment})
            provider = TracerProvider(resource=resource)
            provider.add_span_processor(SimpleSpanProcessor(self.exporter))
            self._tracers[service] = provider.get_tracer("test")
        return self._tracers[service]

    def call(
        self,
        client: str,
        server: str,
        client_ms: int,
        server_ms: int,
        kinds: tuple[SpanKind, SpanKind] = (SpanKind.CLIENT, SpanKind.SERVER),
        server_error: bool = False,
    ) -> None:
        """A client span in ``client`` and its child server span in ``server``, exact durations."""
        outer = self.tracer(client).start_span("call", kind=kinds[0], start_time=T0)
        inner = self.tracer(server, "staging").start_span(
            "handle", kind=kinds[1], start_time=T0, context=trace.set_span_in_context(outer)
        )
        if server_error:
            inner.set_status(Status(StatusCode.ERROR))
        inner.end(end_time=T0 + server_ms * MS)
        outer.end(end_time=T0 + client_ms * MS)

    def single(self, service: str, kind: SpanKind, ms: int, attributes: dict[str, str] | None = None) -> None:
        span = self.tracer(service).start_span("single", kind=kind, start_time=T0, attributes=attributes)
        span.end(end_time=T0 + ms * MS)

    def post(self, port: int) -> None:
        spans: list[ReadableSpan] = list(self.exporter.get_finished_spans())
        body = encode_spans(spans).SerializeToString()
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/traces", body, {"Content-Type": "application/x-protobuf"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200


def post_json(port: int, body: bytes) -> None:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/traces", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    docs: list[dict[str, Any]] = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return docs


def wait_for(path: Path, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [doc for doc in lines(path) if predicate(doc)]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no line of {path.name} matched within {timeout}s: {str(lines(path)[-1:])[:1500]}")


def attrs(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {a["key"]: next(iter(a["value"].values()), None) for a in items}


def metrics_of(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for rm in doc["resourceMetrics"] for sm in rm["scopeMetrics"] for m in sm["metrics"]}


def points(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    metric = metrics_of(doc).get(name)
    if metric is None:
        return []
    data = metric.get("sum") or metric.get("histogram") or metric.get("exponentialHistogram") or {}
    return list(data.get("dataPoints", []))


def edge(point: dict[str, Any]) -> tuple[str, str, str, bool]:
    a = attrs(point["attributes"])
    return a["client"], a["server"], a["connection_type"], a["failed"]


def by_edge(doc: dict[str, Any], name: str) -> dict[tuple[str, str, str, bool], dict[str, Any]]:
    return {edge(p): p for p in points(doc, name)}


MAIN_EDGES = 6  # series expected once the virtual nodes have expired


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("service_graph")
    main, tiny, golden, telemetry = free_port(), free_port(), free_port(), free_port()
    path = tmp / "config.yaml"
    path.write_text(CONFIG.format(main=main, tiny=tiny, golden=golden, telemetry=telemetry, out=tmp))
    col = Collector(path)
    try:
        wait_for_port(main, col.proc)
        wait_for_port(tiny, col.proc)
        wait_for_port(golden, col.proc)
        post_json(golden, (FIXTURES / "go-extra-dimensions-trace.json").read_bytes())
        services = Services()
        # plain calls: client 5/50/500ms, server 3/40/450ms, plus a failed one (server on the 10ms bound)
        for client_ms, server_ms in ((5, 3), (50, 40), (500, 450)):
            services.call("frontend", "checkout", client_ms, server_ms)
        services.call("frontend", "checkout", 20, 10, server_error=True)
        services.call("checkout", "shipping", 30, 20, kinds=(SpanKind.PRODUCER, SpanKind.CONSUMER))
        services.single("checkout", SpanKind.CLIENT, 7, {"db.name": "orders", "db.system": "postgresql"})
        services.single("checkout", SpanKind.CLIENT, 70, {"peer.service": "payments"})
        services.single("checkout", SpanKind.SERVER, 80)  # a root server span: called by a "user"
        services.single("checkout", SpanKind.INTERNAL, 1)  # not part of any edge
        services.post(main)
        main_doc = wait_for(tmp / "main.jsonl", lambda d: len(points(d, "traces_service_graph_request_total")) == 6)

        little = Services()
        for ms in (1, 2, 3):  # three unanswered calls, room for one edge: two spans dropped
            little.single("lonely", SpanKind.CLIENT, ms)
        little.post(tiny)
        tiny_doc = wait_for(tmp / "tiny.jsonl", lambda d: bool(points(d, "traces_service_graph_request_total")))
        golden_doc = wait_for(tmp / "golden.jsonl", lambda d: bool(points(d, "traces_service_graph_request_total")))
        with urllib.request.urlopen(f"http://127.0.0.1:{telemetry}/metrics", timeout=10) as resp:
            self_metrics = resp.read().decode()
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    eager = lines(tmp / "eager.jsonl")  # one batch in, so one flush, and none at shutdown
    yield {
        "main": main_doc,
        "tiny": tiny_doc,
        "golden": golden_doc,
        "eager": eager,
        "self_metrics": self_metrics,
        "stderr": err,
    }


def test_metric_names_scope_and_temporality(run: dict[str, Any]) -> None:
    (rm,) = run["main"]["resourceMetrics"]
    assert rm["resource"] == {}
    (sm,) = rm["scopeMetrics"]
    assert sm["scope"] == {"name": "traces_service_graph"}
    names = [m["name"] for m in sm["metrics"]]
    assert names == [
        "traces_service_graph_request_total",
        "traces_service_graph_request_failed_total",
        "traces_service_graph_request_server",
        "traces_service_graph_request_client",
    ]
    total, failed, server, client = sm["metrics"]
    for counter in (total, failed):
        assert counter["sum"]["isMonotonic"] is True and counter["sum"]["aggregationTemporality"] == 2
    for histogram in (server, client):
        assert histogram["unit"] == "s" and histogram["histogram"]["aggregationTemporality"] == 2
    assert '"servicegraph" alias is deprecated; use "service_graph" instead' in run["stderr"]


def test_request_and_failed_counts(run: dict[str, Any]) -> None:
    totals = {k: int(p["asInt"]) for k, p in by_edge(run["main"], "traces_service_graph_request_total").items()}
    assert totals == {
        ("frontend", "checkout", "", False): 3,
        ("frontend", "checkout", "", True): 1,
        ("checkout", "shipping", "messaging_system", False): 1,
        ("checkout", "orders", "database", False): 1,
        ("checkout", "payments", "virtual_node", False): 1,
        ("user", "checkout", "virtual_node", False): 1,
    }
    failed = {k: int(p["asInt"]) for k, p in by_edge(run["main"], "traces_service_graph_request_failed_total").items()}
    assert failed == {("frontend", "checkout", "", True): 1}


def test_histogram_buckets_of_exact_durations(run: dict[str, Any]) -> None:
    server = by_edge(run["main"], "traces_service_graph_request_server")
    client = by_edge(run["main"], "traces_service_graph_request_client")
    ok = ("frontend", "checkout", "", False)
    assert server[ok]["explicitBounds"] == [0.01, 0.1, 1.0]
    assert server[ok]["bucketCounts"] == ["1", "1", "1", "0"]  # 3ms, 40ms, 450ms
    assert server[ok]["count"] == "3" and server[ok]["sum"] == pytest.approx(0.493)
    assert client[ok]["bucketCounts"] == ["1", "1", "1", "0"]  # 5ms, 50ms, 500ms
    assert client[ok]["sum"] == pytest.approx(0.555)
    failed = ("frontend", "checkout", "", True)
    assert server[failed]["bucketCounts"] == ["1", "0", "0", "0"]  # 10ms: bounds are upper-inclusive
    assert client[failed]["bucketCounts"] == ["0", "1", "0", "0"]
    # a database edge has one span: both sides take its duration
    database = ("checkout", "orders", "database", False)
    assert server[database]["sum"] == pytest.approx(0.007) == client[database]["sum"]
    # a virtual server node never answered: its side is 0s
    virtual = ("checkout", "payments", "virtual_node", False)
    assert server[virtual]["sum"] == 0 and client[virtual]["sum"] == pytest.approx(0.07)


def test_dimensions_and_virtual_node_label(run: dict[str, Any]) -> None:
    labels = {k: attrs(p["attributes"]) for k, p in by_edge(run["main"], "traces_service_graph_request_total").items()}
    ok = labels[("frontend", "checkout", "", False)]
    assert ok == {
        "client": "frontend",
        "server": "checkout",
        "connection_type": "",
        "failed": False,
        "client_deployment.environment": "prod",
        "server_deployment.environment": "staging",
        "virtual_node": "",
    }
    assert labels[("checkout", "payments", "virtual_node", False)]["virtual_node"] == "server"
    user = labels[("user", "checkout", "virtual_node", False)]
    assert user["virtual_node"] == "client"
    # the checkout service runs in staging (its resource, whichever side it is on)
    assert "client_deployment.environment" not in user and user["server_deployment.environment"] == "staging"


def test_start_and_timestamps(run: dict[str, Any]) -> None:
    main = points(run["main"], "traces_service_graph_request_total")
    starts = {p["startTimeUnixNano"] for p in main}
    assert len(starts) == 1  # the connector's start time, shared by every series
    for p in main:
        assert int(p["timeUnixNano"]) > int(p["startTimeUnixNano"]) > T0
    # metrics_timestamp_offset: 1h moves the timestamp, not the start time
    (tiny,) = points(run["tiny"], "traces_service_graph_request_total")
    assert int(tiny["timeUnixNano"]) < int(tiny["startTimeUnixNano"]) - 3000 * 10**9


def test_store_bound_expiry_and_exponential(run: dict[str, Any]) -> None:
    (point,) = points(run["tiny"], "traces_service_graph_request_total")
    # no peer attribute on the span: the virtual server node is "unknown"
    assert edge(point) == ("lonely", "unknown", "virtual_node", False) and point["asInt"] == "1"
    assert "virtual_node" not in attrs(point["attributes"])  # virtual_node_extra_label is off
    histograms = metrics_of(run["tiny"])
    client = histograms["traces_service_graph_request_client"]["exponentialHistogram"]["dataPoints"][0]
    assert client["count"] == "1" and client["sum"] == pytest.approx(0.001)
    text = run["self_metrics"]
    prefix = "otelcol_connector_servicegraph_"
    tiny = {"otelcol_component_id": "servicegraph/tiny"}
    main = {"otelcol_component_id": "service_graph"}
    assert series(text, f"{prefix}dropped_spans", **tiny) == [2.0]
    assert series(text, f"{prefix}dropped_spans", **main) == []
    assert series(text, f"{prefix}expired_edges", **tiny) == [1.0]
    assert series(text, f"{prefix}expired_edges", **main) == [2.0]  # payments and the root span
    # every new edge, those complete at once (database) included
    assert series(text, f"{prefix}total_edges", **main) == [8.0]


def _without_times(doc: Any) -> Any:
    """The document with timestamps dropped and attributes and data points in a fixed order."""
    if isinstance(doc, list):
        items = [_without_times(item) for item in doc]
        if items and all(isinstance(i, dict) and "key" in i for i in items):
            return sorted(items, key=lambda i: i["key"])
        if items and all(isinstance(i, dict) and "attributes" in i for i in items):
            return sorted(items, key=lambda i: json.dumps(i["attributes"], sort_keys=True))
        return items
    if isinstance(doc, dict):
        return {k: _without_times(v) for k, v in doc.items() if k not in ("startTimeUnixNano", "timeUnixNano")}
    return doc


def test_same_output_as_go_for_its_golden_trace(run: dict[str, Any]) -> None:
    """Go's TestExtraDimensionsLabels: its input trace and the metrics Go's connector produced
    from it (testdata/extra-dimensions-queue-db-*.yaml, as OTLP JSON), timestamps aside."""
    expected = json.loads((FIXTURES / "go-extra-dimensions-expected-metrics.json").read_text())
    assert _without_times(run["golden"]) == _without_times(expected)


def test_flush_interval_zero_flushes_each_batch(run: dict[str, Any]) -> None:
    (doc,) = run["eager"]
    (point,) = points(doc, "traces_service_graph_request_total")
    assert edge(point) == ("foo-server", "bar-requester", "", False)
    (server,) = points(doc, "traces_service_graph_request_server")
    assert len(server["explicitBounds"]) == 16  # Go's default buckets
    assert (
        "MetricsFlushInterval is set to 0, metrics will be flushed on every received batch of traces" in run["stderr"]
    )
