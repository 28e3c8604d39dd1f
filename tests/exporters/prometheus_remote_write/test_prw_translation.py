"""OTLP → remote-write translation (``pyotelcol.translator.prometheus.to_remote_write``), the
remote-write protobuf descriptor, and the naming rules both Prometheus exporters share."""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pb2
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.translator.prometheus import prompb
from pyotelcol.translator.prometheus.from_otlp import ResourceLabeler, ResourceLabelsConfig
from pyotelcol.translator.prometheus.naming import LabelNamer, MetricKind, MetricNamer, NamingError, build_unit
from pyotelcol.translator.prometheus.to_remote_write import (
    Converter,
    RemoteWriteSettings,
    _bucket_layout,
    batch_requests,
)

T = 1_700_000_000_000_000_000  # ns
T_MS = 1_700_000_000_000


def kvs(**attrs: Any) -> list[KeyValue]:
    out = []
    for key, value in attrs.items():
        key = key.replace("__", ".")
        v = AnyValue(int_value=value) if isinstance(value, int) else AnyValue(string_value=value)
        out.append(KeyValue(key=key, value=v))
    return out


def request(*metrics: metrics_pb2.Metric, resource: dict[str, Any] | None = None, scope: str = "lib") -> Any:
    req = ExportMetricsServiceRequest()
    rm = req.resource_metrics.add()
    rm.resource.attributes.extend(kvs(**(resource if resource is not None else {"service__name": "svc"})))
    sm = rm.scope_metrics.add()
    sm.scope.name = scope
    sm.scope.version = "1.0"
    sm.metrics.extend(metrics)
    return req


def by_name(series: list[Any]) -> dict[tuple[tuple[str, str], ...], Any]:
    return {tuple((label.name, label.value) for label in ts.labels): ts for ts in series}


def labels_of(ts: Any) -> dict[str, str]:
    return {label.name: label.value for label in ts.labels}


# -- naming (Go's otlptranslator test cases) -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "unit", "kind", "namespace", "expected"),
    [
        ("requests", "", MetricKind.MONOTONIC_COUNTER, "", "requests_total"),
        ("cpu_usage", "1", MetricKind.GAUGE, "", "cpu_usage_ratio"),
        ("items", "1", MetricKind.MONOTONIC_COUNTER, "", "items_total"),
        ("response_time", "ms", MetricKind.GAUGE, "", "response_time_milliseconds"),
        ("requests", "1/s", MetricKind.GAUGE, "", "requests_per_second"),
        ("throughput", "By/s", MetricKind.GAUGE, "", "throughput_bytes_per_second"),
        ("custom_metric", "custom_unit", MetricKind.GAUGE, "", "custom_metric_custom_unit"),
        ("custom_metric", "{custom}", MetricKind.GAUGE, "", "custom_metric"),
        ("custom_metric", "By/{custom}", MetricKind.GAUGE, "", "custom_metric_bytes"),
        ("requests_total", "", MetricKind.MONOTONIC_COUNTER, "", "requests_total"),
        ("response_time_seconds", "s", MetricKind.GAUGE, "", "response_time_seconds"),
        ("requests", "1/s", MetricKind.MONOTONIC_COUNTER, "app", "app_requests_per_second_total"),
        ("123_requests", "", MetricKind.MONOTONIC_COUNTER, "app", "app_123_requests_total"),
        ("http.server.request.duration", "s", MetricKind.HISTOGRAM, "", "http_server_request_duration_seconds"),
        ("queue.size", "By", MetricKind.NON_MONOTONIC_COUNTER, "", "queue_size_bytes"),
        ("a..b__c", "", MetricKind.GAUGE, "", "a_b_c"),
        ("2xx", "", MetricKind.GAUGE, "", "_2xx"),
    ],
)
def test_metric_names_with_suffixes(name: str, unit: str, kind: MetricKind, namespace: str, expected: str) -> None:
    assert MetricNamer(namespace, with_suffixes=True).build(name, unit, kind) == expected


def test_metric_names_other_strategies() -> None:
    assert MetricNamer("", with_suffixes=False).build("a.b__c", "s", MetricKind.GAUGE) == "a_b__c"
    assert MetricNamer("test@namespace!!??", with_suffixes=False).build("metric", "", MetricKind.GAUGE) == (
        "test_namespace_metric"
    )
    utf8 = MetricNamer("", with_suffixes=True, utf8_allowed=True)
    assert utf8.build("otelcol_process_cpu_seconds", "s", MetricKind.MONOTONIC_COUNTER) == (
        "otelcol_process_cpu_seconds_total"
    )
    assert utf8.build("http.duration", "ms", MetricKind.HISTOGRAM) == "http.duration_milliseconds"
    with pytest.raises(NamingError, match='normalization for metric "___" resulted in empty name'):
        MetricNamer().build("___", "", MetricKind.GAUGE)
    assert build_unit("By/s", False) == "bytes_per_second"


def test_label_names() -> None:
    namer = LabelNamer()
    assert namer.build("http.method") == "http_method"
    assert namer.build("a__b") == "a__b"  # PreserveMultipleUnderscores
    assert namer.build("0abc") == "key_0abc"
    with pytest.raises(NamingError, match="label name is empty"):
        namer.build("")
    with pytest.raises(NamingError, match='resulted in invalid name "___"'):
        namer.build("...")


# -- the protobuf descriptor -----------------------------------------------------------------------


def test_descriptor_in_code_matches_prompb_proto(tmp_path: Path) -> None:
    protoc = pytest.importorskip("grpc_tools.protoc")
    root = Path(__file__).resolve().parents[3]
    out = tmp_path / "set.pb"
    rc = protoc.main(
        ["protoc", f"-I{root}", f"--descriptor_set_out={out}", "pyotelcol/translator/prometheus/prompb.proto"]
    )
    assert rc == 0
    compiled = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file[0]
    for message in compiled.message_type:  # protoc adds json names; the wire format does not use them
        for field in message.field:
            field.ClearField("json_name")
    assert compiled == prompb.FILE_DESCRIPTOR


# -- conversion ------------------------------------------------------------------------------------


def test_gauges_counters_and_labels() -> None:
    gauge = metrics_pb2.Metric(name="temp", unit="Cel")
    gauge.gauge.data_points.add(time_unix_nano=T, as_double=21.5).attributes.extend(
        kvs(**{"room.name": "a", "room_name": "b", "empty": ""})
    )
    counter = metrics_pb2.Metric(name="hits")
    counter.sum.is_monotonic = True
    counter.sum.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
    point = counter.sum.data_points.add(time_unix_nano=T, as_int=7)
    point.exemplars.add(as_double=1.0, time_unix_nano=T, trace_id=bytes(range(16)), span_id=bytes(range(8)))
    point.attributes.extend(kvs(cluster="from-point"))
    settings = RemoteWriteSettings(external_labels={"cluster": "ext", "region": "eu"})
    series = Converter(settings).convert(request(gauge, counter, resource={"service__name": "svc"}))
    found = {labels_of(ts)["__name__"]: ts for ts in series}
    temp = found["temp_celsius"]
    # Keys that sanitize to one label join their values (sorted by original key); empty values are skipped.
    assert labels_of(temp) == {
        "__name__": "temp_celsius",
        "room_name": "a;b",
        "job": "svc",
        "cluster": "ext",
        "region": "eu",
        "otel_scope_name": "lib",
        "otel_scope_version": "1.0",
    }
    assert [(s.value, s.timestamp) for s in temp.samples] == [(21.5, T_MS)]
    assert [label.name for label in temp.labels] == sorted(label.name for label in temp.labels)
    hits = found["hits_total"]
    assert labels_of(hits)["cluster"] == "from-point"  # an external label never overrides
    (exemplar,) = hits.exemplars
    assert {label.name: label.value for label in exemplar.labels} == {
        "trace_id": bytes(range(16)).hex(),
        "span_id": bytes(range(8)).hex(),
    }
    assert "target_info" not in found  # the resource has only identifying attributes


def test_histogram_summary_and_stale_points() -> None:
    histogram = metrics_pb2.Metric(name="latency", unit="ms")
    histogram.histogram.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
    histogram.histogram.data_points.add(
        time_unix_nano=T, count=6, sum=120.0, explicit_bounds=[0.5, 1e6], bucket_counts=[1, 2, 3]
    )
    summary = metrics_pb2.Metric(name="rpc")
    point = summary.summary.data_points.add(time_unix_nano=T, count=3, sum=9.0)
    point.quantile_values.add(quantile=0.99, value=4.0)
    stale = metrics_pb2.Metric(name="gone")
    stale.gauge.data_points.add(time_unix_nano=T, as_double=1.0, flags=1)
    series = Converter(RemoteWriteSettings()).convert(request(histogram, summary, stale))
    values = {
        (labels_of(ts)["__name__"], labels_of(ts).get("le", labels_of(ts).get("quantile"))): ts.samples[0].value
        for ts in series
    }
    assert values[("latency_milliseconds_bucket", "0.5")] == 1
    assert values[("latency_milliseconds_bucket", "1000000")] == 3  # Go's 'f' formatting, no exponent
    assert values[("latency_milliseconds_bucket", "+Inf")] == 6
    assert values[("latency_milliseconds_sum", None)] == 120.0
    assert values[("latency_milliseconds_count", None)] == 6
    assert values[("rpc", "0.99")] == 4.0
    assert values[("rpc_count", None)] == 3
    stale_value = values[("gone", None)]
    assert math.isnan(stale_value) and struct.pack("<d", stale_value) == struct.pack("<Q", 0x7FF0000000000002)


def test_delta_is_refused_and_target_info_is_made() -> None:
    delta = metrics_pb2.Metric(name="d")
    delta.sum.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA
    delta.sum.is_monotonic = True
    delta.sum.data_points.add(time_unix_nano=T, as_int=1)
    gauge = metrics_pb2.Metric(name="g")
    gauge.gauge.data_points.add(time_unix_nano=T + 5_000_000, as_int=1)
    converter = Converter(RemoteWriteSettings(namespace="ns"))
    resource = {"service__name": "svc", "service__instance__id": "i1", "host__name": "h"}
    series = converter.convert(request(delta, gauge, resource=resource))
    assert converter.errors == ['invalid temporality and type combination for metric "d"']
    found = {labels_of(ts)["__name__"]: ts for ts in series}
    assert set(found) == {"ns_g", "ns_target_info"}
    info = found["ns_target_info"]
    assert labels_of(info) == {"__name__": "ns_target_info", "host_name": "h", "job": "svc", "instance": "i1"}
    assert [(s.value, s.timestamp) for s in info.samples] == [(1.0, T_MS + 5)]


def test_resource_constant_labels() -> None:
    gauge = metrics_pb2.Metric(name="g")
    gauge.gauge.data_points.add(time_unix_nano=T, as_int=1).attributes.extend(kvs(**{"k8s__pod": "mine"}))
    labeler = ResourceLabeler(ResourceLabelsConfig(), ResourceLabelsConfig(included=["k8s.*"], excluded=["k8s.node"]))
    resource = {"service__name": "s", "k8s__pod": "p", "k8s__node": "n", "other": "o"}
    (ts,) = [
        s
        for s in Converter(RemoteWriteSettings(resource_labels=labeler)).convert(request(gauge, resource=resource))
        if labels_of(s)["__name__"] == "g"
    ]
    # Merged over the point's attributes (the resource wins), as Go's resourcetotelemetry does.
    assert labels_of(ts)["k8s_pod"] == "p" and "k8s_node" not in labels_of(ts) and "other" not in labels_of(ts)


def test_exponential_histogram_layout() -> None:
    # Buckets at OTLP indexes 0,1 and 5 (offset 0): Prometheus indexes start one higher; a gap of
    # three buckets opens a new span.
    assert _bucket_layout(0, [2, 3, 0, 0, 0, 4], 0) == ([[1, 2], [3, 1]], [2, 1, 1])
    # A gap of two is filled with zero deltas.
    assert _bucket_layout(-2, [1, 0, 0, 5], 0) == ([[-1, 4]], [1, -1, 0, 5])
    # Scale 10 merged down to 8: four OTLP buckets per Prometheus bucket.
    assert _bucket_layout(0, [1, 1, 1, 1, 2], 2) == ([[1, 2]], [4, -2])
    metric = metrics_pb2.Metric(name="sizes", unit="By")
    metric.exponential_histogram.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
    point = metric.exponential_histogram.data_points.add(time_unix_nano=T, count=5, sum=40.0, scale=2, zero_count=1)
    point.positive.offset = 3
    point.positive.bucket_counts.extend([1, 3])
    (ts,) = Converter(RemoteWriteSettings(disable_scope_info=True)).convert(request(metric))
    (native,) = ts.histograms
    assert labels_of(ts) == {"__name__": "sizes_bytes", "job": "svc"}
    assert (native.schema, native.count_int, native.sum, native.zero_count_int) == (2, 5, 40.0, 1)
    assert [(s.offset, s.length) for s in native.positive_spans] == [(4, 2)]
    assert list(native.positive_deltas) == [1, 2]
    assert native.zero_threshold == 1e-128 and native.timestamp == T_MS


def test_metadata_and_batching() -> None:
    counter = metrics_pb2.Metric(name="jobs", unit="s", description="Jobs run")
    counter.sum.is_monotonic = True
    counter.sum.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
    for i in range(50):
        counter.sum.data_points.add(time_unix_nano=T, as_int=i + 1).attributes.extend(kvs(n=f"{i:02d}"))
    converter = Converter(RemoteWriteSettings())
    req = request(counter)
    series = converter.convert(req)
    (metadata,) = converter.metadata(req)
    assert (metadata.metric_family_name, metadata.unit, metadata.help) == ("jobs_seconds_total", "seconds", "Jobs run")
    assert metadata.type == prompb.MetricMetadata.MetricType.Value("COUNTER")
    size = series[0].ByteSize()
    batches = batch_requests(series, [metadata], max_bytes=size * 10 + 1)
    assert [len(b.timeseries) for b in batches] == [10, 10, 10, 10, 10, 0]
    assert len(batches[-1].metadata) == 1
    assert sum(len(b.timeseries) for b in batches) == 50
