"""More of the transform processor's metric-context functions (Go's ``internal/metrics``).

- ``convert_summary_quantile_val_to_gauge`` appends a gauge with one point per summary quantile;
- ``extract_percentile_metric`` appends a gauge estimating a percentile from (exponential)
  histogram buckets;
- ``convert_exponential_histogram_to_histogram`` replaces an exponential histogram by an explicit
  one with the given bounds;
- ``aggregate_on_attributes`` / ``aggregate_on_attribute_value`` merge the points left with equal
  attributes (after dropping keys, or after renaming values) with Go's aggregateutil rules.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.helpers.aggregateutil import Groups
from pyotelcol.ottl import CompileError, ExecutionError, FunctionSpec, Param

Fn = Any
METRIC = frozenset({"metric"})


def _optional_str(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise CompileError(f"{name} must be a string")
    return value


def _put_double(attributes: Any, key: str, value: float) -> None:
    """Set ``key`` to a double, replacing an existing entry (pcommon.Map.PutDouble)."""
    for kv in attributes:
        if kv.key == key:
            kv.value.CopyFrom(common_pb2.AnyValue(double_value=value))
            return
    attributes.add(key=key, value=common_pb2.AnyValue(double_value=value))


# --- convert_summary_quantile_val_to_gauge ---------------------------------------------------------


def _convert_summary_quantile_val_to_gauge(attribute_key: Any = None, suffix: Any = None) -> Fn:
    key = _optional_str(attribute_key, "attribute_key")
    name_suffix = _optional_str(suffix, "suffix")
    key = "quantile" if key is None else key
    name_suffix = ".quantiles" if name_suffix is None else name_suffix

    def run(t: Any) -> None:
        pb = t.metric.proto
        if pb.WhichOneof("data") != "summary":
            return
        out = metrics_pb2.Metric(name=pb.name + name_suffix, description=pb.description, unit=pb.unit)
        out.gauge.SetInParent()
        for point in pb.summary.data_points:
            for quantile in point.quantile_values:
                dp = out.gauge.data_points.add()
                dp.attributes.extend(point.attributes)
                _put_double(dp.attributes, key, quantile.quantile)
                dp.as_double = quantile.value
                dp.start_time_unix_nano = point.start_time_unix_nano
                dp.time_unix_nano = point.time_unix_nano
        # Go appends the gauge even when the summary has no quantiles.
        t.scope_container.metrics.append_empty().mutable_proto().CopyFrom(out)

    return run


# --- extract_percentile_metric ---------------------------------------------------------------------


class _Skip(Exception):
    """The data point has nothing to estimate from: no output point, no error."""


def _go_g(value: float) -> str:
    """Go's ``%g`` (shortest representation) for the percentiles allowed here."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _linear(lower: float, upper: float, ratio: float) -> float:
    if ratio < 0 or ratio > 1:
        raise ExecutionError(f"linear interpolation: invalid ratio {ratio:.6f}, must be between 0 and 1")
    return lower + ratio * (upper - lower)


def _logarithmic(lower: float, upper: float, ratio: float) -> float:
    if ratio < 0 or ratio > 1:
        raise ExecutionError(f"logarithmic interpolation: invalid ratio {ratio:.6f}, must be between 0 and 1")
    if lower <= 0 or upper <= 0:
        raise ExecutionError(
            f"logarithmic interpolation: bounds must be positive, got lowerBound={lower:.6f}, upperBound={upper:.6f}"
        )
    log_lower, log_upper = math.log2(lower), math.log2(upper)
    return float(2.0 ** (log_lower + (log_upper - log_lower) * ratio))


def _bucket_bound(index: int, scale: int) -> float:
    """Lower bound of exponential bucket ``index`` at ``scale`` (base 2**2**-scale)."""
    try:
        if scale <= 0:
            return math.ldexp(1.0, index << -scale)
        return math.exp(index * math.ldexp(math.log(2), -scale))
    except OverflowError:
        return math.inf


def _target_count(count: int, percentile: float) -> int:
    return math.ceil(count * (percentile / 100.0))


def _histogram_percentile(dp: metrics_pb2.HistogramDataPoint, percentile: float) -> float:
    counts, bounds = list(dp.bucket_counts), list(dp.explicit_bounds)
    if dp.count == 0 or not counts:
        raise _Skip
    target = _target_count(dp.count, percentile)
    if len(counts) != len(bounds) + 1:
        raise ExecutionError(
            "calculating histogram percentile: malformed data: bucketCounts length "
            f"({len(counts)}) != explicitBounds length ({len(bounds)}) + 1"
        )
    has_min, has_max = dp.HasField("min"), dp.HasField("max")
    if len(counts) == 1:
        # A single (-Inf, +Inf) bucket: only min and max give a range to interpolate in.
        if not (has_min and has_max):
            raise _Skip
        return _linear(dp.min, dp.max, target / counts[0] if counts[0] else math.inf)
    cumulative = 0
    for index, bucket_count in enumerate(counts):
        previous = cumulative
        cumulative += bucket_count
        if cumulative < target:
            continue
        if index == 0:
            upper = bounds[0]
            lower = 0.0
            if has_min and dp.min < upper:
                lower = dp.min
            elif upper < 0:
                return upper  # cannot interpolate towards -Inf
        else:
            lower = bounds[index - 1]
            if index < len(bounds):
                upper = bounds[index]
            elif not has_max or dp.max <= lower:
                return lower  # the last bucket reaches +Inf
            else:
                upper = dp.max
        return _linear(lower, upper, (target - previous) / bucket_count)
    raise ExecutionError(
        "calculating histogram percentile: malformed data: cumulative count doesn't reach target count "
        f"corresponding to percentile. targetCount={target}, total count={cumulative}"
    )


def _exponential_percentile(dp: metrics_pb2.ExponentialHistogramDataPoint, percentile: float) -> float:
    negative, positive = list(dp.negative.bucket_counts), list(dp.positive.bucket_counts)
    if dp.count == 0 or (not negative and not positive and dp.zero_count == 0):
        raise _Skip
    target = _target_count(dp.count, percentile)
    scale = dp.scale
    # Negative buckets, walked from the most negative values (highest index) upwards.
    cumulative = 0
    for index in range(len(negative) - 1, -1, -1):
        previous = cumulative
        cumulative += negative[index]
        if cumulative >= target:
            bucket = dp.negative.offset + index
            abs_lower, abs_upper = _bucket_bound(bucket, scale), _bucket_bound(bucket + 1, scale)
            if abs_lower >= abs_upper:
                raise ExecutionError(
                    "calculating exponential histogram percentile: malformed negative bucket bounds: "
                    f"absLowerBound ({abs_lower:.6f}) >= absUpperBound ({abs_upper:.6f}) "
                    f"at histogramIndex={bucket}, scale={scale}"
                )
            ratio = (target - previous) / negative[index]
            return -_logarithmic(abs_lower, abs_upper, 1 - ratio)
    after_zero = cumulative + dp.zero_count
    if after_zero >= target:
        lower, upper = -dp.zero_threshold, dp.zero_threshold
        if not negative and positive:
            lower = 0.0
        elif negative and not positive:
            upper = 0.0
        return _linear(lower, upper, (target - cumulative) / dp.zero_count)
    cumulative = after_zero
    for index, bucket_count in enumerate(positive):
        previous = cumulative
        cumulative += bucket_count
        if cumulative >= target:
            bucket = dp.positive.offset + index
            ratio = (target - previous) / bucket_count
            return _logarithmic(_bucket_bound(bucket, scale), _bucket_bound(bucket + 1, scale), ratio)
    raise ExecutionError(
        "calculating exponential histogram percentile: malformed data: cumulative count doesn't reach target "
        f"count corresponding to percentile. targetCount={target}, total count={cumulative}"
    )


def _extract_percentile_metric(percentile: Any, suffix: Any = None) -> Fn:
    if isinstance(percentile, bool) or not isinstance(percentile, int | float):
        raise CompileError("percentile must be a float")
    value = float(percentile)
    if not 0 < value < 100:
        raise CompileError(f"percentile must be greater than 0 and less than 100, got {value:f}")
    name_suffix = _optional_str(suffix, "suffix") or f"_p{_go_g(value)}"

    def run(t: Any) -> None:
        pb = t.metric.proto
        kind = pb.WhichOneof("data")
        calculate: Callable[[Any, float], float]
        if kind == "histogram":
            calculate = _histogram_percentile
        elif kind == "exponential_histogram":
            calculate = _exponential_percentile
        else:
            return
        points: Sequence[Any] = getattr(pb, kind).data_points
        if not points:
            return
        label = f"p{_go_g(value)}"
        description = f"{pb.description} ({label})" if pb.description else label
        out = metrics_pb2.Metric(name=pb.name + name_suffix, description=description, unit=pb.unit)
        out.gauge.SetInParent()
        for point in points:
            try:
                estimate = calculate(point, value)
            except _Skip:
                continue
            dp = out.gauge.data_points.add()
            dp.attributes.extend(point.attributes)
            dp.as_double = estimate
            dp.start_time_unix_nano = point.start_time_unix_nano
            dp.time_unix_nano = point.time_unix_nano
        if out.gauge.data_points:
            t.scope_container.metrics.append_empty().mutable_proto().CopyFrom(out)

    return run


# --- convert_exponential_histogram_to_histogram ----------------------------------------------------

_DISTRIBUTIONS = ("upper", "midpoint", "uniform", "random")
_UINT64 = 2**64
_MIN_NORMAL_EXPONENT, _MAX_NORMAL_EXPONENT = -1022, 1023
_MIN_NORMAL_VALUE = math.ldexp(1.0, _MIN_NORMAL_EXPONENT)


class _Overflow(Exception):
    """A bucket boundary beyond the largest float64 (the last positive bucket may end there)."""


def _lower_boundary(scale: int, index: int) -> float:
    """Lower boundary of exponential bucket ``index``, with Go's expohisto range checks."""
    if scale <= 0:
        shift = -scale
        min_index = _MIN_NORMAL_EXPONENT >> shift
        if shift < 2:
            min_index -= 1
        if index < min_index:
            raise ExecutionError(f"bucket boundary index {index}: underflow")
        if index > _MAX_NORMAL_EXPONENT >> shift:
            raise _Overflow
        return math.ldexp(1.0, index << shift)
    inverse_factor = math.ldexp(math.log(2), -scale)
    max_index = ((_MAX_NORMAL_EXPONENT + 1) << scale) - 1
    min_index = _MIN_NORMAL_EXPONENT << scale
    if index >= max_index:
        if index == max_index:
            return 2 * math.exp((index - (1 << scale)) * inverse_factor)
        raise _Overflow
    if index <= min_index:
        if index == min_index:
            return _MIN_NORMAL_VALUE
        if index == min_index - 1:
            return math.exp((index + (1 << scale)) * inverse_factor) / 2
        raise ExecutionError(f"bucket boundary index {index}: underflow")
    return math.exp(index * inverse_factor)


def _boundary(scale: int, index: int, allow_overflow: bool) -> float:
    try:
        return _lower_boundary(scale, index)
    except _Overflow:
        if allow_overflow:
            return sys.float_info.max
        raise ExecutionError(f"bucket boundary index {index}: overflow") from None


def _check_bounds(bounds: Sequence[float]) -> None:
    if not bounds:
        raise CompileError("explicit bounds cannot be empty")
    for index, bound in enumerate(bounds):
        if math.isnan(bound):
            raise CompileError(f"explicit bound {index} is NaN")
        if index and bound <= bounds[index - 1]:
            raise CompileError(
                f"explicit bounds are not strictly increasing at index {index}: "
                f"{_go_g(bound)} <= {_go_g(bounds[index - 1])}"
            )


class _Explicit:
    """Explicit buckets being filled from exponential buckets walked in increasing value order."""

    def __init__(self, bounds: Sequence[float], distribution: str) -> None:
        self.bounds = bounds
        self.distribution = distribution
        self.counts = [0] * (len(bounds) + 1)
        self.destination = 0

    def _add(self, bucket: int, count: int) -> None:
        total = self.counts[bucket] + count
        if total >= _UINT64:
            raise ExecutionError(f"explicit histogram bucket {bucket} count overflow")
        self.counts[bucket] = total

    def _upper(self, bucket: int) -> float:
        return math.inf if bucket == len(self.bounds) else self.bounds[bucket]

    def _point(self, value: float, count: int) -> None:
        while self.destination < len(self.bounds) and value > self.bounds[self.destination]:
            self.destination += 1
        self._add(self.destination, count)

    def distribute(self, lower: float, upper: float, count: int) -> None:
        if lower > upper:
            raise ExecutionError(f"invalid bucket interval ({_go_g(lower)}, {_go_g(upper)}]")
        if lower == upper or self.distribution == "upper":
            self._point(upper, count)
        elif self.distribution == "midpoint":
            self._point(lower / 2 + upper / 2, count)
        else:
            self._weighted(lower, upper, count)

    def _weighted(self, lower: float, upper: float, count: int) -> None:
        """Split ``count`` over the explicit buckets in proportion to their overlap with the interval."""
        width = upper - lower
        if not width > 0 or math.isinf(width):
            raise ExecutionError(f"cannot distribute bucket interval ({_go_g(lower)}, {_go_g(upper)}]")
        while self.destination < len(self.bounds) and lower >= self.bounds[self.destination]:
            self.destination += 1
        destination_upper = self._upper(self.destination)
        if upper <= destination_upper:
            self._add(self.destination, count)
            return
        # uniform rounds the running share up; random rounds it at a random offset (unbiased on average)
        offset = random.getrandbits(64) if self.distribution == "random" else _UINT64 - 1
        allocated, share, overlap_lower = 0, 0.0, lower
        while True:
            overlap_upper = min(upper, destination_upper)
            if overlap_upper == upper:
                self._add(self.destination, count - allocated)
                return
            share += (overlap_upper - overlap_lower) / width
            prefix = max(_rounded_prefix(count, share, offset), allocated)
            self._add(self.destination, prefix - allocated)
            allocated, overlap_lower = prefix, overlap_upper
            self.destination += 1
            destination_upper = self._upper(self.destination)


def _rounded_prefix(count: int, share: float, offset: int) -> int:
    if share <= 0:
        return 0
    if share >= 1:
        return count
    fraction = min(int(math.ldexp(share, 64)), _UINT64 - 1)
    product = count * fraction
    high, low = product >> 64, product & (_UINT64 - 1)
    if low + offset >= _UINT64 and high != _UINT64 - 1:
        high += 1
    return min(high, count)


def _to_explicit(
    point: metrics_pb2.ExponentialHistogramDataPoint, bounds: Sequence[float], distribution: str
) -> list[int]:
    threshold = point.zero_threshold
    if math.isnan(threshold) or math.isinf(threshold) or threshold < 0:
        raise ExecutionError(f"invalid zero threshold: {_go_g(threshold)}")
    scale = point.scale
    if scale < -10 or scale > 20:
        reason = "scale too low" if scale < -10 else "scale out of bounds"
        raise ExecutionError(f"invalid exponential histogram scale {scale}: {reason}")
    negative, positive = list(point.negative.bucket_counts), list(point.positive.bucket_counts)
    total = point.zero_count + sum(negative) + sum(positive)
    if total >= _UINT64:
        raise ExecutionError("source histogram bucket count overflow")
    if total != point.count:
        raise ExecutionError(f"source histogram count {point.count} does not match bucket count {total}")
    explicit = _Explicit(bounds, distribution)
    if point.zero_count:
        explicit.distribute(-threshold, threshold, point.zero_count)
    for what, counts, offset in (
        ("negative", negative, point.negative.offset),
        ("positive", positive, point.positive.offset),
    ):
        try:
            _distribute_buckets(explicit, scale, offset, counts, what == "negative")
        except ExecutionError as exc:
            raise ExecutionError(f"{what} buckets: {exc}") from None
    return explicit.counts


def _distribute_buckets(explicit: _Explicit, scale: int, offset: int, counts: list[int], negative: bool) -> None:
    if not counts:
        return
    explicit.destination = 0
    # Negative buckets are walked from the most negative (highest index) towards zero.
    position, step, index = (len(counts) - 1, -1, offset + len(counts)) if negative else (0, 1, offset)
    boundary = _boundary(scale, index, negative)
    for remaining in range(len(counts), 0, -1):
        next_boundary = _boundary(scale, index + step, not negative and remaining == 1)
        lower, upper = (-boundary, -next_boundary) if negative else (boundary, next_boundary)
        if counts[position]:
            explicit.distribute(lower, upper, counts[position])
        position += step
        index += step
        boundary = next_boundary


def _convert_exponential_histogram_to_histogram(distribution: Any, explicit_bounds: Any) -> Fn:
    if not isinstance(distribution, str):
        raise CompileError("distribution must be a string")
    distribution = distribution or "random"
    if not isinstance(explicit_bounds, list) or any(
        isinstance(b, bool) or not isinstance(b, int | float) for b in explicit_bounds
    ):
        raise CompileError("explicit_bounds must be a list of floats")
    bounds = [float(b) for b in explicit_bounds]
    _check_bounds(bounds)
    if distribution not in _DISTRIBUTIONS:
        raise CompileError(f'invalid distribution "{distribution}"')

    def run(t: Any) -> None:
        pb = t.metric.proto
        if pb.WhichOneof("data") != "exponential_histogram":
            return
        source = pb.exponential_histogram
        converted = []
        for index, point in enumerate(source.data_points):
            try:
                converted.append(_to_explicit(point, bounds, distribution))
            except ExecutionError as exc:
                raise ExecutionError(f"converting exponential histogram data point {index}: {exc}") from None
        out = metrics_pb2.Metric(name=pb.name, description=pb.description, unit=pb.unit)
        out.histogram.aggregation_temporality = source.aggregation_temporality
        for point, counts in zip(source.data_points, converted, strict=True):
            dp = out.histogram.data_points.add(
                start_time_unix_nano=point.start_time_unix_nano,
                time_unix_nano=point.time_unix_nano,
                count=point.count,
                flags=point.flags,
                explicit_bounds=bounds,
                bucket_counts=counts,
            )
            for field in ("sum", "min", "max"):
                if point.HasField(field):
                    setattr(dp, field, getattr(point, field))
            dp.exemplars.extend(point.exemplars)
            dp.attributes.extend(point.attributes)
        # Go replaces the metric by one built from name, description and unit: metadata is dropped
        t.metric.mutable_proto().CopyFrom(out)

    return run


# --- aggregate_on_attributes / aggregate_on_attribute_value ----------------------------------------

_AGGREGATIONS = ("sum", "mean", "min", "max", "median", "count")


def _aggregation(value: Any) -> str:
    if not isinstance(value, str):
        raise CompileError("aggregation_function must be a string")
    if value not in _AGGREGATIONS:
        raise CompileError(
            f"invalid aggregation function: 'unsupported function: '{value}'', valid options: {', '.join(_AGGREGATIONS)}"
        )
    return value


def _string_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CompileError(f"{name} must be a list of strings")
    return value


def _merge_in_place(metric: Any, aggregation: str) -> None:
    """Group the metric's points by attributes and timestamps and merge each group (Go's
    aggregateutil): the metric is rebuilt from its name, unit, description and type settings."""
    pb = metric.proto
    kind = pb.WhichOneof("data")
    out = metrics_pb2.Metric(name=pb.name, unit=pb.unit, description=pb.description)
    if kind is not None:
        getattr(out, kind).SetInParent()
    if kind in ("sum", "histogram", "exponential_histogram"):
        getattr(out, kind).aggregation_temporality = getattr(pb, kind).aggregation_temporality
    if kind == "sum":
        out.sum.is_monotonic = pb.sum.is_monotonic
    groups = Groups()
    groups.add_metric(pb)
    groups.merge_into(out, aggregation)  # a summary keeps no points, as in Go
    metric.mutable_proto().CopyFrom(out)


def _aggregate_on_attributes(aggregation_function: Any, attributes: Any = None) -> Fn:
    aggregation = _aggregation(aggregation_function)
    keep = None if attributes is None else set(_string_list(attributes, "attributes"))

    def run(t: Any) -> None:
        metric = t.metric
        kind = metric.proto.WhichOneof("data")
        if kind == "summary":
            raise ExecutionError("aggregate_on_attributes does not support aggregating Summary metrics")
        if keep is not None and kind is not None:
            for point in getattr(metric.mutable_proto(), kind).data_points:
                kept = [kv for kv in point.attributes if kv.key in keep]
                if len(kept) != len(point.attributes):
                    del point.attributes[:]
                    point.attributes.extend(kept)
        _merge_in_place(metric, aggregation)

    return run


def _aggregate_on_attribute_value(aggregation_function: Any, attribute: Any, values: Any, new_value: Any) -> Fn:
    aggregation = _aggregation(aggregation_function)
    if not isinstance(attribute, str):
        raise CompileError("attribute must be a string")
    matches = set(_string_list(values, "values"))
    if not isinstance(new_value, str):
        raise CompileError("new_value must be a string")

    def run(t: Any) -> None:
        metric = t.metric
        kind = metric.proto.WhichOneof("data")
        if kind is None:
            return
        for point in getattr(metric.mutable_proto(), kind).data_points:
            for kv in point.attributes:
                # Go compares the value's Str(), which is "" for a value that is not a string
                current = kv.value.string_value if kv.value.WhichOneof("value") == "string_value" else ""
                if kv.key == attribute and current in matches:
                    kv.value.CopyFrom(common_pb2.AnyValue(string_value=new_value))
        _merge_in_place(metric, aggregation)

    return run


SPECS: list[FunctionSpec] = [
    FunctionSpec(
        "convert_summary_quantile_val_to_gauge",
        (Param("attribute_key", "literal", optional=True), Param("suffix", "literal", optional=True)),
        _convert_summary_quantile_val_to_gauge,
        METRIC,
    ),
    FunctionSpec(
        "extract_percentile_metric",
        (Param("percentile", "literal"), Param("suffix", "literal", optional=True)),
        _extract_percentile_metric,
        METRIC,
    ),
    FunctionSpec(
        "convert_exponential_histogram_to_histogram",
        (Param("distribution", "literal"), Param("explicit_bounds", "literal")),
        _convert_exponential_histogram_to_histogram,
        METRIC,
    ),
    FunctionSpec(
        "aggregate_on_attributes",
        (Param("aggregation_function", "literal"), Param("attributes", "literal", optional=True)),
        _aggregate_on_attributes,
        METRIC,
    ),
    FunctionSpec(
        "aggregate_on_attribute_value",
        (
            Param("aggregation_function", "literal"),
            Param("attribute", "literal"),
            Param("values", "literal"),
            Param("new_value", "literal"),
        ),
        _aggregate_on_attribute_value,
        METRIC,
    ),
]
