"""Applies the configured actions to the attributes of every span, log record or metric data
point that include/exclude let through (Go's ``attributes_trace.go``, ``attributes_log.go``,
``attributes_metric.go``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pyotelcol import client
from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.attraction import AttrProc
from pyotelcol.helpers.filtermatch import Skip, log_skip, metric_skip, span_skip
from pyotelcol.helpers.processorhelper import Processor
from pyotelcol.pdata import Logs, Metrics, Traces
from pyotelcol.pdata.pmetric import Metric, MetricType

from .config import Config

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
        process = _traces(proc, span_skip(cfg.include, cfg.exclude))
    elif signal is Signal.LOGS:
        process = _logs(proc, log_skip(cfg.include, cfg.exclude))
    else:
        process = _metrics(proc, metric_skip(cfg.include, cfg.exclude))
    return Processor(settings, signal, next_consumer, process, mutates_data=True)


def _info(proc: AttrProc) -> client.Info | None:
    return client.from_context() if proc.uses_context else None


def _traces(proc: AttrProc, skip: Skip[Any] | None) -> Callable[[Traces], Awaitable[Traces]]:
    async def process(data: Traces) -> Traces:
        info = _info(proc)
        for rs in data.resource_spans:
            resource = rs.resource
            for ss in rs.scope_spans:
                scope = ss.scope
                for span in ss.spans:
                    if skip is None or not skip.skip(resource, scope, span):
                        proc.process(span.attributes, info)
        return data

    return process


def _logs(proc: AttrProc, skip: Skip[Any] | None) -> Callable[[Logs], Awaitable[Logs]]:
    async def process(data: Logs) -> Logs:
        info = _info(proc)
        for rl in data.resource_logs:
            resource = rl.resource
            for sl in rl.scope_logs:
                scope = sl.scope
                for record in sl.log_records:
                    if skip is None or not skip.skip(resource, scope, record):
                        proc.process(record.attributes, info)
        return data

    return process


def _metrics(proc: AttrProc, skip: Skip[Any] | None) -> Callable[[Metrics], Awaitable[Metrics]]:
    async def process(data: Metrics) -> Metrics:
        info = _info(proc)
        for rm in data.resource_metrics:
            resource = rm.resource
            for sm in rm.scope_metrics:
                scope = sm.scope
                for metric in sm.metrics:
                    if skip is None or not skip.skip(resource, scope, metric):
                        _process_points(proc, metric, info)
        return data

    return process


def _process_points(proc: AttrProc, metric: Metric, info: client.Info | None) -> None:
    field = _POINTS.get(metric.type)
    if field is None:  # a metric without data
        return
    for point in getattr(metric, field).data_points:
        proc.process(point.attributes, info)
