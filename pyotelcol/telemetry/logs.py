"""The collector's own log lines, formatted like Go's zap production logger (Go: service/telemetry/otelconftelemetry).

Console encoding (default), one line per record::

    2024-01-02T15:04:05.000Z\tinfo\totlp/receiver.py:42\tStarting GRPC server\t{"endpoint": "localhost:4317"}

JSON encoding: ``{"level":"info","ts":"...","caller":"...","msg":"...","endpoint":"localhost:4317"}``.

Structured fields travel in ``extra={"fields": {...}}``; :class:`FieldsLogger` (a LoggerAdapter)
adds fixed fields such as ``otelcol.component.id``. Field order follows zap: initial fields, the
``resource`` field, the logger's fields, then the call's fields.

Differences from zap, documented: the caller is ``<dir>/<file>.py:<line>``; a stack trace is
printed only for records carrying ``exc_info``/``stack_info`` (zap captures one for every error);
``development`` does not change the output; ``error_output_paths`` receives this logger's own
write errors only (as in zap).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Mapping, MutableMapping
from typing import IO, Any

from .config import LogsConfig, LogsSamplingConfig
from .gofmt import iso8601_millis

_LEVEL_NAMES = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warn",
    logging.ERROR: "error",
    logging.CRITICAL: "fatal",
}


def level_name(levelno: int) -> str:
    name = _LEVEL_NAMES.get(levelno)
    if name is not None:
        return name
    if levelno >= logging.CRITICAL:
        return "fatal"
    if levelno >= logging.ERROR:
        return "error"
    if levelno >= logging.WARNING:
        return "warn"
    if levelno >= logging.INFO:
        return "info"
    return "debug"


def _caller(record: logging.LogRecord) -> str:
    parent = os.path.basename(os.path.dirname(record.pathname))
    return f"{parent}/{record.filename}:{record.lineno}" if parent else f"{record.filename}:{record.lineno}"


class _ZapFormatter(logging.Formatter):
    def __init__(self, static_fields: Mapping[str, Any], disable_caller: bool, disable_stacktrace: bool) -> None:
        super().__init__()
        self._static = dict(static_fields)
        self._disable_caller = disable_caller
        self._disable_stacktrace = disable_stacktrace

    def _fields(self, record: logging.LogRecord) -> dict[str, Any]:
        fields: dict[str, Any] = dict(self._static)
        extra = getattr(record, "fields", None)
        if extra:
            fields.update(extra)
        if record.exc_info and record.exc_info[1] is not None and "error" not in fields:
            fields["error"] = str(record.exc_info[1])
        return fields

    def _stack(self, record: logging.LogRecord) -> str:
        if self._disable_stacktrace:
            return ""
        parts = []
        if record.exc_info:
            parts.append(self.formatException(record.exc_info))
        if record.stack_info:
            parts.append(self.formatStack(record.stack_info))
        return "\n".join(parts)


class ConsoleFormatter(_ZapFormatter):
    """zap console encoder: tab-separated, fields as spaced JSON (``{"k": "v"}``)."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [iso8601_millis(record.created), level_name(record.levelno)]
        if not self._disable_caller:
            parts.append(_caller(record))
        parts.append(record.getMessage())
        fields = self._fields(record)
        if fields:
            parts.append(json.dumps(fields, ensure_ascii=False, default=str))
        line = "\t".join(parts)
        stack = self._stack(record)
        return f"{line}\n{stack}" if stack else line


class JSONFormatter(_ZapFormatter):
    """zap JSON encoder: one compact object per line, keys level, ts, caller, msg, fields..."""

    def format(self, record: logging.LogRecord) -> str:
        obj: dict[str, Any] = {"level": level_name(record.levelno), "ts": iso8601_millis(record.created)}
        if not self._disable_caller:
            obj["caller"] = _caller(record)
        obj["msg"] = record.getMessage()
        for key, value in self._fields(record).items():
            if key not in obj:
                obj[key] = value
        stack = self._stack(record)
        if stack:
            obj["stacktrace"] = stack
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)


class SamplingFilter(logging.Filter):
    """zap's sampler: per (level, message) and tick, log the first ``initial`` records, then every
    ``thereafter``-th (none when thereafter is 0)."""

    def __init__(self, cfg: LogsSamplingConfig) -> None:
        super().__init__()
        self._tick = max(cfg.tick.total_seconds(), 0.0)
        self._initial = cfg.initial
        self._thereafter = cfg.thereafter
        self._counts: dict[tuple[int, object], int] = {}
        self._reset_at = 0.0
        self._lock = threading.Lock()
        # One filter instance sits on every handler; remember the last decision so that a record
        # written to several outputs is counted once.
        self._last: tuple[logging.LogRecord | None, bool] = (None, True)

    def filter(self, record: logging.LogRecord) -> bool:
        last, decision = self._last
        if last is record:
            return decision
        decision = self._decide(record)
        self._last = (record, decision)
        return decision

    def _decide(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        key = (record.levelno, record.msg)
        with self._lock:
            if now >= self._reset_at:
                self._counts.clear()
                self._reset_at = now + self._tick
            n = self._counts.get(key, 0) + 1
            self._counts[key] = n
        if n <= self._initial:
            return True
        if self._thereafter <= 0:
            return False
        return (n - self._initial) % self._thereafter == 0


class FieldsLogger(logging.LoggerAdapter[logging.Logger]):
    """A LoggerAdapter that merges its fixed fields with the call's ``extra={"fields": ...}``."""

    def __init__(self, logger: logging.Logger, fields: Mapping[str, Any]) -> None:
        super().__init__(logger, {"fields": dict(fields)})
        self.fields: dict[str, Any] = dict(fields)

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        extra = kwargs.get("extra")
        if extra:
            call_fields = extra.get("fields")
            merged = {**self.fields, **call_fields} if call_fields else self.fields
            kwargs["extra"] = {**extra, "fields": merged}
        else:
            kwargs["extra"] = {"fields": self.fields}
        return msg, kwargs

    def with_fields(self, **fields: Any) -> FieldsLogger:
        """zap's ``logger.With(...)``: a logger with more fixed fields."""
        return FieldsLogger(self.logger, {**self.fields, **fields})


def _open_output(path: str) -> tuple[IO[str], bool]:
    """Return (stream, owned). ``stdout``/``stderr`` are shared; file paths (or ``file://``) are opened."""
    if path == "stdout":
        return sys.stdout, False
    if path == "stderr":
        return sys.stderr, False
    if path.startswith("file://"):
        path = path[len("file://") :]
    return open(path, "a", encoding="utf-8"), True


class _StreamHandler(logging.StreamHandler[IO[str]]):
    def __init__(self, stream: IO[str], owned: bool, errors: list[IO[str]]) -> None:
        super().__init__(stream)
        self._owned = owned
        self._errors = errors

    def handleError(self, record: logging.LogRecord) -> None:
        for err in self._errors:
            try:
                err.write(f"{iso8601_millis(time.time())} write error: failed to write log entry\n")
                err.flush()
            except Exception:
                pass

    def close(self) -> None:
        try:
            if self._owned:
                self.flush()
                self.stream.close()
        finally:
            super().close()


def configure_logger(
    logger: logging.Logger, cfg: LogsConfig, static_fields: Mapping[str, Any]
) -> list[logging.Handler]:
    """Replace ``logger``'s handlers by ones writing ``cfg``'s encoding to ``cfg.output_paths``."""
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    formatter: logging.Formatter
    if cfg.encoding == "json":
        formatter = JSONFormatter(static_fields, cfg.disable_caller, cfg.disable_stacktrace)
    else:
        formatter = ConsoleFormatter(static_fields, cfg.disable_caller, cfg.disable_stacktrace)
    error_streams = [_open_output(p)[0] for p in cfg.error_output_paths if p in ("stdout", "stderr")]
    sampler = SamplingFilter(cfg.sampling) if cfg.sampling.enabled else None
    handlers: list[logging.Handler] = []
    for path in cfg.output_paths:
        stream, owned = _open_output(path)
        handler = _StreamHandler(stream, owned, error_streams)
        handler.setFormatter(formatter)
        # On the handlers, not the logger: logger filters skip records from child loggers.
        if sampler is not None:
            handler.addFilter(sampler)
        handlers.append(handler)
        logger.addHandler(handler)
    if not handlers:
        # output_paths: [] means no output (not Python's last-resort stderr handler).
        null = logging.NullHandler()
        handlers.append(null)
        logger.addHandler(null)
    logger.setLevel(cfg.python_level)
    logger.propagate = False
    return handlers


__all__ = [
    "ConsoleFormatter",
    "FieldsLogger",
    "JSONFormatter",
    "SamplingFilter",
    "configure_logger",
    "level_name",
]
