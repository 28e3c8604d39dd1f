"""The ``cpu`` scraper: CPU time per state (per CPU with the opt-in ``cpu`` attribute), logical
and physical CPU counts, utilization since the previous scrape and per-CPU frequency."""

from __future__ import annotations

from typing import Any

import psutil

from pyotelcol.pdata import Metrics

from .. import procfs
from ..procfs import CpuTimes
from .base import HostScraper, now_ns

_STATES = (
    ("user", "user"),
    ("system", "system"),
    ("idle", "idle"),
    ("irq", "interrupt"),
    ("nice", "nice"),
    ("softirq", "softirq"),
    ("steal", "steal"),
    ("iowait", "wait"),
)


class CPUScraper(HostScraper[Any]):
    name = "cpu"
    metrics_len = 2

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._previous: dict[str, CpuTimes] | None = None

    def collect(self) -> Metrics:
        now = now_ns()
        times = procfs.parse_cpu_times(procfs.read_text(self.paths.in_proc("stat")))
        for t in times:
            for field, state in _STATES:
                self.mb.record("system.cpu.time", now, getattr(t, field), {"cpu": t.cpu, "state": state})
        self._record_utilization(now, times)
        if self.mb.enabled("system.cpu.physical.count"):
            physical = self._physical_count()
            self.mb.record("system.cpu.physical.count", now, physical)
        if self.mb.enabled("system.cpu.logical.count"):
            self.mb.record("system.cpu.logical.count", now, self._logical_count(times))
        if self.mb.enabled("system.cpu.frequency"):
            for processor, mhz in self._frequencies():
                self.mb.record("system.cpu.frequency", now, mhz * 1_000_000, {"cpu.frequency": f"cpu{processor}"})
        return self.mb.emit()

    def _record_utilization(self, now: int, times: list[CpuTimes]) -> None:
        current = {t.cpu: t for t in times}
        previous, self._previous = self._previous, current
        if previous is None:
            return
        for cpu, start in previous.items():
            end = current.get(cpu)
            if end is None:
                raise RuntimeError(f"getting time for cpu {cpu}: cannot find TimesStat for cpu")
            elapsed = end.total() - start.total()
            for field, state in _STATES:
                value = (getattr(end, field) - getattr(start, field)) / elapsed if elapsed > 0 else 0.0
                self.mb.record("system.cpu.utilization", now, value, {"cpu": cpu, "state": state})

    def _cpuinfo(self) -> list[dict[str, str]]:
        blocks: list[dict[str, str]] = [{}]
        for line in procfs.read_text(self.paths.in_proc("cpuinfo")).splitlines():
            if not line.strip():
                blocks.append({})
                continue
            key, _, value = line.partition(":")
            blocks[-1][key.strip()] = value.strip()
        return [b for b in blocks if "processor" in b]

    def _logical_count(self, times: list[CpuTimes]) -> int:
        # gopsutil counts the "processor" entries of cpuinfo, else the cpuN lines of /proc/stat
        try:
            count = len(self._cpuinfo())
        except OSError:
            count = 0
        return count or len(times)

    def _physical_count(self) -> int:
        # distinct (physical id, core id) pairs of cpuinfo, as gopsutil counts cores; psutil's
        # sysfs-based count when cpuinfo lacks them
        cores = {(b.get("physical id"), b.get("core id")) for b in self._cpuinfo() if "core id" in b}
        count = len(cores) or psutil.cpu_count(logical=False)
        if not count:
            raise RuntimeError("could not determine the number of physical CPUs")
        return count

    def _frequencies(self) -> list[tuple[str, float]]:
        return [(b["processor"], float(b.get("cpu MHz", "0") or 0)) for b in self._cpuinfo()]
