"""The ``memory`` scraper: /proc/meminfo as gopsutil reads it. "used" is total minus
MemAvailable (Go's beta gate ``receiver.hostmetricsreceiver.UseLinuxMemAvailable``, on by
default); "cached" includes SReclaimable."""

from __future__ import annotations

import os
from typing import Any

from pyotelcol.helpers.scraperhelper import PartialScrapeError
from pyotelcol.pdata import Metrics

from .. import procfs
from .base import HostScraper, now_ns


class MemoryScraper(HostScraper[Any]):
    name = "memory"
    metrics_len = 2

    def collect(self) -> Metrics:
        now = now_ns()
        info = procfs.parse_meminfo(procfs.read_text(self.paths.in_proc("meminfo")))
        total = info.get("MemTotal", 0)
        free = info.get("MemFree", 0)
        buffers = info.get("Buffers", 0)
        slab_reclaimable = info.get("SReclaimable", 0)
        cached = info.get("Cached", 0) + slab_reclaimable
        available = info.get("MemAvailable", free + buffers + cached)
        used = total - available
        states = {
            "used": used,
            "free": free,
            "buffered": buffers,
            "cached": cached,
            "slab_reclaimable": slab_reclaimable,
            "slab_unreclaimable": info.get("SUnreclaim", 0),
        }
        for state, value in states.items():
            self.mb.record("system.memory.usage", now, value, {"state": state})
        if total <= 0:
            self.mb.emit()  # drop what was recorded: Go returns no data then
            raise PartialScrapeError(f"invalid total memory: {total}", self.metrics_len, Metrics.empty())
        for state, value in states.items():
            self.mb.record("system.memory.utilization", now, value / total, {"state": state})
        self.mb.record("system.memory.limit", now, total)
        self.mb.record("system.linux.memory.available", now, available)
        self.mb.record("system.linux.memory.dirty", now, info.get("Dirty", 0))
        self.mb.record("system.memory.linux.shared", now, info.get("Shmem", 0))
        self._record_hugepages(now, info)
        self.mb.record("system.memory.page_size", now, os.sysconf("SC_PAGE_SIZE"))
        return self.mb.emit()

    def _record_hugepages(self, now: int, info: dict[str, int]) -> None:
        total = info.get("HugePages_Total", 0)
        free = info.get("HugePages_Free", 0)
        self.mb.record("system.memory.linux.hugepages.page_size", now, info.get("Hugepagesize", 0))
        self.mb.record("system.memory.linux.hugepages.limit", now, total)
        state = "system.memory.linux.hugepages.state"
        self.mb.record("system.memory.linux.hugepages.usage", now, free, {state: "free"})
        self.mb.record("system.memory.linux.hugepages.usage", now, total - free, {state: "used"})
        self.mb.record("system.memory.linux.hugepages.reserved", now, info.get("HugePages_Rsvd", 0))
        self.mb.record("system.memory.linux.hugepages.surplus", now, info.get("HugePages_Surp", 0))
        if total:
            self.mb.record("system.memory.linux.hugepages.utilization", now, free / total, {state: "free"})
            self.mb.record("system.memory.linux.hugepages.utilization", now, (total - free) / total, {state: "used"})
