"""Converts the selected monotonic cumulative sums, histograms and exponential histograms to delta
(Go's ``cumulativetodeltaprocessor.processMetrics``).

Per metric: only cumulative data is touched, sums only when monotonic; a converted metric gets
delta temporality, loses the points the tracker dropped (first points, resets, bucket changes,
points flagged "no recorded value"), and disappears when none is left, as do scopes and resources
left without metrics. Double sums whose value is NaN (Prometheus staleness markers) pass unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable, Hashable
from typing import Any

from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.component import Host, Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.metricstreams import attributes_key
from pyotelcol.helpers.processorhelper import Processor
from pyotelcol.pdata import Metrics
from pyotelcol.pdata.pmetric import AggregationTemporality, MetricType

from .config import Config, MatchMetrics
from .tracker import Delta, ExpBuckets, ExpHistogramValue, HistogramValue, Tracker

_CUMULATIVE = AggregationTemporality.CUMULATIVE
_DELTA = AggregationTemporality.DELTA
_NO_RECORDED_VALUE = 1  # DataPointFlags.FLAG_NO_RECORDED_VALUE
_TYPE_LABELS = {
    MetricType.SUM: "sum",
    MetricType.HISTOGRAM: "histogram",
    MetricType.EXPONENTIAL_HISTOGRAM: "exponential_histogram",
}
_KINDS = {
    "sum": MetricType.SUM,
    "histogram": MetricType.HISTOGRAM,
    "exponential_histogram": MetricType.EXPONENTIAL_HISTOGRAM,
}


def create_processor(settings: Settings, cfg: Config, next_consumer: Consumer) -> Processor[Any]:
    if (cfg.include.names is None and cfg.include.metrics) or (cfg.exclude.names is None and cfg.exclude.metrics):
        cfg.validate()  # built without validate(): compile the filters now
    tracker = Tracker(cfg.initial_value, time.time_ns())
    converter = _Converter(cfg, tracker, _Telemetry(settings, tracker))
    sweeper: list[asyncio.Task[None]] = []

    async def start(_host: Host) -> None:
        period = cfg.max_staleness.total_seconds()
        if period > 0:
            sweeper.append(asyncio.get_running_loop().create_task(_sweep(converter.tracker, period)))

    async def shutdown() -> None:
        for task in sweeper:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        sweeper.clear()

    async def process(data: Metrics) -> Metrics | None:
        converter.process(data)
        return data if len(data.message.resource_metrics) else None

    return Processor(
        settings, Signal.METRICS, next_consumer, process, mutates_data=True, start=start, shutdown=shutdown
    )


async def _sweep(tracker: Tracker, period: float) -> None:
    """Every ``max_staleness``, forget streams whose last point is older than ``max_staleness``
    (Go's sweeper goroutine; the age is that of the point's timestamp, not of its arrival)."""
    while True:
        await asyncio.sleep(period)
        tracker.remove_stale(time.time_ns() - int(period * 1e9))


def _selects(match: MatchMetrics, name: str, kind: MetricType, include: bool) -> bool:
    names = match.names is None or match.names.matches(name) == include
    kinds = not match.types or (kind in match.types) == include
    return names and kinds


class _Telemetry:
    """Go's ``otelcol_cumulativetodelta_*`` self-metrics, which Go leaves off by default: recorded
    at the ``detailed`` metrics level only."""

    def __init__(self, settings: Settings, tracker: Tracker) -> None:
        self.enabled = settings.telemetry.metrics_level == "detailed"
        self._id = str(settings.id)
        if not self.enabled:
            return
        meter = settings.telemetry.meter
        self._converted = meter.create_counter(
            "otelcol_cumulativetodelta_datapoints",
            unit="{datapoint}",
            description="Number of datapoints converted from cumulative to delta temporality.",
        )
        self._dropped = meter.create_counter(
            "otelcol_cumulativetodelta_datapoints_dropped",
            unit="{datapoint}",
            description="Number of datapoints dropped instead of being converted.",
        )

        def observe(_options: CallbackOptions) -> list[Observation]:
            return [Observation(tracker.streams, {"processor": self._id})]

        meter.create_observable_up_down_counter(
            "otelcol_cumulativetodelta_streams_tracked",
            callbacks=[observe],
            unit="{stream}",
            description="Number of metric streams currently tracked in memory for cumulative-to-delta conversion.",
        )

    def record(self, kind: MetricType, out: Delta | str) -> None:
        if not self.enabled:
            return
        metric_type = _TYPE_LABELS[kind]
        if isinstance(out, Delta):
            self._converted.add(1, {"processor": self._id, "metric_type": metric_type})
        else:
            self._dropped.add(1, {"processor": self._id, "metric_type": metric_type, "reason": out})


class _Converter:
    __slots__ = ("_cfg", "_telemetry", "tracker")

    def __init__(self, cfg: Config, tracker: Tracker, telemetry: _Telemetry) -> None:
        self._cfg = cfg
        self.tracker = tracker
        self._telemetry = telemetry

    def _converts(self, name: str, kind: MetricType) -> bool:
        return _selects(self._cfg.include, name, kind, True) and _selects(self._cfg.exclude, name, kind, False)

    def process(self, data: Metrics) -> None:
        msg = data.message
        wanted = any(self._wanted(m) for rm in msg.resource_metrics for sm in rm.scope_metrics for m in sm.metrics)
        empty = any(
            not rm.scope_metrics or not all(sm.metrics for sm in rm.scope_metrics) for rm in msg.resource_metrics
        )
        if not wanted and not empty:
            return  # nothing to change: keep the received bytes
        msg = data.mutable()
        for rm in msg.resource_metrics:
            resource = attributes_key(rm.resource.attributes)
            for sm in rm.scope_metrics:
                parents = (resource, (sm.scope.name, sm.scope.version, attributes_key(sm.scope.attributes)))
                _keep(sm.metrics, lambda m: not self._convert(m, parents))  # noqa: B023 - called at once
            _keep(rm.scope_metrics, lambda sm: len(sm.metrics) > 0)
        _keep(msg.resource_metrics, lambda rm: len(rm.scope_metrics) > 0)

    def _wanted(self, metric: metrics_pb2.Metric) -> bool:
        field = metric.WhichOneof("data")
        kind = _KINDS.get(field or "")
        if kind is None or not self._converts(metric.name, kind):
            return False
        data = getattr(metric, field)  # type: ignore[arg-type]
        if data.aggregation_temporality != _CUMULATIVE:
            return False
        return bool(data.is_monotonic) if kind is MetricType.SUM else len(data.data_points) > 0

    def _convert(self, metric: metrics_pb2.Metric, parents: tuple[Hashable, ...]) -> bool:
        """Convert one metric in place; True when it lost all its points and must go."""
        if not self._wanted(metric):
            return False
        field = metric.WhichOneof("data")
        kind = _KINDS[field]  # type: ignore[index]
        data = getattr(metric, field)  # type: ignore[arg-type]
        base = (kind, *parents, metric.name, metric.unit)
        if kind is MetricType.SUM:
            convert = self._number_point
        elif kind is MetricType.HISTOGRAM:
            convert = self._histogram_point
        else:
            convert = self._exp_histogram_point
        left = _keep(data.data_points, lambda point: convert(base, point))
        data.aggregation_temporality = _DELTA
        return left == 0

    def _number_point(self, base: tuple[Hashable, ...], point: Any) -> bool:
        if point.flags & _NO_RECORDED_VALUE:
            return False
        is_double = point.WhichOneof("value") == "as_double"
        if is_double and math.isnan(point.as_double):
            return True  # a staleness marker: passed on untouched
        key = (base, point.WhichOneof("value"), attributes_key(point.attributes), point.start_time_unix_nano)
        value = point.as_double if is_double else point.as_int
        out = self.tracker.convert(key, MetricType.SUM, point.start_time_unix_nano, point.time_unix_nano, value)
        self._telemetry.record(MetricType.SUM, out)
        if not isinstance(out, Delta):
            return False
        point.start_time_unix_nano = out.start
        if is_double:
            point.as_double = out.value
        else:
            point.as_int = out.value
        return True

    def _histogram_point(self, base: tuple[Hashable, ...], point: Any) -> bool:
        if point.flags & _NO_RECORDED_VALUE:
            return False
        key = (base, attributes_key(point.attributes), point.start_time_unix_nano)
        value = HistogramValue(point.count, point.sum, list(point.explicit_bounds), list(point.bucket_counts))
        out = self.tracker.convert(key, MetricType.HISTOGRAM, point.start_time_unix_nano, point.time_unix_nano, value)
        self._telemetry.record(MetricType.HISTOGRAM, out)
        if not isinstance(out, Delta):
            return False
        delta = out.value
        assert isinstance(delta, HistogramValue)
        point.start_time_unix_nano = out.start
        point.count = delta.count
        if point.HasField("sum") and not math.isnan(point.sum):
            point.sum = delta.sum
        point.explicit_bounds[:] = delta.bounds
        point.bucket_counts[:] = delta.counts
        point.ClearField("min")
        point.ClearField("max")
        return True

    def _exp_histogram_point(self, base: tuple[Hashable, ...], point: Any) -> bool:
        if point.flags & _NO_RECORDED_VALUE:
            return False
        key = (base, attributes_key(point.attributes), point.start_time_unix_nano)
        value = ExpHistogramValue(
            point.count,
            point.sum,
            point.zero_count,
            point.zero_threshold,
            point.scale,
            ExpBuckets(point.positive.offset, list(point.positive.bucket_counts)),
            ExpBuckets(point.negative.offset, list(point.negative.bucket_counts)),
        )
        kind = MetricType.EXPONENTIAL_HISTOGRAM
        out = self.tracker.convert(key, kind, point.start_time_unix_nano, point.time_unix_nano, value)
        self._telemetry.record(kind, out)
        if not isinstance(out, Delta):
            return False
        delta = out.value
        assert isinstance(delta, ExpHistogramValue)
        point.start_time_unix_nano = out.start
        point.count = delta.count
        if point.HasField("sum") and not math.isnan(point.sum):
            point.sum = delta.sum
        point.zero_count = delta.zero_count  # scale and zero threshold stay
        point.positive.offset = delta.positive.offset
        point.positive.bucket_counts[:] = delta.positive.counts
        point.negative.offset = delta.negative.offset
        point.negative.bucket_counts[:] = delta.negative.counts
        point.ClearField("min")  # cannot be known for the delta
        point.ClearField("max")
        return True


def _keep(items: Any, predicate: Callable[[Any], bool]) -> int:
    """Remove the elements of the repeated field ``items`` that fail ``predicate`` (each is asked
    once, in order); return how many are left."""
    doomed = [i for i, item in enumerate(items) if not predicate(item)]
    for i in reversed(doomed):
        del items[i]
    return len(items)
