"""The ``system`` scraper: ``system.uptime``, seconds since boot."""

from __future__ import annotations

from typing import Any

from pyotelcol.pdata import Metrics

from .base import HostScraper, now_ns


class SystemScraper(HostScraper[Any]):
    name = "system"
    metrics_len = 1

    def collect(self) -> Metrics:
        now = now_ns()
        # Go's uptime is whole seconds since the boot time
        uptime = now // 1_000_000_000 - self.mb.start_time_ns // 1_000_000_000
        self.mb.record("system.uptime", now, float(uptime))
        return self.mb.emit()
