"""Receiver and exporter self-metrics under the Go collector's names and labels.

Instruments are created once per component at construction; recording is one ``add`` per
request, never per item. As in Go, a count that is zero for a request is still added where Go adds
it (a receiver's refused and failed counts, an exporter's sent count), so those series exist with
value 0 as soon as data flowed and "refused / accepted" or "failed / sent" panels have data.

Spans (only when ``service.telemetry.traces.processors`` are configured; otherwise nothing is
done): a receiver request is a span ``receiver/<id>/TraceDataReceived`` (``MetricsReceived``,
``LogsReceived``) with ``transport``, ``format`` and the accepted/refused/failed counts; an export
is a span ``exporter/<id>/<signal>`` with ``exporter``, ``data_type``, ``items.sent`` and
``items.failed``; both get an error status when the request failed. Callers open them with
``start_op()`` and pass the handle to ``record()`` / ``record_sent()``; the span is the current
one in between, so an export done inside a receiver request is its child.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, StatusCode

from ..component import Settings, Signal
from . import tracing

_ITEM = {Signal.TRACES: "spans", Signal.METRICS: "metric_points", Signal.LOGS: "log_records"}
_UNIT = {Signal.TRACES: "{spans}", Signal.METRICS: "{datapoints}", Signal.LOGS: "{records}"}
#: Go names the exporter spans' tracer after its exporterhelper package.
EXPORTER_TRACER = "pyotelcol/exporterhelper"
_RECEIVED = {Signal.TRACES: "TraceDataReceived", Signal.METRICS: "MetricsReceived", Signal.LOGS: "LogsReceived"}


_REFUSED = RuntimeError("refused by the pipeline")


@dataclass(slots=True)
class Op:
    """An open self-telemetry span and the context token that made it current."""

    span: Span
    token: object


def _open(tracer: Any, name: str, attributes: dict[str, Any]) -> Op:
    span = tracer.start_span(name, attributes=attributes)
    return Op(span, otel_context.attach(trace.set_span_in_context(span)))


def _close(op: Op, attributes: dict[str, Any], error: BaseException | None) -> None:
    try:
        otel_context.detach(op.token)  # type: ignore[arg-type]
    finally:
        op.span.set_attributes(attributes)
        if error is not None:
            op.span.set_status(StatusCode.ERROR, str(error))
        op.span.end()


def item_word(signal: Signal) -> str:
    return _ITEM[signal]


class ReceiverObs:
    """``otelcol_receiver_accepted_*`` / ``_refused_*`` / ``_failed_*`` with labels receiver,
    transport[, format].

    Go adds all three on every request. Without the ``receiverhelper.newReceiverMetrics`` gate
    (off by default) every error counts as refused and failed stays 0; that is what this records.
    """

    def __init__(self, settings: Settings, transport: str, format: str | None = "protobuf") -> None:
        # ``format``: the label Go adds for traces and metrics; None leaves it out (zipkin).
        meter = settings.telemetry.meter
        self._accepted = {}
        self._refused = {}
        self._failed = {}
        for sig, word in _ITEM.items():
            self._accepted[sig] = meter.create_counter(
                f"otelcol_receiver_accepted_{word}",
                unit=_UNIT[sig],
                description=f"Number of {word.replace('_', ' ')} successfully pushed into the pipeline.",
            )
            self._refused[sig] = meter.create_counter(
                f"otelcol_receiver_refused_{word}",
                unit=_UNIT[sig],
                description=f"Number of {word.replace('_', ' ')} that could not be pushed into the pipeline.",
            )
            self._failed[sig] = meter.create_counter(
                f"otelcol_receiver_failed_{word}",
                unit=_UNIT[sig],
                description=f"The number of {word.replace('_', ' ')} that failed to be processed by the receiver "
                "due to internal errors.",
            )
        self._zeroed: set[Signal] = set()
        base = {"receiver": str(settings.id), "transport": transport}
        self._attrs = {
            sig: ({**base, "format": format} if sig is not Signal.LOGS and format else base) for sig in _ITEM
        }
        # Go: the receiver's id names its tracer; the scope carries the component attributes.
        self._tracer = tracing.TracerOf(
            str(settings.id), {"otelcol.component.id": str(settings.id), "otelcol.component.kind": "receiver"}
        )
        self._span_prefix = f"receiver/{settings.id}/"
        self._transport = transport
        self._format = format or ""

    def start_op(self, signal: Signal) -> Op | None:
        """Open the request's span (None, at no cost, when own spans are off)."""
        tracer = self._tracer.get()
        if tracer is None:
            return None
        attrs = {"transport": self._transport} if self._transport else {}
        return _open(tracer, self._span_prefix + _RECEIVED[signal], attrs)

    def record(
        self, signal: Signal, items: int, refused: bool, op: Op | None = None, error: BaseException | None = None
    ) -> None:
        if op is not None:
            word = _ITEM[signal]
            _close(
                op,
                {
                    "format": self._format,
                    f"accepted_{word}": 0 if refused else items,
                    f"refused_{word}": items if refused else 0,
                    f"failed_{word}": 0,
                },
                error if error is not None else (_REFUSED if refused else None),
            )
        attrs = self._attrs[signal]
        if signal not in self._zeroed:
            # Go adds all three counts on every request; adding a 0 only creates the series, so
            # doing that once per signal shows the same numbers for a third of the cost.
            self._zeroed.add(signal)
            for counter in (self._accepted, self._refused, self._failed):
                counter[signal].add(0, attrs)
        if items:
            (self._refused if refused else self._accepted)[signal].add(items, attrs)


class ExporterObs:
    """``otelcol_exporter_sent_*`` / ``_send_failed_*`` / ``_enqueue_failed_*`` with label exporter.

    Go adds the sent count after every export, 0 when it failed; send_failed and enqueue_failed
    only when items failed (since v0.146 Go no longer adds a zero send_failed).
    """

    def __init__(self, settings: Settings, signal: Signal) -> None:
        meter = settings.telemetry.meter
        word, unit = _ITEM[signal], _UNIT[signal]
        self._sent = meter.create_counter(
            f"otelcol_exporter_sent_{word}",
            unit=unit,
            description=f"Number of {word.replace('_', ' ')} successfully sent to destination.",
        )
        self._failed = meter.create_counter(
            f"otelcol_exporter_send_failed_{word}",
            unit=unit,
            description=f"Number of {word.replace('_', ' ')} in failed attempts to send to destination.",
        )
        self._enqueue_failed = meter.create_counter(
            f"otelcol_exporter_enqueue_failed_{word}",
            unit=unit,
            description=f"Number of {word.replace('_', ' ')} failed to be added to the sending queue.",
        )
        self._attrs = {"exporter": str(settings.id)}
        self._tracer = tracing.TracerOf(
            EXPORTER_TRACER,
            {
                "otelcol.component.id": str(settings.id),
                "otelcol.component.kind": "exporter",
                "otelcol.signal": signal.value,
            },
        )
        self._span_name = f"exporter/{settings.id}/{signal.value}"
        self._span_attrs = {"exporter": str(settings.id), "data_type": signal.value}

    def start_op(self) -> Op | None:
        """Open the export's span (None, at no cost, when own spans are off)."""
        tracer = self._tracer.get()
        if tracer is None:
            return None
        return _open(tracer, self._span_name, self._span_attrs)

    def end_op(self, op: Op, items: int, error: BaseException | None) -> None:
        """Close the export's span only (for an attempt that does not count as a send)."""
        failed = error is not None
        _close(op, {"items.sent": 0 if failed else items, "items.failed": items if failed else 0}, error)

    def record_sent(self, items: int, error: BaseException | None, op: Op | None = None) -> None:
        if op is not None:
            self.end_op(op, items, error)
        if error is None:
            self._sent.add(items, self._attrs)
            return
        self._sent.add(0, self._attrs)
        if items:
            self._failed.add(items, self._attrs)

    def record_enqueue_failed(self, items: int) -> None:
        if items:
            self._enqueue_failed.add(items, self._attrs)
