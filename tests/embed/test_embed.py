"""pyotelcol.embed: a WSGI app instrumented with the OpenTelemetry SDK hands its spans and logs
to an embedded collector (no network hop), which filters and redacts them in-process with a
``python`` processor and writes them with the ``file`` exporter; the same config file runs
standalone too."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer, make_server

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult
from support import free_port, otlp_sinks, run_cli

import pyotelcol.embed
from pyotelcol.embed import EmbedError

SINKS = otlp_sinks()

SCRUB = '''
def process(data, config):
    """Drop health checks, mask e-mail addresses (what a team writes in ten lines)."""
    for rs in data.resource_spans:
        for ss in rs.scope_spans:
            ss.spans.remove_if(lambda s: s.attributes.get("http.route") is not None
                               and s.attributes.get("http.route").as_raw() == "/healthz")
            for span in ss.spans:
                if "user.email" in span.attributes:
                    span.attributes.put_str("user.email", config["mask"])
    return data
'''


def _config(tmp_path: Path, sink_port: int | None = None) -> Path:
    """sdk → python/scrub → batch → traces file (or, with ``sink_port``, OTLP/HTTP to a sink)."""
    (tmp_path / "scrub.py").write_text(SCRUB)
    traces_exporter = "otlp_http" if sink_port else "file/traces"
    path = tmp_path / "collector.yaml"
    path.write_text(
        f"""
receivers:
  sdk:
processors:
  python/scrub:
    module: {tmp_path / "scrub.py"}
    config: {{mask: "****"}}
  batch:
exporters:
  file/traces: {{path: {tmp_path / "traces.jsonl"}}}
  file/logs: {{path: {tmp_path / "logs.jsonl"}}}
  file/metrics: {{path: {tmp_path / "metrics.jsonl"}}}
  otlp_http: {{endpoint: "http://127.0.0.1:{sink_port or 1}", compression: none}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [sdk], processors: [python/scrub, batch], exporters: [{traces_exporter}]}}
    logs: {{receivers: [sdk], processors: [batch], exporters: [file/logs]}}
    metrics: {{receivers: [sdk], exporters: [file/metrics]}}
"""
    )
    return path


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def _spans(path: Path) -> list[dict[str, Any]]:
    return [
        span for req in _lines(path) for rs in req["resourceSpans"] for ss in rs["scopeSpans"] for span in ss["spans"]
    ]


def _attrs(item: dict[str, Any]) -> dict[str, Any]:
    return {kv["key"]: next(iter(kv["value"].values())) for kv in item.get("attributes", [])}


class App:
    """A plain WSGI app instrumented by hand with the SDK: one server span and one log per request."""

    def __init__(self, tracer_provider: TracerProvider) -> None:
        self.tracer = tracer_provider.get_tracer("test-app")
        self.log = logging.getLogger("test-app")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        route = environ["PATH_INFO"]
        with self.tracer.start_as_current_span(f"GET {route}") as span:
            span.set_attribute("http.route", route)
            span.set_attribute("user.email", "alice@example.com")
            self.log.warning("served %s", route)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


class SinkThread:
    """The OTLP/HTTP sink of tests/exporters/otlp on an event loop of its own thread."""

    def __init__(self) -> None:
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sink = SINKS.HttpSink(self.port)
        asyncio.run_coroutine_threadsafe(self.sink.start(), self.loop).result(10)

    def spans(self) -> list[Any]:
        out: list[Any] = []
        for body in self.sink.accepted_bodies("/v1/traces"):
            req = ExportTraceServiceRequest()
            req.ParseFromString(body)
            out.extend((rs, span) for rs in req.resource_spans for ss in rs.scope_spans for span in ss.spans)
        return out

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.sink.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def sink() -> Iterator[SinkThread]:
    running = SinkThread()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def served(
    tmp_path: Path, sink: SinkThread
) -> Iterator[tuple[pyotelcol.embed.EmbeddedCollector, TracerProvider, LoggerProvider, int]]:
    collector = pyotelcol.embed.start(str(_config(tmp_path, sink.port)))
    resource = Resource.create({"service.name": "embedded-app"})
    tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    tracer_provider.add_span_processor(BatchSpanProcessor(collector.span_exporter()))
    logger_provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(collector.log_exporter()))
    handler = LoggingHandler(logger_provider=logger_provider)
    app_log = logging.getLogger("test-app")
    app_log.addHandler(handler)
    port = free_port()
    server: WSGIServer = make_server("127.0.0.1", port, App(tracer_provider))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield collector, tracer_provider, logger_provider, port
    finally:
        server.shutdown()
        app_log.removeHandler(handler)
        tracer_provider.shutdown()
        logger_provider.shutdown()
        collector.stop()


@pytest.mark.filterwarnings("ignore:.*LoggingHandler.*:DeprecationWarning")
def test_app_telemetry_is_filtered_and_redacted_in_process(served: Any, sink: SinkThread, tmp_path: Path) -> None:
    collector, tracer_provider, logger_provider, port = served
    for route in ["/a", "/healthz", "/b", "/healthz", "/c"]:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{route}", timeout=10) as resp:
            assert resp.read() == b"ok"
    # The app's exit path: providers flush into the collector, then the collector flushes.
    assert tracer_provider.force_flush() and logger_provider.force_flush()
    assert collector.stop() == []
    # The traces went through the in-process pipeline to a real OTLP/HTTP endpoint.
    spans = sink.spans()
    assert sorted(span.name for _, span in spans) == ["GET /a", "GET /b", "GET /c"]
    for rs, span in spans:
        attrs = {kv.key: kv.value.string_value for kv in span.attributes}
        assert attrs["user.email"] == "****"
        assert {kv.key: kv.value.string_value for kv in rs.resource.attributes}["service.name"] == "embedded-app"
    logs = [
        rec["body"]["stringValue"]
        for req in _lines(tmp_path / "logs.jsonl")
        for rl in req["resourceLogs"]
        for sl in rl["scopeLogs"]
        for rec in sl["logRecords"]
    ]
    assert sorted(logs) == sorted(f"served {r}" for r in ["/a", "/healthz", "/b", "/healthz", "/c"])


def test_metrics_from_the_sdk_reader(tmp_path: Path) -> None:
    with pyotelcol.embed.start(str(_config(tmp_path))) as collector:
        reader = PeriodicExportingMetricReader(collector.metric_exporter(), export_interval_millis=3_600_000)
        provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
        provider.get_meter("m").create_counter("requests").add(3, {"route": "/a"})
        assert provider.force_flush()
        provider.shutdown()
    metrics = [
        m
        for req in _lines(tmp_path / "metrics.jsonl")
        for rm in req["resourceMetrics"]
        for sm in rm["scopeMetrics"]
        for m in sm["metrics"]
    ]
    # force_flush and shutdown each export the cumulative sum
    assert metrics and {(m["name"], m["sum"]["dataPoints"][0]["asInt"]) for m in metrics} == {("requests", "3")}


def test_export_after_stop_fails_without_raising(tmp_path: Path) -> None:
    collector = pyotelcol.embed.start(str(_config(tmp_path)))
    exporter = collector.span_exporter()
    collector.stop()
    provider = TracerProvider(shutdown_on_exit=False)
    # Nothing runs under "sdk" any more: the SDK's contract is a FAILURE result, never an exception.
    from opentelemetry.sdk.trace import ReadableSpan

    span = provider.get_tracer("t").start_span("late")
    span.end()
    assert isinstance(span, ReadableSpan)
    assert exporter.export([span]) is SpanExportResult.FAILURE


def test_bad_config_fails_start_with_the_cli_message(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "receivers: {sdk: {bogus: 1}}\nexporters: {nop: {}}\n"
        "service: {pipelines: {traces: {receivers: [sdk], exporters: [nop]}}}\n"
    )
    with pytest.raises(EmbedError, match="'' has invalid keys: bogus"):
        pyotelcol.embed.start(str(path))


def test_the_same_config_validates_standalone(tmp_path: Path) -> None:
    result = run_cli("validate", "--config", str(_config(tmp_path)))
    assert result.returncode == 0, result.stderr


APP = """
import logging
from opentelemetry import metrics, trace

tracer = trace.get_tracer("unmodified-app")
counter = metrics.get_meter("unmodified-app").create_counter("jobs")
for i in range(3):
    with tracer.start_as_current_span(f"job-{i}"):
        counter.add(1)
        logging.getLogger("app").warning("job %d done", i)
print("app finished")
"""


def test_pyotelcol_instrument_runs_an_unmodified_program(tmp_path: Path) -> None:
    config = _config(tmp_path)
    app = tmp_path / "app.py"
    app.write_text(APP)
    instrument = Path(sys.executable).with_name("pyotelcol-instrument")
    env = {**os.environ, "OTEL_SERVICE_NAME": "batch-job", "OTEL_METRIC_EXPORT_INTERVAL": "3600000"}
    result = subprocess.run(
        [str(instrument), "--config", str(config), sys.executable, str(app)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "app finished"
    # Everything was flushed through the collector when the program exited.
    spans = _spans(tmp_path / "traces.jsonl")
    assert sorted(s["name"] for s in spans) == ["job-0", "job-1", "job-2"], result.stderr
    resource = _lines(tmp_path / "traces.jsonl")[0]["resourceSpans"][0]["resource"]
    assert {"key": "service.name", "value": {"stringValue": "batch-job"}} in resource["attributes"]
    bodies = sorted(
        rec["body"]["stringValue"]
        for req in _lines(tmp_path / "logs.jsonl")
        for rl in req["resourceLogs"]
        for sl in rl["scopeLogs"]
        for rec in sl["logRecords"]
    )
    assert bodies == ["job 0 done", "job 1 done", "job 2 done"]
    sums = [
        m["sum"]["dataPoints"][0]["asInt"]
        for req in _lines(tmp_path / "metrics.jsonl")
        for rm in req["resourceMetrics"]
        for sm in rm["scopeMetrics"]
        for m in sm["metrics"]
        if m["name"] == "jobs"
    ]
    assert sums and set(sums) == {"3"}


def test_pyotelcol_instrument_without_a_config() -> None:
    instrument = Path(sys.executable).with_name("pyotelcol-instrument")
    env = {k: v for k, v in os.environ.items() if k != "PYOTELCOL_EMBED_CONFIG"}
    result = subprocess.run([str(instrument), "python"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2 and "usage: pyotelcol-instrument" in result.stderr
