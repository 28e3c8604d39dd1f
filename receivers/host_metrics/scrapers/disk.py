"""The ``disk`` scraper: /proc/diskstats per device (bytes, operations, times, merged, pending),
filtered by ``include`` / ``exclude`` device names."""

from __future__ import annotations

from typing import Any

from pyotelcol.pdata import Metrics

from .. import procfs
from ..filterset import create_filter_set
from .base import HostScraper, now_ns


class DiskScraper(HostScraper[Any]):
    name = "disk"
    metrics_len = 7

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._include = create_filter_set(self.cfg.include.devices, self.cfg.include)
        self._exclude = create_filter_set(self.cfg.exclude.devices, self.cfg.exclude)

    def _wanted(self, device: str) -> bool:
        return (self._include is None or self._include.matches(device)) and (
            self._exclude is None or not self._exclude.matches(device)
        )

    def collect(self) -> Metrics:
        now = now_ns()
        stats = procfs.parse_diskstats(procfs.read_text(self.paths.in_proc("diskstats")))
        record = self.mb.record
        for device, s in stats.items():
            if not self._wanted(device):
                continue
            read, write = {"device": device, "direction": "read"}, {"device": device, "direction": "write"}
            record("system.disk.io", now, s.read_bytes, read)
            record("system.disk.io", now, s.write_bytes, write)
            record("system.disk.operations", now, s.read_count, read)
            record("system.disk.operations", now, s.write_count, write)
            record("system.disk.io_time", now, s.io_time_ms / 1000, {"device": device})
            record("system.disk.operation_time", now, s.read_time_ms / 1000, read)
            record("system.disk.operation_time", now, s.write_time_ms / 1000, write)
            record("system.disk.pending_operations", now, s.iops_in_progress, {"device": device})
            record("system.disk.weighted_io_time", now, s.weighted_io_ms / 1000, {"device": device})
            record("system.disk.merged", now, s.merged_read_count, read)
            record("system.disk.merged", now, s.merged_write_count, write)
        return self.mb.emit()
