"""The ``prometheus`` exporter end to end: OpenTelemetry SDK (or OTLP/JSON) → pyotelcol's OTLP
receiver → ``prometheus`` exporter → ``/metrics``, read directly and scraped by a real Prometheus.

One collector serves the whole module, with three exporters:
``prometheus`` (plain, ``const_labels``), ``prometheus/om`` (OpenMetrics, timestamps, namespace,
resource_to_telemetry_conversion) and ``prometheus/short`` (``metric_expiration: 1s``). Tests use
metric names of their own so that they do not see each other's data.
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_server import PrometheusServer  # type: ignore[import-not-found]  # loaded by conftest.py
from support import Collector, free_port, run_cli, samples, series, wait_for_port

requires_prometheus = pytest.mark.skipif(
    shutil.which("prometheus") is None, reason="the prometheus binary is not installed (apt-get install prometheus)"
)

SDK_RESOURCE = {
    "service.name": "shop",
    "service.namespace": "prod",
    "service.instance.id": "i-1",
    "host.name": "h1",
}


class Setup:
    def __init__(self, tmp: Path) -> None:
        self.otlp = free_port()
        self.plain = free_port()
        self.om = free_port()
        self.short = free_port()
        config = f"""
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{self.otlp}"}}
exporters:
  prometheus:
    endpoint: "127.0.0.1:{self.plain}"
    const_labels: {{env: test}}
  prometheus/om:
    endpoint: "127.0.0.1:{self.om}"
    namespace: app
    enable_open_metrics: true
    send_timestamps: true
    resource_to_telemetry_conversion: {{enabled: true}}
  prometheus/short:
    endpoint: "127.0.0.1:{self.short}"
    metric_expiration: 1s
service:
  telemetry: {{metrics: {{level: none}}}}  # the default :8888 may be taken
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [prometheus, prometheus/om, prometheus/short]
"""
        path = tmp / "config.yaml"
        path.write_text(config)
        self.collector = Collector(path)
        for port in (self.otlp, self.plain, self.om, self.short):
            wait_for_port(port, self.collector.proc)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    s = Setup(tmp_path_factory.mktemp("prom_exporter"))
    yield s
    code, _, err = s.collector.stop()
    assert code == 0, err


def push_sdk(port: int) -> None:
    """A counter, a histogram (seconds), an up-down counter (bytes) and a gauge (unit 1) from the
    OpenTelemetry SDK, cumulative, one export."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.metrics import CallbackOptions, Observation
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
    from opentelemetry.sdk.resources import Resource

    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=f"http://127.0.0.1:{port}/v1/metrics"), export_interval_millis=3_600_000
    )
    provider = MeterProvider(
        resource=Resource.create(SDK_RESOURCE),
        metric_readers=[reader],
        views=[View(instrument_name="payload.size", aggregation=ExponentialBucketHistogramAggregation())],
    )
    meter = provider.get_meter("my.lib", "1.2.3")
    counter = meter.create_counter("http.server.requests", unit="{request}", description="Requests served")
    counter.add(5, {"http.method": "GET", "status": 200})
    counter.add(2, {"http.method": "POST", "status": 500})
    histogram = meter.create_histogram(
        "http.server.request.duration",
        unit="s",
        description="Duration",
        explicit_bucket_boundaries_advisory=[0.005, 0.5, 5, 1e6],
    )
    for value in (0.003, 0.02, 0.4, 7.0):
        histogram.record(value, {"http.method": "GET"})
    meter.create_up_down_counter("queue.size", unit="By").add(1024)
    sizes = meter.create_histogram("payload.size", unit="By")  # exponential (see the view)
    for value in (100, 200, 300):
        sizes.record(value)

    def cpu(_: CallbackOptions) -> list[Observation]:
        return [Observation(0.25, {"cpu": "0"})]

    meter.create_observable_gauge("cpu.utilization", callbacks=[cpu], unit="1")
    provider.force_flush()
    provider.shutdown()


def post_json(port: int, metrics: list[dict[str, Any]], resource: dict[str, str] | None = None) -> None:
    attrs = [{"key": k, "value": {"stringValue": v}} for k, v in (resource or {"service.name": "svc"}).items()]
    body = {
        "resourceMetrics": [
            {"resource": {"attributes": attrs}, "scopeMetrics": [{"scope": {"name": "test"}, "metrics": metrics}]}
        ]
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/metrics",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 200


def scrape_raw(port: int, headers: dict[str, str] | None = None) -> tuple[str, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return resp.headers["Content-Type"], resp.read()


def scrape(port: int, headers: dict[str, str] | None = None) -> tuple[str, str]:
    content_type, body = scrape_raw(port, headers)
    return content_type, body.decode()


def wait_scrape(port: int, needle: str, present: bool = True, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        _, text = scrape(port)
        if (needle in text) == present:
            return text
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} {'never appeared' if present else 'stayed'} in:\n{text}")


def wait_series(port: int, name: str, expected: list[float], timeout: float = 15, **labels: str) -> str:
    """Poll the exposition until the samples of ``name`` (with ``labels``) are ``expected``."""
    deadline = time.monotonic() + timeout
    found: list[float] = []
    while time.monotonic() < deadline:
        _, text = scrape(port)
        found = series(text, name, **labels)
        if found == expected:
            return text
        time.sleep(0.1)
    raise AssertionError(f"{name}{labels}: {found} != {expected}")


def delta_sum(name: str, start: int, end: int, value: int, monotonic: bool = True) -> dict[str, Any]:
    point = {"startTimeUnixNano": str(start), "timeUnixNano": str(end), "asInt": str(value)}
    return {"name": name, "sum": {"aggregationTemporality": 1, "isMonotonic": monotonic, "dataPoints": [point]}}


# -- the exposition ---------------------------------------------------------------------------------


def test_text_exposition_of_sdk_metrics(setup: Setup) -> None:
    push_sdk(setup.otlp)
    text = wait_scrape(setup.plain, "http_server_requests_total")
    content_type, _ = scrape(setup.plain)
    assert content_type.startswith("text/plain; version=0.0.4; charset=utf-8")
    lines = text.splitlines()
    # Go's names (unit words, _total, _ratio; `{request}` dropped), labels sorted, empty schema URL kept.
    assert "# HELP http_server_requests_total Requests served" in lines
    assert "# TYPE http_server_requests_total counter" in lines
    assert (
        'http_server_requests_total{env="test",http_method="GET",instance="i-1",job="prod/shop",'
        'otel_scope_name="my.lib",otel_scope_schema_url="",otel_scope_version="1.2.3",status="200"} 5'
    ) in lines
    assert series(text, "http_server_requests_total", http_method="POST", status="500") == [2.0]
    assert "# TYPE http_server_request_duration_seconds histogram" in lines
    name = "http_server_request_duration_seconds"
    assert series(text, f"{name}_bucket", le="0.005") == [1.0]
    assert series(text, f"{name}_bucket", le="0.5") == [3.0]
    assert series(text, f"{name}_bucket", le="1e+06") == [4.0]  # Go's float formatting
    assert series(text, f"{name}_bucket", le="+Inf") == [4.0]
    assert series(text, f"{name}_count") == [4.0]
    assert series(text, f"{name}_sum") == pytest.approx([7.423])
    assert "# TYPE queue_size_bytes gauge" in lines  # a non-monotonic sum is a gauge
    assert series(text, "queue_size_bytes") == [1024.0]
    assert series(text, "cpu_utilization_ratio", cpu="0") == [0.25]
    # An exponential histogram has no classic buckets: the text format only carries +Inf, sum, count.
    assert series(text, "payload_size_bytes_bucket", le="+Inf") == [3.0]
    assert series(text, "payload_size_bytes_sum") == [600.0]
    assert len([n for n, _, _ in samples(text) if n == "payload_size_bytes_bucket"]) == 1
    # target_info: the resource without service.*, job and instance; no const labels (as Go).
    (info,) = [labels for n, labels, _ in samples(text) if n == "target_info"]
    assert info["host_name"] == "h1" and info["job"] == "prod/shop" and info["instance"] == "i-1"
    assert "service_name" not in info and "env" not in info


@requires_prometheus
def test_real_prometheus_scrapes_the_exporter(setup: Setup, tmp_path: Path) -> None:
    push_sdk(setup.otlp)
    targets = (f"127.0.0.1:{setup.plain}", f"127.0.0.1:{setup.om}")  # text format, and OpenMetrics
    prometheus = PrometheusServer(tmp_path / "prometheus", scrape=targets)
    try:
        result = prometheus.wait_for("http_server_requests_total", count=2)
        by_method = {r["metric"]["http_method"]: r for r in result}
        assert by_method["GET"]["value"][1] == "5"
        assert by_method["POST"]["value"][1] == "2"
        labels = by_method["GET"]["metric"]
        assert labels["job"] == "prod/shop" and labels["instance"] == "i-1"
        assert labels["otel_scope_name"] == "my.lib" and labels["otel_scope_version"] == "1.2.3"
        assert labels["env"] == "test" and labels["status"] == "200"
        (bucket,) = prometheus.wait_for('http_server_request_duration_seconds_bucket{le="0.5"}')
        assert bucket["value"][1] == "3"
        (count,) = prometheus.query("http_server_request_duration_seconds_count")
        assert count["value"][1] == "4"
        (info,) = prometheus.wait_for("target_info")
        assert info["metric"]["host_name"] == "h1"
        types = prometheus.api("/api/v1/metadata", metric="http_server_request_duration_seconds")
        assert types["http_server_request_duration_seconds"][0]["type"] == "histogram"
        # Prometheus negotiates OpenMetrics with prometheus/om and reads it (timestamps included).
        result = prometheus.wait_for("app_http_server_requests_total", count=2)
        assert {r["metric"]["http_method"]: r["value"][1] for r in result} == {"GET": "5", "POST": "2"}
        assert result[0]["metric"]["host_name"] == "h1"  # resource_to_telemetry_conversion
    finally:
        prometheus.stop()


@requires_prometheus
def test_real_prometheus_reads_native_histograms_from_protobuf(setup: Setup, tmp_path: Path) -> None:
    """With native histograms on, Prometheus asks for the protobuf format: the exponential
    histogram arrives with its buckets, the rest as before."""
    push_sdk(setup.otlp)
    content_type, _ = scrape_raw(
        setup.plain,
        {"Accept": "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"},
    )
    assert content_type.startswith("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily")
    prometheus = PrometheusServer(tmp_path / "prometheus", scrape=(f"127.0.0.1:{setup.plain}",), native_histograms=True)
    try:
        (count,) = prometheus.wait_for("histogram_count(payload_size_bytes)")
        assert count["value"][1] == "3"
        (total,) = prometheus.query("histogram_sum(payload_size_bytes)")
        assert total["value"][1] == "600"
        (share,) = prometheus.query("histogram_fraction(0, 150, payload_size_bytes)")
        assert 0.2 < float(share["value"][1]) < 0.45  # one of three observations is below 150
        result = prometheus.wait_for("http_server_requests_total", count=2)
        assert {r["metric"]["http_method"]: r["value"][1] for r in result} == {"GET": "5", "POST": "2"}
        (bucket,) = prometheus.wait_for('http_server_request_duration_seconds_bucket{le="0.5"}')
        assert bucket["value"][1] == "3"
    finally:
        prometheus.stop()


def test_delta_sums_are_accumulated(setup: Setup) -> None:
    t = 1_700_000_000_000_000_000
    post_json(setup.otlp, [delta_sum("jobs.done", t, t + 10, 3)])
    post_json(setup.otlp, [delta_sum("jobs.done", t + 10, t + 20, 4)])  # starts where the last ended
    wait_series(setup.plain, "jobs_done_total", [7.0], job="svc")
    post_json(setup.otlp, [delta_sum("jobs.done", t + 50, t + 60, 10)])  # a gap: a reset
    wait_series(setup.plain, "jobs_done_total", [10.0], job="svc")
    # Non-monotonic delta sums are refused, as in Go.
    post_json(setup.otlp, [delta_sum("level.change", t, t + 10, 3, monotonic=False), delta_sum("marker", t, t + 1, 1)])
    text = wait_scrape(setup.plain, "marker_total")
    assert "level_change" not in text


def test_delta_histograms_are_accumulated(setup: Setup) -> None:
    t = 1_700_000_000_000_000_000

    def point(start: int, end: int, counts: list[int], total: float) -> dict[str, Any]:
        return {
            "name": "batch.size",
            "histogram": {
                "aggregationTemporality": 1,
                "dataPoints": [
                    {
                        "startTimeUnixNano": str(start),
                        "timeUnixNano": str(end),
                        "count": str(sum(counts)),
                        "sum": total,
                        "explicitBounds": [1, 2],
                        "bucketCounts": [str(c) for c in counts],
                    }
                ],
            },
        }

    post_json(setup.otlp, [point(t, t + 10, [1, 0, 1], 3.5)])
    post_json(setup.otlp, [point(t + 10, t + 20, [0, 1, 0], 1.5)])
    text = wait_series(setup.plain, "batch_size_count", [3.0])
    assert series(text, "batch_size_bucket", le="1") == [1.0]
    assert series(text, "batch_size_bucket", le="2") == [2.0]
    assert series(text, "batch_size_bucket", le="+Inf") == [3.0]
    assert series(text, "batch_size_sum") == [5.0]


def test_openmetrics_with_timestamps_exemplars_and_resource_labels(setup: Setup) -> None:
    t = 1_700_000_000_123_000_000
    exemplar = {
        "timeUnixNano": str(t),
        "asDouble": 2.0,
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
    }
    counter = {
        "name": "orders",
        "unit": "1",
        "sum": {
            "aggregationTemporality": 2,
            "isMonotonic": True,
            "dataPoints": [
                {"startTimeUnixNano": str(t - 10**9), "timeUnixNano": str(t), "asInt": "9", "exemplars": [exemplar]}
            ],
        },
    }
    post_json(setup.otlp, [counter], {"service.name": "svc", "service.instance.id": "x", "region": "eu"})
    wait_scrape(setup.om, "app_orders_total")
    content_type, text = scrape(setup.om, {"Accept": "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"})
    assert content_type.startswith("application/openmetrics-text; version=1.0.0")
    assert text.endswith("# EOF\n")
    assert "# TYPE app_orders counter" in text
    (line,) = [x for x in text.splitlines() if x.startswith("app_orders_total{")]
    # resource_to_telemetry_conversion: every resource attribute is a label; the timestamp is the point's.
    assert 'region="eu"' in line and 'service_name="svc"' in line and 'job="svc"' in line
    assert " 9.0 1700000000.123 # {" in line
    assert 'span_id="eee19b7ec3c1b174"' in line and 'trace_id="5b8efff798038103d269b633813fc60c"' in line
    # Without OpenMetrics in Accept the text format is served (exemplars only exist in OpenMetrics).
    content_type, text = scrape(setup.om)
    assert content_type.startswith("text/plain; version=0.0.4")
    (line,) = [x for x in text.splitlines() if x.startswith("app_orders_total{")]
    assert line.endswith(" 9 1700000000123")
    assert "app_target_info{" in text


def test_gzip_and_other_paths(setup: Setup) -> None:
    post_json(setup.otlp, [delta_sum("zipped", 1, 2, 1)])
    wait_scrape(setup.plain, "zipped_total")
    request = urllib.request.Request(f"http://127.0.0.1:{setup.plain}/metrics", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.headers["Content-Encoding"] == "gzip"
        assert b"zipped_total" in gzip.decompress(resp.read())
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"http://127.0.0.1:{setup.plain}/other", timeout=10)
    assert err.value.code == 404


def test_type_conflict_keeps_the_first_type(setup: Setup) -> None:
    gauge = {"name": "dup.metric", "gauge": {"dataPoints": [{"timeUnixNano": "5", "asDouble": 1.5}]}}
    histogram = {
        "name": "dup_metric",
        "histogram": {
            "aggregationTemporality": 2,
            "dataPoints": [{"timeUnixNano": "5", "count": "1", "sum": 1, "bucketCounts": ["1"]}],
        },
    }
    post_json(setup.otlp, [gauge, histogram])
    text = wait_scrape(setup.plain, "dup_metric")
    assert "# TYPE dup_metric gauge" in text
    assert "dup_metric_bucket" not in text
    assert series(text, "dup_metric") == [1.5]


def test_series_expire(setup: Setup) -> None:
    post_json(setup.otlp, [delta_sum("short.lived", 1, 2, 1)])
    wait_scrape(setup.short, "short_lived_total")
    wait_scrape(setup.short, "short_lived_total", present=False)  # metric_expiration: 1s
    assert "short_lived_total" in scrape(setup.plain)[1]  # the default is 5m


# -- config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exporter", "message"),
    [
        ("{}", "expecting a non-blank address to run the Prometheus metrics handler"),
        ("{endpoint: 'localhost:1', translation_strategy: Bogus}", "invalid translation_strategy: Bogus"),
        (
            "{endpoint: 'localhost:1', resource_to_telemetry_conversion: {enabled: true}, "
            "resource_constant_labels: {included: ['k8s.*']}}",
            "cannot configure both resource_to_telemetry_conversion and resource_constant_labels",
        ),
    ],
)
def test_config_errors(tmp_path: Path, exporter: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "receivers: {nop: {}}\n"
        f"exporters: {{prometheus: {exporter}}}\n"
        "service: {pipelines: {metrics: {receivers: [nop], exporters: [prometheus]}}}\n"
    )
    result = run_cli("validate", "--config", str(path))
    assert result.returncode != 0
    assert message in result.stderr
