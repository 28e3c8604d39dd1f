"""Merging data points that share their attributes and timestamps (Go's
``internal/coreinternal/aggregateutil``, used by ``combine``, ``aggregate_labels`` and
``aggregate_label_values``).

Points are grouped by attributes and timestamp (plus start time for delta data, bucket bounds for
histograms, scale for exponential histograms, and whether min/max are set and the flags). Each
group becomes its first point, into which the others are merged: numbers by the aggregation type
(``sum``, ``mean``, ``min``, ``max``, ``median``, ``count``), histograms by adding counts, sums
and buckets whatever the type; the earliest start time wins.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

from opentelemetry.proto.metrics.v1 import metrics_pb2

from .metricstreams import attributes_key

Metric = metrics_pb2.Metric


def points(metric: Metric) -> Any:
    """The metric's repeated data point field, or None for a metric without data."""
    kind = metric.WhichOneof("data")
    return getattr(metric, kind).data_points if kind else None


_DELTA = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA
_INT64_MIN = -(2**63)


def go_int64(value: float) -> int:
    """Go's ``int64(float)``: truncation; out of range (and NaN) gives the minimum, as on amd64."""
    if math.isnan(value) or not -(2.0**63) <= value < 2.0**63:
        return _INT64_MIN
    return int(value)


def wrap_int64(value: int) -> int:
    return (value - _INT64_MIN) % 2**64 + _INT64_MIN


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


class Groups:
    """Points collected from one or more metrics, grouped per kind and key, in arrival order."""

    def __init__(self) -> None:
        self.by_kind: dict[str, dict[Hashable, list[Any]]] = {}

    def add_metric(self, metric: Metric) -> None:
        kind = metric.WhichOneof("data")
        if kind is None or kind == "summary":
            return
        data = getattr(metric, kind)
        delta = kind != "gauge" and data.aggregation_temporality == _DELTA
        groups = self.by_kind.setdefault(kind, {})
        for point in data.data_points:
            key: tuple[Hashable, ...] = (attributes_key(point.attributes), point.time_unix_nano)
            if kind == "histogram":
                key += (tuple(point.explicit_bounds),)
            elif kind == "exponential_histogram":
                key += (point.scale,)
            if kind in ("histogram", "exponential_histogram"):
                key += (point.HasField("min"), point.HasField("max"), point.flags)
            if delta:
                key += (point.start_time_unix_nano,)
            copy = type(point)()
            copy.CopyFrom(point)
            groups.setdefault(key, []).append(copy)

    def merge_into(self, target: Metric, aggregation: str) -> None:
        """Append the merged points to ``target`` (its kind decides which groups are used)."""
        kind = target.WhichOneof("data")
        if kind is None:
            return
        groups = list(self.by_kind.get(kind, {}).values())
        if kind in ("gauge", "sum"):
            merged = [_merge_numbers(g, aggregation) for g in groups]
        elif kind == "histogram":
            merged = [_merge_histograms(g) for g in groups]
        elif kind == "exponential_histogram":
            merged = [_merge_exp_histograms(g) for g in groups]
        else:
            return
        points(target).extend(merged)


def _earliest_start(dp: Any, other: Any) -> None:
    if other.start_time_unix_nano < dp.start_time_unix_nano:
        dp.start_time_unix_nano = other.start_time_unix_nano


def _double(dp: Any) -> float:
    kind = dp.WhichOneof("value")
    return float(getattr(dp, kind)) if kind else 0.0


def _int(dp: Any) -> int:
    kind = dp.WhichOneof("value")
    if kind == "as_double":
        return go_int64(dp.as_double)
    return int(dp.as_int)


def _go_max(a: float, b: float) -> float:
    return math.nan if math.isnan(a) or math.isnan(b) else max(a, b)


def _go_min(a: float, b: float) -> float:
    return math.nan if math.isnan(a) or math.isnan(b) else min(a, b)


def _median(values: list[Any], halve: Any) -> Any:
    values.sort()
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else halve(values[mid - 1] + values[mid])


def _merge_numbers(dps: list[Any], agg: str) -> Any:
    dp, others = dps[0], dps[1:]
    kind = dp.WhichOneof("value")
    if kind == "as_double":
        values = [dp.as_double]
        for other in others:
            if agg in ("sum", "mean"):
                dp.as_double += _double(other)
            elif agg == "max":
                dp.as_double = _go_max(dp.as_double, _double(other))
            elif agg == "min":
                dp.as_double = _go_min(dp.as_double, _double(other))
            elif agg == "median":
                values.append(_double(other))
            elif agg == "count":
                dp.as_double = float(len(dps))
            _earliest_start(dp, other)
        if agg == "mean":
            dp.as_double /= len(dps)
        if agg == "median" and len(values) > 1:
            dp.as_double = _median(values, lambda total: total / 2)
    elif kind == "as_int":
        ints = [dp.as_int]
        for other in others:
            if agg in ("sum", "mean"):
                # Go adds the int field of the other point (0 when it holds a double)
                dp.as_int = wrap_int64(dp.as_int + other.as_int)
            elif agg == "max":
                dp.as_int = max(dp.as_int, _int(other))
            elif agg == "min":
                dp.as_int = min(dp.as_int, _int(other))
            elif agg == "median":
                ints.append(_int(other))
            elif agg == "count":
                dp.as_int = len(dps)
            _earliest_start(dp, other)
        if agg == "median" and len(ints) > 1:
            dp.as_int = _median(ints, lambda total: _trunc_div(wrap_int64(total), 2))
        if agg == "mean":
            dp.as_int = _trunc_div(dp.as_int, len(dps))
    return dp


def _merge_histograms(dps: list[Any]) -> Any:
    dp = dps[0]
    for other in dps[1:]:
        if other.count == 0:
            continue
        dp.count += other.count
        # a sum stays only while every merged point has one
        if dp.HasField("sum") and other.HasField("sum"):
            dp.sum += other.sum
        else:
            dp.ClearField("sum")
        if dp.HasField("min") and dp.min > other.min:
            dp.min = other.min
        if dp.HasField("max") and dp.max < other.max:
            dp.max = other.max
        counts = list(dp.bucket_counts)
        extra = list(other.bucket_counts)
        counts.extend([0] * (len(extra) - len(counts)))  # Go would panic on a longer list
        dp.bucket_counts[:] = [c + (extra[i] if i < len(extra) else 0) for i, c in enumerate(counts)]
        dp.exemplars.extend(other.exemplars)
        _earliest_start(dp, other)
    return dp


def _merge_exp_histograms(dps: list[Any]) -> Any:
    dp = dps[0]
    for other in dps[1:]:
        if other.count == 0:
            continue
        dp.count += other.count
        if dp.HasField("sum") and other.HasField("sum"):
            dp.sum += other.sum
        else:
            dp.ClearField("sum")
        dp.zero_count += other.zero_count
        if dp.HasField("min") and dp.min > other.min:
            dp.min = other.min
        if dp.HasField("max") and dp.max < other.max:
            dp.max = other.max
        for side in ("negative", "positive"):
            target, source = getattr(dp, side), getattr(other, side)
            counts = _merge_buckets(
                list(target.bucket_counts), list(source.bucket_counts), target.offset, source.offset
            )
            if target.offset != source.offset and source.bucket_counts:
                target.offset = min(target.offset, source.offset)
                while counts and counts[0] == 0:
                    del counts[0]
            target.bucket_counts[:] = counts
        dp.exemplars.extend(other.exemplars)
        _earliest_start(dp, other)
    return dp


def _merge_buckets(target: list[int], source: list[int], target_offset: int, source_offset: int) -> list[int]:
    """Go's ``mergeExponentialHistogramBuckets``, step for step (including how it places the
    buckets of a source that starts lower: each non-zero count goes in front, in turn)."""
    if target_offset == source_offset:
        for i, count in enumerate(source):
            if i < len(target):
                target[i] += count
            else:
                target.append(count)
        return target
    if source_offset < target_offset:
        for count in reversed(source):
            if count > 0:
                target.insert(0, count)
        return target
    shift = source_offset - target_offset
    for i, count in enumerate(source):
        if count == 0:
            continue
        index = i + shift
        target.extend([0] * (index + 1 - len(target)))
        target[index] += count
    return target
