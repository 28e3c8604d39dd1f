"""``delta_to_rate`` in a running collector (the README's config, OTLP/protobuf over HTTP in, the
file exporter's output read back), and its config error through ``pyotelcol validate``."""

from __future__ import annotations

import json
import re
import urllib.error
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

README = REPO / "processors" / "delta_to_rate" / "README.md"
SECOND = 1_000_000_000
CONFIG = """
receivers:
  otlp: {{protocols: {{http: {{endpoint: "127.0.0.1:{http}"}}}}}}
processors: {processors}
exporters:
  file: {{path: {out}/out.bin, format: proto}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    metrics: {{receivers: [otlp], processors: [delta_to_rate], exporters: [file]}}
"""


def readme_processors() -> dict[str, Any]:
    (block,) = re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S)
    return dict(yaml.safe_load(block)["processors"])


def sum_metric(
    name: str, unit: str, temporality: pb.AggregationTemporality.ValueType, *points: pb.NumberDataPoint
) -> pb.Metric:
    return pb.Metric(name=name, unit=unit, sum=pb.Sum(data_points=points, aggregation_temporality=temporality))


def request(*metrics: pb.Metric) -> bytes:
    req = ExportMetricsServiceRequest()
    req.resource_metrics.add().scope_metrics.add().metrics.extend(metrics)
    return req.SerializeToString()


def post(port: int, body: bytes) -> int:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/metrics", data=body, headers={"Content-Type": "application/x-protobuf"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("d2r")
    port = free_port()
    config = tmp / "config.yaml"
    config.write_text(CONFIG.format(http=port, out=tmp, processors=json.dumps(readme_processors())))
    col = Collector(config)
    delta, cumulative = pb.AGGREGATION_TEMPORALITY_DELTA, pb.AGGREGATION_TEMPORALITY_CUMULATIVE
    try:
        wait_for_port(port, col.proc)
        point = pb.NumberDataPoint(as_int=60, start_time_unix_nano=10 * SECOND, time_unix_nano=40 * SECOND)
        point.attributes.append(key_value("route", "/a"))
        statuses = [
            post(
                port,
                request(
                    sum_metric(
                        "http.server.request.count",
                        "{request}",
                        delta,
                        point,
                        pb.NumberDataPoint(as_double=1.5, start_time_unix_nano=SECOND, time_unix_nano=4 * SECOND),
                        pb.NumberDataPoint(as_int=5, start_time_unix_nano=9 * SECOND, time_unix_nano=9 * SECOND),
                        pb.NumberDataPoint(as_int=5, start_time_unix_nano=9 * SECOND, time_unix_nano=8 * SECOND),
                    ),
                    sum_metric("system.network.io", "", cumulative, pb.NumberDataPoint(as_int=7)),
                    sum_metric("other", "By", delta, pb.NumberDataPoint(as_int=7, time_unix_nano=SECOND)),
                ),
            ),
            # a point without a value: Go fails the request permanently
            post(port, request(sum_metric("system.network.io", "By", delta, pb.NumberDataPoint(time_unix_nano=1)))),
        ]
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    frames = read_file(str(tmp / "out.bin"), "proto")
    yield {"statuses": statuses, "out": [ExportMetricsServiceRequest.FromString(f) for f in frames], "log": err}


def test_delta_sums_become_rate_gauges(delivered: dict[str, Any]) -> None:
    (out,) = delivered["out"]
    rate, untouched, other = out.resource_metrics[0].scope_metrics[0].metrics
    assert rate.WhichOneof("data") == "gauge" and rate.unit == "{request}/s"
    assert [p.WhichOneof("value") for p in rate.gauge.data_points] == ["as_double"] * 4
    # 60 in 30 s, 1.5 in 3 s; an empty or negative interval gives 0
    assert [p.as_double for p in rate.gauge.data_points] == [2.0, 0.5, 0.0, 0.0]
    first = rate.gauge.data_points[0]
    assert (first.start_time_unix_nano, first.time_unix_nano) == (10 * SECOND, 40 * SECOND)
    assert first.attributes[0].key == "route"
    # listed but cumulative: unchanged, and logged
    assert untouched.WhichOneof("data") == "sum" and untouched.sum.data_points[0].as_int == 7
    assert "Configured metric for rate calculation system.network.io is not a delta sum" in delivered["log"]
    # not listed
    assert other.WhichOneof("data") == "sum" and other.unit == "By"


def test_a_point_without_value_fails_the_request(delivered: dict[str, Any]) -> None:
    assert delivered["statuses"] == [200, 500]  # Go answers INTERNAL / 500 for permanent errors
    assert len(delivered["out"]) == 1


def test_metrics_are_required(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        """
receivers: {nop: {}}
processors: {deltatorate: {}}
exporters: {nop: {}}
service: {pipelines: {metrics: {receivers: [nop], processors: [deltatorate], exporters: [nop]}}}
"""
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 1
    assert "Error: processors::deltatorate: metric names are missing" in result.stderr, result.stderr
    assert '"deltatorate" alias is deprecated; use "delta_to_rate" instead' in result.stderr
