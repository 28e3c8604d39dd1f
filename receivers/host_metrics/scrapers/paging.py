"""The ``paging`` scraper: swap devices of /proc/swaps (usage, utilization) and the paging
counters of /proc/vmstat.

Go's gopsutil multiplies every /proc/vmstat counter it reports here (pswpin, pswpout, pgpgin,
pgpgout, pgfault, pgmajfault) by 4096, so ``system.paging.operations`` and
``system.paging.faults`` are 4096 times the kernel's counts; pyotelcol reports the same values so
dashboards built on Go's numbers keep working.
"""

from __future__ import annotations

from typing import Any

from pyotelcol.pdata import Metrics

from .. import procfs
from .base import HostScraper, ScrapeErrors, now_ns

_GOPSUTIL_SCALE = 4 * 1024


class PagingScraper(HostScraper[Any]):
    name = "paging"
    metrics_len = 4

    def collect(self) -> Metrics:
        errors = ScrapeErrors()
        try:
            self._usage()
        except Exception as exc:
            errors.add(2, f"failed to read page file stats: {exc}")
        try:
            self._counters()
        except Exception as exc:
            errors.add(2, f"failed to read swap info: {exc}")
        return errors.raise_if_any(self.mb.emit())

    def _usage(self) -> None:
        now = now_ns()
        for dev in procfs.parse_swaps(procfs.read_text(self.paths.in_proc("swaps"))):
            for state, value in (("used", dev.used), ("free", dev.free)):
                attrs = {"device": dev.name, "state": state}
                self.mb.record("system.paging.usage", now, value, attrs)
                if dev.total:
                    self.mb.record("system.paging.utilization", now, value / dev.total, attrs)

    def _counters(self) -> None:
        now = now_ns()
        vm = {
            k: v * _GOPSUTIL_SCALE
            for k, v in procfs.parse_vmstat(procfs.read_text(self.paths.in_proc("vmstat"))).items()
        }
        record = self.mb.record
        record("system.paging.operations", now, vm.get("pswpin", 0), {"direction": "page_in", "type": "major"})
        record("system.paging.operations", now, vm.get("pswpout", 0), {"direction": "page_out", "type": "major"})
        record("system.paging.operations", now, vm.get("pgpgin", 0), {"direction": "page_in", "type": "minor"})
        record("system.paging.operations", now, vm.get("pgpgout", 0), {"direction": "page_out", "type": "minor"})
        major = vm.get("pgmajfault", 0)
        record("system.paging.faults", now, major, {"type": "major"})
        record("system.paging.faults", now, vm.get("pgfault", 0) - major, {"type": "minor"})
