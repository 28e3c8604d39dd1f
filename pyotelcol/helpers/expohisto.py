"""An auto-scaling base-2 exponential histogram, as Go's ``lightstep/go-expohisto`` keeps it
(used by the span metrics connector; the count and servicegraph connectors can reuse it).

It starts at the finest scale (20) and halves its resolution (scale - 1, two buckets merge into
one) whenever a new value would need more than ``max_size`` buckets on its side of zero. Bucket
``i`` at scale ``s`` holds the values in ``(base**i, base**(i+1)]`` with ``base = 2**(2**-s)``;
exact powers of two fall in the bucket below, as the OpenTelemetry data model says.
"""

from __future__ import annotations

import math

__all__ = ["DEFAULT_MAX_SIZE", "MAX_SCALE", "Buckets", "ExponentialHistogram", "map_to_index"]

DEFAULT_MAX_SIZE = 160
MAX_SCALE = 20
MIN_SIZE = 2
MAX_MAX_SIZE = 16384
_MIN_NORMAL_EXPONENT = -1022
_MAX_NORMAL_EXPONENT = 1023


def map_to_index(value: float, scale: int) -> int:
    """The bucket index of a positive finite ``value`` at ``scale``."""
    mantissa, exponent = math.frexp(value)  # value = mantissa * 2**exponent, mantissa in [0.5, 1)
    base2 = exponent - 1  # the IEEE exponent: value = 1.f * 2**base2
    if base2 < _MIN_NORMAL_EXPONENT:  # subnormals all go to the lowest normal bucket
        return ((_MIN_NORMAL_EXPONENT << scale) - 1) if scale > 0 else (_MIN_NORMAL_EXPONENT - 1) >> -scale
    exact_power = mantissa == 0.5
    if scale <= 0:
        return (base2 - 1 if exact_power else base2) >> -scale
    if exact_power:
        return (base2 << scale) - 1
    index = math.floor(math.log(value) * math.ldexp(math.log2(math.e), scale))
    return min(index, ((_MAX_NORMAL_EXPONENT + 1) << scale) - 1)


class Buckets:
    """One side of zero: contiguous counts from index ``offset`` on."""

    __slots__ = ("counts", "offset")

    def __init__(self) -> None:
        self.offset = 0
        self.counts: list[int] = []

    def try_increment(self, index: int, incr: int, max_size: int) -> tuple[int, int] | None:
        """Add ``incr`` at ``index``; when that would need more than ``max_size`` buckets, change
        nothing and return the (low, high) index range the buckets would have to span."""
        counts = self.counts
        if not counts:
            self.offset = index
            counts.append(incr)
            return None
        start = self.offset
        end = start + len(counts) - 1
        if index < start:
            if end - index >= max_size:
                return index, end
            counts[0:0] = [0] * (start - index)
            self.offset = start = index
        elif index > end:
            if index - start >= max_size:
                return start, index
            counts.extend([0] * (index - end))
        counts[index - start] += incr
        return None

    def downscale(self, by: int) -> None:
        """Merge every ``2**by`` neighbouring buckets into one."""
        if by <= 0 or not self.counts:
            return
        start = self.offset
        new_start = start >> by
        merged = [0] * (((start + len(self.counts) - 1) >> by) - new_start + 1)
        for i, count in enumerate(self.counts):
            merged[((start + i) >> by) - new_start] += count
        self.offset = new_start
        self.counts = merged


class ExponentialHistogram:
    """Count, sum, min, max, zero count and positive/negative buckets of the values seen."""

    __slots__ = ("count", "max", "max_size", "min", "negative", "positive", "scale", "sum", "zero_count")

    def __init__(self, max_size: int = DEFAULT_MAX_SIZE) -> None:
        # go-expohisto's sizing: 0 or negative means the default, the rest is clamped to [2, 16384]
        self.max_size = DEFAULT_MAX_SIZE if max_size <= 0 else min(max(max_size, MIN_SIZE), MAX_MAX_SIZE)
        self.scale = MAX_SCALE
        self.count = 0
        self.sum = 0.0
        self.min = 0.0
        self.max = 0.0
        self.zero_count = 0
        self.positive = Buckets()
        self.negative = Buckets()

    def update(self, value: float, incr: int = 1) -> None:
        """Record ``value`` ``incr`` times (NaN and infinities are ignored)."""
        if incr <= 0 or not math.isfinite(value):
            return
        if self.count == 0:
            self.min = self.max = value
        else:
            self.min = min(self.min, value)
            self.max = max(self.max, value)
        self.count += incr
        if value == 0:
            self.zero_count += incr
            return
        self.sum += value * incr
        side = self.positive if value > 0 else self.negative
        magnitude = abs(value)
        overflow = side.try_increment(map_to_index(magnitude, self.scale), incr, self.max_size)
        if overflow is None:
            return
        low, high = overflow
        change = 0
        while high - low >= self.max_size:
            high >>= 1
            low >>= 1
            change += 1
        self.positive.downscale(change)
        self.negative.downscale(change)
        self.scale -= change
        side.try_increment(map_to_index(magnitude, self.scale), incr, self.max_size)
