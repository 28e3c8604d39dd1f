"""The prometheus exporter's pure parts: accumulation of delta points, families and their labels,
and the text writer's escaping (no collector process)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pb2
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2
from pyotelcol.exporters.prometheus.accumulator import Accumulator
from pyotelcol.exporters.prometheus.collector import Collector, Family, Series, _spans
from pyotelcol.exporters.prometheus.exposition import negotiate, render_protobuf, render_text

from pyotelcol.translator.prometheus import client_model
from pyotelcol.translator.prometheus.naming import LabelNamer, MetricNamer

LOG = logging.getLogger("test")
DELTA = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA


def resource_metrics(*metrics: metrics_pb2.Metric) -> metrics_pb2.ResourceMetrics:
    rm = metrics_pb2.ResourceMetrics()
    rm.resource.attributes.add(key="service.name", value=AnyValue(string_value="svc"))
    sm = rm.scope_metrics.add()
    sm.scope.name = "lib"
    sm.metrics.extend(metrics)
    return rm


def exp_histogram(start: int, end: int, scale: int, offset: int, counts: list[int], **kw: float) -> metrics_pb2.Metric:
    metric = metrics_pb2.Metric(name="sizes")
    metric.exponential_histogram.aggregation_temporality = DELTA
    point = metric.exponential_histogram.data_points.add(
        start_time_unix_nano=start, time_unix_nano=end, scale=scale, count=sum(counts), sum=float(sum(counts))
    )
    point.positive.offset = offset
    point.positive.bucket_counts.extend(counts)
    point.zero_threshold = kw.get("zero_threshold", 0.0)
    return metric


def collector(without_scope_info: bool = False) -> Collector:
    return Collector(
        namespace="",
        const_labels={},
        send_timestamps=False,
        without_scope_info=without_scope_info,
        metric_namer=MetricNamer(),
        label_namer=LabelNamer(),
        expiration_s=300.0,
        logger=LOG,
    )


def test_delta_exponential_histograms_merge_at_the_smaller_scale() -> None:
    acc = Accumulator(LOG, 300)
    acc.accumulate(resource_metrics(exp_histogram(0, 10, 3, 0, [1, 1, 1, 1])), [])
    acc.accumulate(resource_metrics(exp_histogram(10, 20, 2, 1, [2])), [])
    (stored,) = acc.collect()
    point = stored.point
    assert (point.scale, point.positive.offset, list(point.positive.bucket_counts)) == (2, 0, [2, 4])
    assert (point.count, point.sum, point.start_time_unix_nano, point.time_unix_nano) == (6, 6.0, 0, 20)
    # A wider zero threshold moves the buckets below it into the zero count (Go's rule).
    acc.accumulate(resource_metrics(exp_histogram(20, 30, 0, 0, [], zero_threshold=8.0)), [])
    (stored,) = acc.collect()
    assert stored.point.zero_threshold == 8.0
    assert stored.point.zero_count == 6 and list(stored.point.positive.bucket_counts) == []


def test_misaligned_delta_histogram_is_dropped_and_a_gap_resets() -> None:
    def histogram(start: int, end: int, counts: list[int]) -> metrics_pb2.Metric:
        metric = metrics_pb2.Metric(name="h")
        metric.histogram.aggregation_temporality = DELTA
        metric.histogram.data_points.add(
            start_time_unix_nano=start, time_unix_nano=end, count=sum(counts), explicit_bounds=[1], bucket_counts=counts
        )
        return metric

    acc = Accumulator(LOG, 300)
    acc.accumulate(resource_metrics(histogram(10, 20, [1, 1])), [])
    assert acc.accumulate(resource_metrics(histogram(5, 15, [5, 5])), []) == 0  # starts inside the stored span
    acc.accumulate(resource_metrics(histogram(30, 40, [0, 3])), [])  # starts after a gap: a reset
    (stored,) = acc.collect()
    assert list(stored.point.bucket_counts) == [0, 3] and stored.point.start_time_unix_nano == 30


def test_label_collisions_and_odd_values_do_not_stop_the_others() -> None:
    gauge = metrics_pb2.Metric(name="g")
    point = gauge.gauge.data_points.add(time_unix_nano=1, as_double=float("nan"))
    point.attributes.extend(
        [KeyValue(key="a.b", value=AnyValue(string_value="x")), KeyValue(key="a_b", value=AnyValue(string_value="y"))]
    )
    ok = metrics_pb2.Metric(name="ok", unit="%")
    ok.gauge.data_points.add(time_unix_nano=1, as_double=float("inf")).attributes.add(
        key="q", value=AnyValue(string_value='say "hi"\\\n')
    )
    acc = Accumulator(LOG, 300)
    acc.accumulate(resource_metrics(gauge, ok), [])
    families = collector(without_scope_info=True).families(acc.collect())
    assert [f.name for f in families] == ["ok_percent"]  # "g" has two labels named a_b: refused
    text = render_text(families).decode()
    assert 'ok_percent{job="svc",q="say \\"hi\\"\\\\\\n"} +Inf\n' in text


def test_text_writer_escaping_and_utf8_names() -> None:
    family = Family("my.metric", "line one\nback\\slash", "gauge", [Series([("k.x", "v")], value=1e-7)])
    assert render_text([family]).decode() == (
        '# HELP my_metric line one\\nback\\\\slash\n# TYPE my_metric gauge\nmy_metric{k_x="v"} 1e-07\n'
    )
    assert render_text([family], utf8=True).decode().splitlines()[2] == '{"my.metric","k.x"="v"} 1e-07'


def test_negotiation() -> None:
    prometheus_accept = (
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
        "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
    )
    assert negotiate(prometheus_accept, open_metrics_enabled=False) == ("text", False)
    assert negotiate(prometheus_accept, open_metrics_enabled=True) == ("openmetrics", False)
    assert negotiate("text/plain;version=0.0.4;escaping=allow-utf-8", open_metrics_enabled=True) == ("text", True)
    assert negotiate("", open_metrics_enabled=True) == ("text", False)
    # Prometheus with native histograms on prefers delimited protobuf.
    protobuf_first = (
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,"
        "application/openmetrics-text;version=1.0.0;q=0.8,text/plain;version=0.0.4;q=0.5"
    )
    assert negotiate(protobuf_first, open_metrics_enabled=True) == ("protobuf", False)
    assert negotiate("application/vnd.google.protobuf;proto=x;encoding=delimited", True) == ("text", False)
    assert negotiate("text/plain;q=0.2,application/openmetrics-text;q=0.9", True) == ("openmetrics", False)


def read_delimited(body: bytes) -> list[Any]:
    out = []
    while body:
        size, shift, used = 0, 0, 0
        while True:
            byte = body[used]
            size |= (byte & 0x7F) << shift
            used += 1
            shift += 7
            if not byte & 0x80:
                break
        out.append(client_model.MetricFamily.FromString(body[used : used + size]))
        body = body[used + size :]
    return out


def test_protobuf_exposition_carries_native_histograms() -> None:
    exp = exp_histogram(0, 10, 10, -1, [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])
    exp.exponential_histogram.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
    classic = metrics_pb2.Metric(name="lat", unit="s")
    classic.histogram.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
    classic.histogram.data_points.add(
        time_unix_nano=5, count=3, sum=1.5, explicit_bounds=[0.1, 1], bucket_counts=[1, 1, 1]
    )
    counter = metrics_pb2.Metric(name="hits")
    counter.sum.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
    counter.sum.is_monotonic = True
    counter.sum.data_points.add(start_time_unix_nano=2_500_000_000, time_unix_nano=5, as_int=4)
    acc = Accumulator(LOG, 300)
    acc.accumulate(resource_metrics(exp, classic, counter), [])
    families = {
        f.name: f for f in read_delimited(render_protobuf(collector(without_scope_info=True).families(acc.collect())))
    }
    assert set(families) == {"sizes", "lat_seconds", "hits_total"}
    (native,) = families["sizes"].metric
    h = native.histogram
    assert families["sizes"].type == client_model.MetricType["HISTOGRAM"]
    # Scale 10 is served at schema 8: four OTLP buckets per native bucket (empty ones included,
    # as Go's bucketsToNativeMap keeps them), Prometheus indexes one above OTLP's.
    assert (h.schema, h.sample_count, h.sample_sum, h.zero_threshold) == (8, 7, 7.0, 1e-128)
    assert [(s.offset, s.length) for s in h.positive_span] == [(0, 6)]
    assert list(h.positive_delta) == [1, 3, -4, 0, 0, 2]
    assert [(label.name, label.value) for label in native.label] == [("job", "svc")]
    (classic_metric,) = families["lat_seconds"].metric
    buckets = [(b.upper_bound, b.cumulative_count) for b in classic_metric.histogram.bucket]
    assert buckets == [(0.1, 1), (1.0, 2)]  # +Inf is implied by sample_count
    assert not classic_metric.histogram.HasField("schema")
    (hits,) = families["hits_total"].metric
    assert hits.counter.value == 4.0 and hits.counter.created_timestamp.seconds == 2
    assert hits.counter.created_timestamp.nanos == 500_000_000


def test_native_spans_follow_client_golang() -> None:
    # Prometheus indexes are OTLP's + 1; gaps of up to two buckets are filled with zeros.
    assert _spans(0, [2, 3, 0, 0, 0, 4], 0) == ([(1, 6)], [2, 1, -3, 0, 0, 4])
    assert _spans(0, [2, 0, 0, 0, 0, 0, 0, 4], 0) == ([(1, 8)], [2, -2, 0, 0, 0, 0, 0, 4])
    assert _spans(5, [1], 0) == ([(6, 1)], [1])
    assert _spans(0, [], 0) == ([], [])


def test_client_model_descriptor_matches_its_proto(tmp_path: Path) -> None:
    protoc = pytest.importorskip("grpc_tools.protoc")
    root = Path(__file__).resolve().parents[3]
    well_known = Path(protoc.__file__).parent / "_proto"  # google/protobuf/timestamp.proto
    out = tmp_path / "set.pb"
    rc = protoc.main(
        [
            "protoc",
            f"-I{root}",
            f"-I{well_known}",
            f"--descriptor_set_out={out}",
            "pyotelcol/translator/prometheus/client_model.proto",
        ]
    )
    assert rc == 0
    compiled = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file[0]
    for message in compiled.message_type:  # protoc adds json names; the wire format does not use them
        for field in message.field:
            field.ClearField("json_name")
    assert compiled == client_model.FILE_DESCRIPTOR
