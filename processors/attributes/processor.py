"""Applies the configured actions to the attributes of every span, log record or metric data
point that include/exclude let through (Go's ``attributes_trace.go``, ``attributes_log.go``,
``attributes_metric.go``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pyotelcol import client
from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.attraction import AttrProc
from pyotelcol.helpers.filtermatch import Skip, log_skip, metric_skip, span_skip
from pyotelcol.helpers.processorhelper import Processor
from pyotelcol.pdata import AnyData
from pyotelcol.pdata.pmetric import Metric, MetricType

from .config import Config

D = TypeVar("D", bound=AnyData)

_POINTS = {
    MetricType.GAUGE: "gauge",
    MetricType.SUM: "sum",
    MetricType.HISTOGRAM: "histogram",
    MetricType.EXPONENTIAL_HISTOGRAM: "exponential_histogram",
    MetricType.SUMMARY: "summary",
}


def create_processor(
    settings: Settings, signal: Signal, cfg: Config, proc: AttrProc, next_consumer: Consumer
) -> Processor[Any]:
    """Raises ValueError (Go's message) when include/exclude do not suit ``signal``."""
    process: Callable[[Any], Awaitable[Any]]
    if signal is Signal.TRACES:
        process = _attributes_of(proc, span_skip(cfg.include, cfg.exclude), _item_attributes)
    elif signal is Signal.LOGS:
        process = _attributes_of(proc, log_skip(cfg.include, cfg.exclude), _item_attributes)
    else:
        process = _attributes_of(proc, metric_skip(cfg.include, cfg.exclude), _point_attributes)
    return Processor(settings, signal, next_consumer, process, mutates_data=True)


def _info(proc: AttrProc) -> client.Info | None:
    return client.from_context() if proc.uses_context else None


def _attributes_of(
    proc: AttrProc, skip: Skip[Any] | None, update: Callable[[AttrProc, Any, client.Info | None], None]
) -> Callable[[D], Awaitable[D]]:
    """Apply the actions to every span / log record / metric's points the include/exclude
    properties select."""

    async def process(data: D) -> D:
        info = _info(proc)
        for resource, scope, item in data.items():
            if skip is None or not skip.skip(resource, scope, item):
                update(proc, item, info)
        return data

    return process


def _item_attributes(proc: AttrProc, item: Any, info: client.Info | None) -> None:
    proc.process(item.attributes, info)


def _point_attributes(proc: AttrProc, metric: Metric, info: client.Info | None) -> None:
    field = _POINTS.get(metric.type)
    if field is None:  # a metric without data
        return
    for point in getattr(metric, field).data_points:
        proc.process(point.attributes, info)
