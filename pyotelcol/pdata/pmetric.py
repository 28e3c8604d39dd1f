"""Views over metric data (Go's ``pmetric``): ``ResourceMetrics`` → ``ScopeMetrics`` → ``Metric``,
whose data is one of gauge, sum, histogram, exponential histogram or summary, each a slice of
data points. See ``pcommon`` for how views guard changes."""

from __future__ import annotations

from enum import Enum, IntEnum
from typing import Any

from opentelemetry.proto.metrics.v1 import metrics_pb2

from .pcommon import Field, InstrumentationScope, MapField, MessageField, Resource, SliceField, View

__all__ = [
    "AggregationTemporality",
    "Buckets",
    "Exemplar",
    "ExponentialHistogram",
    "ExponentialHistogramDataPoint",
    "Gauge",
    "Histogram",
    "HistogramDataPoint",
    "Metric",
    "MetricType",
    "NumberDataPoint",
    "ResourceMetrics",
    "ScopeMetrics",
    "Sum",
    "Summary",
    "SummaryDataPoint",
    "ValueAtQuantile",
]


class AggregationTemporality(IntEnum):
    UNSPECIFIED = 0
    DELTA = 1
    CUMULATIVE = 2


class MetricType(Enum):
    """Named as Go's ``pmetric.MetricType`` prints them."""

    EMPTY = "Empty"
    GAUGE = "Gauge"
    SUM = "Sum"
    HISTOGRAM = "Histogram"
    EXPONENTIAL_HISTOGRAM = "ExponentialHistogram"
    SUMMARY = "Summary"


_METRIC_TYPE = {
    None: MetricType.EMPTY,
    "gauge": MetricType.GAUGE,
    "sum": MetricType.SUM,
    "histogram": MetricType.HISTOGRAM,
    "exponential_histogram": MetricType.EXPONENTIAL_HISTOGRAM,
    "summary": MetricType.SUMMARY,
}


class Exemplar(View[metrics_pb2.Exemplar]):
    __slots__ = ()
    proto_type = metrics_pb2.Exemplar
    filtered_attributes = MapField("filtered_attributes")
    time_unix_nano = Field[int]("time_unix_nano")
    as_double = Field[float]("as_double")
    as_int = Field[int]("as_int")
    span_id = Field[bytes]("span_id")
    trace_id = Field[bytes]("trace_id")


class _Point:
    """The fields every data point has (mixed into the point views)."""

    __slots__ = ()
    _pb: Any
    _guard: Any
    attributes = MapField()
    start_time_unix_nano = Field[int]("start_time_unix_nano")
    time_unix_nano = Field[int]("time_unix_nano")
    flags = Field[int]("flags")


class _Distribution(_Point):
    """Histogram and exponential histogram points: count, the proto3 ``optional`` sum, min and
    max (``has_*`` tells whether set, ``remove_*`` unsets, as Go's ``HasSum``/``RemoveSum``)."""

    __slots__ = ()
    count = Field[int]("count")
    sum = Field[float]("sum")
    min = Field[float]("min")
    max = Field[float]("max")
    exemplars = SliceField("exemplars", Exemplar)

    @property
    def has_sum(self) -> bool:
        return bool(self._pb.HasField("sum"))

    @property
    def has_min(self) -> bool:
        return bool(self._pb.HasField("min"))

    @property
    def has_max(self) -> bool:
        return bool(self._pb.HasField("max"))

    def _remove(self, name: str) -> None:
        self._guard.before_write()
        self._pb.ClearField(name)

    def remove_sum(self) -> None:
        self._remove("sum")

    def remove_min(self) -> None:
        self._remove("min")

    def remove_max(self) -> None:
        self._remove("max")


class NumberDataPoint(View[metrics_pb2.NumberDataPoint], _Point):
    __slots__ = ()
    proto_type = metrics_pb2.NumberDataPoint
    as_double = Field[float]("as_double")
    as_int = Field[int]("as_int")
    exemplars = SliceField("exemplars", Exemplar)

    @property
    def value_type(self) -> str:
        """ "Empty", "Int" or "Double" (Go's ``NumberDataPointValueType``)."""
        return {None: "Empty", "as_int": "Int", "as_double": "Double"}[self._pb.WhichOneof("value")]

    @property
    def value(self) -> float | int:
        """The point's value, whichever type it holds (0 when empty)."""
        kind = self._pb.WhichOneof("value")
        return getattr(self._pb, kind) if kind else 0


class HistogramDataPoint(View[metrics_pb2.HistogramDataPoint], _Distribution):
    __slots__ = ()
    proto_type = metrics_pb2.HistogramDataPoint

    @property
    def bucket_counts(self) -> list[int]:
        return list(self._pb.bucket_counts)

    def set_bucket_counts(self, counts: list[int]) -> None:
        self._guard.before_write()
        self._pb.bucket_counts[:] = counts

    @property
    def explicit_bounds(self) -> list[float]:
        return list(self._pb.explicit_bounds)

    def set_explicit_bounds(self, bounds: list[float]) -> None:
        self._guard.before_write()
        self._pb.explicit_bounds[:] = bounds


class Buckets(View[metrics_pb2.ExponentialHistogramDataPoint.Buckets]):
    __slots__ = ()
    proto_type = metrics_pb2.ExponentialHistogramDataPoint.Buckets
    offset = Field[int]("offset")

    @property
    def bucket_counts(self) -> list[int]:
        return list(self._pb.bucket_counts)

    def set_bucket_counts(self, counts: list[int]) -> None:
        self._guard.before_write()
        self._pb.bucket_counts[:] = counts


class ExponentialHistogramDataPoint(View[metrics_pb2.ExponentialHistogramDataPoint], _Distribution):
    __slots__ = ()
    proto_type = metrics_pb2.ExponentialHistogramDataPoint
    scale = Field[int]("scale")
    zero_count = Field[int]("zero_count")
    zero_threshold = Field[float]("zero_threshold")
    positive = MessageField("positive", Buckets)
    negative = MessageField("negative", Buckets)


class ValueAtQuantile(View[metrics_pb2.SummaryDataPoint.ValueAtQuantile]):
    __slots__ = ()
    proto_type = metrics_pb2.SummaryDataPoint.ValueAtQuantile
    quantile = Field[float]("quantile")
    value = Field[float]("value")


class SummaryDataPoint(View[metrics_pb2.SummaryDataPoint], _Point):
    __slots__ = ()
    proto_type = metrics_pb2.SummaryDataPoint
    count = Field[int]("count")
    sum = Field[float]("sum")
    quantile_values = SliceField("quantile_values", ValueAtQuantile)


class Gauge(View[metrics_pb2.Gauge]):
    __slots__ = ()
    proto_type = metrics_pb2.Gauge
    data_points = SliceField("data_points", NumberDataPoint)


class Sum(View[metrics_pb2.Sum]):
    __slots__ = ()
    proto_type = metrics_pb2.Sum
    data_points = SliceField("data_points", NumberDataPoint)
    aggregation_temporality = Field[int]("aggregation_temporality")
    is_monotonic = Field[bool]("is_monotonic")


class Histogram(View[metrics_pb2.Histogram]):
    __slots__ = ()
    proto_type = metrics_pb2.Histogram
    data_points = SliceField("data_points", HistogramDataPoint)
    aggregation_temporality = Field[int]("aggregation_temporality")


class ExponentialHistogram(View[metrics_pb2.ExponentialHistogram]):
    __slots__ = ()
    proto_type = metrics_pb2.ExponentialHistogram
    data_points = SliceField("data_points", ExponentialHistogramDataPoint)
    aggregation_temporality = Field[int]("aggregation_temporality")


class Summary(View[metrics_pb2.Summary]):
    __slots__ = ()
    proto_type = metrics_pb2.Summary
    data_points = SliceField("data_points", SummaryDataPoint)


class Metric(View[metrics_pb2.Metric]):
    """One metric; its data is read with ``gauge``/``sum``/... after checking ``type``, and
    replaced with ``set_empty_gauge()``/... (Go's ``SetEmptyGauge``)."""

    __slots__ = ()
    proto_type = metrics_pb2.Metric
    name = Field[str]("name")
    description = Field[str]("description")
    unit = Field[str]("unit")
    metadata = MapField("metadata")
    gauge = MessageField("gauge", Gauge)
    sum = MessageField("sum", Sum)
    histogram = MessageField("histogram", Histogram)
    exponential_histogram = MessageField("exponential_histogram", ExponentialHistogram)
    summary = MessageField("summary", Summary)

    @property
    def type(self) -> MetricType:
        return _METRIC_TYPE[self._pb.WhichOneof("data")]

    def data_point_count(self) -> int:
        kind = self._pb.WhichOneof("data")
        return len(getattr(self._pb, kind).data_points) if kind else 0

    def _set_empty(self, name: str) -> Any:
        self._guard.before_write()
        self._pb.ClearField("data")
        sub = getattr(self._pb, name)
        sub.SetInParent()
        return sub

    def set_empty_gauge(self) -> Gauge:
        return Gauge(self._set_empty("gauge"), self._guard)

    def set_empty_sum(self) -> Sum:
        return Sum(self._set_empty("sum"), self._guard)

    def set_empty_histogram(self) -> Histogram:
        return Histogram(self._set_empty("histogram"), self._guard)

    def set_empty_exponential_histogram(self) -> ExponentialHistogram:
        return ExponentialHistogram(self._set_empty("exponential_histogram"), self._guard)

    def set_empty_summary(self) -> Summary:
        return Summary(self._set_empty("summary"), self._guard)


class ScopeMetrics(View[metrics_pb2.ScopeMetrics]):
    __slots__ = ()
    proto_type = metrics_pb2.ScopeMetrics
    scope = MessageField("scope", InstrumentationScope)
    metrics = SliceField("metrics", Metric)
    schema_url = Field[str]("schema_url")


class ResourceMetrics(View[metrics_pb2.ResourceMetrics]):
    __slots__ = ()
    proto_type = metrics_pb2.ResourceMetrics
    resource = MessageField("resource", Resource)
    scope_metrics = SliceField("scope_metrics", ScopeMetrics)
    schema_url = Field[str]("schema_url")
