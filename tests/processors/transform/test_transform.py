"""The transform processor in a real collector: OTLP/HTTP in, transform, file exporter out."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLES, Collector, free_port, run_cli, wait_for_port

CONFIG = """
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{port}"}}
processors:
  transform/traces:
    trace_statements:
      - set(span.status.code, STATUS_CODE_ERROR) where span.attributes["http.response.status_code"] >= 500
      - set(span.attributes["env"], resource.attributes["deployment.environment.name"])
      - set(span.name, Concat([span.attributes["http.request.method"], span.name], " ")) where span.kind == SPAN_KIND_SERVER
      - delete_key(span.attributes, "password")
  transform/grouped:
    error_mode: ignore
    trace_statements:
      - context: resource
        statements:
          - set(attributes["team"], "shop")
      - conditions: ['span.name == "no such span"', 'IsMatch(span.name, "orders")']
        statements:
          - set(span.attributes["matched"], true)
          - set(span.attributes["bad"], Split(span.kind, ","))
          - set(span.attributes["after_bad"], true)
  transform/metrics:
    metric_statements:
      - context: metric
        statements:
          - convert_sum_to_gauge() where metric.name == "shop.orders.placed"
          - set(metric.unit, "{{items}}") where metric.name == "shop.cart.size"
      - set(datapoint.attributes["metric"], metric.name)
  transform/logs:
    log_statements:
      - set(log.severity_number, SEVERITY_NUMBER_ERROR) where IsMatch(log.body, "(?i)retried")
      - set(log.attributes["body_len"], Len(log.body))
      - replace_pattern(log.body, "payment", "charge")
exporters:
  file/traces: {{path: {out}/traces.jsonl}}
  file/metrics: {{path: {out}/metrics.jsonl}}
  file/logs: {{path: {out}/logs.jsonl}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], processors: [transform/traces, transform/grouped], exporters: [file/traces]}}
    metrics: {{receivers: [otlp], processors: [transform/metrics], exporters: [file/metrics]}}
    logs: {{receivers: [otlp], processors: [transform/logs], exporters: [file/logs]}}
"""


def post(port: int, signal: str, body: bytes) -> int:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/{signal}", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def attrs(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {a["key"]: next(iter(a["value"].values()), None) for a in items}


def trace_body() -> bytes:
    doc = json.loads((EXAMPLES / "trace.json").read_text())
    rs = doc["resourceSpans"][0]
    rs["resource"]["attributes"].append({"key": "deployment.environment.name", "value": {"stringValue": "prod"}})
    span = rs["scopeSpans"][0]["spans"][0]
    span["attributes"] += [
        {"key": "http.response.status_code", "value": {"intValue": "503"}},
        {"key": "password", "value": {"stringValue": "hunter2"}},
    ]
    return json.dumps(doc).encode()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[dict[str, Any]]]]:
    tmp = tmp_path_factory.mktemp("transform")
    port = free_port()
    path = tmp / "config.yaml"
    path.write_text(CONFIG.format(port=port, out=tmp))
    col = Collector(path)
    try:
        wait_for_port(port, col.proc)
        assert post(port, "traces", trace_body()) == 200
        assert post(port, "metrics", (EXAMPLES / "metrics.json").read_bytes()) == 200
        assert post(port, "logs", (EXAMPLES / "logs.json").read_bytes()) == 200
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    out = {}
    for signal in ("traces", "metrics", "logs"):
        out[signal] = [json.loads(line) for line in (tmp / f"{signal}.jsonl").read_text().splitlines() if line]
    out["stderr"] = [{"text": err}]
    yield out


def test_flat_statements_on_spans(outputs: dict[str, list[dict[str, Any]]]) -> None:
    (doc,) = outputs["traces"]
    span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert span["status"]["code"] == 2
    assert span["name"] == "POST POST /orders"
    got = attrs(span["attributes"])
    assert got["env"] == "prod" and "password" not in got


def test_grouped_statements_conditions_and_error_mode(outputs: dict[str, list[dict[str, Any]]]) -> None:
    (doc,) = outputs["traces"]
    rs = doc["resourceSpans"][0]
    assert attrs(rs["resource"]["attributes"])["team"] == "shop"  # legacy context: resource
    got = attrs(rs["scopeSpans"][0]["spans"][0]["attributes"])
    # the group's conditions are OR'ed; a failing statement is logged and skipped (ignore)
    assert got["matched"] is True and got["after_bad"] is True and "bad" not in got
    assert "failed to execute statement" in outputs["stderr"][0]["text"]


def test_metric_statements(outputs: dict[str, list[dict[str, Any]]]) -> None:
    (doc,) = outputs["metrics"]
    metrics = {m["name"]: m for m in doc["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]}
    placed = metrics["shop.orders.placed"]
    assert "gauge" in placed and "sum" not in placed
    assert metrics["shop.cart.size"]["unit"] == "{items}"
    for name, metric in metrics.items():
        kind = next(k for k in ("gauge", "sum", "histogram", "exponentialHistogram", "summary") if k in metric)
        for point in metric[kind]["dataPoints"]:
            assert attrs(point["attributes"])["metric"] == name


def test_log_statements(outputs: dict[str, list[dict[str, Any]]]) -> None:
    (doc,) = outputs["logs"]
    record = doc["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]
    assert record["severityNumber"] == 17
    assert record["body"] == {"stringValue": "charge retried"}
    assert attrs(record["attributes"])["body_len"] == str(len("payment retried"))


def test_propagate_fails_the_request(tmp_path: Path) -> None:
    port = free_port()
    config = f"""
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{port}"}}
processors:
  transform:
    error_mode: propagate
    trace_statements:
      - set(span.attributes["x"], Split(span.kind, ","))
exporters:
  nop:
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], processors: [transform], exporters: [nop]}}
"""
    path = tmp_path / "config.yaml"
    path.write_text(config)
    col = Collector(path)
    try:
        wait_for_port(port, col.proc)
        status = post(port, "traces", (EXAMPLES / "trace.json").read_bytes())
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    assert status >= 500


@pytest.mark.parametrize(
    ("statements", "message"),
    [
        (
            '["set(span.nme, 1)"]',
            'processors::transform: unable to parse OTTL statement "set(span.nme, 1)": error while parsing arguments for '
            'call to "set": invalid argument at position 0: segment "nme" from path "span.nme" is not a valid path nor '
            "a valid OTTL keyword for the Span context (column 5)",
        ),
        ('["set(span.name, \\"x\\""]', "statement has invalid syntax: 1:19: unexpected end of statement"),
        (
            '["set(span.name, \\"x\\")", {statements: ["set(span.name, \\"y\\")"]}]',
            "configuring multiple configuration styles is not supported",
        ),
        ('[{context: spans, statements: ["set(name, \\"y\\")"]}]', "unknown context spans"),
        ('[{statements: ["set(span.name, \\"y\\")"], bogus: 1}]', "'trace_statements[0]' has invalid keys: bogus"),
        ('[{context: metric, statements: ["convert_sum_to_gauge()"]}]', "unknown context metric for traces"),
    ],
)
def test_validate_reports_statement_errors(tmp_path: Path, statements: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "receivers: {otlp: {protocols: {http: {endpoint: '127.0.0.1:0'}}}}\n"
        f"processors: {{transform: {{trace_statements: {statements}}}}}\n"
        "exporters: {nop: {}}\n"
        "service: {pipelines: {traces: {receivers: [otlp], processors: [transform], exporters: [nop]}}}\n"
    )
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 1
    assert message in result.stderr, result.stderr


def test_metric_functions_are_limited_to_their_context(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "receivers: {otlp: {protocols: {http: {endpoint: '127.0.0.1:0'}}}}\n"
        "processors: {transform: {metric_statements: [{context: datapoint, statements: ['convert_sum_to_gauge()']}]}}\n"
        "exporters: {nop: {}}\n"
        "service: {pipelines: {metrics: {receivers: [otlp], processors: [transform], exporters: [nop]}}}\n"
    )
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 1
    assert 'function "convert_sum_to_gauge" is not supported in the "datapoint" context' in result.stderr
