"""``metrics_transform`` in a running collector: the README's transforms on one OTLP/protobuf
request (HTTP in, the file exporter's output read back), and Go's config errors through
``pyotelcol validate``."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.metrics.v1 import metrics_pb2 as pb
from pyotelcol.exporters.file import read_file
from support import REPO, Collector, free_port, run_cli, wait_for_port

from pyotelcol.pdata.pcommon import key_value

README = REPO / "processors" / "metrics_transform" / "README.md"
TS = 1_700_000_000_000_000_000
CUMULATIVE = pb.AGGREGATION_TEMPORALITY_CUMULATIVE
CONFIG = """
receivers:
  otlp: {{protocols: {{http: {{endpoint: "127.0.0.1:{http}"}}}}}}
processors: {processors}
exporters:
  file: {{path: {out}/out.bin, format: proto}}
  file/labels: {{path: {out}/labels.bin, format: proto}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    metrics: {{receivers: [otlp], processors: [metrics_transform], exporters: [file]}}
    metrics/labels: {{receivers: [otlp], processors: [metrics_transform/labels], exporters: [file/labels]}}
"""
LABELS = {
    "transforms": [
        # not every point has state=idle: no rename, but the matching points are scaled
        {
            "include": "cpu.time",
            "action": "update",
            "experimental_match_labels": {"state": "idle"},
            "new_name": "cpu.idle",
            "operations": [{"action": "experimental_scale_value", "experimental_scale": 10}],
        },
        # "" matches a label that is absent
        {"include": "other", "action": "insert", "new_name": "other.copy", "experimental_match_labels": {"x": ""}},
        # a gauge and a sum cannot be combined: a warning, nothing changes
        {
            "include": "^(mem\\.free|requests)$$",
            "match_type": "regexp",
            "action": "combine",
            "new_name": "mixed",
            "aggregation_type": "sum",
        },
    ]
}


def readme_processors() -> dict[str, Any]:
    (block,) = re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S)
    return dict(yaml.safe_load(block)["processors"])


def number(value: float, **attrs: Any) -> pb.NumberDataPoint:
    point = pb.NumberDataPoint(time_unix_nano=TS, start_time_unix_nano=TS - 10)
    if isinstance(value, int):
        point.as_int = value
    else:
        point.as_double = value
    point.attributes.extend(key_value(k, v) for k, v in attrs.items())
    return point


def gauge(name: str, *points: pb.NumberDataPoint, unit: str = "") -> pb.Metric:
    return pb.Metric(name=name, unit=unit, gauge=pb.Gauge(data_points=points))


def counter(name: str, *points: pb.NumberDataPoint) -> pb.Metric:
    return pb.Metric(name=name, sum=pb.Sum(data_points=points, aggregation_temporality=CUMULATIVE, is_monotonic=True))


def histogram(name: str, *methods: str) -> pb.Metric:
    points = []
    for method in methods:
        point = pb.HistogramDataPoint(time_unix_nano=TS, count=1, sum=2.0, explicit_bounds=[1.0], bucket_counts=[0, 1])
        point.attributes.append(key_value("method", method))
        points.append(point)
    return pb.Metric(name=name, histogram=pb.Histogram(data_points=points, aggregation_temporality=CUMULATIVE))


def request() -> bytes:
    req = ExportMetricsServiceRequest()
    rm = req.resource_metrics.add()
    rm.resource.attributes.append(key_value("host.name", "h1"))
    sm = rm.scope_metrics.add()
    sm.scope.name = "lib"
    sm.metrics.extend(
        [
            counter("kv_ops", number(5)),
            counter("system.disk.io", number(7)),
            gauge(
                "system.cpu.utilization",
                number(0.25, cpu="0", state="user"),
                number(0.75, cpu="1", state="user"),
                number(0.5, cpu="0", state="idle"),
                number(1.0, cpu="1", state="idle"),
            ),
            gauge("mem.free", number(10, host="a"), unit="By"),
            gauge("mem.used", number(30, host="a"), unit="By"),
            counter("requests", number(5, route="/")),
            histogram("http.duration", "get", "OPTIONS", "post"),
            gauge("latency", number(1500)),
            counter("cpu.time", number(1.0, state="user"), number(2.0, state="system"), number(3.0, state="idle")),
            gauge("k8s.pod.cpu", number(0.5)),
            gauge("other", number(1)),
        ]
    )
    return req.SerializeToString()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("mt")
    port = free_port()
    config = tmp / "config.yaml"
    processors = {**readme_processors(), "metrics_transform/labels": LABELS}
    config.write_text(CONFIG.format(http=port, out=tmp, processors=json.dumps(processors)))
    col = Collector(config)
    try:
        wait_for_port(port, col.proc)
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/metrics", data=request(), headers={"Content-Type": "application/x-protobuf"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    (frame,) = read_file(str(tmp / "out.bin"), "proto")
    (labels,) = read_file(str(tmp / "labels.bin"), "proto")
    yield {
        "out": ExportMetricsServiceRequest.FromString(frame),
        "labels": ExportMetricsServiceRequest.FromString(labels),
        "log": err,
    }


@pytest.fixture
def delivered(run: dict[str, Any]) -> ExportMetricsServiceRequest:
    out = run["out"]
    assert isinstance(out, ExportMetricsServiceRequest)
    return out


def as_dict(kvs: Any) -> dict[str, Any]:
    return {kv.key: getattr(kv.value, kv.value.WhichOneof("value")) for kv in kvs}


def metrics_of(out: ExportMetricsServiceRequest, resource: int = 0) -> dict[str, pb.Metric]:
    return {m.name: m for m in out.resource_metrics[resource].scope_metrics[0].metrics}


def numbers(metric: pb.Metric) -> list[tuple[dict[str, Any], float]]:
    data = getattr(metric, str(metric.WhichOneof("data")))
    return [(as_dict(p.attributes), getattr(p, p.WhichOneof("value"))) for p in data.data_points]


def test_renames(delivered: ExportMetricsServiceRequest) -> None:
    metrics = metrics_of(delivered)
    assert numbers(metrics["couchbase.bucket.operation.count"]) == [({}, 5)]
    assert numbers(metrics["host.disk.io"]) == [({}, 7)]  # from the $${1} submatch
    assert "kv_ops" not in metrics and "system.disk.io" not in metrics
    assert numbers(metrics["other"]) == [({}, 1)]


def test_aggregate_labels_mean(delivered: ExportMetricsServiceRequest) -> None:
    assert numbers(metrics_of(delivered)["system.cpu.utilization"]) == [
        ({"state": "user"}, 0.5),
        ({"state": "idle"}, 0.75),
    ]


def test_combine_with_named_submatch(delivered: ExportMetricsServiceRequest) -> None:
    metrics = metrics_of(delivered)
    assert "mem.free" not in metrics and "mem.used" not in metrics
    usage = metrics["memory.usage"]
    assert (usage.WhichOneof("data"), usage.unit) == ("gauge", "By")
    assert numbers(usage) == [({"host": "a", "state": "free"}, 10), ({"host": "a", "state": "used"}, 30)]


def test_insert_adds_a_changed_copy(delivered: ExportMetricsServiceRequest) -> None:
    metrics = metrics_of(delivered)
    assert numbers(metrics["requests"]) == [({"route": "/"}, 5)]
    copy = metrics["requests.copy"]
    assert numbers(copy) == [({"route": "/", "origin": "copy"}, 5)]
    assert (copy.sum.aggregation_temporality, copy.sum.is_monotonic) == (CUMULATIVE, True)


def test_update_label_and_delete_label_value(delivered: ExportMetricsServiceRequest) -> None:
    hist = metrics_of(delivered)["http.duration"].histogram
    assert [as_dict(p.attributes) for p in hist.data_points] == [{"http.method": "GET"}, {"http.method": "post"}]


def test_toggle_and_scale(delivered: ExportMetricsServiceRequest) -> None:
    (point,) = metrics_of(delivered)["latency.seconds"].gauge.data_points
    assert (point.WhichOneof("value"), point.as_double) == ("as_double", 1.5)


def test_aggregate_label_values_sum(delivered: ExportMetricsServiceRequest) -> None:
    assert numbers(metrics_of(delivered)["cpu.time"]) == [({"state": "busy"}, 3.0), ({"state": "idle"}, 3.0)]


def test_group_moves_to_a_new_resource(delivered: ExportMetricsServiceRequest) -> None:
    assert len(delivered.resource_metrics) == 2
    assert "k8s.pod.cpu" not in metrics_of(delivered)
    moved = delivered.resource_metrics[1]
    assert as_dict(moved.resource.attributes) == {"host.name": "h1", "k8s.entity": "pod"}
    assert moved.scope_metrics[0].scope.name == "lib"
    assert numbers(metrics_of(delivered, 1)["k8s.pod.cpu"]) == [({}, 0.5)]


def test_match_labels(run: dict[str, Any]) -> None:
    metrics = metrics_of(run["labels"])
    assert "cpu.idle" not in metrics
    assert numbers(metrics["cpu.time"]) == [
        ({"state": "user"}, 1.0),
        ({"state": "system"}, 2.0),
        ({"state": "idle"}, 30.0),
    ]
    assert numbers(metrics["other.copy"]) == [({}, 1)]
    assert (
        "metrics cannot be combined as they are of different types: mem.free (Gauge) and requests (Sum)" in run["log"]
    )
    assert "mem.free" in metrics and "requests" in metrics and "mixed" not in metrics


BAD = {
    "empty_include": {"transforms": [{"action": "update"}]},
    "match_type": {"transforms": [{"include": "a", "match_type": "fuzzy", "action": "update"}]},
    "pattern": {"transforms": [{"include": "(", "match_type": "regexp", "action": "update"}]},
    "action": {"transforms": [{"include": "a", "action": "rename"}]},
    "insert": {"transforms": [{"include": "a", "action": "insert"}]},
    "combine": {"transforms": [{"include": "a", "action": "combine", "new_name": "b"}]},
    "group": {"transforms": [{"include": "a", "action": "group"}]},
    "aggregation": {"transforms": [{"include": "a", "action": "update", "aggregation_type": "avg"}]},
    "case": {"transforms": [{"include": "a", "action": "update", "submatch_case": "title"}]},
    "op_action": {"transforms": [{"include": "a", "action": "update", "operations": [{"action": "drop"}]}]},
    "op_label": {"transforms": [{"include": "a", "action": "update", "operations": [{"action": "update_label"}]}]},
    "op_add": {
        "transforms": [{"include": "a", "action": "update", "operations": [{"action": "add_label", "new_label": "x"}]}]
    },
    "op_scale": {
        "transforms": [
            {
                "include": "a",
                "action": "update",
                "operations": [
                    {"action": "add_label", "new_label": "x", "new_value": "y"},
                    {"action": "experimental_scale_value"},
                ],
            }
        ]
    },
    "op_agg": {
        "transforms": [
            {
                "include": "a",
                "action": "update",
                "operations": [{"action": "aggregate_labels", "aggregation_type": "avg"}],
            }
        ]
    },
}


def test_config_errors_fail_validate(tmp_path: Path) -> None:
    names = [f"metricstransform/{name}" for name in BAD]
    config = {
        "receivers": {"nop": {}},
        "processors": {f"metricstransform/{name}": cfg for name, cfg in BAD.items()},
        "exporters": {"nop": {}},
        "service": {"pipelines": {"metrics": {"receivers": ["nop"], "processors": names, "exporters": ["nop"]}}},
    }
    path = tmp_path / "bad.yaml"
    path.write_text(json.dumps(config))
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 1
    errors = {}
    for line in result.stderr.splitlines():
        found = re.match(r"(?:Error: )?processors::metricstransform/(\w+): (.*)", line)
        if found:
            errors[found.group(1)] = found.group(2)
    assert errors == {
        "empty_include": 'missing required field "include"',
        "match_type": '"match_type" must be in ["strict" "regexp"]',
        "pattern": '"include", error parsing regexp: missing closing ): `(`',
        "action": '"action" must be in ["insert" "update" "combine" "group"]',
        "insert": 'missing required field "new_name" while "action" is insert',
        "combine": 'missing required field "aggregation_type" while "action" is combine',
        "group": 'missing required field "group_resource_labels" while "action" is group',
        "aggregation": '"aggregation_type" must be in ["sum" "mean" "min" "max" "median" "count"]',
        "case": '"submatch_case" must be in ["lower" "upper"]',
        "op_action": 'operation 1: "action" must be in ["add_label" "update_label" "delete_label_value" '
        '"toggle_scalar_data_type" "experimental_scale_value" "aggregate_labels" "aggregate_label_values"]',
        "op_label": 'operation 1: missing required field "label" while "action" is update_label',
        "op_add": 'operation 1: missing required field "new_value" while "action" is add_label',
        "op_scale": 'operation 2: missing required field "experimental_scale" while "action" is experimental_scale_value',
        "op_agg": 'operation 1: "aggregation_type" must be in ["sum" "mean" "min" "max" "median" "count"]',
    }
