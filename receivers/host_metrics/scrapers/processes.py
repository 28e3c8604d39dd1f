"""The ``processes`` scraper: processes per status (the state letter of /proc/<pid>/stat, with
running and blocked taken from /proc/stat as Go does) and ``system.processes.created``."""

from __future__ import annotations

import os
from typing import Any

from pyotelcol.pdata import Metrics

from .. import procfs
from .base import HostScraper, now_ns

# the state letters of proc(5), as gopsutil names them, onto Go's status attribute values
_STATUS = {
    "A": "daemon",
    "D": "blocked",
    "U": "blocked",
    "E": "detached",
    "I": "idle",
    "L": "locked",
    "O": "orphan",
    "R": "running",
    "S": "sleeping",
    "T": "stopped",
    "t": "stopped",
    "W": "paging",
    "Y": "system",
    "Z": "zombies",
}


def _state_letter(stat: str) -> str:
    # the command name (in parentheses) may hold spaces and parentheses: the state follows the last ")"
    rest = stat[stat.rfind(")") + 1 :].split()
    return rest[0] if rest else ""


class ProcessesScraper(HostScraper[Any]):
    name = "processes"
    metrics_len = 2

    def collect(self) -> Metrics:
        now = now_ns()
        pids = [entry for entry in os.listdir(self.paths.proc) if entry.isdigit()]
        counts: dict[str, int] = {}
        for pid in pids:
            try:
                letter = _state_letter(procfs.read_text(self.paths.in_proc(pid, "stat")))
            except OSError:
                continue  # gone, or unreadable: counted as unknown below
            status = _STATUS.get(letter, "unknown")
            counts[status] = counts.get(status, 0) + 1
        stat = procfs.parse_stat_counters(procfs.read_text(self.paths.in_proc("stat")))
        counts["blocked"] = stat.get("procs_blocked", 0)
        counts["running"] = stat.get("procs_running", 0)
        known = sum(counts.values())
        if len(pids) > known:
            counts["unknown"] = len(pids) - known
        for status, count in counts.items():
            self.mb.record("system.processes.count", now, count, {"status": status})
        self.mb.record("system.processes.created", now, stat.get("processes", 0))
        return self.mb.emit()
