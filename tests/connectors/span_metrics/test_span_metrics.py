"""The span_metrics connector in a real collector: spans from the OpenTelemetry Python SDK over
OTLP/HTTP → span_metrics → metrics pipelines → file exporters, read back as OTLP JSON."""

from __future__ import annotations

import json
import math
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode
from support import Collector, free_port, run_cli, wait_for_port

CONFIG = """
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{port}"}}
connectors:
  span_metrics/cumulative:
    metrics_flush_interval: 200ms
    dimensions:
      - {{name: http.method, default: GET}}
      - {{name: deployment.environment}}
    exemplars: {{enabled: true, max_per_data_point: 2}}
    events:
      enabled: true
      dimensions: [{{name: exception.type}}]
  spanmetrics/delta:
    aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA
    metrics_flush_interval: 200ms
    namespace: app
    histogram:
      unit: s
      exponential: {{max_size: 10}}
    exclude_dimensions: [collector.instance.id, span.kind]
    aggregation_cardinality_limit: 2
exporters:
  file/cumulative: {{path: {out}/cumulative.jsonl}}
  file/delta: {{path: {out}/delta.jsonl}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], exporters: [span_metrics/cumulative, spanmetrics/delta]}}
    metrics/cumulative: {{receivers: [span_metrics/cumulative], exporters: [file/cumulative]}}
    metrics/delta: {{receivers: [spanmetrics/delta], exporters: [file/delta]}}
"""

MS = 1_000_000
T0 = 1_700_000_000_000_000_000
# span name -> durations in ms: 2ms sits on a bound (buckets are upper-inclusive), 20s is above them all
FIRST = {"GET /cart": [3, 250], "POST /pay": [2]}
SECOND = {"GET /cart": [20_000, 9], "GET /home": [5], "GET /about": [7]}


def send(port: int, spans: dict[str, list[int]], error: str | None = None) -> list[tuple[str, int, int]]:
    """Send spans with exact start/end times in one request; returns (name, trace id, span id) of each."""
    provider = TracerProvider(resource=Resource({"service.name": "shop", "deployment.environment": "prod"}))
    exporter = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces")
    # one request for all the spans (sent at shutdown): no flush of the connector can split them
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=60_000))
    tracer = provider.get_tracer("test")
    sent = []
    for name, durations in spans.items():
        for ms in durations:
            span = tracer.start_span(name, kind=SpanKind.SERVER, start_time=T0)
            if name.startswith("POST"):
                span.set_attribute("http.method", "POST")
            if error and name == error:
                span.set_status(Status(StatusCode.ERROR))
                span.add_event("exception", {"exception.type": "ValueError"}, timestamp=T0 + MS)
                span.add_event("exception", {"exception.type": "KeyError"}, timestamp=T0 + MS)
            span.end(end_time=T0 + ms * MS)
            ctx = span.get_span_context()
            sent.append((name, ctx.trace_id, ctx.span_id))
    provider.shutdown()
    return sent


def lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(path: Path, predicate: Callable[[dict[str, Any]], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(predicate(doc) for doc in lines(path)):
            return
        time.sleep(0.05)
    raise AssertionError(f"no line of {path.name} matched within {timeout}s: {str(lines(path)[-1:])[:800]}")


def attrs(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {a["key"]: next(iter(a["value"].values()), None) for a in items}


def metrics_of(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for rm in doc["resourceMetrics"]:
        for sm in rm["scopeMetrics"]:
            for metric in sm["metrics"]:
                out[metric["name"]] = metric
    return out


def points(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    metric = metrics_of(doc).get(name)
    if metric is None:
        return []
    data = metric.get("sum") or metric.get("histogram") or metric.get("exponentialHistogram") or {}
    return list(data.get("dataPoints", []))


def total_calls(doc: dict[str, Any], name: str) -> int:
    return sum(int(p.get("asInt", 0)) for p in points(doc, name))


def by_span_name(doc: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    return {attrs(p["attributes"]).get("span.name", "<overflow>"): p for p in points(doc, name)}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("span_metrics")
    port = free_port()
    path = tmp / "config.yaml"
    path.write_text(CONFIG.format(port=port, out=tmp))
    cumulative, delta = tmp / "cumulative.jsonl", tmp / "delta.jsonl"
    col = Collector(path)
    try:
        wait_for_port(port, col.proc)
        first = send(port, FIRST, error="POST /pay")
        wait_for(cumulative, lambda d: total_calls(d, "traces.span.metrics.calls") == 3)
        wait_for(delta, lambda d: total_calls(d, "app.calls") == 3)
        # a raw request whose resource has no service.name: Go skips it, so do we
        body = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": [{"name": "orphan"}]}]}]}
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/traces", json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
        second = send(port, SECOND)
        wait_for(cumulative, lambda d: total_calls(d, "traces.span.metrics.calls") == 7)
        wait_for(delta, lambda d: total_calls(d, "app.calls") == 4)
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    yield {"cumulative": lines(cumulative), "delta": lines(delta), "first": first, "second": second, "stderr": err}


def test_metric_names_resource_and_scope(run: dict[str, Any]) -> None:
    doc = run["cumulative"][-1]
    (rm,) = doc["resourceMetrics"]
    assert attrs(rm["resource"]["attributes"]) == {"service.name": "shop", "deployment.environment": "prod"}
    (sm,) = rm["scopeMetrics"]
    assert sm["scope"] == {"name": "spanmetricsconnector"}
    names = [m["name"] for m in sm["metrics"]]
    assert names == ["traces.span.metrics.calls", "traces.span.metrics.duration", "traces.span.metrics.events"]
    calls, duration = sm["metrics"][0], sm["metrics"][1]
    assert calls["sum"]["isMonotonic"] is True and calls["sum"]["aggregationTemporality"] == 2
    assert duration["unit"] == "ms" and duration["histogram"]["aggregationTemporality"] == 2
    delta_names = sorted(metrics_of(run["delta"][-1]))
    assert delta_names == ["app.calls", "app.duration"]  # events are off by default
    assert '"spanmetrics" alias is deprecated; use "span_metrics" instead' in run["stderr"]


def test_dimensions_defaults_and_resource_lookup(run: dict[str, Any]) -> None:
    doc = run["cumulative"][-1]
    got = by_span_name(doc, "traces.span.metrics.calls")
    cart = attrs(got["GET /cart"]["attributes"])
    instance = cart.pop("collector.instance.id")
    assert len(instance) == 36  # a UUID
    assert cart == {
        "service.name": "shop",
        "span.name": "GET /cart",
        "span.kind": "SPAN_KIND_SERVER",
        "status.code": "STATUS_CODE_UNSET",
        "http.method": "GET",  # the configured default
        "deployment.environment": "prod",  # found in the resource
    }
    pay = attrs(got["POST /pay"]["attributes"])
    assert pay["http.method"] == "POST" and pay["status.code"] == "STATUS_CODE_ERROR"
    delta = attrs(by_span_name(run["delta"][0], "app.calls")["GET /cart"]["attributes"])
    assert delta == {"service.name": "shop", "span.name": "GET /cart", "status.code": "STATUS_CODE_UNSET"}


def test_cumulative_counts_grow_from_zero(run: dict[str, Any]) -> None:
    series = [by_span_name(doc, "traces.span.metrics.calls").get("GET /cart") for doc in run["cumulative"]]
    values = [int(p["asInt"]) for p in series if p]
    # Go reports a new cumulative series as 0 once, then its count; counts never go down
    assert values[0] == 0 and values == sorted(values) and values[-1] == 4
    assert len({p["startTimeUnixNano"] for p in series if p}) == 1
    last = run["cumulative"][-1]
    assert {k: int(p["asInt"]) for k, p in by_span_name(last, "traces.span.metrics.calls").items()} == {
        "GET /cart": 4,
        "POST /pay": 1,
        "GET /home": 1,
        "GET /about": 1,
    }


def test_explicit_buckets_for_known_durations(run: dict[str, Any]) -> None:
    hist = by_span_name(run["cumulative"][-1], "traces.span.metrics.duration")
    cart = hist["GET /cart"]
    assert cart["explicitBounds"] == [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000]
    counts = [int(c) for c in cart["bucketCounts"]]
    expected = [0] * 17
    expected[1] = 1  # 3ms in (2, 4]
    expected[4] = 1  # 9ms in (8, 10]
    expected[8] = 1  # 250ms in (200, 400]
    expected[16] = 1  # 20s above 15s
    assert counts == expected
    assert int(cart["count"]) == 4 and cart["sum"] == pytest.approx(20_262)
    pay = [int(c) for c in hist["POST /pay"]["bucketCounts"]]
    assert pay[0] == 1 and sum(pay) == 1  # exactly 2ms: the bucket whose upper bound is 2


def test_delta_intervals_chain(run: dict[str, Any]) -> None:
    docs = run["delta"]
    with_first = next(d for d in docs if total_calls(d, "app.calls") == 3)
    with_second = next(d for d in docs if total_calls(d, "app.calls") == 4)
    first = by_span_name(with_first, "app.calls")["GET /cart"]
    second = by_span_name(with_second, "app.calls")
    assert int(first["asInt"]) == 2  # delta sums report their count at once
    # the next interval of the same series starts where the last reported one ended
    assert second["GET /cart"]["startTimeUnixNano"] == first["timeUnixNano"]
    assert int(second["GET /cart"]["asInt"]) == 2


def test_cardinality_limit_overflow(run: dict[str, Any]) -> None:
    doc = next(d for d in run["delta"] if total_calls(d, "app.calls") == 4)
    got = by_span_name(doc, "app.calls")
    # GET /cart came first; the limit of 2 lets one more key in, the third new key overflows
    assert len(got) == 3 and int(got["<overflow>"]["asInt"]) == 1
    assert int(got["GET /cart"]["asInt"]) == 2 and int(got["GET /home"]["asInt"]) == 1
    assert attrs(got["<overflow>"]["attributes"]) == {"otel.metric.overflow": True}


def test_exponential_histogram(run: dict[str, Any]) -> None:
    doc = next(d for d in run["delta"] if total_calls(d, "app.calls") == 3)
    metric = metrics_of(doc)["app.duration"]
    assert metric["unit"] == "s" and metric["exponentialHistogram"]["aggregationTemporality"] == 1
    cart = by_span_name(doc, "app.duration")["GET /cart"]
    assert int(cart["count"]) == 2 and cart["sum"] == pytest.approx(0.253)
    assert cart["min"] == pytest.approx(0.003) and cart["max"] == pytest.approx(0.25)
    scale, positive = cart.get("scale", 0), cart["positive"]
    counts = [int(c) for c in positive["bucketCounts"]]
    assert len(counts) <= 10 and sum(counts) == 2
    offset = positive.get("offset", 0)
    for value in (0.003, 0.25):  # each value lies in (base**i, base**(i+1)] of a counted bucket
        index = math.ceil(math.log2(value) * 2**scale) - 1
        assert counts[index - offset] >= 1


def test_exemplars_carry_span_ids(run: dict[str, Any]) -> None:
    sent = {(trace, span) for _, trace, span in run["first"] + run["second"]}
    seen = 0
    for doc in run["cumulative"]:
        for point in points(doc, "traces.span.metrics.duration"):
            exemplars = point.get("exemplars", [])
            assert len(exemplars) <= 2
            for ex in exemplars:
                assert (int(ex["traceId"], 16), int(ex["spanId"], 16)) in sent
                assert ex["timeUnixNano"] == point["timeUnixNano"]
                seen += 1
    assert seen == 7  # each span once: exemplars are cleared after the flush that reports them


def test_events_metric(run: dict[str, Any]) -> None:
    got = {
        attrs(p["attributes"])["exception.type"]: int(p["asInt"])
        for p in points(run["cumulative"][-1], "traces.span.metrics.events")
    }
    assert got == {"ValueError": 1, "KeyError": 1}


PROMETHEUS_CONFIG = """
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{port}"}}
connectors:
  spanmetrics:
    metrics_flush_interval: 100ms
  span_metrics/hourly:
    metrics_flush_interval: 1h
exporters:
  prometheus:
    endpoint: "127.0.0.1:{prom}"
  file: {{path: {out}/hourly.jsonl}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], exporters: [spanmetrics, span_metrics/hourly]}}
    metrics: {{receivers: [spanmetrics], exporters: [prometheus]}}
    metrics/hourly: {{receivers: [span_metrics/hourly], exporters: [file]}}
"""


def test_prometheus_names_and_flush_at_shutdown(tmp_path: Path) -> None:
    """The names a Prometheus backend sees (Jaeger's monitor tab queries these); and what a
    connector aggregated since its last flush is sent when the collector stops."""
    port, prom = free_port(), free_port()
    path = tmp_path / "config.yaml"
    path.write_text(PROMETHEUS_CONFIG.format(port=port, prom=prom, out=tmp_path))
    col = Collector(path)
    try:
        wait_for_port(port, col.proc)
        send(port, {"GET /cart": [3]})
        deadline, text = time.monotonic() + 20, ""
        while time.monotonic() < deadline and "traces_span_metrics_calls_total{" not in text:
            time.sleep(0.1)
            with urllib.request.urlopen(f"http://127.0.0.1:{prom}/metrics", timeout=10) as resp:
                text = resp.read().decode()
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    bucket = next(
        line
        for line in text.splitlines()
        if "traces_span_metrics_duration_milliseconds_bucket{" in line and 'le="4"' in line
    )
    assert 'span_name="GET /cart"' in bucket and 'status_code="STATUS_CODE_UNSET"' in bucket
    assert bucket.endswith(" 1")
    (doc,) = lines(tmp_path / "hourly.jsonl")  # the hour never passed: only the shutdown flush
    (point,) = points(doc, "traces.span.metrics.duration")
    assert int(point["count"]) == 1 and attrs(point["attributes"])["span.name"] == "GET /cart"


GATED_CONFIG = """
receivers: {{otlp: {{protocols: {{http: {{endpoint: 127.0.0.1:{port}}}}}}}}}
connectors: {{span_metrics: {{metrics_flush_interval: 1h}}}}
exporters: {{file: {{path: {out}/gated.jsonl}}}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], exporters: [span_metrics]}}
    metrics: {{receivers: [span_metrics], exporters: [file]}}
"""


def test_the_connectors_feature_gates_are_set_on_the_command_line(tmp_path: Path) -> None:
    """Go registers a component's gates with the collector, so ``--feature-gates`` knows them;
    here the connector declares them in its metadata.yaml and the flag reaches it."""
    listing = run_cli("featuregate", "connector.spanmetrics.legacyMetricNames")
    assert listing.returncode == 0 and "When enabled, connector uses legacy metric names." in listing.stdout
    port = free_port()
    path = tmp_path / "config.yaml"
    path.write_text(GATED_CONFIG.format(port=port, out=tmp_path))
    col = Collector(path, args=("--feature-gates=connector.spanmetrics.legacyMetricNames",))
    try:
        wait_for_port(port, col.proc)
        send(port, {"GET /cart": [3]})
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    (doc,) = lines(tmp_path / "gated.jsonl")  # the shutdown flush
    assert set(metrics_of(doc)) == {"calls", "duration"}
