"""Own log records exported through ``service.telemetry.logs.processors`` (Go: otelconftelemetry
logger_tee.go with the otelzap bridge).

The console/file output stays as it is; :class:`OTelLogHandler` sits next to those handlers on the
collector's root logger and copies every record that they accept (same level, same sampler) to an
SDK LoggerProvider, as Go tees only what its zap core accepted. Mapping, as otelzap does it:

- body: the message; severity: DEBUG/INFO/WARN/ERROR/FATAL with zap's level name as text;
- timestamp: the record's time; trace/span ids: the current span, if any;
- attributes: the record's structured fields, then ``code.file.path``, ``code.line.number``,
  ``code.function.name`` (unless ``disable_caller``); an exception's type/message/stack trace;
- the component fields Go injects (``otelcol.component.id``/``.kind``, ``otelcol.pipeline.id``,
  ``otelcol.signal``, ``otelcol.signal.output``) become instrumentation scope attributes, not
  record attributes; ``initial_fields`` and the ``resource`` field are not copied (the resource is
  the provider's resource), as in Go.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry._logs import SeverityNumber
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk._logs import Logger, LoggerProvider
from opentelemetry.sdk.resources import Resource

from .config import LogsConfig
from .logs import level_name
from .push import log_processor

SCOPE_NAME = "pyotelcol"
#: Fields Go carries as instrumentation scope attributes of exported log records.
SCOPE_FIELDS = frozenset(
    {"otelcol.component.id", "otelcol.component.kind", "otelcol.pipeline.id", "otelcol.signal", "otelcol.signal.output"}
)


def severity(levelno: int) -> SeverityNumber:
    if levelno >= logging.CRITICAL:
        return SeverityNumber.FATAL
    if levelno >= logging.ERROR:
        return SeverityNumber.ERROR
    if levelno >= logging.WARNING:
        return SeverityNumber.WARN
    if levelno >= logging.INFO:
        return SeverityNumber.INFO
    return SeverityNumber.DEBUG


def attribute_value(value: Any) -> Any:
    """An OTel attribute value: scalars as they are, lists of one scalar type, anything else as JSON."""
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        items = list(value)
        if items and all(isinstance(v, str) for v in items):
            return items
        if items and all(isinstance(v, bool) for v in items):
            return items
        if items and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items):
            return items
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False, default=str)


def build_logger_provider(cfg: LogsConfig, resource: Resource) -> LoggerProvider | None:
    """An SDK LoggerProvider with the configured processors, or None when there are none."""
    if not cfg.processors:
        return None
    # meter_provider: the SDK's own log metrics would otherwise go to the global provider.
    provider = LoggerProvider(resource=resource, shutdown_on_exit=False, meter_provider=NoOpMeterProvider())
    for processor_cfg in cfg.processors:
        provider.add_log_record_processor(log_processor(processor_cfg))
    return provider


class OTelLogHandler(logging.Handler):
    """Copies accepted log records to an SDK LoggerProvider (one SDK logger per component scope)."""

    def __init__(self, provider: LoggerProvider, version: str, disable_caller: bool, disable_stacktrace: bool) -> None:
        super().__init__()
        self._provider = provider
        self._version = version
        self._disable_caller = disable_caller
        self._disable_stacktrace = disable_stacktrace
        self._loggers: dict[tuple[tuple[str, str], ...], Logger] = {}
        self._loggers_lock = threading.Lock()
        # A record logged while this thread is inside emit() (a simple processor's exporter
        # reporting its own failure) is not copied: that would recurse.
        self._busy = threading.local()

    def _logger(self, scope: tuple[tuple[str, str], ...]) -> Logger:
        logger = self._loggers.get(scope)
        if logger is None:
            with self._loggers_lock:
                logger = self._loggers.get(scope)
                if logger is None:
                    made = self._provider.get_logger(SCOPE_NAME, self._version, attributes=dict(scope) or None)
                    assert isinstance(made, Logger)
                    logger = self._loggers[scope] = made
        return logger

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._busy, "on", False):
            return
        self._busy.on = True
        try:
            fields: Mapping[str, Any] = getattr(record, "fields", None) or {}
            scope = tuple(sorted((k, str(v)) for k, v in fields.items() if k in SCOPE_FIELDS))
            attributes = {k: attribute_value(v) for k, v in fields.items() if k not in SCOPE_FIELDS}
            if not self._disable_caller:
                attributes["code.file.path"] = record.pathname
                attributes["code.line.number"] = record.lineno
                attributes["code.function.name"] = record.funcName
            exc = record.exc_info[1] if record.exc_info and not self._disable_stacktrace else None
            if record.exc_info and record.exc_info[1] is not None and "error" not in attributes:
                attributes["error"] = str(record.exc_info[1])
            self._logger(scope).emit(
                timestamp=int(record.created * 1e9),
                severity_number=severity(record.levelno),
                severity_text=level_name(record.levelno),
                body=record.getMessage(),
                attributes=attributes,
                exception=exc,
            )
        except Exception:
            self.handleError(record)
        finally:
            self._busy.on = False

    def handleError(self, record: logging.LogRecord) -> None:
        # Never print Python's "--- Logging error ---" block for a failed copy: the console
        # output of the same record already happened.
        return None


class SDKErrorHandler(logging.Handler):
    """Go routes the OTel SDK's own errors (failed exports) through the collector's logger as
    ``OpenTelemetry internal telemetry error`` with an ``error`` field; this does the same for the
    Python SDK's warnings and errors, which would otherwise be bare lines on stderr."""

    MESSAGE = "OpenTelemetry internal telemetry error"

    def __init__(self, target: logging.Logger) -> None:
        super().__init__(logging.WARNING)
        self._target = target

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._target.log(record.levelno, self.MESSAGE, extra={"fields": {"error": record.getMessage()}})
        except Exception:
            self.handleError(record)


__all__ = [
    "SCOPE_FIELDS",
    "SCOPE_NAME",
    "OTelLogHandler",
    "SDKErrorHandler",
    "attribute_value",
    "build_logger_provider",
    "severity",
]
