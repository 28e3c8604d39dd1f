"""Per-resource metric series of the span metrics connector: monotonic sums (calls, events),
explicit or exponential duration histograms, with exemplars and Go's cardinality limit.

A series is created on the first span of its key, starting at the time that span was
aggregated. Once a store holds ``cardinality_limit`` series, spans of a new key go to a single
overflow series whose only attribute is ``otel.metric.overflow=true`` (Go's, from the OTel SDK).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, TypeVar

from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.helpers.expohisto import ExponentialHistogram

OVERFLOW_ATTRIBUTE = "otel.metric.overflow"
#: The key of the overflow series (no real key is a one-element tuple starting with NUL).
OVERFLOW_KEY: tuple[str, ...] = ("\x00" + OVERFLOW_ATTRIBUTE,)

SeriesKey = Hashable
Attributes = list[KeyValue]
Exemplar = tuple[bytes, bytes, float]


def _overflow_attributes() -> Attributes:
    kv = KeyValue(key=OVERFLOW_ATTRIBUTE)
    kv.value.bool_value = True
    return [kv]


class Series:
    """What every series keeps: attributes, start time, last update, exemplars of this interval."""

    __slots__ = ("attributes", "exemplars", "last_seen", "max_exemplars", "start")

    def __init__(self, attributes: Attributes, start: int, max_exemplars: int) -> None:
        self.attributes = attributes
        self.start = start
        self.last_seen = start
        self.max_exemplars = max_exemplars
        self.exemplars: list[Exemplar] = []

    def add_exemplar(self, trace_id: bytes, span_id: bytes, value: float) -> None:
        if len(self.exemplars) < self.max_exemplars:
            self.exemplars.append((trace_id, span_id, value))

    def fill_exemplars(self, out: object, timestamp: int) -> None:
        """Append the exemplars to ``out`` (a repeated Exemplar field), stamped ``timestamp``."""
        for trace_id, span_id, value in self.exemplars:
            ex = out.add()  # type: ignore[attr-defined]
            ex.time_unix_nano = timestamp
            ex.trace_id = trace_id
            ex.span_id = span_id
            ex.as_double = value


class SumSeries(Series):
    __slots__ = ("count", "first")

    def __init__(self, attributes: Attributes, start: int, max_exemplars: int) -> None:
        super().__init__(attributes, start, max_exemplars)
        self.count = 0
        # Go reports a new cumulative series as 0 once, so that Prometheus sees it start from zero.
        self.first = True

    def observe(self, value: float, n: int) -> None:
        self.count += n


class ExplicitSeries(Series):
    __slots__ = ("bounds", "bucket_counts", "count", "sum")

    def __init__(self, attributes: Attributes, start: int, max_exemplars: int, bounds: list[float]) -> None:
        super().__init__(attributes, start, max_exemplars)
        self.bounds = bounds
        self.bucket_counts = [0] * (len(bounds) + 1)
        self.count = 0
        self.sum = 0.0

    def observe(self, value: float, n: int) -> None:
        self.sum += value * n
        self.count += n
        # the first bound >= value: buckets are upper-inclusive
        self.bucket_counts[bisect_left(self.bounds, value)] += n


class ExponentialSeries(Series):
    __slots__ = ("histogram",)

    def __init__(self, attributes: Attributes, start: int, max_exemplars: int, max_size: int) -> None:
        super().__init__(attributes, start, max_exemplars)
        self.histogram = ExponentialHistogram(max_size)

    def observe(self, value: float, n: int) -> None:
        self.histogram.update(value, n)


S = TypeVar("S", bound=Series)


class SeriesStore(Generic[S]):
    """The series of one metric of one resource, by key."""

    __slots__ = ("_limit", "_new", "series")

    def __init__(self, new: Callable[[Attributes, int], S], cardinality_limit: int) -> None:
        self._new = new
        self._limit = cardinality_limit
        self.series: dict[SeriesKey, S] = {}

    def get_or_create(
        self, key: SeriesKey, now: int, attributes: Callable[..., Attributes], *args: Any
    ) -> tuple[S, bool]:
        """The series of ``key`` (created with ``attributes(*args)`` when new) and whether the
        cardinality limit sent the span to the overflow series instead."""
        found = self.series.get(key)
        if found is not None:
            found.last_seen = now
            return found, False
        if self._limit > 0 and len(self.series) >= self._limit:
            overflow = self.series.get(OVERFLOW_KEY)
            if overflow is None:
                overflow = self.series[OVERFLOW_KEY] = self._new(_overflow_attributes(), now)
            overflow.last_seen = now
            return overflow, True
        created = self.series[key] = self._new(attributes(*args), now)
        return created, False

    def items(self) -> Iterator[tuple[SeriesKey, S]]:
        return iter(self.series.items())

    def clear_exemplars(self) -> None:
        for series in self.series.values():
            series.exemplars = []

    def expire(self, older_than: int) -> None:
        """Drop the series last updated at or before ``older_than``."""
        stale = [key for key, series in self.series.items() if series.last_seen <= older_than]
        for key in stale:
            del self.series[key]


StartTime = Callable[[SeriesKey, int], int]


def build_sums(
    store: SeriesStore[SumSeries], metric: metrics_pb2.Metric, timestamp: int, start_of: StartTime, delta: bool
) -> None:
    out = metric.sum
    out.SetInParent()
    out.is_monotonic = True
    out.aggregation_temporality = (
        metrics_pb2.AGGREGATION_TEMPORALITY_DELTA if delta else metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
    )
    for key, series in store.items():
        dp = out.data_points.add()
        dp.start_time_unix_nano = start_of(key, series.start)
        dp.time_unix_nano = timestamp
        if not delta and series.first:
            dp.as_int = 0
            series.first = False
        else:
            dp.as_int = series.count
        series.fill_exemplars(dp.exemplars, timestamp)
        dp.attributes.extend(series.attributes)


def build_explicit(
    store: SeriesStore[ExplicitSeries], metric: metrics_pb2.Metric, timestamp: int, start_of: StartTime, delta: bool
) -> None:
    out = metric.histogram
    out.SetInParent()
    out.aggregation_temporality = (
        metrics_pb2.AGGREGATION_TEMPORALITY_DELTA if delta else metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
    )
    for key, series in store.items():
        dp = out.data_points.add()
        dp.start_time_unix_nano = start_of(key, series.start)
        dp.time_unix_nano = timestamp
        dp.explicit_bounds.extend(series.bounds)
        dp.bucket_counts.extend(series.bucket_counts)
        dp.count = series.count
        dp.sum = series.sum
        series.fill_exemplars(dp.exemplars, timestamp)
        dp.attributes.extend(series.attributes)


def build_exponential(
    store: SeriesStore[ExponentialSeries], metric: metrics_pb2.Metric, timestamp: int, start_of: StartTime, delta: bool
) -> None:
    out = metric.exponential_histogram
    out.SetInParent()
    out.aggregation_temporality = (
        metrics_pb2.AGGREGATION_TEMPORALITY_DELTA if delta else metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
    )
    for key, series in store.items():
        h = series.histogram
        dp = out.data_points.add()
        dp.start_time_unix_nano = start_of(key, series.start)
        dp.time_unix_nano = timestamp
        dp.count = h.count
        dp.sum = h.sum
        if h.count:
            dp.min = h.min
            dp.max = h.max
        dp.zero_count = h.zero_count
        dp.scale = h.scale
        dp.positive.offset = h.positive.offset
        dp.positive.bucket_counts.extend(h.positive.counts)
        dp.negative.offset = h.negative.offset
        dp.negative.bucket_counts.extend(h.negative.counts)
        series.fill_exemplars(dp.exemplars, timestamp)
        dp.attributes.extend(series.attributes)
