"""Turns the configured delta sums into gauges of their per-second rate (Go's
``deltatorateprocessor.processMetrics``).

Each point's value becomes ``value / (time - start)`` in seconds, as a double (0 when the interval
is not positive); the metric becomes a gauge and a non-empty unit gets ``/s`` appended. A named
metric that is not a delta sum is left alone and logged at info level, as Go does.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer, PermanentError
from pyotelcol.helpers.processorhelper import Processor
from pyotelcol.pdata import Metrics

from .config import Config

_INT64 = 2**64


def create_processor(settings: Settings, cfg: Config, next_consumer: Consumer) -> Processor[Any]:
    names = frozenset(cfg.metrics)
    logger = settings.telemetry.logger

    async def process(data: Metrics) -> Metrics:
        msg = data.message
        targets = [m for rm in msg.resource_metrics for sm in rm.scope_metrics for m in sm.metrics if m.name in names]
        if not targets:
            return data  # nothing to change: keep the received bytes
        data.before_write()
        for metric in targets:
            if (
                metric.WhichOneof("data") != "sum"
                or metric.sum.aggregation_temporality != metrics_pb2.AGGREGATION_TEMPORALITY_DELTA
            ):
                logger.info(f"Configured metric for rate calculation {metric.name} is not a delta sum\n")
                continue
            _to_rate(metric)
        return data

    return Processor(settings, Signal.METRICS, next_consumer, process, mutates_data=True)


def _to_rate(metric: Any) -> None:
    points = list(metric.sum.data_points)
    rates = []
    for point in points:
        kind = point.WhichOneof("value")
        if kind is None:
            # Go fails the whole request, permanently, on a point without a value
            raise PermanentError("invalid data point type:0")
        rates.append(_rate(float(getattr(point, kind)), point.time_unix_nano - point.start_time_unix_nano))
    gauge_points = [type(p)() for p in points]
    for copy, point, rate in zip(gauge_points, points, rates, strict=True):
        copy.CopyFrom(point)
        copy.as_double = rate
    metric.gauge.data_points.extend(gauge_points)  # setting the gauge clears the sum (a oneof)
    if metric.unit:
        metric.unit += "/s"


def _rate(value: float, interval_ns: int) -> float:
    # Go subtracts unsigned timestamps and reads the result as a signed duration
    interval_ns %= _INT64
    if interval_ns >= 2**63:
        interval_ns -= _INT64
    seconds = interval_ns / 1e9
    return value / seconds if seconds > 0 else 0.0
