"""OpenTelemetry SDK exporters that hand the program's telemetry to an embedded collector.

They encode with the SDK's own OTLP encoders (``opentelemetry-exporter-otlp-proto-common``, the
code the SDK's OTLP exporters use, so the data is what a network OTLP exporter would send) and
pass the request to an ``sdk`` receiver without a network hop. As the SDK's exporter contract
asks, ``export`` never raises: a refusing pipeline, a collector that is gone or one that does not
answer within ``timeout`` is a FAILURE result (the SDK's batch processor then drops that batch,
as it does when a network exporter fails), logged at most once a minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, MetricsData
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from ..component import Signal
from ..pdata import AnyData, Logs, Metrics, Traces
from . import bridge

_LOG = logging.getLogger("pyotelcol.embed")
_QUIET_SECONDS = 60.0


class _Sender:
    """The shared part: send to one receiver, turn every failure into False, log sparingly."""

    def __init__(self, receiver_id: str, signal: Signal, timeout: float) -> None:
        self.receiver_id = receiver_id
        self.signal = signal
        self.timeout = timeout
        self.closed = False
        self._last_log = -_QUIET_SECONDS

    def send(self, data: AnyData) -> bool:
        if self.closed:
            return False
        try:
            bridge.send(self.receiver_id, self.signal, data, self.timeout)
        except Exception as exc:  # the SDK's contract: export reports, never raises
            now = time.monotonic()
            if now - self._last_log >= _QUIET_SECONDS:
                self._last_log = now
                _LOG.warning("embedded collector did not take %s: %s", self.signal.value, exc)
            return False
        return True


class CollectorSpanExporter(SpanExporter):
    def __init__(self, receiver_id: str = "sdk", timeout: float = 10.0) -> None:
        self._sender = _Sender(receiver_id, Signal.TRACES, timeout)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if not spans:
            return SpanExportResult.SUCCESS
        ok = self._sender.send(Traces(encode_spans(spans)))
        return SpanExportResult.SUCCESS if ok else SpanExportResult.FAILURE

    def shutdown(self) -> None:
        self._sender.closed = True

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True  # nothing is buffered here


class CollectorLogExporter(LogRecordExporter):
    def __init__(self, receiver_id: str = "sdk", timeout: float = 10.0) -> None:
        self._sender = _Sender(receiver_id, Signal.LOGS, timeout)

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        if not batch:
            return LogRecordExportResult.SUCCESS
        ok = self._sender.send(Logs(encode_logs(batch)))
        return LogRecordExportResult.SUCCESS if ok else LogRecordExportResult.FAILURE

    def shutdown(self) -> None:
        self._sender.closed = True

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class CollectorMetricExporter(MetricExporter):
    """Cumulative temporality by default, as the SDK's OTLP metric exporter."""

    def __init__(self, receiver_id: str = "sdk", timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._sender = _Sender(receiver_id, Signal.METRICS, timeout)

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any) -> MetricExportResult:
        request = encode_metrics(metrics_data)
        if not request.resource_metrics:
            return MetricExportResult.SUCCESS
        ok = self._sender.send(Metrics(request))
        return MetricExportResult.SUCCESS if ok else MetricExportResult.FAILURE

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self._sender.closed = True

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True
