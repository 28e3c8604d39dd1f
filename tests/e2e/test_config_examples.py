"""The configs in config-examples/ run as shipped (only ports and paths moved to free ones)."""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from support import EXAMPLES, REPO, free_port, wait_for_port

TRACE = (EXAMPLES / "trace.json").read_bytes()
LOGS = (EXAMPLES / "logs.json").read_bytes()


def post(port: int, path: str, body: bytes) -> int:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def test_minimal_otlp_debug_example(collector_factory: Any) -> None:
    grpc_port, http_port, metrics_port = free_port(), free_port(), free_port()
    col = collector_factory(
        REPO / "config-examples" / "otlp-debug.yaml",
        wait_ports=(grpc_port, http_port),
        args=(
            f"--set=receivers.otlp.protocols.grpc.endpoint=127.0.0.1:{grpc_port}",
            f"--set=receivers.otlp.protocols.http.endpoint=127.0.0.1:{http_port}",
            f"--set=service.telemetry.metrics.readers=[{{pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {metrics_port}}}}}}}}}]",
        ),
    )
    assert post(http_port, "/v1/traces", TRACE) == 200
    code, _, err = col.stop(signal.SIGTERM)
    assert code == 0, err
    assert "Traces\t" in err and '"spans": 1' in err  # the debug exporter's basic line


def test_agent_file_example_writes_what_it_receives(tmp_path: Path, collector_factory: Any) -> None:
    ports = {name: free_port() for name in ("grpc", "http", "health", "metrics")}
    out = tmp_path / "nested" / "telemetry.jsonl"
    env = {
        "OTLP_GRPC_ENDPOINT": f"127.0.0.1:{ports['grpc']}",
        "OTLP_HTTP_ENDPOINT": f"127.0.0.1:{ports['http']}",
        "HEALTH_ENDPOINT": f"127.0.0.1:{ports['health']}",
        "METRICS_PORT": str(ports["metrics"]),
        "OUTPUT_PATH": str(out),
    }
    col = collector_factory(
        REPO / "config-examples" / "agent-file.yaml", wait_ports=(ports["http"], ports["health"]), env=env
    )
    assert post(ports["http"], "/v1/traces", TRACE) == 200
    assert post(ports["http"], "/v1/logs", LOGS) == 200
    code, _, err = col.stop(signal.SIGTERM)
    assert code == 0, err
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    traces = [req for req in lines if "resourceSpans" in req]
    logs = [req for req in lines if "resourceLogs" in req]
    assert len(traces) == 1 and len(logs) == 1
    span = traces[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert span["traceId"] == "0af7651916cd43dd8448eb211c80319c"  # upper-case hex in, Go's lower-case out
    assert logs[0]["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["body"] == {"stringValue": "payment retried"}


def test_memory_limiter_refusal_reaches_the_client_as_retryable(collector_factory: Any) -> None:
    http_port = free_port()
    config = f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{http_port}
processors:
  memory_limiter:
    check_interval: 50ms
    limit_mib: 2          # far below any Python process's RSS: every request is refused
exporters:
  nop:
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces: {{receivers: [otlp], processors: [memory_limiter], exporters: [nop]}}
"""
    col = collector_factory(config, wait_ports=(http_port,))
    # the first usage check runs one check_interval after start, as in Go
    deadline = time.monotonic() + 10
    while post(http_port, "/v1/traces", TRACE) != 503:
        assert time.monotonic() < deadline, "memory_limiter never refused"
        time.sleep(0.05)
    assert post(http_port, "/v1/traces", TRACE) == 503  # still serving, still refusing
    code, _, err = col.stop(signal.SIGTERM)
    assert code == 0, err


def test_received_bytes_are_written_unchanged_when_nothing_mutates(tmp_path: Path, collector_factory: Any) -> None:
    """Pass-through without processors: the file exporter (proto) writes the very bytes received."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    from pyotelcol.pdata.otlpjson import from_json

    http_port = free_port()
    out = tmp_path / "out.bin"
    config = f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{http_port}
exporters:
  file:
    path: {out}
    format: proto
  debug:
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], exporters: [file, debug]}}
"""
    col = collector_factory(config, wait_ports=(http_port,))
    # unknown field 99 survives only if the received bytes themselves are written out
    body = from_json(TRACE, ExportTraceServiceRequest).SerializeToString() + b"\x98\x06\x01"
    req = urllib.request.Request(
        f"http://127.0.0.1:{http_port}/v1/traces", data=body, headers={"Content-Type": "application/x-protobuf"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
    code, _, err = col.stop(signal.SIGINT)
    assert code == 0, err
    written = out.read_bytes()
    assert written == len(body).to_bytes(4, "big") + body


def test_sighup_reloads_the_config(tmp_path: Path, collector_factory: Any) -> None:
    """SIGHUP re-reads every config source and restarts the service with the new config (Go's reload)."""
    first, second = free_port(), free_port()
    template = """
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{port}
exporters:
  debug:
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    logs: {{receivers: [otlp], exporters: [debug]}}
"""
    path = tmp_path / "reload.yaml"
    path.write_text(template.format(port=first))
    col = collector_factory(path, wait_ports=(first,))
    assert post(first, "/v1/logs", LOGS) == 200
    path.write_text(template.format(port=second))
    col.proc.send_signal(signal.SIGHUP)
    wait_for_port(second, col.proc)
    assert post(second, "/v1/logs", LOGS) == 200
    code, _, err = col.stop(signal.SIGTERM)
    assert code == 0, err
    assert "Config updated, restart service" in err
