"""``cumulative_to_delta`` in a running collector: OTLP/protobuf requests over HTTP, one receiver
fanned out to the README's three configurations, the file exporter's output read back; and its
config errors through ``pyotelcol validate``."""

from __future__ import annotations

import json
import math
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.metrics.v1 import metrics_pb2 as pb
from pyotelcol.exporters.file import read_file
from support import REPO, Collector, free_port, run_cli, series, wait_for_port

from pyotelcol.pdata.pcommon import key_value

README = REPO / "processors" / "cumulative_to_delta" / "README.md"
CUMULATIVE = pb.AGGREGATION_TEMPORALITY_CUMULATIVE
DELTA = pb.AGGREGATION_TEMPORALITY_DELTA


def readme_processors() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S):
        found.update(yaml.safe_load(block)["processors"])
    return found


CONFIG = """
receivers:
  otlp: {{protocols: {{http: {{endpoint: "127.0.0.1:{http}"}}}}}}
processors: {processors}
exporters:
  file/all: {{path: {out}/all.bin, format: proto}}
  file/http: {{path: {out}/http.bin, format: proto}}
  file/sidecar: {{path: {out}/sidecar.bin, format: proto}}
service:
  telemetry:
    metrics:
      level: detailed
      readers: [{{pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {metrics}}}}}}}}}]
  pipelines:
    metrics/all: {{receivers: [otlp], processors: [cumulative_to_delta], exporters: [file/all]}}
    metrics/http: {{receivers: [otlp], processors: [cumulative_to_delta/http], exporters: [file/http]}}
    metrics/sidecar: {{receivers: [otlp], processors: [cumulative_to_delta/sidecar], exporters: [file/sidecar]}}
"""


def number(value: float | int, start: int, ts: int, **attrs: Any) -> pb.NumberDataPoint:
    point = pb.NumberDataPoint(start_time_unix_nano=start, time_unix_nano=ts)
    if isinstance(value, int):
        point.as_int = value
    else:
        point.as_double = value
    point.attributes.extend(key_value(k, v) for k, v in attrs.items())
    return point


def cumulative_sum(name: str, *points: pb.NumberDataPoint, monotonic: bool = True) -> pb.Metric:
    return pb.Metric(
        name=name,
        sum=pb.Sum(data_points=points, aggregation_temporality=CUMULATIVE, is_monotonic=monotonic),
    )


def histogram(name: str, start: int, ts: int, counts: list[int], total: float) -> pb.Metric:
    point = pb.HistogramDataPoint(
        start_time_unix_nano=start,
        time_unix_nano=ts,
        count=sum(counts),
        sum=total,
        min=0.5,
        max=9.0,
        explicit_bounds=[1.0, 5.0][: len(counts) - 1],
        bucket_counts=counts,
    )
    return pb.Metric(name=name, histogram=pb.Histogram(data_points=[point], aggregation_temporality=CUMULATIVE))


def exp_histogram(name: str, start: int, ts: int, offset: int, counts: list[int]) -> pb.Metric:
    point = pb.ExponentialHistogramDataPoint(
        start_time_unix_nano=start, time_unix_nano=ts, count=sum(counts), scale=1, sum=float(sum(counts))
    )
    point.positive.offset = offset
    point.positive.bucket_counts.extend(counts)
    return pb.Metric(
        name=name,
        exponential_histogram=pb.ExponentialHistogram(data_points=[point], aggregation_temporality=CUMULATIVE),
    )


def request(*metrics: pb.Metric) -> bytes:
    req = ExportMetricsServiceRequest()
    rm = req.resource_metrics.add()
    rm.resource.attributes.append(key_value("service.name", "shop"))
    sm = rm.scope_metrics.add()
    sm.scope.name = "lib"
    sm.metrics.extend(metrics)
    return req.SerializeToString()


def post(port: int, body: bytes) -> None:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/metrics", data=body, headers={"Content-Type": "application/x-protobuf"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("c2d")
    port, metrics_port = free_port(), free_port()
    config = tmp / "config.yaml"
    config.write_text(
        CONFIG.format(http=port, metrics=metrics_port, out=tmp, processors=json.dumps(readme_processors()))
    )
    col = Collector(config)
    try:
        wait_for_port(port, col.proc)
        now = time.time_ns()  # after the processors started
        old = 1_000_000_000  # a counter that started before the collector did
        t = [now + i * 1_000_000_000 for i in range(1, 6)]
        post(
            port,
            request(
                cumulative_sum("http.server.requests", number(10, now, t[0], route="/a"), number(4, old, t[0])),
                cumulative_sum("queue.size", number(3, now, t[0]), monotonic=False),
                cumulative_sum("process.runtime.uptime", number(100, now, t[0])),
                histogram("latency", now, t[0], [1, 2, 0], 6.0),
                exp_histogram("sizes", now, t[0], 2, [1, 1]),
            ),
        )
        post(
            port,
            request(
                cumulative_sum("http.server.requests", number(15, now, t[1], route="/a"), number(9, old, t[1])),
                cumulative_sum("queue.size", number(1, now, t[1]), monotonic=False),
                cumulative_sum("process.runtime.uptime", number(130, now, t[1])),
                histogram("latency", now, t[1], [1, 4, 1], 15.0),
                exp_histogram("sizes", now, t[1], 2, [1, 3, 2]),
            ),
        )
        # a reset on /a, a staleness marker, a point without a recorded value
        stale = number(math.nan, now, t[2])
        empty = number(0, now, t[2], route="/b")
        empty.flags = pb.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK
        post(port, request(cumulative_sum("http.server.requests", number(2, now, t[2], route="/a"), stale, empty)))
        post(port, request(cumulative_sum("http.server.requests", number(7, now, t[3], route="/a"))))
        wait_for_port(metrics_port, col.proc)
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as resp:
            self_metrics = resp.read().decode()
    finally:
        code, _, err = col.stop()
    assert code == 0, err

    def load(name: str) -> list[ExportMetricsServiceRequest]:
        path = tmp / name
        if not path.exists():
            return []
        return [ExportMetricsServiceRequest.FromString(b) for b in read_file(str(path), "proto")]

    outputs = {k: load(f"{k}.bin") for k in ("all", "http", "sidecar")}
    yield {"now": now, "old": old, "t": t, "self_metrics": self_metrics, **outputs}


def metrics_of(req: ExportMetricsServiceRequest) -> dict[str, pb.Metric]:
    return {m.name: m for rm in req.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}


def values(metric: pb.Metric) -> list[tuple[int, float]]:
    return [(p.start_time_unix_nano, p.as_int or p.as_double) for p in metric.sum.data_points]


def test_auto_converts_everything_and_drops_first_points_of_old_counters(delivered: dict[str, Any]) -> None:
    now, t = delivered["now"], delivered["t"]
    first, second, third, fourth = (metrics_of(r) for r in delivered["all"])
    requests = first["http.server.requests"]
    assert requests.sum.aggregation_temporality == DELTA
    # /a started after the collector: its first point is a true delta; the old counter's is not
    assert values(requests) == [(now, 10)]
    assert values(second["http.server.requests"]) == [(t[0], 5), (t[0], 5)]
    # the non-monotonic sum passes as it came
    assert first["queue.size"].sum.aggregation_temporality == CUMULATIVE
    assert values(second["queue.size"]) == [(now, 1)]
    hist = second["latency"].histogram
    assert hist.aggregation_temporality == DELTA
    point = hist.data_points[0]
    assert (point.start_time_unix_nano, point.count, point.sum, list(point.bucket_counts)) == (t[0], 3, 9.0, [0, 2, 1])
    assert not point.HasField("min") and not point.HasField("max")
    exp = second["sizes"].exponential_histogram.data_points[0]
    assert (exp.count, exp.positive.offset, list(exp.positive.bucket_counts)) == (4, 3, [2, 2])
    # the reset is dropped, the NaN passes untouched, the point without a value is gone
    (third_points,) = [third["http.server.requests"].sum.data_points]
    assert len(third_points) == 1 and math.isnan(third_points[0].as_double)
    assert third_points[0].start_time_unix_nano == now
    # after the reset, deltas continue from the reset point
    assert values(fourth["http.server.requests"]) == [(t[2], 5)]


def test_self_metrics_at_detailed_level(delivered: dict[str, Any]) -> None:
    text, me = delivered["self_metrics"], {"processor": "cumulative_to_delta"}
    converted = "otelcol_cumulativetodelta_datapoints"
    dropped = "otelcol_cumulativetodelta_datapoints_dropped"
    assert series(text, converted, metric_type="sum", **me) == [6.0]
    assert series(text, converted, metric_type="histogram", **me) == [2.0]
    assert series(text, converted, metric_type="exponential_histogram", **me) == [2.0]
    assert series(text, dropped, metric_type="sum", reason="initial", **me) == [1.0]
    assert series(text, dropped, metric_type="sum", reason="reset", **me) == [1.0]
    # /a, the old counter, the uptime, the histogram and the exponential histogram
    assert series(text, "otelcol_cumulativetodelta_streams_tracked", **me) == [5.0]


def test_include_by_pattern_and_type(delivered: dict[str, Any]) -> None:
    first, second = (metrics_of(r) for r in delivered["http"][:2])
    assert first["http.server.requests"].sum.aggregation_temporality == DELTA
    for name in ("process.runtime.uptime", "queue.size"):
        assert second[name].sum.aggregation_temporality == CUMULATIVE
    assert second["latency"].histogram.aggregation_temporality == CUMULATIVE
    assert list(second["latency"].histogram.data_points[0].bucket_counts) == [1, 4, 1]


def test_exclude_and_keep(delivered: dict[str, Any]) -> None:
    first, second = (metrics_of(r) for r in delivered["sidecar"][:2])
    # keep: every first point is sent as is, without a start time (as Go does)
    assert values(first["http.server.requests"]) == [(0, 10), (0, 4)]
    assert first["sizes"].exponential_histogram.aggregation_temporality == DELTA
    assert first["process.runtime.uptime"].sum.aggregation_temporality == CUMULATIVE
    assert values(second["process.runtime.uptime"]) == [(delivered["now"], 130)]
    assert second["latency"].histogram.aggregation_temporality == CUMULATIVE


def test_config_errors_fail_validate(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        """
receivers: {nop: {}}
processors:
  cumulativetodelta: {include: {metrics: [a], match_type: strict}}
  cumulative_to_delta/a: {include: {metrics: [a]}}
  cumulative_to_delta/b: {exclude: {match_type: regexp}}
  cumulative_to_delta/c: {include: {metric_types: [gauge]}}
  cumulative_to_delta/d: {initial_value: sometimes}
  cumulative_to_delta/e: {include: {metrics: ["("], match_type: regexp}}
  cumulative_to_delta/f: {include: {metrics: [a], match_type: fuzzy}}
exporters: {nop: {}}
service:
  pipelines:
    metrics:
      receivers: [nop]
      processors: [cumulativetodelta, cumulative_to_delta/a, cumulative_to_delta/b, cumulative_to_delta/c,
                   cumulative_to_delta/d, cumulative_to_delta/e, cumulative_to_delta/f]
      exporters: [nop]
"""
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 1
    assert '"cumulativetodelta" alias is deprecated; use "cumulative_to_delta" instead' in result.stderr
    errors = [line for line in result.stderr.splitlines() if "processors::" in line and "configured in" not in line]
    assert errors == [
        "Error: processors::cumulative_to_delta/a: match_type must be set if metrics are supplied",
        "processors::cumulative_to_delta/b: metrics must be supplied if match_type is set",
        "processors::cumulative_to_delta/c: found invalid metric type in include.metric_types: gauge. "
        "Valid values are [exponentialhistogram histogram sum]",
        "processors::cumulative_to_delta/d: unknown initial_value: sometimes",
        "processors::cumulative_to_delta/e: invalid include filter: error parsing regexp: missing closing ): `(`",
        "processors::cumulative_to_delta/f: invalid include filter: unrecognized match_type: 'fuzzy', "
        "valid types are: [regexp strict]",
    ]
