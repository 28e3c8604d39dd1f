"""One process as gopsutil reads it from ``<proc>/<pid>/...``.

The receiver reads these files itself rather than through ``psutil.Process``: psutil takes its
/proc location from a process-wide setting, and pointing that at ``root_path`` would also move
every other psutil user of the collector (the ``memory_limiter``'s own-RSS reading, the process
self-metrics) into the host's pid namespace, where the collector's pid means another process.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass

from . import procfs

__all__ = ["CpuTimes", "IOCounters", "ProcessReader", "list_pids"]

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_NAME_LIMIT = 15  # the kernel truncates comm to 15 characters


def list_pids(proc: str) -> list[int]:
    return sorted(int(entry) for entry in os.listdir(proc) if entry.isdigit())


@dataclass(frozen=True)
class CpuTimes:
    user: float
    system: float
    iowait: float


@dataclass(frozen=True)
class IOCounters:
    read_chars: int
    write_chars: int
    read_count: int
    write_count: int


class ProcessReader:
    """Lazy, cached reads of one process's /proc files; each raises OSError or ValueError."""

    def __init__(self, proc: str, pid: int) -> None:
        self.pid = pid
        self._dir = os.path.join(proc, str(pid))
        self._stat: list[str] | None = None
        self._status: dict[str, str] | None = None

    def path(self, *parts: str) -> str:
        return os.path.join(self._dir, *parts)

    def stat_fields(self) -> list[str]:
        """/proc/<pid>/stat after the command name: index 0 is field 3 (state) of proc(5)."""
        if self._stat is None:
            text = procfs.read_text(self.path("stat"))
            end = text.rfind(")")
            if end < 0:
                raise ValueError(f"unexpected content of {self.path('stat')}")
            self._stat = text[end + 1 :].split()
        return self._stat

    def _field(self, number: int) -> int:
        fields = self.stat_fields()
        if len(fields) <= number - 3:
            raise ValueError(f"{self.path('stat')} has no field {number}")
        return int(fields[number - 3])

    def status(self) -> dict[str, str]:
        if self._status is None:
            out = {}
            for line in procfs.read_text(self.path("status")).splitlines():
                key, _, value = line.partition(":")
                out[key] = value.strip()
            self._status = out
        return self._status

    def name(self) -> str:
        name = self.status().get("Name")
        if name is None:
            raise ValueError(f"no Name in {self.path('status')}")
        if len(name) >= _NAME_LIMIT:  # truncated: the command line has the full name (as gopsutil)
            try:
                args = self.cmdline()
            except OSError:
                args = []
            if args:
                full = os.path.basename(args[0])
                if full.startswith(name):
                    return full
        return name

    def exe(self) -> str:
        return os.readlink(self.path("exe"))

    def cmdline(self) -> list[str]:
        with open(self.path("cmdline"), "rb") as f:
            raw = f.read()
        return [part.decode("utf-8", "replace") for part in raw.rstrip(b"\0").split(b"\0")] if raw else []

    def username(self) -> str:
        uids = self.status().get("Uid", "").split()
        if not uids:
            raise ValueError(f"no Uid in {self.path('status')}")
        try:
            return pwd.getpwuid(int(uids[0])).pw_name
        except KeyError:
            raise ValueError(f"user: unknown userid {uids[0]}") from None

    def ppid(self) -> int:
        return self._field(4)

    def create_time_ms(self, boot_time_s: int) -> int:
        start_ticks = self._field(22)
        return int((boot_time_s + start_ticks / procfs.CLOCK_TICKS) * 1000)

    def cpu_times(self) -> CpuTimes:
        ticks = procfs.CLOCK_TICKS
        iowait = self._field(42) / ticks if len(self.stat_fields()) > 39 else 0.0
        return CpuTimes(self._field(14) / ticks, self._field(15) / ticks, iowait)

    def memory(self) -> tuple[int, int]:
        """(RSS, virtual size) in bytes, from statm."""
        fields = procfs.read_text(self.path("statm")).split()
        return int(fields[1]) * _PAGE_SIZE, int(fields[0]) * _PAGE_SIZE

    def io_counters(self) -> IOCounters:
        values = {}
        for line in procfs.read_text(self.path("io")).splitlines():
            key, _, value = line.partition(":")
            values[key.strip()] = int(value)
        return IOCounters(values["rchar"], values["wchar"], values["syscr"], values["syscw"])

    def num_threads(self) -> int:
        return int(self.status()["Threads"])

    def num_fds(self) -> int:
        return len(os.listdir(self.path("fd")))

    def page_faults(self) -> tuple[int, int]:
        """(major, minor)."""
        return self._field(12), self._field(10)

    def context_switches(self) -> tuple[int, int]:
        """(involuntary, voluntary), summed over the process's threads as Go does."""
        voluntary = involuntary = 0
        for tid in os.listdir(self.path("task")):
            for line in procfs.read_text(self.path("task", tid, "status")).splitlines():
                key, _, value = line.partition(":")
                if key == "voluntary_ctxt_switches":
                    voluntary += int(value)
                elif key == "nonvoluntary_ctxt_switches":
                    involuntary += int(value)
        return involuntary, voluntary

    def signals_pending(self) -> int:
        queued = self.status().get("SigQ", "")
        if not queued:
            raise ValueError(f"no SigQ in {self.path('status')}")
        return int(queued.split("/")[0])

    def cgroup(self) -> str:
        return procfs.read_text(self.path("cgroup")).removesuffix("\n")
