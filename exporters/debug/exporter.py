"""The debug exporter: logs a summary (and, above ``basic``, a text dump) of every request."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from pyotelcol.component import Host, Settings, Signal
from pyotelcol.consumer import Capabilities
from pyotelcol.pdata import AnyData, Logs, Metrics, Traces
from pyotelcol.telemetry.obsreport import ExporterObs

from . import text
from .config import Config

_CAPABILITIES = Capabilities(mutates_data=False)
_TICK = 1.0  # zap's sampler tick: one second


class Sampler:
    """zap's sampler: per message and per second, log the first ``initial`` entries, then every
    ``thereafter``-th (``thereafter`` <= 0 drops the rest of the second)."""

    __slots__ = ("_clock", "_counters", "_initial", "_lock", "_thereafter")

    _MAX_KEYS = 4096

    def __init__(self, initial: int, thereafter: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._initial = initial
        self._thereafter = thereafter
        self._clock = clock
        self._counters: dict[Any, list[float]] = {}  # key -> [reset_at, count]
        self._lock = threading.Lock()

    def allow(self, key: Any) -> bool:
        now = self._clock()
        with self._lock:
            counter = self._counters.get(key)
            if counter is None or now > counter[0]:
                if counter is None and len(self._counters) >= self._MAX_KEYS:
                    self._counters = {k: c for k, c in self._counters.items() if c[0] >= now}
                counter = [now + _TICK, 0]
                self._counters[key] = counter
            counter[1] += 1
            n = counter[1]
        if n <= self._initial:
            return True
        if self._thereafter <= 0:
            return False
        return (n - self._initial) % self._thereafter == 0


class _StreamOutput:
    """``use_internal_logger: false``: zap's console encoder without time and level, written to
    ``stdout``, ``stderr`` or files (appended to, created if missing)."""

    def __init__(self, paths: list[str]) -> None:
        self._paths = paths
        self._streams: list[IO[str]] = []
        self._owned: list[IO[str]] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        for path in self._paths:
            if path == "stdout":
                self._streams.append(sys.stdout)
            elif path == "stderr":
                self._streams.append(sys.stderr)
            else:
                if path.startswith("file://"):
                    path = path[len("file://") :]
                stream = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
                self._streams.append(stream)
                self._owned.append(stream)

    def write(self, line: str) -> None:
        with self._lock:
            for stream in self._streams:
                stream.write(line + "\n")
                stream.flush()

    def close(self) -> None:
        with self._lock:
            for stream in self._owned:
                stream.close()
            self._owned.clear()
            self._streams.clear()


def _fields(values: dict[str, int]) -> str:
    """zap's console encoding of fields (``use_internal_logger: false``): JSON with ``", "`` and
    ``": "`` separators. Through the internal logger the fields travel as ``extra={"fields": ...}``."""
    return json.dumps(values)


def summary(data: AnyData) -> tuple[str, dict[str, int]]:
    """The basic line's message and fields, named as in Go."""
    if isinstance(data, Traces):
        return "Traces", {"resource spans": data.resource_count(), "spans": data.item_count()}
    if isinstance(data, Metrics):
        return "Metrics", {
            "resource metrics": data.resource_count(),
            "metrics": data.metric_count(),
            "data points": data.item_count(),
        }
    if isinstance(data, Logs):
        return "Logs", {"resource logs": data.resource_count(), "log records": data.item_count()}
    raise TypeError(f"unsupported data type {type(data).__name__}")


def render(data: AnyData, level: str) -> str:
    """The text dump logged after the summary line at ``normal`` or ``detailed`` verbosity."""
    detailed = level == "detailed"
    if isinstance(data, Traces):
        return text.detailed_traces(data.message) if detailed else text.normal_traces(data.message)
    if isinstance(data, Metrics):
        return text.detailed_metrics(data.message) if detailed else text.normal_metrics(data.message)
    return text.detailed_logs(data.message) if detailed else text.normal_logs(data.message)


class DebugExporter:
    """One instance per signal (the debug exporter holds no shared state)."""

    def __init__(self, settings: Settings, signal: Signal, cfg: Config) -> None:
        self._level = cfg.level
        self._logger = settings.telemetry.logger
        self._obs = ExporterObs(settings, signal)
        self._sampler = Sampler(cfg.sampling_initial, cfg.sampling_thereafter)
        self._output: _StreamOutput | None = None
        if not cfg.use_internal_logger:
            self._output = _StreamOutput(list(cfg.output_paths) if cfg.output_paths is not None else ["stdout"])
        self._opened = False

    @property
    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    async def start(self, host: Host) -> None:
        if self._output is not None and not self._opened:
            self._output.open()
            self._opened = True

    async def shutdown(self) -> None:
        if self._output is not None:
            self._output.close()
        else:
            for handler in _handlers(self._logger):
                handler.flush()

    def _emit(self, key: str, message: str, fields: dict[str, int] | None = None) -> None:
        if not self._sampler.allow(key):
            return
        if self._output is not None:
            if self._opened:
                self._output.write(f"{message}\t{_fields(fields)}" if fields else message)
        elif fields:
            self._logger.info(message, extra={"fields": fields})
        else:
            self._logger.info(message)

    async def consume(self, data: AnyData) -> None:
        items = data.item_count()
        try:
            name, fields = summary(data)
            self._emit(name, name, fields)
            if self._level != "basic":
                dump = render(data, self._level).rstrip("\n")
                self._emit(dump, dump)
        except Exception as exc:
            self._obs.record_sent(items, exc)
            raise
        self._obs.record_sent(items, None)


def _handlers(logger: logging.Logger | logging.LoggerAdapter[logging.Logger]) -> list[logging.Handler]:
    base: logging.Logger | None = logger.logger if isinstance(logger, logging.LoggerAdapter) else logger
    found: list[logging.Handler] = []
    while base is not None:
        found.extend(base.handlers)
        base = base.parent if base.propagate else None
    return found
