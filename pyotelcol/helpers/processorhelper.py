"""A processor from one function: what Go's ``processor/processorhelper`` gives its processors.

A component supplies ``process(data) -> data | None`` (async); the helper counts what goes in and
what comes out (``otelcol_processor_incoming_items`` / ``otelcol_processor_outgoing_items`` with
labels ``processor`` and ``otel.signal``, and ``otelcol_processor_internal_duration`` at the
``detailed`` level, as Go records them), forwards the result to the next consumer, and handles the
two ways of not forwarding as Go does:

- ``None`` returned, or ``SkipProcessingData`` raised (Go's ``ErrSkipProcessingData``): the data is
  dropped on purpose (a filter that removed everything); the caller sees success.
- any other exception: the caller sees it (retryable unless it is a ``PermanentError``).

In both cases the items count as incoming and none as outgoing. The function must not call the
next consumer itself.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from ..component import Host, Settings, Signal
from ..consumer import Capabilities, Consumer
from ..pdata import AnyData

__all__ = ["ProcessFunc", "Processor", "ProcessorObs", "SkipProcessingData"]

D = TypeVar("D", bound=AnyData)
ProcessFunc = Callable[[D], Awaitable[D | None]]


class SkipProcessingData(Exception):
    """Raised by a process function to drop the data without failing the request."""


class ProcessorObs:
    """The processor self-metrics every processor records (Go's processorhelper obsreport)."""

    __slots__ = ("_attrs", "_detailed", "_duration", "_incoming", "_outgoing")

    def __init__(self, settings: Settings, signal: Signal) -> None:
        meter = settings.telemetry.meter
        self._incoming = meter.create_counter(
            "otelcol_processor_incoming_items", unit="{items}", description="Number of items passed to the processor."
        )
        self._outgoing = meter.create_counter(
            "otelcol_processor_outgoing_items",
            unit="{items}",
            description="Number of items emitted from the processor.",
        )
        self._duration = meter.create_histogram(
            "otelcol_processor_internal_duration",
            unit="s",
            description="Duration of time taken to process a batch of telemetry data through the processor.",
        )
        self._detailed = settings.telemetry.metrics_level == "detailed"
        self._attrs = {"processor": str(settings.id), "otel.signal": signal.value}

    @property
    def records_duration(self) -> bool:
        """Whether timing is worth measuring (the duration histogram exists at ``detailed`` only)."""
        return self._detailed

    def record(self, incoming: int, outgoing: int, seconds: float | None = None) -> None:
        # Zero counts are recorded too, as Go does, so the series exist for ratio panels.
        self._incoming.add(incoming, self._attrs)
        self._outgoing.add(outgoing, self._attrs)
        if seconds is not None:
            self._duration.record(seconds, self._attrs)


class Processor(Generic[D]):
    """A processor component around ``process``; ``start``/``shutdown`` hooks are optional.

    ``mutates_data`` tells the pipeline whether ``process`` changes the data it gets (then the
    pipeline hands it a private copy when the data is shared with another pipeline).
    """

    def __init__(
        self,
        settings: Settings,
        signal: Signal,
        next_consumer: Consumer,
        process: ProcessFunc[D],
        *,
        mutates_data: bool,
        start: Callable[[Host], Awaitable[None]] | None = None,
        shutdown: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.signal = signal
        self._next = next_consumer
        self._process = process
        self._caps = Capabilities(mutates_data=mutates_data)
        self._start = start
        self._shutdown = shutdown
        self._obs = ProcessorObs(settings, signal)

    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    async def start(self, host: Host) -> None:
        if self._start is not None:
            await self._start(host)

    async def shutdown(self) -> None:
        if self._shutdown is not None:
            await self._shutdown()

    async def consume(self, data: AnyData) -> None:
        incoming = data.item_count()
        began = time.perf_counter() if self._obs.records_duration else None
        try:
            result = await self._process(data)  # type: ignore[arg-type]
        except SkipProcessingData:
            result = None
        except BaseException:
            self._obs.record(incoming, 0, _elapsed(began))
            raise
        if result is None:
            self._obs.record(incoming, 0, _elapsed(began))
            return
        self._obs.record(incoming, result.item_count(), _elapsed(began))
        await self._next.consume(result)


def _elapsed(began: float | None) -> float | None:
    return None if began is None else time.perf_counter() - began
