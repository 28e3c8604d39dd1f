"""OTLP metrics → Prometheus remote-write 1.0 time series, as Go's
``pkg/translator/prometheusremotewrite`` (``FromMetrics``, ``OtelMetricsToMetadata``) and the
exporter's ``batchTimeSeries`` do it.

Per data point: labels from the point's attributes (sanitized; two keys that sanitize to one label
join their values with ``;``; empty values skipped), ``job``/``instance`` from the resource, the
external labels (unless a label of that name exists), ``otel_scope_name``/``otel_scope_version``
and ``otel_scope_<attr>`` (unless scope info is off), then ``__name__``. Gauges and non-monotonic
sums are one sample, monotonic sums one sample with exemplars, histograms ``_sum``/``_count``/
``_bucket{le}`` (cumulative counts, ``+Inf`` = count, exemplars on the first bucket that holds
them), summaries ``_sum``/``_count``/``{quantile}``, exponential histograms one native histogram.
A point flagged "no recorded value" becomes Prometheus' stale marker. Delta sums and histograms
are refused (an error per metric), as in Go. Each resource with a non-identifying attribute
gives a ``target_info`` sample (value 1) at the resource's latest point time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

from . import prompb
from .exposition import STALE_NAN
from .from_otlp import (
    SERVICE_INSTANCE_ID,
    SERVICE_NAME,
    SERVICE_NAMESPACE,
    ResourceLabeler,
    attribute_string,
    go_float_f,
    merged_attributes,
)
from .naming import LabelNamer, MetricKind, MetricNamer, NamingError, Strategy, build_unit, metric_kind

__all__ = ["Converter", "RemoteWriteSettings", "batch_requests"]

_CUMULATIVE = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
_NO_RECORDED_VALUE = metrics_pb2.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK
_IDENTIFYING = (SERVICE_NAMESPACE, SERVICE_NAME, SERVICE_INSTANCE_ID)
_MAX_EXEMPLAR_RUNES = 128
_DEFAULT_ZERO_THRESHOLD = 1e-128
_STALE_COUNT = 0x7FF0000000000002  # the stale NaN's bits, as Go writes them into an integer count
_METADATA_TYPE_KEY = "prometheus.type"  # set by the prometheus receiver (Go's MetricMetadataTypeKey)

Labels = dict[str, str]


@dataclass
class RemoteWriteSettings:
    namespace: str = ""
    external_labels: dict[str, str] = field(default_factory=dict)  # already sanitized
    disable_target_info: bool = False
    disable_scope_info: bool = False
    strategy: Strategy = field(default_factory=Strategy)
    resource_labels: ResourceLabeler | None = None


def _ms(nanos: int) -> int:
    return int(nanos // 1_000_000)


def _stale(flags: int) -> bool:
    return bool(flags & _NO_RECORDED_VALUE)


def _number(point: Any) -> float:
    return float(point.as_int) if point.WhichOneof("value") == "as_int" else float(point.as_double)


class Converter:
    """One conversion (Go's prometheusConverter): series keyed by their sorted label set."""

    def __init__(self, settings: RemoteWriteSettings) -> None:
        self.settings = settings
        strategy = settings.strategy
        self.metric_namer = MetricNamer(settings.namespace, strategy.with_suffixes, strategy.utf8_allowed)
        self.label_namer = LabelNamer(strategy.utf8_allowed)
        self.series: dict[tuple[tuple[str, str], ...], Any] = {}
        self.errors: list[str] = []

    # -- entry points ------------------------------------------------------------------------

    def convert(self, request: Any) -> list[Any]:
        """All time series of an ``ExportMetricsServiceRequest``; problems go to ``errors``."""
        for rm in request.resource_metrics:
            latest = 0
            extra = self.settings.resource_labels.extra(rm.resource.attributes) if self.settings.resource_labels else []
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    latest = max(latest, _latest_timestamp(metric))
                    self._metric(metric, rm.resource.attributes, sm.scope, extra)
            self._target_info(rm.resource.attributes, latest)
        for ts in self.series.values():
            ts.samples.sort(key=lambda s: s.timestamp)  # Go's orderBySampleTimestamp
        return list(self.series.values())

    def metadata(self, request: Any) -> list[Any]:
        """One ``MetricMetadata`` per metric (Go's OtelMetricsToMetadata)."""
        out: list[Any] = []
        utf8 = self.settings.strategy.utf8_allowed
        for rm in request.resource_metrics:
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    try:
                        name = self.metric_namer.build(metric.name, metric.unit, metric_kind(metric))
                    except NamingError as exc:
                        self.errors.append(str(exc))
                        continue
                    out.append(
                        prompb.MetricMetadata(
                            type=_metadata_type(metric),
                            metric_family_name=name,
                            unit=build_unit(metric.unit, utf8),
                            help=metric.description,
                        )
                    )
        return out

    # -- metrics -----------------------------------------------------------------------------

    def _metric(
        self, metric: Any, resource_attrs: Sequence[KeyValue], scope: InstrumentationScope, extra: list[KeyValue]
    ) -> None:
        kind = metric_kind(metric)
        data = metric.WhichOneof("data")
        if kind is MetricKind.UNKNOWN:
            self.errors.append("unsupported metric type")
            return
        body = getattr(metric, data)
        if data in ("sum", "histogram", "exponential_histogram") and body.aggregation_temporality != _CUMULATIVE:
            self.errors.append(f'invalid temporality and type combination for metric "{metric.name}"')
            return
        try:
            name = self.metric_namer.build(metric.name, metric.unit, kind)
        except NamingError as exc:
            self.errors.append(str(exc))
            return
        if not body.data_points:
            self.errors.append(f"empty data points. {metric.name} is dropped")
            return
        for point in body.data_points:
            try:
                attrs = merged_attributes(point.attributes, extra)
                base = self._labels(resource_attrs, attrs, scope)
            except NamingError as exc:
                self.errors.append(str(exc))
                continue
            ts_ms = _ms(point.time_unix_nano)
            stale = _stale(point.flags)
            if data == "gauge" or (data == "sum" and not metric.sum.is_monotonic):
                self._add(name, base, (), STALE_NAN if stale else _number(point), ts_ms)
            elif data == "sum":
                series = self._add(name, base, (), STALE_NAN if stale else _number(point), ts_ms)
                series.exemplars.extend(_exemplars(point))
            elif data == "histogram":
                self._histogram(name, base, point, ts_ms, stale)
            elif data == "summary":
                self._summary(name, base, point, ts_ms, stale)
            else:
                try:
                    native = _native_histogram(point, ts_ms, stale)
                except ValueError as exc:
                    self.errors.append(str(exc))
                    continue
                series = self._series(_with_name(base, name))
                series.histograms.append(native)
                series.exemplars.extend(_exemplars(point))

    def _histogram(self, name: str, base: Labels, point: Any, ts_ms: int, stale: bool) -> None:
        if point.HasField("sum"):
            self._add(name + "_sum", base, (), STALE_NAN if stale else point.sum, ts_ms)
        self._add(name + "_count", base, (), STALE_NAN if stale else float(point.count), ts_ms)
        bounds: list[tuple[float, Any]] = []
        cumulative = 0
        for bound, count in zip(point.explicit_bounds, point.bucket_counts, strict=False):
            cumulative += count
            value = STALE_NAN if stale else float(cumulative)
            bounds.append((bound, self._add(name + "_bucket", base, ("le", go_float_f(bound)), value, ts_ms)))
        inf = self._add(name + "_bucket", base, ("le", "+Inf"), STALE_NAN if stale else float(point.count), ts_ms)
        bounds.append((math.inf, inf))
        bounds.sort(key=lambda pair: pair[0])
        for exemplar in _exemplars(point):
            for bound, series in bounds:
                if series.samples and exemplar.value <= bound:
                    series.exemplars.append(exemplar)
                    break

    def _summary(self, name: str, base: Labels, point: Any, ts_ms: int, stale: bool) -> None:
        self._add(name + "_sum", base, (), STALE_NAN if stale else point.sum, ts_ms)
        self._add(name + "_count", base, (), STALE_NAN if stale else float(point.count), ts_ms)
        for q in point.quantile_values:
            self._add(name, base, ("quantile", go_float_f(q.quantile)), STALE_NAN if stale else q.value, ts_ms)

    def _target_info(self, resource_attrs: Sequence[KeyValue], latest: int) -> None:
        settings = self.settings
        if settings.disable_target_info or latest == 0:
            return
        if not any(kv.key not in _IDENTIFYING for kv in resource_attrs):
            return
        name = "target_info" if not settings.namespace else f"{settings.namespace}_target_info"
        try:
            labels = self._labels(resource_attrs, resource_attrs, InstrumentationScope(), ignore=_IDENTIFYING)
        except NamingError as exc:
            self.errors.append(str(exc))
            return
        if "job" not in labels and "instance" not in labels:
            return
        self._add(name, labels, (), 1.0, _ms(latest))

    # -- labels and series -------------------------------------------------------------------

    def _labels(
        self,
        resource_attrs: Sequence[KeyValue],
        attrs: Sequence[KeyValue],
        scope: InstrumentationScope,
        ignore: Sequence[str] = (),
    ) -> Labels:
        """Go's createAttributes, without ``__name__`` (added by ``_with_name``)."""
        namer = self.label_namer
        pairs = [(kv.key, attribute_string(kv.value)) for kv in attrs if kv.key not in ignore]
        pairs = sorted(((k, v) for k, v in pairs if v != ""), key=lambda p: p[0])
        labels: Labels = {}
        for key, value in pairs:
            final = namer.build(key)
            existing = labels.get(final)
            if existing is None:
                labels[final] = value
            elif existing != value:
                labels[final] = existing + ";" + value
        service = namespace = instance = None
        for kv in resource_attrs:
            if kv.key == SERVICE_NAME:
                service = attribute_string(kv.value)
            elif kv.key == SERVICE_NAMESPACE:
                namespace = attribute_string(kv.value)
            elif kv.key == SERVICE_INSTANCE_ID:
                instance = attribute_string(kv.value)
        if service:
            labels["job"] = f"{namespace}/{service}" if namespace is not None else service
        if instance:
            labels["instance"] = instance
        for key, value in self.settings.external_labels.items():
            labels.setdefault(key, value)
        if not self.settings.disable_scope_info:
            if scope.name:
                labels[namer.build("otel_scope_name")] = scope.name
            if scope.version:
                labels[namer.build("otel_scope_version")] = scope.version
            for kv in scope.attributes:
                if kv.key in ("name", "version", "schema_url"):
                    continue
                try:
                    labels[namer.build("otel_scope_" + kv.key)] = attribute_string(kv.value)
                except NamingError:
                    continue
        return labels

    def _series(self, labels: Labels) -> Any:
        key = tuple(sorted(labels.items()))
        series = self.series.get(key)
        if series is None:
            series = prompb.TimeSeries(labels=[prompb.Label(name=k, value=v) for k, v in key])
            self.series[key] = series
        return series

    def _add(self, name: str, base: Labels, extra: tuple[str, ...], value: float, ts_ms: int) -> Any:
        labels = dict(base)
        if extra:
            labels[extra[0]] = extra[1]
        series = self._series(_with_name(labels, name))
        series.samples.add(value=value, timestamp=ts_ms)
        return series


def _with_name(labels: Labels, name: str) -> Labels:
    out = dict(labels)
    out["__name__"] = name
    return out


def _latest_timestamp(metric: Any) -> int:
    data = metric.WhichOneof("data")
    if data is None:
        return 0
    return max((p.time_unix_nano for p in getattr(metric, data).data_points), default=0)


def _metadata_type(metric: Any) -> int:
    types = prompb.MetricMetadata.MetricType
    original = next((attribute_string(kv.value) for kv in metric.metadata if kv.key == _METADATA_TYPE_KEY), None)
    data = metric.WhichOneof("data")
    if data == "gauge":
        return int(types.Value("UNKNOWN" if original == "unknown" else "GAUGE"))
    if data == "sum":
        if metric.sum.is_monotonic:
            return int(types.Value("COUNTER"))
        if original in ("info", "stateset"):
            return int(types.Value(original.upper()))
        return int(types.Value("GAUGE"))
    if data in ("histogram", "exponential_histogram"):
        return int(types.Value("HISTOGRAM"))
    if data == "summary":
        return int(types.Value("SUMMARY"))
    return int(types.Value("UNKNOWN"))


def _exemplars(point: Any) -> list[Any]:
    out = []
    for exemplar in point.exemplars:
        value = float(exemplar.as_int) if exemplar.WhichOneof("value") == "as_int" else exemplar.as_double
        labels = []
        runes = 0
        if exemplar.trace_id and any(exemplar.trace_id):
            text = exemplar.trace_id.hex()
            runes += len("trace_id") + len(text)
            labels.append(prompb.Label(name="trace_id", value=text))
        if exemplar.span_id and any(exemplar.span_id):
            text = exemplar.span_id.hex()
            runes += len("span_id") + len(text)
            labels.append(prompb.Label(name="span_id", value=text))
        from_attrs = []
        for kv in exemplar.filtered_attributes:
            text = attribute_string(kv.value)
            runes += len(kv.key) + len(text)
            from_attrs.append(prompb.Label(name=kv.key, value=text))
        if runes <= _MAX_EXEMPLAR_RUNES:
            labels.extend(from_attrs)
        out.append(prompb.Exemplar(labels=labels, value=value, timestamp=_ms(exemplar.time_unix_nano)))
    return out


def _native_histogram(point: Any, ts_ms: int, stale: bool) -> Any:
    """An OTLP exponential histogram point as a native histogram (Go's exponentialToNativeHistogram):
    scales above 8 are merged down to 8, below -4 refused."""
    scale = point.scale
    if scale < -4:
        raise ValueError(f"cannot convert exponential to native histogram. Scale must be >= -4, was {scale}")
    if not stale and not point.HasField("sum"):
        raise ValueError("cannot convert exponential to native histogram: sum is not set")
    scale_down = 0
    if scale > 8:
        scale_down = scale - 8
        scale = 8
    histogram = prompb.Histogram(schema=scale, zero_count_int=point.zero_count, timestamp=ts_ms)
    histogram.zero_threshold = point.zero_threshold if point.zero_threshold != 0 else _DEFAULT_ZERO_THRESHOLD
    for side, spans_field, deltas_field in (
        (point.positive, "positive_spans", "positive_deltas"),
        (point.negative, "negative_spans", "negative_deltas"),
    ):
        spans, deltas = _bucket_layout(side.offset, list(side.bucket_counts), scale_down)
        getattr(histogram, spans_field).extend(prompb.BucketSpan(offset=o, length=n) for o, n in spans)
        getattr(histogram, deltas_field).extend(deltas)
    if stale:
        histogram.sum = STALE_NAN
        histogram.count_int = _STALE_COUNT
    else:
        histogram.sum = point.sum
        histogram.count_int = point.count
    return histogram


def _bucket_layout(offset: int, counts: list[int], scale_down: int) -> tuple[list[list[int]], list[int]]:
    """Go's convertBucketsLayout: OTLP buckets (index ``i`` covers ``(base^(offset+i), ...]``) as
    Prometheus spans and count deltas; Prometheus indexes are one higher, gaps of up to two
    buckets are filled with zeros rather than opening a span."""
    if not counts:
        return [], []
    spans: list[list[int]] = []
    deltas: list[int] = []
    previous = 0

    def append_delta(count: int) -> None:
        nonlocal previous
        spans[-1][1] += 1
        deltas.append(count - previous)
        previous = count

    bucket_idx = (offset >> scale_down) + 1
    spans.append([bucket_idx, 0])
    count = 0
    for i, bucket_count in enumerate(counts):
        next_idx = ((i + offset) >> scale_down) + 1
        if bucket_idx == next_idx:
            count += bucket_count
            continue
        if count == 0:
            count = bucket_count
            continue
        gap = next_idx - bucket_idx - 1
        if gap > 2:
            spans.append([gap, 0])
        else:
            for _ in range(gap):
                append_delta(0)
        append_delta(count)
        count = bucket_count
        bucket_idx = next_idx
    gap = ((len(counts) + offset - 1) >> scale_down) + 1 - bucket_idx
    if gap > 2:
        spans.append([gap, 0])
    else:
        for _ in range(gap):
            append_delta(0)
    append_delta(count)
    return spans, deltas


def batch_requests(series: Sequence[Any], metadata: Sequence[Any], max_bytes: int) -> list[Any]:
    """Go's batchTimeSeries: series, then metadata, packed into WriteRequests that stay under
    ``max_batch_size_bytes`` (one item bigger than that still goes, alone)."""
    requests: list[Any] = []
    for items, field_name in ((series, "timeseries"), (metadata, "metadata")):
        current: list[Any] = []
        size = 0
        for item in items:
            item_size = item.ByteSize()
            if size + item_size >= max_bytes and current:
                requests.append(prompb.WriteRequest(**{field_name: current}))
                current, size = [], 0
            current.append(item)
            size += item_size
        if current:
            requests.append(prompb.WriteRequest(**{field_name: current}))
    return requests
