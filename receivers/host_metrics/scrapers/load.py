"""The ``load`` scraper: the 1, 5 and 15 minute load averages of /proc/loadavg (divided by the
number of CPUs with ``cpu_average``)."""

from __future__ import annotations

import os
from typing import Any

from pyotelcol.pdata import Metrics

from .. import procfs
from .base import HostScraper, now_ns


class LoadScraper(HostScraper[Any]):
    name = "load"
    metrics_len = 3

    def collect(self) -> Metrics:
        now = now_ns()
        fields = procfs.read_text(self.paths.in_proc("loadavg")).split()
        if len(fields) < 3:
            raise ValueError("unexpected content of loadavg")
        loads = [float(v) for v in fields[:3]]
        if self.cfg.cpu_average:
            cpus = len(os.sched_getaffinity(0)) or 1  # Go divides by runtime.NumCPU()
            loads = [v / cpus for v in loads]
        for key, value in zip(("1m", "5m", "15m"), loads, strict=True):
            self.mb.record(f"system.cpu.load_average.{key}", now, value)
        return self.mb.emit()
