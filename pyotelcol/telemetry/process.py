"""``otelcol_process_*`` metrics (Go: service/internal/proctelemetry) as observable instruments, read on scrape.

Go reads these from the Go runtime; the Python analogues are best effort:

| Metric | Go source | pyotelcol |
|---|---|---|
| ``otelcol_process_uptime`` | seconds since process start | same (psutil create_time) |
| ``otelcol_process_cpu_seconds`` | user+system CPU | same (psutil cpu_times) |
| ``otelcol_process_memory_rss`` | RSS | same (psutil memory_info().rss) |
| ``otelcol_process_runtime_heap_alloc_bytes`` | Go heap in use | data segment size (``memory_info().data``, Linux; RSS elsewhere): heap + anonymous mappings |
| ``otelcol_process_runtime_total_alloc_bytes`` | cumulative heap allocations | monotonic sum of observed heap growth between collections (a lower bound) |
| ``otelcol_process_runtime_total_sys_memory_bytes`` | memory obtained from the OS | virtual memory size (``memory_info().vms``) |
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

import psutil
from opentelemetry.metrics import CallbackOptions, Meter, Observation

_SNAPSHOT_TTL = 0.05


class ProcessMetrics:
    """Registers the six process instruments on ``meter``; one psutil read per collection."""

    def __init__(self, meter: Meter) -> None:
        self._proc = psutil.Process()
        try:
            self._start = float(self._proc.create_time())
        except psutil.Error:
            self._start = time.time()
        self._lock = threading.Lock()
        self._taken = 0.0
        self._snap: dict[str, float] = {}
        self._last_heap = 0
        self._total_alloc = 0
        meter.create_observable_counter(
            "otelcol_process_uptime", callbacks=[self._uptime], unit="s", description="Uptime of the process"
        )
        meter.create_observable_counter(
            "otelcol_process_cpu_seconds",
            callbacks=[self._cpu],
            unit="s",
            description="Total CPU user and system time in seconds",
        )
        meter.create_observable_gauge(
            "otelcol_process_memory_rss",
            callbacks=[self._rss],
            unit="By",
            description="Total physical memory (resident set size)",
        )
        meter.create_observable_gauge(
            "otelcol_process_runtime_heap_alloc_bytes",
            callbacks=[self._heap],
            unit="By",
            description="Bytes of allocated heap objects (Python: data segment size)",
        )
        meter.create_observable_counter(
            "otelcol_process_runtime_total_alloc_bytes",
            callbacks=[self._total],
            unit="By",
            description="Cumulative bytes allocated for heap objects (Python: observed heap growth)",
        )
        meter.create_observable_gauge(
            "otelcol_process_runtime_total_sys_memory_bytes",
            callbacks=[self._sys],
            unit="By",
            description="Total bytes of memory obtained from the OS (Python: virtual memory size)",
        )

    def _snapshot(self) -> dict[str, float]:
        with self._lock:
            now = time.monotonic()
            if self._snap and now - self._taken < _SNAPSHOT_TTL:
                return self._snap
            snap: dict[str, float] = {}
            try:
                with self._proc.oneshot():
                    mem: Any = self._proc.memory_info()
                    cpu: Any = self._proc.cpu_times()
                snap["rss"] = float(mem.rss)
                snap["vms"] = float(mem.vms)
                heap = int(getattr(mem, "data", 0) or mem.rss)
                snap["heap"] = float(heap)
                snap["cpu"] = float(cpu.user + cpu.system)
                if heap > self._last_heap:
                    self._total_alloc += heap - self._last_heap
                self._last_heap = heap
                snap["total_alloc"] = float(self._total_alloc)
            except psutil.Error:
                snap = {}
            self._snap, self._taken = snap, now
            return snap

    def _one(self, key: str, as_int: bool) -> Iterable[Observation]:
        value = self._snapshot().get(key)
        if value is None:
            return []
        return [Observation(int(value) if as_int else value)]

    def _uptime(self, options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(max(time.time() - self._start, 0.0))]

    def _cpu(self, options: CallbackOptions) -> Iterable[Observation]:
        return self._one("cpu", False)

    def _rss(self, options: CallbackOptions) -> Iterable[Observation]:
        return self._one("rss", True)

    def _heap(self, options: CallbackOptions) -> Iterable[Observation]:
        return self._one("heap", True)

    def _total(self, options: CallbackOptions) -> Iterable[Observation]:
        return self._one("total_alloc", True)

    def _sys(self, options: CallbackOptions) -> Iterable[Observation]:
        return self._one("vms", True)


__all__ = ["ProcessMetrics"]
