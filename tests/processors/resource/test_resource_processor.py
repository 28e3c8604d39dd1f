"""The ``resource`` processor in a running collector: the README's examples on traces (gRPC, one
receiver fanned out to two pipelines), metrics (gRPC, one pipeline) and logs (OTLP/JSON over
HTTP), written by the file exporter; and its config errors through ``pyotelcol validate``."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import NumberDataPoint
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from pyotelcol.exporters.file import read_file
from support import EXAMPLES, REPO, Collector, free_port, run_cli, wait_for_port

from pyotelcol.pdata.pcommon import key_value

README = REPO / "processors" / "resource" / "README.md"


def readme_processors() -> dict[str, Any]:
    """Every ``processors:`` example of the README, merged."""
    found: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S):
        found.update(yaml.safe_load(block)["processors"])
    return found


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _field(number: int, body: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(body)) + body


def scrambled_span(name: str, index: int) -> bytes:
    """A span with its fields written in reverse order: valid protobuf that a serializer never
    writes, so finding these bytes in the output proves nobody re-encoded the span."""
    parts = [
        Span(trace_id=bytes(range(16))),
        Span(span_id=bytes([index + 1]) * 8),
        Span(name=name),
        Span(kind=Span.SPAN_KIND_SERVER),
        Span(start_time_unix_nano=1, end_time_unix_nano=2),
    ]
    parts[-1].attributes.append(key_value("i", index))
    return b"".join(p.SerializeToString() for p in reversed(parts))


def resource_entry(attrs: dict[str, Any], scope_body: bytes, scope_field: int = 2) -> bytes:
    resource = Resource(attributes=[key_value(k, v) for k, v in attrs.items()])
    return _field(1, resource.SerializeToString()) + _field(scope_field, scope_body)


EXAMPLE_ONE: dict[str, Any] = {"k8s-cluster": "prod-eu", "redundant-attribute": "x"}
EXAMPLE_TWO: dict[str, Any] = {
    "host.ip": "10.0.0.1",
    "k8s.pod.label.app": "shop",
    "k8s.pod.label.tier": "web",
    "service.instance.id": "shop-7d9f.default",
    "service.version": 2,
}


def traces_request() -> tuple[bytes, list[bytes]]:
    """Two resources (one per README example), each with scrambled spans; also the scope bytes."""
    scopes = []
    entries = []
    for r, attrs in enumerate((EXAMPLE_ONE, EXAMPLE_TWO)):
        scope = b"".join(_field(2, scrambled_span(f"op-{r}-{i}", i)) for i in range(3))
        scopes.append(scope)
        entries.append(_field(1, resource_entry(attrs, scope)))
    return b"".join(entries), scopes


def metrics_request() -> tuple[bytes, bytes]:
    point = NumberDataPoint(as_int=5).SerializeToString() + NumberDataPoint(time_unix_nano=7).SerializeToString()
    metric = _field(1, b"requests") + _field(7, _field(1, point))  # name, sum.data_points
    scope = _field(2, metric)
    return _field(1, resource_entry(EXAMPLE_ONE, scope)), scope


CONFIG = """
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{grpc}", include_metadata: true}}
      http: {{endpoint: "127.0.0.1:{http}", include_metadata: true}}
processors: {processors}
exporters:
  file/one: {{path: {out}/one.bin, format: proto}}
  file/two: {{path: {out}/two.bin, format: proto}}
  file/metrics: {{path: {out}/metrics.bin, format: proto}}
  file/logs: {{path: {out}/logs.json}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces/one: {{receivers: [otlp], processors: [resource], exporters: [file/one]}}
    traces/two: {{receivers: [otlp], processors: [resource/scrub], exporters: [file/two]}}
    metrics: {{receivers: [otlp], processors: [resource], exporters: [file/metrics]}}
    logs: {{receivers: [otlp], processors: [resource/scrub], exporters: [file/logs]}}
"""


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Run the collector once, send everything, stop it, and hand over what it wrote."""
    tmp = tmp_path_factory.mktemp("resource")
    grpc_port, http_port = free_port(), free_port()
    config = tmp / "config.yaml"
    config.write_text(
        CONFIG.format(grpc=grpc_port, http=http_port, out=tmp, processors=json.dumps(readme_processors()))
    )
    col = Collector(config)
    try:
        wait_for_port(grpc_port, col.proc)
        wait_for_port(http_port, col.proc)
        traces, trace_scopes = traces_request()
        metrics, metric_scope = metrics_request()
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            # raw bytes in and out: no serializer, so the request goes exactly as built
            send = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export", None, None)
            send(traces, metadata=(("tenant", "acme"),), timeout=10)
            send = channel.unary_unary("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", None, None)
            send(metrics, timeout=10)
        logs = json.loads((EXAMPLES / "logs.json").read_text())
        logs["resourceLogs"][0]["resource"]["attributes"].append({"key": "host.ip", "value": {"stringValue": "x"}})
        req = urllib.request.Request(
            f"http://127.0.0.1:{http_port}/v1/logs",
            data=json.dumps(logs).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    yield {
        "one": [ExportTraceServiceRequest.FromString(b) for b in read_file(str(tmp / "one.bin"), "proto")],
        "one_raw": read_file(str(tmp / "one.bin"), "proto"),
        "two": [ExportTraceServiceRequest.FromString(b) for b in read_file(str(tmp / "two.bin"), "proto")],
        "two_raw": read_file(str(tmp / "two.bin"), "proto"),
        "metrics": [ExportMetricsServiceRequest.FromString(b) for b in read_file(str(tmp / "metrics.bin"), "proto")],
        "metrics_raw": read_file(str(tmp / "metrics.bin"), "proto"),
        "logs": read_file(str(tmp / "logs.json")),
        "trace_scopes": trace_scopes,
        "metric_scope": metric_scope,
    }


def attrs_of(attributes: Any) -> dict[str, Any]:
    out = {}
    for kv in attributes:
        assert isinstance(kv, KeyValue)
        kind = kv.value.WhichOneof("value")
        out[kv.key] = getattr(kv.value, kind) if kind else None
    return out


def test_the_first_readme_example(delivered: dict[str, Any]) -> None:
    (request,) = delivered["one"]
    first, second = (attrs_of(rs.resource.attributes) for rs in request.resource_spans)
    assert first == {
        "k8s-cluster": "prod-eu",
        "cloud.availability_zone": "zone-1",
        "k8s.cluster.name": "prod-eu",
        "region": "us-east-1",
        "tenant_id": "acme",  # from the request's gRPC metadata
    }
    # no k8s-cluster to copy: k8s.cluster.name is not inserted
    assert second == {**EXAMPLE_TWO, "cloud.availability_zone": "zone-1", "region": "us-east-1", "tenant_id": "acme"}
    (metrics,) = delivered["metrics"]
    # metrics came without a tenant header: the default
    assert attrs_of(metrics.resource_metrics[0].resource.attributes)["tenant_id"] == "default-tenant"


def test_the_second_readme_example(delivered: dict[str, Any]) -> None:
    (request,) = delivered["two"]
    assert attrs_of(request.resource_spans[1].resource.attributes) == {
        "host.ip": hashlib.sha256(b"10.0.0.1").hexdigest(),
        "service.instance.id": "shop-7d9f.default",
        "service.version": "2",
        "k8s_pod_name": "shop-7d9f",
        "k8s_namespace_name": "default",
    }
    (logs,) = delivered["logs"]
    resource = logs["resourceLogs"][0]["resource"]["attributes"]
    assert {"key": "host.ip", "value": {"stringValue": hashlib.sha256(b"x").hexdigest()}} in resource


def test_items_pass_through_without_being_re_encoded(delivered: dict[str, Any]) -> None:
    # The spans and data points were written with their fields out of order; a decode + encode
    # would have put them back in order. Both pipelines' outputs still hold the original bytes.
    for raw in (*delivered["one_raw"], *delivered["two_raw"]):
        for scope in delivered["trace_scopes"]:
            assert _field(2, scope) in raw
    (raw,) = delivered["metrics_raw"]
    assert _field(2, delivered["metric_scope"]) in raw
    (request,) = delivered["one"]
    span = request.resource_spans[0].scope_spans[0].spans[0]
    assert (span.name, span.kind, span.end_time_unix_nano) == ("op-0-0", Span.SPAN_KIND_SERVER, 2)
    assert [len(rs.scope_spans[0].spans) for rs in request.resource_spans] == [3, 3]


def test_config_errors_fail_validate(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        """
receivers: {nop: {}}
processors:
  resource/empty: {}
  resource/nokey: {attributes: [{action: insert, value: 1}]}
  resource/twosources: {attributes: [{key: a, action: upsert, value: 1}, {key: b, action: upsert, value: 1, from_attribute: c}]}
  resource/regex: {attributes: [{key: a, action: delete, pattern: "(?=x)"}]}
  resource/unknown: {attributes: [{key: a, action: insert, value: 1, typo: 2}]}
exporters: {nop: {}}
service:
  pipelines:
    traces: {receivers: [nop], processors: [resource/empty, resource/nokey, resource/twosources, resource/regex, resource/unknown], exporters: [nop]}
"""
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 1
    assert 'error reading configuration for "resource/unknown"' in result.stderr, result.stderr
    assert "'attributes[0]' has invalid keys: typo" in result.stderr
    config.write_text(config.read_text().replace(", typo: 2", ""))
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == 'Error: processors::resource/empty: missing required field "attributes"', result.stderr
    assert lines[1:4] == [
        'processors::resource/nokey: error creating AttrProc due to missing required field "key" at the 0-th action',
        'processors::resource/twosources: error with key "b" (1-th action): error creating AttrProc due to multiple value sources being set',
        'processors::resource/regex: error with key "a" (0-th action): error creating AttrProc. Field "pattern" has invalid pattern: "(?=x)"',
    ]
    assert "resource/unknown:" not in result.stderr  # the fixed one is fine
