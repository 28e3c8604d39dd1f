"""``groupbyattrs`` in a running collector: the README's metrics example, spans grouped by a key,
logs compacted without keys (OTLP/protobuf over HTTP in, the file exporter's output read back)."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2 as pb
from pyotelcol.exporters.file import read_file
from support import REPO, Collector, free_port, series, wait_for_port

from pyotelcol.pdata.pcommon import key_value

README = REPO / "processors" / "groupbyattrs" / "README.md"

CONFIG = """
receivers:
  otlp: {{protocols: {{http: {{endpoint: "127.0.0.1:{http}"}}}}}}
processors: {processors}
exporters:
  file/traces: {{path: {out}/traces.bin, format: proto}}
  file/metrics: {{path: {out}/metrics.bin, format: proto}}
  file/logs: {{path: {out}/logs.bin, format: proto}}
service:
  telemetry:
    metrics:
      readers: [{{pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {metrics}}}}}}}}}]
  pipelines:
    traces: {{receivers: [otlp], processors: [groupbyattrs], exporters: [file/traces]}}
    metrics: {{receivers: [otlp], processors: [groupbyattrs], exporters: [file/metrics]}}
    logs: {{receivers: [otlp], processors: [groupbyattrs/compact], exporters: [file/logs]}}
"""


def readme_processors() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S):
        found.update(yaml.safe_load(block)["processors"])
    return found


def attrs(**values: Any) -> list[KeyValue]:
    return [key_value(k, v) for k, v in values.items()]


def as_dict(kvs: Any) -> dict[str, Any]:
    return {kv.key: getattr(kv.value, kv.value.WhichOneof("value")) for kv in kvs}


def gauge(name: str, *hosts: str | None) -> pb.Metric:
    points = []
    for i, host in enumerate(hosts):
        point = pb.NumberDataPoint(as_int=i, attributes=attrs(id="eth0"))
        if host is not None:
            point.attributes.append(key_value("host.name", host))
        points.append(point)
    return pb.Metric(name=name, gauge=pb.Gauge(data_points=points))


def metrics_request() -> bytes:
    """The README's example."""
    mixed = pb.Metric(
        name="mixed",
        sum=pb.Sum(
            data_points=[pb.NumberDataPoint(as_int=7, attributes=attrs(id="eth0", **{"host.name": "host-A"}))],
            aggregation_temporality=pb.AGGREGATION_TEMPORALITY_CUMULATIVE,
            is_monotonic=True,
        ),
    )
    req = ExportMetricsServiceRequest()
    rm = req.resource_metrics.add(schema_url="https://opentelemetry.io/schemas/1.21.0")
    rm.resource.attributes.extend(attrs(**{"host.name": "localhost", "source": "prom"}))
    rm.scope_metrics.add().metrics.extend(
        [gauge("gauge-1", "host-A", "host-B"), gauge("gauge-1", "host-A"), mixed, gauge("dont-move", None)]
    )
    return req.SerializeToString()


def traces_request() -> bytes:
    req = ExportTraceServiceRequest()
    for n in range(2):  # the same resource twice
        rs = req.resource_spans.add()
        rs.resource.attributes.extend(attrs(**{"service.name": "shop"}))
        ss = rs.scope_spans.add()
        ss.scope.name = "lib"
        for host in ("a", "b"):
            span = ss.spans.add(
                name=f"op-{n}-{host}", trace_id=bytes(16 * [1]), span_id=bytes([n + 1, 1, 1, 1, 1, 1, 1, ord(host)])
            )
            span.attributes.extend(attrs(**{"host.name": host, "http.method": "GET"}))
    return req.SerializeToString()


def logs_request() -> bytes:
    req = ExportLogsServiceRequest()
    for resource, scope, body in (
        ({"a": 1, "b": "x"}, "lib", "one"),
        ({"b": "x", "a": 1}, "lib", "two"),  # same attributes, another order
        ({"b": "x", "a": 1}, "other", "three"),
        ({"a": 2, "b": "x"}, "lib", "four"),
    ):
        rl = req.resource_logs.add()
        rl.resource.attributes.extend(attrs(**resource))
        sl = rl.scope_logs.add()
        sl.scope.name = scope
        sl.log_records.add().body.string_value = body
    return req.SerializeToString()


def post(port: int, path: str, body: bytes) -> None:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, headers={"Content-Type": "application/x-protobuf"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("groupbyattrs")
    port, metrics_port = free_port(), free_port()
    config = tmp / "config.yaml"
    config.write_text(
        CONFIG.format(http=port, metrics=metrics_port, out=tmp, processors=json.dumps(readme_processors()))
    )
    col = Collector(config)
    try:
        wait_for_port(port, col.proc)
        post(port, "/v1/metrics", metrics_request())
        post(port, "/v1/traces", traces_request())
        post(port, "/v1/logs", logs_request())
        wait_for_port(metrics_port, col.proc)
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as resp:
            self_metrics = resp.read().decode()
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    yield {
        "metrics": ExportMetricsServiceRequest.FromString(read_file(str(tmp / "metrics.bin"), "proto")[0]),
        "traces": ExportTraceServiceRequest.FromString(read_file(str(tmp / "traces.bin"), "proto")[0]),
        "logs": ExportLogsServiceRequest.FromString(read_file(str(tmp / "logs.bin"), "proto")[0]),
        "self_metrics": self_metrics,
    }


def test_the_readme_metrics_example(delivered: dict[str, Any]) -> None:
    out = delivered["metrics"]
    resources = [as_dict(rm.resource.attributes) for rm in out.resource_metrics]
    assert resources == [
        {"host.name": "host-A", "source": "prom"},
        {"host.name": "host-B", "source": "prom"},
        {"host.name": "localhost", "source": "prom"},
    ]
    shape = [
        [
            (
                m.name,
                m.WhichOneof("data"),
                [as_dict(p.attributes) for p in getattr(m, m.WhichOneof("data")).data_points],
            )
            for m in rm.scope_metrics[0].metrics
        ]
        for rm in out.resource_metrics
    ]
    eth0 = {"id": "eth0"}
    assert shape == [
        [("gauge-1", "gauge", [eth0, eth0]), ("mixed", "sum", [eth0])],
        [("gauge-1", "gauge", [eth0])],
        [("dont-move", "gauge", [eth0])],
    ]
    mixed = out.resource_metrics[0].scope_metrics[0].metrics[1].sum
    assert (mixed.aggregation_temporality, mixed.is_monotonic) == (pb.AGGREGATION_TEMPORALITY_CUMULATIVE, True)
    assert {rm.schema_url for rm in out.resource_metrics} == {"https://opentelemetry.io/schemas/1.21.0"}


def test_spans_move_to_one_resource_per_key_value(delivered: dict[str, Any]) -> None:
    out = delivered["traces"]
    assert [as_dict(rs.resource.attributes) for rs in out.resource_spans] == [
        {"service.name": "shop", "host.name": "a"},
        {"service.name": "shop", "host.name": "b"},
    ]
    for rs, host in zip(out.resource_spans, "ab", strict=True):
        (ss,) = rs.scope_spans
        assert ss.scope.name == "lib"
        assert [s.name for s in ss.spans] == [f"op-0-{host}", f"op-1-{host}"]
        assert all(as_dict(s.attributes) == {"http.method": "GET"} for s in ss.spans)


def test_logs_are_compacted_without_keys(delivered: dict[str, Any]) -> None:
    out = delivered["logs"]
    shape = [
        (
            as_dict(rl.resource.attributes),
            [(sl.scope.name, [r.body.string_value for r in sl.log_records]) for sl in rl.scope_logs],
        )
        for rl in out.resource_logs
    ]
    assert shape == [
        ({"a": 1, "b": "x"}, [("lib", ["one", "two"]), ("other", ["three"])]),
        ({"a": 2, "b": "x"}, [("lib", ["four"])]),
    ]


def test_self_metrics(delivered: dict[str, Any]) -> None:
    text = delivered["self_metrics"]
    prefix = "otelcol_processor_groupbyattrs_"
    # metrics count data points: four carry host.name, one does not
    assert series(text, f"{prefix}num_grouped_metrics", processor="groupbyattrs") == [4.0]
    assert series(text, f"{prefix}num_non_grouped_metrics", processor="groupbyattrs") == [1.0]
    assert series(text, f"{prefix}num_grouped_spans", processor="groupbyattrs") == [4.0]
    assert series(text, f"{prefix}num_non_grouped_logs", processor="groupbyattrs/compact") == [4.0]
    # one request each, with 3 resources for metrics and 2 for logs
    assert series(text, f"{prefix}metric_groups_sum", processor="groupbyattrs") == [3.0]
    assert series(text, f"{prefix}log_groups_sum", processor="groupbyattrs/compact") == [2.0]
    assert series(text, f"{prefix}log_groups_count", processor="groupbyattrs/compact") == [1.0]
