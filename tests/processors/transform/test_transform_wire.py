"""The transform processor's span statements of the forms the C module runs over the received
bytes (``pyotelcol/ottl/wireprogram.py``), in a real collector: spans from the OpenTelemetry
Python SDK over OTLP/gRPC, the benchmark's five statements, a file exporter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind
from support import free_port

CONFIG = """
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{port}"}}
processors:
  transform:
    trace_statements:
      - set(span.status.code, STATUS_CODE_ERROR) where span.attributes["http.response.status_code"] >= 500
      - set(span.attributes["deployment.environment.name"], "prod")
      - delete_key(span.attributes, "user_agent.original")
      - replace_pattern(span.attributes["url.path"], "/users/\\\\d+", "/users/{{id}}")
      - set(span.name, Concat([span.attributes["http.request.method"], span.attributes["http.route"]], " ")) where span.kind == SPAN_KIND_SERVER
exporters:
  file: {{path: "{out}"}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], processors: [transform], exporters: [file]}}
"""


def _attrs(span: dict[str, Any]) -> dict[str, Any]:
    return {a["key"]: next(iter(a["value"].values()), None) for a in span["attributes"]}


def test_sdk_spans_through_the_statements(tmp_path: Path, collector_factory: Any) -> None:
    port, out = free_port(), tmp_path / "out.jsonl"
    col = collector_factory(CONFIG.format(port=port, out=out), wait_ports=(port,))
    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"127.0.0.1:{port}", insecure=True)))
    tracer = provider.get_tracer("test")
    server_attrs: dict[str, str | int] = {
        "http.response.status_code": 503,
        "user_agent.original": "curl/8",
        "url.path": "/users/42/orders",
        "http.request.method": "GET",
        "http.route": "/users/{id}/orders",
    }
    tracer.start_span("server", kind=SpanKind.SERVER, attributes=server_attrs).end()
    tracer.start_span("client", kind=SpanKind.CLIENT, attributes={"http.response.status_code": 200}).end()
    provider.shutdown()
    code, _, err = col.stop()
    assert code == 0, err
    spans = {
        span["name"]: span
        for line in out.read_text().splitlines()
        for rs in json.loads(line)["resourceSpans"]
        for ss in rs["scopeSpans"]
        for span in ss["spans"]
    }
    assert set(spans) == {"GET /users/{id}/orders", "client"}
    server, client = spans["GET /users/{id}/orders"], spans["client"]
    assert server["status"]["code"] == 2
    assert _attrs(server) == {
        "http.response.status_code": "503",
        "url.path": "/users/{id}/orders",
        "http.request.method": "GET",
        "http.route": "/users/{id}/orders",
        "deployment.environment.name": "prod",
    }
    assert client.get("status", {}).get("code", 0) == 0
    assert _attrs(client) == {"http.response.status_code": "200", "deployment.environment.name": "prod"}
