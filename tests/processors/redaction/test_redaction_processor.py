"""The ``redaction`` processor in a running collector: spans from the OpenTelemetry Python SDK,
logs and metrics as OTLP/JSON over HTTP, results written by the file exporter; the README's
examples; a chain of two processors; config errors through ``pyotelcol validate``."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind
from pyotelcol.exporters.file import read_file
from support import REPO, Collector, free_port, run_cli, wait_for_port

README = REPO / "processors" / "redaction" / "README.md"
VISA = "4[0-9]{12}(?:[0-9]{3})?"


def readme_processors() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S):
        found.update(yaml.safe_load(block)["processors"])
    return found


CONFIG = """
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{http}"}}
  otlp/sanitize:
    protocols:
      http: {{endpoint: "127.0.0.1:{sanitize_http}"}}
processors: {processors}
exporters:
  file/audit: {{path: {out}/audit.json}}
  file/chain: {{path: {out}/chain.json}}
  file/logs: {{path: {out}/logs.json}}
  file/metrics: {{path: {out}/metrics.json}}
  file/sanitize: {{path: {out}/sanitize.json}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces/audit: {{receivers: [otlp], processors: [redaction/audit], exporters: [file/audit]}}
    traces/chain: {{receivers: [otlp], processors: [redaction/first, redaction/egress], exporters: [file/chain]}}
    logs: {{receivers: [otlp], processors: [redaction/values], exporters: [file/logs]}}
    metrics: {{receivers: [otlp], processors: [redaction], exporters: [file/metrics]}}
    traces/sanitize: {{receivers: [otlp/sanitize], processors: [redaction/sanitize], exporters: [file/sanitize]}}
"""

PROCESSORS = {
    **readme_processors(),
    "redaction/first": {"allow_all_keys": True, "blocked_values": [VISA], "summary": "debug"},
    # The egress one keeps only two keys and says nothing: the upstream audit trail goes too.
    "redaction/egress": {"allowed_keys": ["description", "note"], "summary": "silent"},
    "redaction/values": {
        "allow_all_keys": True,
        "blocked_key_patterns": [".*token.*"],
        "blocked_values": [VISA],
        "hash_function": "hmac-sha256",
        "hmac_key": "${env:REDACTION_KEY}",
        "summary": "info",
    },
}

LOGS = {
    "resourceLogs": [
        {
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]},
            "scopeLogs": [
                {
                    "logRecords": [
                        {
                            "body": {
                                "kvlistValue": {
                                    "values": [
                                        {"key": "card", "value": {"stringValue": "4111111111111111"}},
                                        {"key": "session_token", "value": {"stringValue": "abc"}},
                                        {"key": "ok", "value": {"stringValue": "fine"}},
                                    ]
                                }
                            },
                            "attributes": [{"key": "note", "value": {"stringValue": "paid 4111111111111111"}}],
                        },
                        {"body": {"stringValue": "card 4111111111111111 declined"}},
                    ]
                }
            ],
        }
    ]
}

METRICS = {
    "resourceMetrics": [
        {
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]},
            "scopeMetrics": [
                {
                    "metrics": [
                        {
                            "name": "payments",
                            "sum": {
                                "aggregationTemporality": 2,
                                "isMonotonic": True,
                                "dataPoints": [
                                    {
                                        "asInt": "3",
                                        "attributes": [
                                            {"key": "id", "value": {"stringValue": "4111111111111111"}},
                                            {"key": "api_key", "value": {"stringValue": "k"}},
                                            {"key": "safe_x", "value": {"stringValue": "4111111111111111"}},
                                            {"key": "user", "value": {"stringValue": "jo"}},
                                            {"key": "amount", "value": {"intValue": "4111111111111111"}},
                                        ],
                                    }
                                ],
                            },
                        }
                    ]
                }
            ],
        }
    ]
}


def _post(port: int, path: str, body: dict[str, Any]) -> None:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def _attrs(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["key"]: next(iter(e["value"].values())) if e.get("value") else None for e in entries}


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[Any]]]:
    tmp = tmp_path_factory.mktemp("redaction")
    port, sanitize_port = free_port(), free_port()
    config = tmp / "config.yaml"
    config.write_text(CONFIG.format(http=port, sanitize_http=sanitize_port, out=tmp, processors=json.dumps(PROCESSORS)))
    col = Collector(config, env={"REDACTION_KEY": "k" * 32})
    try:
        wait_for_port(port, col.proc)
        provider = TracerProvider(resource=Resource({"service.name": "shop"}))
        provider.add_span_processor(
            SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces", timeout=10))
        )
        with provider.get_tracer("test").start_as_current_span("pay") as span:
            span.set_attributes(
                {
                    "description": "payment processed",
                    "email": "user@example.com",
                    "credit_card": "4111111111111111",
                    "internal_id": "abc-123",
                    "note": "card 4111111111111111",
                }
            )
        provider.shutdown()
        # The sanitizer pipeline has its own receiver, so the other trace pipelines see one span.
        wait_for_port(sanitize_port, col.proc)
        provider = TracerProvider(resource=Resource({"service.name": "shop"}))
        provider.add_span_processor(
            SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"http://127.0.0.1:{sanitize_port}/v1/traces", timeout=10))
        )
        tracer = provider.get_tracer("test")
        with tracer.start_as_current_span("GET /users/123", kind=SpanKind.SERVER) as span:
            span.set_attributes({"http.request.method": "GET", "url.path": "/users/123/orders/98765?debug=1"})
            with tracer.start_as_current_span("SELECT * FROM users WHERE id = 123", kind=SpanKind.CLIENT) as query:
                query.set_attributes(
                    {
                        "db.system.name": "postgresql",
                        "db.query.text": "SELECT * FROM users WHERE id = 123 AND email = 'jo@example.com'",
                        "db.statement": "SELECT 1",
                    }
                )
            with tracer.start_as_current_span("SET", kind=SpanKind.CLIENT) as command:
                command.set_attributes(
                    # db.statement is listed for sql only: a redis span keeps it.
                    {
                        "db.system.name": "redis",
                        "db.query.text": "SET session:9 s3cr3t EX 60",
                        "db.statement": "SET a b",
                    }
                )
        provider.shutdown()
        _post(port, "/v1/logs", LOGS)
        _post(port, "/v1/metrics", METRICS)
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    yield {name: read_file(str(tmp / f"{name}.json")) for name in ("audit", "chain", "logs", "metrics", "sanitize")}


def test_the_audit_trail_example(delivered: dict[str, list[Any]]) -> None:
    (request,) = delivered["audit"]
    (rs,) = request["resourceSpans"]
    # Fail closed: service.name is not on the allow list either.
    assert _attrs(rs["resource"].get("attributes", [])) == {
        "redaction.redacted.keys": "service.name",
        "redaction.redacted.count": "1",
    }
    span = rs["scopeSpans"][0]["spans"][0]
    assert _attrs(span["attributes"]) == {
        "description": "payment processed",
        "email": "user@example.com",
        "redaction.redacted.keys": "credit_card,internal_id,note",
        "redaction.redacted.count": "3",
    }


def test_a_silent_egress_processor_strips_the_upstream_audit_trail(delivered: dict[str, list[Any]]) -> None:
    (request,) = delivered["chain"]
    span = request["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert _attrs(span["attributes"]) == {"description": "payment processed", "note": "card ****"}


def test_log_bodies_and_attributes_are_masked_and_hashed(delivered: dict[str, list[Any]]) -> None:
    import hashlib
    import hmac

    def digest(text: str) -> str:
        return hmac.new(b"k" * 32, text.encode(), hashlib.sha256).hexdigest()

    (request,) = delivered["logs"]
    first, second = request["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
    assert _attrs(first["body"]["kvlistValue"]["values"]) == {
        "card": digest("4111111111111111"),
        "session_token": digest("abc"),
        "ok": "fine",
    }
    assert _attrs(first["attributes"]) == {
        "note": f"paid {digest('4111111111111111')}",
        "redaction.masked.count": "1",
        "redaction.body.masked.count": "2",
    }
    assert second["body"] == {"stringValue": f"card {digest('4111111111111111')} declined"}
    assert _attrs(second["attributes"]) == {"redaction.body.masked.count": "1"}


def test_the_first_readme_example_on_metric_points(delivered: dict[str, list[Any]]) -> None:
    (request,) = delivered["metrics"]
    (rm,) = request["resourceMetrics"]
    assert _attrs(rm["resource"]["attributes"]) == {"service.name": "shop"}
    point = rm["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"][0]
    md5 = "5910f4ea0062a0e29afd3dccc741e3ce"  # md5("4111111111111111")
    assert _attrs(point["attributes"]) == {
        "id": md5,
        "api_key": "8ce4b16b22b58894aa86c421e8759df3",  # md5("k"), the whole value
        "safe_x": "4111111111111111",  # ignored_key_patterns
        "amount": md5,  # redact_all_types: the number is checked (and becomes a string)
        "redaction.redacted.keys": "user",
        "redaction.redacted.count": "1",
        "redaction.masked.keys": "amount,api_key,id",
        "redaction.masked.count": "3",
        "redaction.ignored.count": "1",
    }
    assert point["asInt"] == "3"


def test_url_and_database_sanitizers_on_sdk_spans(delivered: dict[str, list[Any]]) -> None:
    spans = {}
    for request in delivered["sanitize"]:
        for rs in request["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                spans.update({span["spanId"]: span for span in ss["spans"]})
    by_name = {span["name"]: span for span in spans.values()}
    assert set(by_name) == {"GET /users/*", "SELECT * FROM users WHERE id = ?", "SET"}
    assert _attrs(by_name["GET /users/*"]["attributes"]) == {
        "http.request.method": "GET",
        "url.path": "/users/*/orders/*",
    }
    assert _attrs(by_name["SELECT * FROM users WHERE id = ?"]["attributes"]) == {
        "db.system.name": "postgresql",
        "db.query.text": "SELECT * FROM users WHERE id = ? AND email = ?",
        "db.statement": "SELECT ?",
    }
    assert _attrs(by_name["SET"]["attributes"]) == {
        "db.system.name": "redis",
        "db.query.text": "SET session:9 ? EX 60",
        "db.statement": "SET a b",
    }


def test_every_readme_example_validates(tmp_path: Path) -> None:
    config = {
        "receivers": {"nop": {}},
        "processors": readme_processors(),
        "exporters": {"nop": {}},
        "service": {
            "pipelines": {
                "traces": {"receivers": ["nop"], "processors": list(readme_processors()), "exporters": ["nop"]}
            }
        },
    }
    path = tmp_path / "readme.yaml"
    path.write_text(json.dumps(config))
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 0, result.stderr


def test_config_errors_fail_validate(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        """
receivers: {nop: {}}
processors:
  redaction/hash: {hash_function: crc32}
  redaction/nokey: {hash_function: HMAC-SHA512}
  redaction/shortkey: {hash_function: hmac-sha256, hmac_key: "0123456789"}
  redaction/both: {hash_function: sha3, masking_string: "[X]"}
  redaction/regex: {blocked_values: ["a(b"]}
  redaction/keyregex: {blocked_key_patterns: ["(?=x)"]}
  redaction/fine: {url_sanitizer: {enabled: true}, db_sanitizer: {sanitize_span_name: false, es: {enabled: false}, valkey: {enabled: true}}}
exporters: {nop: {}}
service:
  pipelines:
    traces:
      receivers: [nop]
      processors: [redaction/hash, redaction/nokey, redaction/shortkey, redaction/both, redaction/regex, redaction/keyregex, redaction/fine]
      exporters: [nop]
"""
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[:6] == [
        "Error: processors::redaction/hash: unknown HashFunction crc32, allowed functions are sha1, sha3, md5, hmac-sha256 and hmac-sha512",
        'processors::redaction/nokey: hmac_key must not be empty when hash_function is "hmac-sha512"',
        'processors::redaction/shortkey: hmac_key must be at least 32 bytes long for "hmac-sha256", got 10 bytes',
        "processors::redaction/both: masking_string must not be set when hash_function is defined",
        "processors::redaction/regex: error creating a redaction processor: failed to process block list: "
        "error compiling regex in list: error parsing regexp: missing closing ): `a(b`",
        "processors::redaction/keyregex: error creating a redaction processor: failed to process block keys list: "
        "error compiling regex in list: error parsing regexp: invalid or unsupported Perl syntax: `(?=`",
    ], result.stderr
    assert "redaction/fine" not in result.stderr


def test_sanitizer_config_typos_fail_validate(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        """
receivers: {nop: {}}
processors:
  redaction/url: {url_sanitizer: {enabled: true, attributes: [http.url], sanitize_span_name: maybe}}
  redaction/db: {db_sanitizer: {redis: {enabled: true, commands: [SET]}}}
exporters: {nop: {}}
service:
  pipelines:
    traces: {receivers: [nop], processors: [redaction/url, redaction/db], exporters: [nop]}
"""
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 1
    assert "'url_sanitizer.sanitize_span_name' expected type 'bool', got unconvertible type 'string'" in result.stderr
    assert "'db_sanitizer.redis' has invalid keys: commands" in result.stderr
