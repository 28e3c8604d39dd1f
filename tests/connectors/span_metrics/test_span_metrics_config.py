"""span_metrics configs through ``pyotelcol validate``: Go's defaults accepted, Go's messages for
bad settings (all reported by one run)."""

from __future__ import annotations

from pathlib import Path

from support import run_cli

# The connector section of Jaeger's monitor example (jaeger monitor otel-collector-config-connector.yaml).
JAEGER_MONITOR = """
receivers:
  otlp:
    protocols:
      grpc:
      http:
        endpoint: "0.0.0.0:4318"
exporters:
  otlp:
    endpoint: jaeger:4317
    tls:
      insecure: true
  debug:
connectors:
  spanmetrics:
processors:
  batch:
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [spanmetrics, otlp]
    metrics/spanmetrics:
      receivers: [spanmetrics]
      exporters: [debug]
"""

# Go's testdata/config.yaml "full" entry and friends: all valid.
VALID = """
receivers:
  otlp:
    protocols:
      http:
connectors:
  span_metrics/full:
    histogram:
      unit: "s"
      explicit:
        buckets: [10ms, 100ms, 250ms]
    exemplars:
      enabled: true
    resource_metrics_cache_size: 1600
    dimensions:
      - name: http.method
        default: GET
      - name: http.status_code
      - glob: "k8s.*.name"
    aggregation_temporality: "AGGREGATION_TEMPORALITY_DELTA"
    metrics_flush_interval: 30s
  span_metrics/explicit_null:
    histogram:
      explicit:
  span_metrics/exponential:
    histogram:
      exponential:
        max_size: 10
    events:
      enabled: true
      dimensions: [{name: exception.type}]
    series_expiration: 5m
    metrics_expiration: 5m
    resource_metrics_key_attributes: [service.name, telemetry.sdk.language]
    include_instrumentation_scope: [express]
    calls_dimensions: [{name: http.url, default: /ping}]
    exclude_dimensions: [status.code]
    aggregation_cardinality_limit: 100
exporters:
  debug:
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [span_metrics/full, span_metrics/explicit_null, span_metrics/exponential]}
    metrics: {receivers: [span_metrics/full, span_metrics/explicit_null, span_metrics/exponential], exporters: [debug]}
"""

INVALID = {
    "dup": (
        "dimensions: [{name: service.name}]",
        'failed validating dimensions: duplicate dimension name "service.name"',
    ),
    "dup_instance": (
        "calls_dimensions: [{name: collector.instance.id}]",
        'failed validating calls dimensions: duplicate dimension name "collector.instance.id"',
    ),
    "dup_twice": (
        "histogram: {dimensions: [{name: a}, {name: a}]}",
        'failed validating histogram dimensions: duplicate dimension name "a"',
    ),
    "both": (
        "dimensions: [{name: a, glob: 'a.*'}]",
        'failed validating dimensions: dimension entry must set only one of `name` or `glob`, got both: name="a" glob="a.*"',
    ),
    "neither": (
        "dimensions: [{default: x}]",
        "failed validating dimensions: dimension entry must set one of `name` or `glob`",
    ),
    "glob_default": (
        "dimensions: [{glob: 'db.*', default: x}]",
        'failed validating dimensions: `default` is not supported on `glob` dimension "db.*"',
    ),
    "glob_bad": (
        "dimensions: [{glob: 'db.['}]",
        'failed validating dimensions: invalid dimension glob "db.[": unexpected end of input',
    ),
    "glob_clash": (
        "dimensions: [{glob: 'service.*'}]",
        'failed validating dimensions: duplicate dimension name "service.name" conflicting with glob "service.*"',
    ),
    "events": ("events: {enabled: true}", "failed validating event dimensions: no dimensions configured for events"),
    "hist": (
        "histogram: {explicit: {buckets: [1ms]}, exponential: {max_size: 10}}",
        "use either `explicit` or `exponential` buckets histogram",
    ),
    "unit": ("histogram: {unit: h}", 'unknown Unit "h", allowed units are "ms" and "s"'),
    "flush": ("metrics_flush_interval: -1s", "invalid metrics_flush_interval: -1s, the duration should be positive"),
    "expiry": ("metrics_expiration: -20s", "invalid metrics_expiration: -20s, the duration should be positive"),
    "series": ("series_expiration: -20s", "invalid series_expiration: -20s, the duration should be positive"),
    "ts_cache": (
        "{aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA, metric_timestamp_cache_size: 0}",
        "invalid delta timestamp cache size: 0, the maximum number of the items in the cache should be positive",
    ),
    "limit": (
        "aggregation_cardinality_limit: -1",
        "invalid aggregation_cardinality_limit: -1, the limit should be positive",
    ),
    "exemplars": (
        "exemplars: {enabled: true, max_per_data_point: -1}",
        "invalid max_per_data_point: -1, the value should be positive",
    ),
}


def _config(sections: dict[str, str]) -> str:
    names = [f"span_metrics/{name}" for name in sections]
    body = "\n".join(
        f"  span_metrics/{name}:\n    {text}" if not text.startswith("{") else f"  span_metrics/{name}: {text}"
        for name, text in sections.items()
    )
    return f"""
receivers:
  otlp:
    protocols:
      http:
connectors:
{body}
exporters:
  debug:
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [{", ".join(names)}]}}
    metrics: {{receivers: [{", ".join(names)}], exporters: [debug]}}
"""


def test_valid_configs(tmp_path: Path) -> None:
    for name, text in (("jaeger.yaml", JAEGER_MONITOR), ("valid.yaml", VALID)):
        path = tmp_path / name
        path.write_text(text)
        res = run_cli("validate", "--config", str(path))
        assert res.returncode == 0, (name, res.stderr)
    assert (
        '"spanmetrics" alias is deprecated; use "span_metrics" instead'
        in run_cli("validate", "--config", str(tmp_path / "jaeger.yaml")).stderr
    )


def test_invalid_settings_name_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "invalid.yaml"
    path.write_text(_config({name: text for name, (text, _) in INVALID.items()}))
    res = run_cli("validate", "--config", str(path))
    assert res.returncode == 1
    for name, (_, message) in INVALID.items():
        assert f"connectors::span_metrics/{name}: {message}" in res.stderr, (name, res.stderr)


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "unknown.yaml"
    path.write_text(_config({"x": "latency_histogram_buckets: [1ms]"}))
    res = run_cli("validate", "--config", str(path))
    assert res.returncode == 1
    assert "has invalid keys: latency_histogram_buckets" in res.stderr
