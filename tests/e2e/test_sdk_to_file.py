"""End to end: the opentelemetry-python SDK's OTLP exporters -> a running pyotelcol -> file exporter.

Every item sent over gRPC (plain and gzip) and HTTP/protobuf (plain and gzip) must be in the
file after a graceful SIGTERM, although `batch` holds it with a long timeout.
"""

from __future__ import annotations

import json
import logging
import signal
import urllib.request
from pathlib import Path
from typing import Any

import grpc
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcLogs
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as GrpcMetrics
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpans
from opentelemetry.exporter.otlp.proto.http import Compression as HttpCompression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogs
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as HttpMetrics
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpans
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from support import free_port, wait_for_port

CONFIG = """
extensions:
  health_check:
    endpoint: 127.0.0.1:{health}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{grpc}
      http:
        endpoint: 127.0.0.1:{http}
processors:
  batch:
    timeout: 10m
    send_batch_size: 100000
exporters:
  file:
    path: {out}
service:
  extensions: [health_check]
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: {metrics}
  pipelines:
    traces: {{receivers: [otlp], processors: [batch], exporters: [file]}}
    metrics: {{receivers: [otlp], processors: [batch], exporters: [file]}}
    logs: {{receivers: [otlp], processors: [batch], exporters: [file]}}
"""

RESOURCE = Resource.create({"service.name": "e2e-test", "deployment.environment": "ci"})


def make_spans(tag: str) -> list[Any]:
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("e2e.scope", "1.2.3")
    with tracer.start_as_current_span(f"parent-{tag}", attributes={"transport": tag, "n": 1}):
        for i in range(3):
            with tracer.start_as_current_span(f"child-{tag}-{i}") as span:
                span.add_event("evt", {"i": i})
    return list(memory.get_finished_spans())


def make_metrics(tag: str) -> Any:
    reader = InMemoryMetricReader()
    provider = MeterProvider(resource=RESOURCE, metric_readers=[reader])
    meter = provider.get_meter("e2e.scope", "1.2.3")
    meter.create_counter(f"requests_{tag}").add(5, {"route": "/a"})
    meter.create_histogram(f"latency_{tag}").record(12.5, {"route": "/a"})
    return reader.get_metrics_data()


def make_logs(tag: str) -> list[Any]:
    memory = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    provider = LoggerProvider(resource=RESOURCE)
    provider.add_log_record_processor(SimpleLogRecordProcessor(memory))
    logger = logging.getLogger(f"e2e.{tag}")
    logger.propagate = False
    handler = LoggingHandler(logger_provider=provider)
    logger.addHandler(handler)
    logger.warning("hello from %s", tag, extra={"tag": tag})
    logger.removeHandler(handler)
    return list(memory.get_finished_logs())


def senders(grpc_port: int, http_port: int) -> dict[str, tuple[Any, Any, Any]]:
    g = f"127.0.0.1:{grpc_port}"
    h = f"http://127.0.0.1:{http_port}"
    gz = grpc.Compression.Gzip
    return {
        "grpc": (GrpcSpans(g, insecure=True), GrpcMetrics(g, insecure=True), GrpcLogs(g, insecure=True)),
        "grpcgzip": (
            GrpcSpans(g, insecure=True, compression=gz),
            GrpcMetrics(g, insecure=True, compression=gz),
            GrpcLogs(g, insecure=True, compression=gz),
        ),
        "http": (HttpSpans(f"{h}/v1/traces"), HttpMetrics(f"{h}/v1/metrics"), HttpLogs(f"{h}/v1/logs")),
        "httpgzip": (
            HttpSpans(f"{h}/v1/traces", compression=HttpCompression.Gzip),
            HttpMetrics(f"{h}/v1/metrics", compression=HttpCompression.Gzip),
            HttpLogs(f"{h}/v1/logs", compression=HttpCompression.Gzip),
        ),
    }


def test_sdk_exporters_deliver_every_item_through_batch_to_file(tmp_path: Path, collector_factory: Any) -> None:
    ports = {name: free_port() for name in ("grpc", "http", "health", "metrics")}
    out = tmp_path / "out.jsonl"
    col = collector_factory(CONFIG.format(out=out, **ports), wait_ports=(ports["grpc"], ports["http"], ports["health"]))
    with urllib.request.urlopen(f"http://127.0.0.1:{ports['health']}/") as resp:
        assert resp.status == 200 and json.load(resp)["status"] == "Server available"

    sent_spans: dict[str, Any] = {}
    for tag, (span_exp, metric_exp, log_exp) in senders(ports["grpc"], ports["http"]).items():
        spans = make_spans(tag)
        sent_spans.update({format(s.context.span_id, "016x"): s for s in spans})
        assert span_exp.export(spans).name == "SUCCESS", tag
        assert metric_exp.export(make_metrics(tag)).name == "SUCCESS", tag
        assert log_exp.export(make_logs(tag)).name == "SUCCESS", tag
        for exp in (span_exp, metric_exp, log_exp):
            exp.shutdown()

    scrape = urllib.request.urlopen(f"http://127.0.0.1:{ports['metrics']}/metrics").read().decode()
    assert 'otelcol_receiver_accepted_spans{receiver="otlp",transport="grpc"' in scrape or (
        'otelcol_receiver_accepted_spans{format="protobuf",receiver="otlp",transport="grpc"}' in scrape
    ), scrape

    code, _, err = col.stop(signal.SIGTERM)
    assert code == 0, err
    lines = [json.loads(line) for line in out.read_text().splitlines() if line]

    spans_out = {}
    metric_names: set[str] = set()
    log_bodies: list[Any] = []
    for req in lines:
        for rs in req.get("resourceSpans", []):
            attrs = {a["key"]: a["value"] for a in rs["resource"]["attributes"]}
            assert attrs["service.name"] == {"stringValue": "e2e-test"}
            for ss in rs["scopeSpans"]:
                assert ss["scope"] == {"name": "e2e.scope", "version": "1.2.3"}
                for span in ss["spans"]:
                    spans_out[span["spanId"]] = span
        for rm in req.get("resourceMetrics", []):
            for sm in rm["scopeMetrics"]:
                metric_names.update(m["name"] for m in sm["metrics"])
        for rl in req.get("resourceLogs", []):
            for sl in rl["scopeLogs"]:
                log_bodies.extend(r["body"]["stringValue"] for r in sl["logRecords"])

    assert set(spans_out) == set(sent_spans)  # every span, none twice
    for span_id, sdk_span in sent_spans.items():
        got = spans_out[span_id]
        assert got["traceId"] == format(sdk_span.context.trace_id, "032x")
        assert got["name"] == sdk_span.name
        if sdk_span.parent is not None:
            assert got["parentSpanId"] == format(sdk_span.parent.span_id, "016x")
        if sdk_span.name.startswith("parent"):
            assert {"key": "n", "value": {"intValue": "1"}} in got["attributes"]
        else:
            assert got["events"][0]["name"] == "evt"
    tags = ["grpc", "grpcgzip", "http", "httpgzip"]
    assert metric_names == {f"{kind}_{t}" for t in tags for kind in ("requests", "latency")}
    assert sorted(log_bodies) == sorted(f"hello from {t}" for t in tags)


def test_taken_port_is_a_startup_error(tmp_path: Path, collector_factory: Any) -> None:
    grpc_port, http_port = free_port(), free_port()
    config = CONFIG.format(
        out=tmp_path / "o.jsonl", grpc=grpc_port, http=http_port, health=free_port(), metrics=free_port()
    )
    first = collector_factory(config, wait_ports=(grpc_port, http_port))
    second = collector_factory(config)
    assert second.proc.wait(30) == 1
    err = second.proc.stderr.read().decode() if second.proc.stderr else ""
    assert "Error: " in err and ("address already in use" in err.lower() or "failed to start" in err)
    assert first.proc.poll() is None
    wait_for_port(grpc_port)
