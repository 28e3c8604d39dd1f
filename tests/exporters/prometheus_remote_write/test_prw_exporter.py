"""The ``prometheus_remote_write`` exporter end to end: OpenTelemetry SDK → pyotelcol's OTLP
receiver → ``prometheus_remote_write`` → a real Prometheus (``--web.enable-remote-write-receiver``),
queried back through its HTTP API; and the config errors ``pyotelcol validate`` reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from prometheus_server import PrometheusServer  # type: ignore[import-not-found]  # loaded by conftest.py
from support import Collector, free_port, run_cli, wait_for_port

requires_prometheus = pytest.mark.skipif(
    shutil.which("prometheus") is None, reason="the prometheus binary is not installed (apt-get install prometheus)"
)


def push_sdk(port: int) -> None:
    """A counter, an up-down counter and an exponential histogram, cumulative, one export."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
    from opentelemetry.sdk.resources import Resource

    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=f"http://127.0.0.1:{port}/v1/metrics"), export_interval_millis=3_600_000
    )
    resource = Resource.create({"service.name": "shop", "service.instance.id": "i-1", "host.name": "h1"})
    provider = MeterProvider(
        resource=resource,
        metric_readers=[reader],
        views=[View(instrument_name="payload.size", aggregation=ExponentialBucketHistogramAggregation())],
    )
    meter = provider.get_meter("my.lib", "1.2.3")
    counter = meter.create_counter("orders.placed", description="Orders")
    counter.add(5, {"region": "eu"})
    counter.add(2, {"region": "us"})
    meter.create_up_down_counter("queue.depth").add(-3)
    sizes = meter.create_histogram("payload.size", unit="By")
    for value in (100, 200, 300):
        sizes.record(value)
    provider.force_flush()
    provider.shutdown()


@requires_prometheus
def test_remote_write_into_prometheus_after_it_comes_up(tmp_path: Path) -> None:
    """The collector starts before Prometheus: the first sends fail (connection refused) and are
    retried from the queue until Prometheus listens, so nothing accepted is lost. A second exporter
    posts to a path Prometheus answers 404: a permanent error, tried once."""
    otlp, prom_port = free_port(), free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{otlp}"}}
exporters:
  prometheus_remote_write:
    endpoint: "http://127.0.0.1:{prom_port}/api/v1/write"
    external_labels: {{cluster: c1}}
    retry_on_failure: {{initial_interval: 100ms, max_interval: 1s}}
  prometheusremotewrite/notfound:
    endpoint: "http://127.0.0.1:{prom_port}/api/v1/nowhere"
    retry_on_failure: {{initial_interval: 100ms, max_interval: 1s}}
service:
  telemetry: {{metrics: {{level: none}}}}  # the default :8888 may be taken
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [prometheus_remote_write, prometheusremotewrite/notfound]
"""
    )
    collector = Collector(config)
    prometheus = None
    try:
        wait_for_port(otlp, collector.proc)
        push_sdk(otlp)
        prometheus = PrometheusServer(tmp_path / "prometheus", remote_write_receiver=True, port=prom_port)
        result = prometheus.wait_for("orders_placed_total", count=2)
        by_region = {r["metric"]["region"]: r for r in result}
        assert by_region["eu"]["value"][1] == "5" and by_region["us"]["value"][1] == "2"
        labels = by_region["eu"]["metric"]
        assert labels["job"] == "shop" and labels["instance"] == "i-1" and labels["cluster"] == "c1"
        assert labels["otel_scope_name"] == "my.lib" and labels["otel_scope_version"] == "1.2.3"
        (depth,) = prometheus.wait_for("queue_depth")  # a non-monotonic sum: a gauge, no _total
        assert depth["value"][1] == "-3"
        (info,) = prometheus.wait_for("target_info")
        assert info["metric"]["host_name"] == "h1" and info["metric"]["cluster"] == "c1"
        # The exponential histogram arrived as a native histogram.
        (count,) = prometheus.wait_for("histogram_count(payload_size_bytes)")
        assert count["value"][1] == "3"
        (total,) = prometheus.query("histogram_sum(payload_size_bytes)")
        assert total["value"][1] == "600"
    finally:
        if prometheus is not None:
            prometheus.stop()
        code, _, err = collector.stop()
    assert code == 0, err
    notfound = [line for line in err.splitlines() if "prometheusremotewrite/notfound" in line]
    refusals = [line for line in notfound if "failed to send WriteRequest" in line]
    assert refusals and all('"status_code": 404' in line for line in refusals), err
    # 404 is permanent: each request is dropped after its one attempt, never retried.
    dropped = [line for line in notfound if "Dropping data" in line and "http status 404" in line]
    assert len(dropped) == len(refusals)
    assert not [line for line in notfound if "Will retry" in line and "404" in line]


def test_config_errors(tmp_path: Path) -> None:
    exporters = {
        "prometheus_remote_write/wal": '{endpoint: "http://x/api", wal: {directory: /tmp}}',
        "prometheus_remote_write/gzip": '{endpoint: "http://x/api", compression: gzip}',
        "prometheusremotewrite/v2": '{endpoint: "http://x/api", protobuf_message: io.prometheus.write.v2.Request}',
        "prometheus_remote_write/utf8": '{endpoint: "http://x/api", translation_strategy: NoUTF8EscapingWithSuffixes}',
        "prometheus_remote_write/label": '{endpoint: "http://x/api", external_labels: {k: ""}}',
        "prometheus_remote_write/none": "{}",
        "prometheus_remote_write/queue": '{endpoint: "http://x/api", remote_write_queue: {queue_size: 0}}',
    }
    lines = [f"  {name}: {body}" for name, body in exporters.items()]
    path = tmp_path / "config.yaml"
    path.write_text(
        "receivers: {nop: {}}\nexporters:\n"
        + "\n".join(lines)
        + f"\nservice: {{pipelines: {{metrics: {{receivers: [nop], exporters: [{', '.join(exporters)}]}}}}}}\n"
    )
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 1
    expected = {
        "prometheus_remote_write/wal": "wal: the write-ahead log is not supported by pyotelcol",
        "prometheus_remote_write/gzip": "compression type must be snappy",
        "prometheusremotewrite/v2": "remote write v2 is only supported with the feature gate "
        "exporter.prometheusremotewritexporter.enableSendingRW2",
        "prometheus_remote_write/utf8": "translation strategy NoUTF8EscapingWithSuffixes requires Prometheus "
        "Remote Write 2.0 (UTF-8 support)",
        "prometheus_remote_write/label": "prometheus remote write: external labels configuration contains an "
        "empty key or value",
        "prometheus_remote_write/none": "endpoint must be specified",
        "prometheus_remote_write/queue": "a 0 size queue will drop all the data",
    }
    for name, message in expected.items():
        assert f"exporters::{name}: {message}" in result.stderr
    assert '"prometheusremotewrite" alias is deprecated; use "prometheus_remote_write" instead' in result.stderr
