"""The last value of every time series the exporter serves (Go's ``lastValueAccumulator``).

A series is identified by metric name and type, scope (name, version, schema URL, attributes),
data point attributes, ``job`` and ``instance``. Each keeps the newest point (older points are
ignored); cumulative data is stored as it comes; delta monotonic sums and delta (exponential)
histograms are added to the stored point when their start time is the stored point's time, and
replace it after a gap (a reset). Non-monotonic delta sums and sums or histograms without
temporality are refused. A point flagged "no recorded value" removes its series; series not
updated for ``metric_expiration`` are dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.translator.prometheus.from_otlp import attribute_string, job_and_instance, merged_attributes

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]

_DELTA = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA
_CUMULATIVE = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
_NO_RECORDED_VALUE = metrics_pb2.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK


@dataclass
class Accumulated:
    """One series: a metric holding its single latest point, with where it came from."""

    metric: metrics_pb2.Metric
    resource_attrs: Sequence[KeyValue]
    scope_name: str
    scope_version: str
    scope_schema_url: str
    scope_attrs: Sequence[KeyValue]
    updated: float

    @property
    def point(self) -> Any:
        return getattr(self.metric, self.metric.WhichOneof("data") or "gauge").data_points[0]


def _attr_key(attrs: Sequence[KeyValue]) -> tuple[str, ...]:
    return tuple(sorted(f"{kv.key}*{attribute_string(kv.value)}" for kv in attrs))


def _shell(metric: metrics_pb2.Metric) -> metrics_pb2.Metric:
    """Go's copyMetricMetadata: name, description and unit only."""
    return metrics_pb2.Metric(name=metric.name, description=metric.description, unit=metric.unit)


class Accumulator:
    def __init__(self, logger: Logger, expiration_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._logger = logger
        self._expiration = expiration_s
        self._clock = clock
        self._series: dict[tuple[Any, ...], Accumulated] = {}
        self._lock = threading.Lock()

    def accumulate(self, rm: metrics_pb2.ResourceMetrics, extra: Sequence[KeyValue]) -> int:
        """Store the points of one ResourceMetrics; ``extra`` are resource attributes copied onto
        every point (resource_to_telemetry_conversion). Returns how many points were kept."""
        now = self._clock()
        resource_attrs = list(rm.resource.attributes)
        job, instance = job_and_instance(resource_attrs)
        kept = 0
        with self._lock:
            for sm in rm.scope_metrics:
                scope = (sm.scope.name, sm.scope.version, sm.schema_url, list(sm.scope.attributes))
                scope_key = (sm.scope.name, sm.scope.version, sm.schema_url, _attr_key(sm.scope.attributes))
                for metric in sm.metrics:
                    kept += self._metric(metric, scope, scope_key, resource_attrs, extra, job, instance, now)
        return kept

    def _metric(
        self,
        metric: metrics_pb2.Metric,
        scope: tuple[str, str, str, list[KeyValue]],
        scope_key: tuple[Any, ...],
        resource_attrs: list[KeyValue],
        extra: Sequence[KeyValue],
        job: str | None,
        instance: str | None,
        now: float,
    ) -> int:
        data = metric.WhichOneof("data")
        if data is None:
            self._logger.error(
                "failed to translate metric", extra={"fields": {"data_type": "Empty", "metric_name": metric.name}}
            )
            return 0
        body = getattr(metric, data)
        if data == "sum":
            if body.aggregation_temporality not in (_DELTA, _CUMULATIVE):
                return 0
            if body.aggregation_temporality == _DELTA and not body.is_monotonic:
                self._logger.debug(
                    "refusing non-monotonic delta sum metric",
                    extra={"fields": {"metric_name": metric.name, "data_points_refused": len(body.data_points)}},
                )
                return 0
        kept = 0
        for point in body.data_points:
            attrs = merged_attributes(point.attributes, extra)
            key = (metric.name, data, scope_key, _attr_key(attrs), job, instance)
            if point.flags & _NO_RECORDED_VALUE:
                self._series.pop(key, None)
                continue
            previous = self._series.get(key)
            stored = self._merge(metric, data, body, point, previous)
            if stored is None:
                continue
            del stored.attributes[:]
            stored.attributes.extend(attrs)
            self._series[key] = Accumulated(stored_metric(metric, data, body, stored), resource_attrs, *scope, now)
            kept += 1
        return kept

    def _merge(self, metric: metrics_pb2.Metric, data: str, body: Any, point: Any, previous: Accumulated | None) -> Any:
        """The point to store for ``point`` given the stored series (None: keep what is stored)."""
        new = type(point)()
        new.CopyFrom(point)
        if previous is None:
            return new
        old = previous.point
        if data in ("gauge", "summary"):
            return None if point.time_unix_nano < old.time_unix_nano else new
        if data == "sum":
            if point.time_unix_nano < old.time_unix_nano:
                return None
            if body.aggregation_temporality == _DELTA and point.start_time_unix_nano == old.time_unix_nano:
                new.start_time_unix_nano = old.start_time_unix_nano
                if new.WhichOneof("value") == "as_int":
                    new.as_int = point.as_int + old.as_int
                else:
                    new.as_double = point.as_double + old.as_double
            return new
        if body.aggregation_temporality == _CUMULATIVE:
            return None if point.time_unix_nano < old.time_unix_nano else new
        if body.aggregation_temporality != _DELTA:
            return None
        if point.start_time_unix_nano != old.time_unix_nano:
            self._logger.warning("Misaligned starting timestamps")
            if point.start_time_unix_nano <= old.time_unix_nano:
                self._logger.warning(
                    "Dropped misaligned histogram datapoint", extra={"fields": {"metric_name": metric.name}}
                )
                return None
            return new  # a gap: treated as a reset
        if data == "histogram":
            return _add_histograms(old, point)
        return _add_exponential_histograms(old, point)

    def collect(self) -> list[Accumulated]:
        """Every live series (expired ones are dropped on the way)."""
        cutoff = self._clock() - self._expiration
        with self._lock:
            expired = [key for key, value in self._series.items() if value.updated < cutoff]
            for key in expired:
                self._logger.debug("metric expired", extra={"fields": {"name": self._series[key].metric.name}})
                del self._series[key]
            return list(self._series.values())

    def cleanup_expired(self) -> None:
        self.collect()


def stored_metric(metric: metrics_pb2.Metric, data: str, body: Any, point: Any) -> metrics_pb2.Metric:
    """A metric shell holding one point; sums and histograms become cumulative."""
    out = _shell(metric)
    if data == "gauge":
        out.gauge.data_points.append(point)
    elif data == "sum":
        out.sum.is_monotonic = body.is_monotonic
        out.sum.aggregation_temporality = _CUMULATIVE
        out.sum.data_points.append(point)
    elif data == "histogram":
        out.histogram.aggregation_temporality = _CUMULATIVE
        out.histogram.data_points.append(point)
    elif data == "exponential_histogram":
        out.exponential_histogram.aggregation_temporality = _CUMULATIVE
        out.exponential_histogram.data_points.append(point)
    else:
        out.summary.data_points.append(point)
    for kv in metric.metadata:
        out.metadata.append(kv)
    return out


def _add_histograms(prev: Any, current: Any) -> Any:
    """Go's accumulateHistogramValues: the sum of two delta points; when their bounds differ, the
    newer point's counts alone."""
    older, newer = (current, prev) if current.time_unix_nano < prev.time_unix_nano else (prev, current)
    dest = metrics_pb2.HistogramDataPoint(
        start_time_unix_nano=prev.start_time_unix_nano,
        time_unix_nano=newer.time_unix_nano,
        attributes=newer.attributes,
        explicit_bounds=newer.explicit_bounds,
    )
    if list(older.explicit_bounds) == list(newer.explicit_bounds):
        dest.count = newer.count + older.count
        dest.sum = newer.sum + older.sum
        old_counts = list(older.bucket_counts)
        dest.bucket_counts.extend(
            c + (old_counts[i] if i < len(old_counts) else 0) for i, c in enumerate(newer.bucket_counts)
        )
    else:
        dest.count = newer.count
        dest.sum = newer.sum
        dest.bucket_counts.extend(newer.bucket_counts)
    return dest


def _floor_div(a: int, b: int) -> int:
    return a // b if b > 0 else 0


def _downscale(offset: int, counts: list[int], from_scale: int, to_scale: int) -> tuple[int, list[int]]:
    if not counts or from_scale <= to_scale:
        return offset, counts
    factor = 1 << (from_scale - to_scale)
    new_offset = _floor_div(offset, factor)
    out = [0] * (_floor_div(offset + len(counts) - 1, factor) - new_offset + 1)
    for i, count in enumerate(counts):
        out[_floor_div(offset + i, factor) - new_offset] += count
    return new_offset, out


def _merge_buckets(offset_a: int, a: list[int], offset_b: int, b: list[int]) -> tuple[int, list[int]]:
    if not a and not b:
        return 0, []
    if not a:
        return offset_b, b
    if not b:
        return offset_a, a
    low = min(offset_a, offset_b)
    high = max(offset_a + len(a), offset_b + len(b))
    out = [0] * (high - low)
    for i, count in enumerate(a):
        out[offset_a + i - low] += count
    for i, count in enumerate(b):
        out[offset_b + i - low] += count
    return low, out


def _drop_below_zero_threshold(
    offset: int, counts: list[int], scale: int, threshold: float
) -> tuple[int, list[int], int]:
    """Buckets whose upper bound is within the (wider) zero threshold move into the zero count,
    bounds computed as Go's calculateBucketUpperBound does."""
    if not counts or threshold <= 0:
        return offset, counts, 0
    moved = 0
    new_offset = offset
    for i, count in enumerate(counts):
        if 2.0 ** (scale + offset + i + 1) > threshold:
            return new_offset, counts[i:], moved
        moved += count
        new_offset = offset + i + 1
    return 0, [], moved


def _add_exponential_histograms(prev: Any, current: Any) -> Any:
    """Go's accumulateExponentialHistogramValues: both points at the smaller scale, the wider zero
    threshold, buckets merged, counts and sums added, min/max combined."""
    dest = metrics_pb2.ExponentialHistogramDataPoint()
    if current.time_unix_nano < prev.time_unix_nano:
        dest.start_time_unix_nano = current.start_time_unix_nano
        dest.attributes.extend(prev.attributes)
        dest.time_unix_nano = prev.time_unix_nano
    else:
        dest.start_time_unix_nano = prev.start_time_unix_nano
        dest.attributes.extend(current.attributes)
        dest.time_unix_nano = current.time_unix_nano
    scale = min(current.scale, prev.scale)
    dest.scale = scale
    threshold = max(prev.zero_threshold, current.zero_threshold)
    dest.zero_threshold = threshold
    p_pos = _downscale(prev.positive.offset, list(prev.positive.bucket_counts), prev.scale, scale)
    p_neg = _downscale(prev.negative.offset, list(prev.negative.bucket_counts), prev.scale, scale)
    c_pos = _downscale(current.positive.offset, list(current.positive.bucket_counts), current.scale, scale)
    c_neg = _downscale(current.negative.offset, list(current.negative.bucket_counts), current.scale, scale)
    extra_zero = 0
    if threshold > prev.zero_threshold:
        offset, counts, moved = _drop_below_zero_threshold(*p_pos, scale, threshold)
        p_pos, extra_zero = (offset, counts), extra_zero + moved
    if threshold > current.zero_threshold:
        offset, counts, moved = _drop_below_zero_threshold(*c_pos, scale, threshold)
        c_pos, extra_zero = (offset, counts), extra_zero + moved
    pos_offset, pos_counts = _merge_buckets(*p_pos, *c_pos)
    neg_offset, neg_counts = _merge_buckets(*p_neg, *c_neg)
    dest.positive.offset = pos_offset
    dest.positive.bucket_counts.extend(pos_counts)
    dest.negative.offset = neg_offset
    dest.negative.bucket_counts.extend(neg_counts)
    dest.zero_count = prev.zero_count + current.zero_count + extra_zero
    dest.count = prev.count + current.count
    if prev.HasField("sum") and current.HasField("sum"):
        dest.sum = prev.sum + current.sum
    mins = [p.min for p in (prev, current) if p.HasField("min")]
    if mins:
        dest.min = min(mins)
    maxes = [p.max for p in (prev, current) if p.HasField("max")]
    if maxes:
        dest.max = max(maxes)
    return dest
