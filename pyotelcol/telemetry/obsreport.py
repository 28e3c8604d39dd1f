"""Receiver and exporter self-metrics under the Go collector's names and labels.

Instruments are created once per component at construction; recording is one ``add`` per
request, never per item. As in Go, a count that is zero for a request is still added where Go adds
it (a receiver's refused and failed counts, an exporter's sent count), so those series exist with
value 0 as soon as data flowed and "refused / accepted" or "failed / sent" panels have data.
"""

from __future__ import annotations

from ..component import Settings, Signal

_ITEM = {Signal.TRACES: "spans", Signal.METRICS: "metric_points", Signal.LOGS: "log_records"}
_UNIT = {Signal.TRACES: "{spans}", Signal.METRICS: "{datapoints}", Signal.LOGS: "{records}"}


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

    def record(self, signal: Signal, items: int, refused: bool) -> None:
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

    def record_sent(self, items: int, error: BaseException | None) -> None:
        if error is None:
            self._sent.add(items, self._attrs)
            return
        self._sent.add(0, self._attrs)
        if items:
            self._failed.add(items, self._attrs)

    def record_enqueue_failed(self, items: int) -> None:
        if items:
            self._enqueue_failed.add(items, self._attrs)
