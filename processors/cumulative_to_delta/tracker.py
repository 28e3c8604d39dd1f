"""Per-stream state of the cumulative-to-delta conversion (Go's ``internal/tracking``).

Every stream (resource, scope, metric, data point attributes and start time) remembers its last
cumulative point. A new point yields the difference to that one, or no point at all when it is
the stream's first (see ``initial_value``) or when the counter went backwards (a reset: the new
point becomes the baseline and is dropped). Nothing here reads pdata: the processor extracts the
values and applies the result, so this module is tested on plain values.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field, replace

from pyotelcol.pdata.pmetric import MetricType

__all__ = [
    "INITIAL_VALUES",
    "REASON_BUCKET_MISMATCH",
    "REASON_INITIAL",
    "REASON_RESET",
    "Delta",
    "ExpBuckets",
    "ExpHistogramValue",
    "HistogramValue",
    "MetricType",
    "Tracker",
]

INITIAL_VALUES = ("auto", "keep", "drop")
# Why a point was dropped (Go's ``cumulativetodelta_datapoints_dropped`` reasons).
REASON_RESET = "reset"
REASON_INITIAL = "initial"
REASON_BUCKET_MISMATCH = "bucket_mismatch"

_INT64_MIN = -(2**63)


def _wrap_int64(value: int) -> int:
    """Go's int64 arithmetic wraps around; the protobuf field refuses what does not fit."""
    return (value - _INT64_MIN) % 2**64 + _INT64_MIN


@dataclass(slots=True)
class HistogramValue:
    count: int
    sum: float  # 0 when the point has no sum, as Go's ``Sum()`` reads it
    bounds: list[float]
    counts: list[int]

    def clone(self) -> HistogramValue:
        return HistogramValue(self.count, self.sum, list(self.bounds), list(self.counts))


@dataclass(slots=True)
class ExpBuckets:
    offset: int = 0
    counts: list[int] = field(default_factory=list)

    def clone(self) -> ExpBuckets:
        return ExpBuckets(self.offset, list(self.counts))

    def coarsen(self, bits_lost: int) -> ExpBuckets:
        """The buckets at a scale ``bits_lost`` lower: indices divide by ``2**bits_lost`` (an
        arithmetic shift, so negative indices round down) and buckets that meet are added."""
        out = ExpBuckets(self.offset >> bits_lost)
        if self.counts:
            last = self.offset + len(self.counts) - 1
            out.counts = [0] * ((last >> bits_lost) - out.offset + 1)
            for index, count in enumerate(self.counts):
                out.counts[((self.offset + index) >> bits_lost) - out.offset] += count
        return out

    def trim_zeros(self, threshold_bucket: int) -> int:
        """Remove the buckets up to ``threshold_bucket`` (a raised zero threshold swallows them)
        and return their total count."""
        threshold_index = threshold_bucket - self.offset
        if threshold_index < 0:
            return 0
        trimmed = min(threshold_index + 1, len(self.counts))
        total = sum(self.counts[:trimmed])
        self.counts = self.counts[trimmed:]
        self.offset += trimmed
        return total

    def diff(self, old: ExpBuckets) -> tuple[ExpBuckets, bool]:
        """``self - old`` at the same scale, keeping only non-zero differences (leading zeros
        trimmed); ``True`` as second item when a bucket went down (a reset)."""
        out = ExpBuckets()
        # old buckets below our first bucket must be empty
        if self.offset > old.offset and any(old.counts[: self.offset - old.offset]):
            return out, True
        started = False
        for index, count in enumerate(self.counts):
            bucket = self.offset + index
            old_index = bucket - old.offset
            old_count = old.counts[old_index] if 0 <= old_index < len(old.counts) else 0
            if count < old_count:
                return out, True
            if count == old_count or count == 0:
                continue
            if not started:
                out.offset = bucket
                started = True
            else:
                out.counts.extend([0] * (bucket - (out.offset + len(out.counts))))
            out.counts.append(count - old_count)
        current_end = self.offset + len(self.counts)
        old_end = old.offset + len(old.counts)
        if old_end > current_end and any(old.counts[max(0, current_end - old.offset) :]):
            return out, True
        return out, False


@dataclass(slots=True)
class ExpHistogramValue:
    count: int
    sum: float
    zero_count: int
    zero_threshold: float
    scale: int
    positive: ExpBuckets
    negative: ExpBuckets

    def clone(self) -> ExpHistogramValue:
        return replace(self, positive=self.positive.clone(), negative=self.negative.clone())


Value = int | float | HistogramValue | ExpHistogramValue


@dataclass(slots=True)
class _State:
    observed: int  # time_unix_nano of the last point
    value: Value


@dataclass(slots=True)
class Delta:
    """What replaces a converted point: its new start time and value."""

    start: int
    value: Value


class Tracker:
    """The last point of every stream, and the conversion of new points against it."""

    __slots__ = ("_initial", "_start_time", "_states")

    def __init__(self, initial_value: str, start_time: int) -> None:
        self._initial = initial_value
        # Points of streams that started before this time cannot be told apart from streams
        # this collector has seen before its restart (``auto``).
        self._start_time = start_time
        self._states: dict[Hashable, _State] = {}

    @property
    def streams(self) -> int:
        return len(self._states)

    def convert(self, key: Hashable, kind: MetricType, start: int, observed: int, value: Value) -> Delta | str:
        """The delta for a cumulative point, or the reason it is dropped. ``key`` identifies the
        stream and must include ``start`` (a new start time is a new stream)."""
        state = self._states.get(key)
        if state is None:
            self._states[key] = _State(observed, value)
            return self._first(start, observed, value)
        delta_start = state.observed
        prev = state.value
        out: Value | str
        if kind is MetricType.HISTOGRAM:
            assert isinstance(value, HistogramValue) and isinstance(prev, HistogramValue)
            out = _histogram_delta(state, value, prev)
        elif kind is MetricType.EXPONENTIAL_HISTOGRAM:
            assert isinstance(value, ExpHistogramValue) and isinstance(prev, ExpHistogramValue)
            out = _exp_histogram_delta(state, value, prev)
        else:
            assert isinstance(value, int | float) and isinstance(prev, int | float)
            state.value = value
            if value < prev:
                out = REASON_RESET
            else:
                out = _wrap_int64(value - prev) if isinstance(value, int) and isinstance(prev, int) else value - prev
        state.observed = observed
        return out if isinstance(out, str) else Delta(delta_start, out)

    def _first(self, start: int, observed: int, value: Value) -> Delta | str:
        if isinstance(value, HistogramValue | ExpHistogramValue):
            value = value.clone()
        if self._initial == "keep":
            return Delta(0, value)  # Go leaves the start time unset here
        if self._initial == "drop":
            return REASON_INITIAL
        if start < self._start_time or observed == start:
            return REASON_INITIAL
        return Delta(start, value)

    def remove_stale(self, stale_before: int) -> int:
        """Forget the streams whose last point is older than ``stale_before``; return how many."""
        doomed = [key for key, state in self._states.items() if state.observed < stale_before]
        for key in doomed:
            del self._states[key]
        return len(doomed)


def _histogram_delta(state: _State, value: HistogramValue, prev: HistogramValue) -> HistogramValue | str:
    state.value = value
    if len(value.counts) != len(prev.counts) or value.bounds != prev.bounds:
        return REASON_BUCKET_MISMATCH
    if value.count < prev.count or any(now < before for now, before in zip(value.counts, prev.counts, strict=True)):
        return REASON_RESET
    delta = value.clone()
    delta.count -= prev.count
    delta.sum -= prev.sum
    if math.isnan(delta.sum):
        # A NaN sum means "not recorded": emit 0 and keep the last real sum as the baseline.
        delta.sum = 0.0
        if math.isnan(value.sum):
            state.value = replace(value.clone(), sum=prev.sum)
    delta.counts = [now - before for now, before in zip(value.counts, prev.counts, strict=True)]
    return delta


def _exp_histogram_delta(state: _State, value: ExpHistogramValue, prev: ExpHistogramValue) -> ExpHistogramValue | str:
    state.value = value
    # Merging only ever raises count and zero threshold and lowers the scale.
    if value.count < prev.count or value.zero_threshold < prev.zero_threshold or value.scale > prev.scale:
        return REASON_RESET
    base = prev.clone()
    delta = value.clone()
    delta.count -= base.count
    delta.sum -= base.sum
    if value.zero_threshold > base.zero_threshold:
        # The previous buckets below the new threshold belong to the zero bucket now.
        scale_factor = math.ldexp(math.log2(math.e), base.scale)
        try:
            threshold_bucket = math.ceil(math.log(value.zero_threshold) * scale_factor) - 1
        except OverflowError:  # an infinite threshold swallows every bucket
            threshold_bucket = 2**31 - 1
        base.zero_count += base.positive.trim_zeros(threshold_bucket)
        base.zero_count += base.negative.trim_zeros(threshold_bucket)
    delta.zero_count -= base.zero_count
    if delta.zero_count < 0:
        return REASON_RESET  # Go's unsigned subtraction would wrap around here
    if value.scale < base.scale:
        bits_lost = base.scale - value.scale
        base.positive = base.positive.coarsen(bits_lost)
        base.negative = base.negative.coarsen(bits_lost)
    positive, reset = value.positive.diff(base.positive)
    if reset:
        return REASON_RESET
    negative, reset = value.negative.diff(base.negative)
    if reset:
        return REASON_RESET
    delta.positive, delta.negative = positive, negative
    if math.isnan(delta.sum):
        delta.sum = 0.0
        if math.isnan(value.sum):
            state.value = replace(value.clone(), sum=prev.sum)
    return delta
