"""The collector's own metrics, logs and spans pushed over OTLP (``service.telemetry`` push exporters).

A real collector A, configured with periodic metric readers and log/span processors, sends its own
telemetry to a second real collector B (OTLP receiver -> file exporter); the test reads B's file.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLES, REPO, Collector, free_port, run_cli, series, wait_for_port

SPANS_IN_FIXTURE = 1  # tests/fixtures/otlp/trace.json
HELM_EXAMPLE = REPO / "tests" / "fixtures" / "helm" / "internal-telemetry-via-otlp.yaml"


class Sink:
    """Collector B: everything it receives over OTLP lands in one JSON-lines file."""

    def __init__(self, tmp: Path) -> None:
        self.grpc, self.http = free_port(), free_port()
        self.path = tmp / "received.jsonl"
        config = tmp / "b.yaml"
        config.write_text(
            f"""
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: 127.0.0.1:{self.grpc}}}
      http: {{endpoint: 127.0.0.1:{self.http}}}
exporters:
  file: {{path: {self.path}}}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [file]}}
    metrics: {{receivers: [otlp], exporters: [file]}}
    logs: {{receivers: [otlp], exporters: [file]}}
  telemetry:
    metrics: {{level: none}}
"""
        )
        self.collector = Collector(config)
        wait_for_port(self.http, self.collector.proc)
        wait_for_port(self.grpc, self.collector.proc)

    def batches(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sink]:
    b = Sink(tmp_path_factory.mktemp("sink"))
    yield b
    b.collector.stop()


def _attrs(items: list[dict[str, Any]] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in items or []:
        (value,) = kv["value"].values() if kv["value"] else (None,)
        out[kv["key"]] = value
    return out


def _of_instance(batches: list[dict[str, Any]], key: str, instance: str) -> Iterator[dict[str, Any]]:
    """The resource entries (resourceMetrics / resourceLogs / resourceSpans) of one collector instance."""
    for batch in batches:
        for entry in batch.get(key, []):
            if _attrs(entry["resource"].get("attributes")).get("service.instance.id") == instance:
                yield entry


def _metric_points(batches: list[dict[str, Any]], instance: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for rm in _of_instance(batches, "resourceMetrics", instance):
        for sm in rm["scopeMetrics"]:
            for metric in sm["metrics"]:
                body = metric.get("sum") or metric.get("gauge") or metric.get("histogram") or {}
                out.setdefault(metric["name"], []).extend(body.get("dataPoints", []))
    return out


def _log_records(batches: list[dict[str, Any]], instance: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        (_attrs(sl["scope"].get("attributes")), record)
        for rl in _of_instance(batches, "resourceLogs", instance)
        for sl in rl["scopeLogs"]
        for record in sl["logRecords"]
    ]


def _spans(batches: list[dict[str, Any]], instance: str) -> list[dict[str, Any]]:
    return [
        span
        for rs in _of_instance(batches, "resourceSpans", instance)
        for ss in rs["scopeSpans"]
        for span in ss["spans"]
    ]


#: The Go collector's own telemetry, as pyotelcol's file exporter received it (make_go_fixture.py).
GO_FIXTURE = Path(__file__).parent / "testdata" / "go_self_telemetry.json"
DIFFERENTIAL_SPANS = ("receiver/otlp/TraceDataReceived", "exporter/otlp_http/traces")
DIFFERENTIAL_LOG = "Starting HTTP server"


def shape(batches: list[dict[str, Any]], instance: str) -> dict[str, Any]:
    """What the differential test compares: the two obsreport spans (attributes and scope
    attributes), the receiver and process metrics with their point attribute keys, and one
    component log record (severity, scope attributes, attribute keys)."""
    spans: dict[str, Any] = {}
    for rs in _of_instance(batches, "resourceSpans", instance):
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                if span["name"] in DIFFERENTIAL_SPANS:
                    spans[span["name"]] = {
                        "scope_attributes": _attrs(ss["scope"].get("attributes")),
                        "attributes": _attrs(span.get("attributes")),
                    }
    metrics = {
        name: sorted({key for p in points for key in _attrs(p.get("attributes"))})
        for name, points in _metric_points(batches, instance).items()
        if name.startswith(("otelcol_receiver_", "otelcol_process_"))
    }
    log: dict[str, Any] = {}
    for scope, record in _log_records(batches, instance):
        if record["body"].get("stringValue") == DIFFERENTIAL_LOG:
            log = {
                "scope_attributes": scope,
                "severity": [record.get("severityText"), record.get("severityNumber")],
                "attribute_keys": sorted(_attrs(record.get("attributes"))),
            }
    return {"spans": spans, "metrics": metrics, "log": log}


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _accepted(points: dict[str, list[dict[str, Any]]]) -> float:
    values = [float(p.get("asInt", p.get("asDouble", 0))) for p in points.get("otelcol_receiver_accepted_spans", [])]
    return max(values, default=0.0)


def collector_a_config(sink: Sink, a_http: int, instance: str, prom: int | None) -> str:
    """Collector A: an OTLP receiver forwarding to B, and every push exporter of its own telemetry
    pointed at B; ``prom`` adds a Prometheus pull reader beside the periodic one."""
    pull = f"        - pull:\n            exporter: {{prometheus: {{host: 127.0.0.1, port: {prom}}}}}\n" if prom else ""
    return f"""
receivers:
  otlp:
    protocols:
      http: {{endpoint: 127.0.0.1:{a_http}}}
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:{sink.http}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [otlp_http]}}
  telemetry:
    resource:
      service.instance.id: {instance}
    logs:
      processors:
        - batch:
            schedule_delay: 100
            exporter: {{otlp: {{protocol: grpc, endpoint: "http://127.0.0.1:{sink.grpc}"}}}}
    metrics:
      readers:
        - periodic:
            interval: 500
            exporter: {{otlp: {{protocol: http/protobuf, endpoint: "http://127.0.0.1:{sink.http}"}}}}
{pull}    traces:
      processors:
        - batch:
            schedule_delay: 100
            exporter:
              otlp:
                protocol: http/protobuf
                endpoint: "http://127.0.0.1:{sink.http}/v1/traces"
                headers: [{{name: x-test, value: "1"}}]
"""


def test_own_metrics_logs_and_spans_reach_another_collector(sink: Sink, tmp_path: Path) -> None:
    instance = f"collector-a-{uuid.uuid4()}"
    a_http, prom = free_port(), free_port()
    config = tmp_path / "a.yaml"
    config.write_text(collector_a_config(sink, a_http, instance, prom))
    a = Collector(config)
    try:
        wait_for_port(a_http, a.proc)
        wait_for_port(prom, a.proc)
        body = (EXAMPLES / "trace.json").read_bytes()
        request = urllib.request.Request(
            f"http://127.0.0.1:{a_http}/v1/traces", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert resp.status == 200

        # metrics: the periodic reader pushes the same self-metrics the Prometheus reader serves
        _wait_for(
            lambda: _accepted(_metric_points(sink.batches(), instance)) == SPANS_IN_FIXTURE,
            "otelcol_receiver_accepted_spans over OTLP",
        )
        points = _metric_points(sink.batches(), instance)
        (accepted,) = {
            json.dumps(_attrs(p.get("attributes")), sort_keys=True) for p in points["otelcol_receiver_accepted_spans"]
        }
        assert json.loads(accepted) == {"receiver": "otlp", "transport": "http", "format": "protobuf"}
        assert "otelcol_process_uptime" in points and "otelcol_receiver_refused_spans" in points
        with urllib.request.urlopen(f"http://127.0.0.1:{prom}/metrics", timeout=10) as resp:
            scraped = resp.read().decode()
        assert series(scraped, "otelcol_receiver_accepted_spans", receiver="otlp") == [SPANS_IN_FIXTURE]
        prom_names = {line.split()[2] for line in scraped.splitlines() if line.startswith("# TYPE ")}
        assert prom_names - {"target_info"} <= set(points) | {"otelcol_exporter_sent_spans"}

        # spans: one per receiver request and one per export, as Go's obsreport names them
        def spans_seen() -> bool:
            names = {s["name"] for s in _spans(sink.batches(), instance)}
            return {"receiver/otlp/TraceDataReceived", "exporter/otlp_http/traces"} <= names

        _wait_for(spans_seen, "own spans")
        spans = {s["name"]: s for s in _spans(sink.batches(), instance)}
        received = _attrs(spans["receiver/otlp/TraceDataReceived"]["attributes"])
        assert received == {
            "transport": "http",
            "format": "protobuf",
            "accepted_spans": str(SPANS_IN_FIXTURE),
            "refused_spans": "0",
            "failed_spans": "0",
        }
        exported = _attrs(spans["exporter/otlp_http/traces"]["attributes"])
        assert exported == {
            "exporter": "otlp_http",
            "data_type": "traces",
            "items.sent": str(SPANS_IN_FIXTURE),
            "items.failed": "0",
        }

        # logs: the console lines are also log records; component fields are scope attributes
        def ready_logged() -> bool:
            return any(
                r["body"].get("stringValue") == "Everything is ready. Begin running and processing data."
                for _, r in _log_records(sink.batches(), instance)
            )

        _wait_for(ready_logged, "own log records")
        records = _log_records(sink.batches(), instance)
        component = [
            (scope, r)
            for scope, r in records
            if scope.get("otelcol.component.id") == "otlp" and scope.get("otelcol.signal")
        ]
        assert component, records
        scope, record = component[0]
        assert scope["otelcol.component.kind"] == "receiver"
        assert record["severityText"] == "info" and record["severityNumber"] == 9
        attrs = _attrs(record.get("attributes"))
        assert "otelcol.component.id" not in attrs and "code.file.path" in attrs and "code.line.number" in attrs

        # differential: the same shapes as the Go collector's, but for the documented differences
        ours, go = shape(sink.batches(), instance), json.loads(GO_FIXTURE.read_text())
        assert ours["spans"] == go["spans"]
        # pyotelcol's receiver metrics also carry a "format" label (Go v0.165 puts it on the span only)
        assert {n: [k for k in keys if k != "format"] for n, keys in ours["metrics"].items()} == go["metrics"]
        # pyotelcol's receiver loggers also carry otelcol.signal (Go: receivers are not per signal)
        assert {k: v for k, v in ours["log"]["scope_attributes"].items() if k != "otelcol.signal"} == go["log"][
            "scope_attributes"
        ]
        assert ours["log"]["severity"] == go["log"]["severity"]
        assert ours["log"]["attribute_keys"] == go["log"]["attribute_keys"]
    finally:
        code, _, err = a.stop()
    assert code == 0, err
    assert "Everything is ready. Begin running and processing data." in err  # the console output stays
    # the logs flushed at shutdown arrive too
    _wait_for(
        lambda: any(
            r["body"].get("stringValue") == "Shutdown complete." for _, r in _log_records(sink.batches(), instance)
        ),
        "the last log record",
    )


def test_bad_protocol_fails_validate_with_gos_message(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        """
receivers: {nop: {}}
exporters: {nop: {}}
service:
  pipelines:
    traces: {receivers: [nop], exporters: [nop]}
  telemetry:
    metrics:
      readers:
        - periodic: {exporter: {otlp: {protocol: http/json, endpoint: "http://127.0.0.1:4318"}}}
    traces:
      propagators: [tracecontext, xray]
"""
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 1
    assert (
        'service::telemetry::metrics::readers::0::periodic::exporter: unsupported protocol "http/json"' in result.stderr
    )
    assert "service::telemetry::traces: error creating propagator: unsupported trace propagator" in result.stderr


class _Lines:
    """Collects a process's stderr lines on a thread, so the test can wait for one."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.lines: list[str] = []
        assert proc.stderr is not None
        stream = proc.stderr
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        for raw in iter(stream.readline, b""):
            self.lines.append(raw.decode(errors="replace"))


def test_helm_internal_telemetry_via_otlp_example_runs(tmp_path: Path) -> None:
    """The chart's example as rendered (only its fixed ports moved to free ones): the collector
    sends its own logs to its own OTLP receiver, whose debug exporter reports them."""
    text = HELM_EXAMPLE.read_text()
    for port in ("4317", "4318", "14250", "6831", "14268", "9411", "13133"):
        text = text.replace(f":{port}", f":{free_port()}")
    config = tmp_path / "helm.yaml"
    config.write_text(text)
    env = {"MY_POD_IP": "127.0.0.1", "OTEL_K8S_NODE_NAME": "node-1", "OTEL_K8S_POD_NAME": "pod-1"}
    assert run_cli("validate", "--config", str(config), env=env).returncode == 0
    collector = Collector(config, env=env)
    lines = _Lines(collector.proc)
    try:
        _wait_for(
            lambda: any("\tLogs\t" in line and '"log records"' in line for line in lines.lines), "own logs at debug"
        )
    finally:
        collector.proc.stderr = None  # read by the thread
        if collector.proc.poll() is None:
            collector.proc.terminate()
        code = collector.proc.wait(timeout=30)
    assert code == 0, "".join(lines.lines)
    own = [line for line in lines.lines if "\tLogs\t" in line]
    assert own and '"log records": 0' not in own[0]
