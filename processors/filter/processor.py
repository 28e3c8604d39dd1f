"""The filter processor: walks each request with its plans, counts what it dropped, and hands on
what is left (nothing at all when everything was dropped, without an error, as Go does)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyotelcol import client
from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer, PermanentError
from pyotelcol.helpers.processorhelper import Processor, SkipProcessingData
from pyotelcol.pdata import AnyData

from .compile import Compiled, compile_config
from .config import Config
from .walk import filter_logs, filter_metrics, filter_traces

__all__ = ["create_processor"]

# Go's self-metric per signal (processor_filter_<x>.filtered), labelled with the component id.
_COUNTERS = {
    Signal.TRACES: ("otelcol_processor_filter_spans.filtered", "Number of spans dropped by the filter processor"),
    Signal.METRICS: (
        "otelcol_processor_filter_datapoints.filtered",
        "Number of metric data points dropped by the filter processor",
    ),
    Signal.LOGS: ("otelcol_processor_filter_logs.filtered", "Number of logs dropped by the filter processor"),
}
_WALKS: dict[Signal, Callable[..., list[Exception]]] = {
    Signal.TRACES: filter_traces,
    Signal.METRICS: filter_metrics,
    Signal.LOGS: filter_logs,
}


class FilterFunction:
    """The per-request work of one filter processor on one signal."""

    def __init__(self, settings: Settings, signal: Signal, compiled: Compiled) -> None:
        plans: dict[Signal, list[Any]] = {
            Signal.TRACES: list(compiled.traces),
            Signal.METRICS: list(compiled.metrics),
            Signal.LOGS: list(compiled.logs),
        }
        self._plans = plans[signal]
        self._walk = _WALKS[signal]
        self._grouped = signal in compiled.grouped
        self._signal = signal
        self._logger = settings.telemetry.logger
        name, description = _COUNTERS[signal]
        self._dropped = settings.telemetry.meter.create_counter(name, unit="1", description=description)
        self._attrs = {"filter": str(settings.id)}

    @property
    def active(self) -> bool:
        return bool(self._plans)

    async def __call__(self, data: AnyData) -> AnyData | None:
        if not self._plans:
            return data
        before = data.item_count()
        info = client.from_context()
        errors: list[Exception] = []
        for plan in self._plans:
            errors.extend(self._walk(data, plan, info))
        self._dropped.add(before - data.item_count(), self._attrs)
        emptied = data.resource_count() == 0
        if emptied and self._grouped:
            # Go's condition groups report "skip" instead of their errors once nothing is left.
            raise SkipProcessingData()
        if errors:
            message = "; ".join(str(e) for e in errors)
            self._logger.error(f"failed processing {self._signal.value}", extra={"fields": {"error": message}})
            # Permanent: the same request would fail the same way if the client sent it again.
            raise PermanentError(message)
        if emptied:
            raise SkipProcessingData()
        return data


def create_processor(settings: Settings, signal: Signal, cfg: Config, next_consumer: Consumer) -> Processor[Any]:
    compiled = compile_config(cfg, settings.telemetry.logger)
    function = FilterFunction(settings, signal, compiled)
    return Processor(settings, signal, next_consumer, function, mutates_data=function.active)
