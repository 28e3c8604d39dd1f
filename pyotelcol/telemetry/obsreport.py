"""Receiver and exporter self-metrics under the Go collector's names and labels.

Instruments are created once per component at construction; recording is one ``add`` per
request, never per item.
"""

from __future__ import annotations

from ..component import Settings, Signal

_ITEM = {Signal.TRACES: "spans", Signal.METRICS: "metric_points", Signal.LOGS: "log_records"}
_UNIT = {Signal.TRACES: "{spans}", Signal.METRICS: "{datapoints}", Signal.LOGS: "{records}"}


def item_word(signal: Signal) -> str:
    return _ITEM[signal]


class ReceiverObs:
    """``otelcol_receiver_accepted_*`` / ``_refused_*`` with labels receiver, transport[, format]."""

    def __init__(self, settings: Settings, transport: str) -> None:
        meter = settings.telemetry.meter
        self._accepted = {}
        self._refused = {}
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
        base = {"receiver": str(settings.id), "transport": transport}
        self._attrs = {sig: ({**base, "format": "protobuf"} if sig is not Signal.LOGS else base) for sig in _ITEM}

    def record(self, signal: Signal, items: int, refused: bool) -> None:
        if items:
            (self._refused if refused else self._accepted)[signal].add(items, self._attrs[signal])


class ExporterObs:
    """``otelcol_exporter_sent_*`` / ``_send_failed_*`` / ``_enqueue_failed_*`` with label exporter."""

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
        if items:
            (self._failed if error is not None else self._sent).add(items, self._attrs)

    def record_enqueue_failed(self, items: int) -> None:
        if items:
            self._enqueue_failed.add(items, self._attrs)
