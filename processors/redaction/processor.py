"""Applies the redaction rules to every attribute map of the data, as Go's processor walks it:
resource and scope attributes too (fail closed applies to them as well), span and span event
attributes then the span name (URL and database sanitizers), log record attributes and bodies,
and the attributes of every metric data point."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.processorhelper import Processor
from pyotelcol.pdata import Logs, Metrics, Traces
from pyotelcol.pdata.pmetric import MetricType

from .redactor import Redactor

_POINTS = {
    MetricType.GAUGE: "gauge",
    MetricType.SUM: "sum",
    MetricType.HISTOGRAM: "histogram",
    MetricType.EXPONENTIAL_HISTOGRAM: "exponential_histogram",
    MetricType.SUMMARY: "summary",
}


def create_processor(settings: Settings, signal: Signal, redactor: Redactor, next_consumer: Consumer) -> Processor[Any]:
    process: Callable[[Any], Awaitable[Any]]
    if signal is Signal.TRACES:
        process = _traces(redactor)
    elif signal is Signal.LOGS:
        process = _logs(redactor.for_logs())
    else:
        process = _metrics(redactor)
    return Processor(settings, signal, next_consumer, process, mutates_data=True)


def _traces(redactor: Redactor) -> Callable[[Traces], Awaitable[Traces]]:
    redact = redactor.process_attributes
    rename = redactor.sanitizes_span_names

    async def process(data: Traces) -> Traces:
        for rs in data.resource_spans:
            redact(rs.resource.attributes)
            for ss in rs.scope_spans:
                redact(ss.scope.attributes)
                for span in ss.spans:
                    redact(span.attributes)
                    for event in span.events:
                        redact(event.attributes)
                    if rename:
                        redactor.process_span_name(span)
        return data

    return process


def _logs(redactor: Redactor) -> Callable[[Logs], Awaitable[Logs]]:
    redact = redactor.process_attributes

    async def process(data: Logs) -> Logs:
        for rl in data.resource_logs:
            redact(rl.resource.attributes)
            for sl in rl.scope_logs:
                redact(sl.scope.attributes)
                for record in sl.log_records:
                    attributes = record.attributes
                    redact(attributes)
                    redactor.process_log_body(record.body, attributes)
        return data

    return process


def _metrics(redactor: Redactor) -> Callable[[Metrics], Awaitable[Metrics]]:
    redact = redactor.process_attributes

    async def process(data: Metrics) -> Metrics:
        for rm in data.resource_metrics:
            redact(rm.resource.attributes)
            for sm in rm.scope_metrics:
                redact(sm.scope.attributes)
                for metric in sm.metrics:
                    field = _POINTS.get(metric.type)
                    if field is None:  # a metric without data
                        continue
                    for point in getattr(metric, field).data_points:
                        redact(point.attributes)
        return data

    return process
