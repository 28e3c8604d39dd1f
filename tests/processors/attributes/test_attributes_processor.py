"""The ``attributes`` processor in a running collector: the README's examples on spans from the
OpenTelemetry SDK (gRPC, with request metadata), on log records and on metric data points (OTLP/JSON
over HTTP), written by the file exporter; and its config errors through ``pyotelcol validate``."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from support import EXAMPLES, REPO, Collector, free_port, run_cli, wait_for_port

README = REPO / "processors" / "attributes" / "README.md"


def readme_processors() -> dict[str, Any]:
    """Every ``processors:`` example of the README, merged."""
    found: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S):
        found.update(yaml.safe_load(block)["processors"])
    return found


EXAMPLE_SPAN_ATTRS = {
    "db.table": "users",
    "copy_key": "old",
    "key_original": "new",
    "account_password": "secret",
    "account_email": "a@b.c",
    "http.status_code": "200",
}


def make_spans() -> list[Any]:
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "checkout"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("shop", "1.0")
    with tracer.start_as_current_span("GET /cart", kind=SpanKind.SERVER, attributes=EXAMPLE_SPAN_ATTRS):
        pass
    tracer.start_span("healthz", kind=SpanKind.SERVER).end()
    tracer.start_span("call payments", kind=SpanKind.CLIENT).end()
    return list(memory.get_finished_spans())


def logs_request() -> bytes:
    def record(severity: int, body: str) -> dict[str, Any]:
        return {"severityNumber": severity, "body": {"stringValue": body}, "attributes": []}

    return json.dumps(
        {
            "resourceLogs": [
                {
                    "resource": {},
                    "scopeLogs": [{"logRecords": [record(13, "warn"), record(9, "info"), record(0, "unset")]}],
                }
            ]
        }
    ).encode()


CONFIG = """
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{grpc}", include_metadata: true}}
      http: {{endpoint: "127.0.0.1:{http}"}}
processors: {processors}
exporters:
  file/example: {{path: {out}/example.json}}
  file/checkout: {{path: {out}/checkout.json}}
  file/logs: {{path: {out}/logs.json}}
  file/metrics: {{path: {out}/metrics.json}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces/example: {{receivers: [otlp], processors: [attributes/example], exporters: [file/example]}}
    traces/checkout: {{receivers: [otlp], processors: [attributes/checkout], exporters: [file/checkout]}}
    logs: {{receivers: [otlp], processors: [attributes/warnings], exporters: [file/logs]}}
    metrics: {{receivers: [otlp], processors: [attributes/metrics], exporters: [file/metrics]}}
"""


def _post(port: int, path: str, body: bytes) -> None:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def _lines(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[Any]]]:
    """Run the collector once, send everything, stop it, and hand over what it wrote."""
    tmp = tmp_path_factory.mktemp("attributes")
    grpc_port, http_port = free_port(), free_port()
    config = tmp / "config.yaml"
    config.write_text(
        CONFIG.format(grpc=grpc_port, http=http_port, out=tmp, processors=json.dumps(readme_processors()))
    )
    col = Collector(config)
    try:
        wait_for_port(grpc_port, col.proc)
        wait_for_port(http_port, col.proc)
        exporter = OTLPSpanExporter(f"127.0.0.1:{grpc_port}", insecure=True, headers=(("tenant", "acme"),))
        assert exporter.export(make_spans()).name == "SUCCESS"
        exporter.shutdown()
        _post(http_port, "/v1/logs", logs_request())
        _post(http_port, "/v1/metrics", (EXAMPLES / "metrics.json").read_bytes())
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    yield {name: _lines(tmp / f"{name}.json") for name in ("example", "checkout", "logs", "metrics")}


def _attrs(item: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for kv in item.get("attributes", []):
        ((kind, value),) = kv["value"].items()
        out[kv["key"]] = int(value) if kind == "intValue" else value
    return out


def _spans(requests: list[Any]) -> dict[str, dict[str, Any]]:
    return {
        span["name"]: _attrs(span)
        for req in requests
        for rs in req["resourceSpans"]
        for ss in rs["scopeSpans"]
        for span in ss["spans"]
    }


def test_the_readme_example_on_spans(delivered: dict[str, list[Any]]) -> None:
    spans = _spans(delivered["example"])
    assert spans["GET /cart"] == {
        "copy_key": "new",
        "key_original": "new",
        "account_email": hashlib.sha256(b"a@b.c").hexdigest(),
        "http.status_code": 200,
        "redacted_span": True,
        "account_id": 2245,
        "region": "us-east-1",
        "tenant_id": "acme",  # from the gRPC metadata the SDK sent
        "client.address": "127.0.0.1",  # the peer of the gRPC connection
    }
    assert spans["healthz"] == {
        "redacted_span": True,
        "account_id": 2245,
        "region": "us-east-1",
        "tenant_id": "acme",
        "client.address": "127.0.0.1",
    }


def test_include_and_exclude_select_spans(delivered: dict[str, list[Any]]) -> None:
    spans = _spans(delivered["checkout"])
    assert spans["GET /cart"]["team"] == "payments"  # server span of checkout
    assert "team" not in spans["healthz"]  # excluded by name
    assert "team" not in spans["call payments"]  # a client span: not included


def test_log_severity_selects_records(delivered: dict[str, list[Any]]) -> None:
    (request,) = delivered["logs"]
    records = request["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
    assert [(r["body"]["stringValue"], _attrs(r)) for r in records] == [
        ("warn", {"alert": True}),
        ("info", {}),
        ("unset", {}),
    ]


def test_every_data_point_type_of_the_selected_metrics(delivered: dict[str, list[Any]]) -> None:
    (request,) = delivered["metrics"]
    sent = json.loads((EXAMPLES / "metrics.json").read_text())
    seen = {}
    for rm in request["resourceMetrics"]:
        for sm in rm["scopeMetrics"]:
            for metric in sm["metrics"]:
                kind = next(k for k in metric if k in ("sum", "gauge", "histogram", "exponentialHistogram", "summary"))
                seen[metric["name"]] = [
                    _attrs(p).get("deployment.environment.name") for p in metric[kind]["dataPoints"]
                ]
    assert seen.pop("shop.cart.size") == [None] * len(seen_points(sent, "shop.cart.size"))
    assert len(seen) == 4
    for name, values in seen.items():
        assert values == ["prod"] * len(seen_points(sent, name)), name


def seen_points(request: dict[str, Any], name: str) -> list[Any]:
    for rm in request["resourceMetrics"]:
        for sm in rm["scopeMetrics"]:
            for metric in sm["metrics"]:
                if metric["name"] == name:
                    kind = next(k for k in metric if k not in ("name", "unit", "description", "metadata"))
                    return list(metric[kind]["dataPoints"])
    raise AssertionError(name)


BAD = """
receivers: {nop: {}}
processors: PROCESSORS
exporters: {nop: {}}
service:
  pipelines:
    PIPELINES
"""


def _validate(tmp_path: Path, processors: dict[str, Any], pipelines: dict[str, list[str]]) -> list[str]:
    text = BAD.replace("PROCESSORS", json.dumps(processors)).replace(
        "PIPELINES",
        "\n    ".join(
            f"{pid}: {json.dumps({'receivers': ['nop'], 'processors': procs, 'exporters': ['nop']})}"
            for pid, procs in pipelines.items()
        ),
    )
    config = tmp_path / "config.yaml"
    config.write_text(text)
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 1, result.stderr
    return result.stderr.splitlines()


def test_config_errors_fail_validate(tmp_path: Path) -> None:
    processors = {
        "attributes/empty": {},
        "attributes/bad": {"actions": [{"key": "k", "action": "convert", "converted_type": "bool"}]},
    }
    lines = _validate(tmp_path, processors, {"traces": list(processors)})
    assert lines[:2] == [
        'Error: processors::attributes/empty: missing required field "actions"',
        'processors::attributes/bad: error with key "k" (0-th action): error creating AttrProc due to invalid value "bool" in field "converted_type" for action "convert"',
    ]


def test_match_properties_are_checked_for_the_pipeline_signal(tmp_path: Path) -> None:
    checkout = copy.deepcopy(readme_processors()["attributes/checkout"])
    lines = _validate(tmp_path, {"attributes/checkout": checkout}, {"logs": ["attributes/checkout"]})
    assert lines == [
        'Error: failed to build pipelines: failed to create "attributes/checkout" processor, in pipeline "logs": '
        "services, span_names, span_kinds and metric_names are not valid for log records"
    ]
    checkout["include"]["match_type"] = "glob"
    lines = _validate(tmp_path, {"attributes/checkout": checkout}, {"traces": ["attributes/checkout"]})
    assert len(lines) == 1 and "unrecognized match_type: 'glob', valid types are: [regexp strict]" in lines[0]
