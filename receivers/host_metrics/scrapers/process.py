"""The ``process`` scraper: one resource per process (pid, parent pid, executable name and path,
command, command line, owner; cgroup opt-in) with its CPU time, memory, disk I/O and the opt-in
metrics. Cumulative points start at the process's create time.

Per-process failures are handled as Go does: each is a partial error that counts the metrics it
cost (an unreadable name skips the process), the ``mute_process_*_error`` flags drop the matching
ones and ``mute_process_all_errors`` drops them all; every other process is still reported.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from pyotelcol.pdata import Metrics

from .. import procfs
from ..filterset import create_filter_set
from ..procinfo import ProcessReader, list_pids
from .base import HostScraper, ScrapeErrors, now_ns


@dataclass
class _Meta:
    pid: int
    handle: ProcessReader
    name: str
    exe: str
    cgroup: str
    command: str | None
    command_line: str | None
    owner: str
    create_time_ms: int
    parent_pid: int

    def resource(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "process.pid": self.pid,
            "process.parent_pid": self.parent_pid,
            "process.executable.name": self.name,
            "process.executable.path": self.exe,
            "process.cgroup": self.cgroup,
            "process.linux.cgroup": self.cgroup,
        }
        if self.command is not None:
            out["process.command"] = self.command
            out["process.command_line"] = self.command_line or ""
        if self.owner:
            out["process.owner"] = self.owner
        return out


def _why(exc: BaseException) -> str:
    """A file error as Go words it (``open /proc/1/io: permission denied``)."""
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        verb = "readlink" if str(exc.filename).endswith("/exe") else "read"
        return f"{verb} {exc.filename}: {exc.strerror[0].lower()}{exc.strerror[1:]}"
    return str(exc)


class ProcessScraper(HostScraper[Any]):
    name = "process"
    metrics_len = 12
    uses_boot_time = False  # each process's points start at its create time

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._include = create_filter_set(self.cfg.include.names, self.cfg.include)
        self._exclude = create_filter_set(self.cfg.exclude.names, self.cfg.exclude)
        self._logical_cores = os.cpu_count() or 1
        self._previous_cpu: dict[int, tuple[Any, int]] = {}
        self._boot_time_s = 0
        self._mem_total = 0
        if self.mb.enabled("process.handles"):
            self.logger.warning("process.handles is only supported on Windows; disabling metric on this platform")

    def prepare(self) -> None:
        # process create times count from boot, read once as Go's boot time cache does
        self._boot_time_s = procfs.boot_time(self.paths.proc)

    def collect(self) -> Metrics:
        errors = ScrapeErrors()
        if self.mb.enabled("process.memory.utilization"):
            meminfo = procfs.parse_meminfo(procfs.read_text(self.paths.in_proc("meminfo")))
            self._mem_total = meminfo.get("MemTotal", 0)
        procs = self._processes(errors)
        present = set()
        for md in procs:
            present.add(md.pid)
            self._scrape_process(md, errors)
            self.mb.emit_for_resource(md.resource(), start_override=md.create_time_ms * 1_000_000)
        self._previous_cpu = {pid: v for pid, v in self._previous_cpu.items() if pid in present}
        data = self.mb.emit()
        if self.cfg.mute_process_all_errors:
            return data
        return errors.raise_if_any(data)

    # -- which processes ------------------------------------------------------------------------

    def _processes(self, errors: ScrapeErrors) -> list[_Meta]:
        # Every read below catches any exception: odd /proc content fails that read of that
        # process only, never the whole scrape.
        cfg = self.cfg
        out = []
        for pid in list_pids(self.paths.proc):
            handle = ProcessReader(self.paths.proc, pid)
            try:
                exe = handle.exe()
            except Exception as exc:
                exe = ""
                if not cfg.mute_process_exe_error:
                    errors.add(1, f"error reading process executable for pid {pid}: {_why(exc)}")
            try:
                name = handle.name()
            except Exception as exc:
                if not cfg.mute_process_name_error:
                    errors.add(1, f"error reading process name for pid {pid}: {_why(exc)}")
                continue
            try:
                cgroup = handle.cgroup()
            except Exception as exc:
                cgroup = ""
                if not cfg.mute_process_cgroup_error:
                    errors.add(0, f"error reading process cgroup for pid {pid}: {_why(exc)}")
            if (self._include is not None and not self._include.matches(name)) or (
                self._exclude is not None and self._exclude.matches(name)
            ):
                continue
            command: str | None = None
            command_line: str | None = None
            try:
                args = handle.cmdline()
                command, command_line = (args[0] if args else ""), " ".join(args)
            except Exception as exc:
                errors.add(0, f'error reading command for process "{name}" (pid {pid}): {_why(exc)}')
            try:
                owner = handle.username()
            except Exception as exc:
                owner = ""
                if not cfg.mute_process_user_error:
                    errors.add(0, f'error reading username for process "{name}" (pid {pid}): {_why(exc)}')
            try:
                create_ms = handle.create_time_ms(self._boot_time_s)
            except Exception as exc:
                errors.add(0, f'error reading create time for process "{name}" (pid {pid}): {_why(exc)}')
                create_ms = int(time.time() * 1000)
            if cfg.scrape_process_delay.total_seconds() * 1000 > time.time() * 1000 - create_ms:
                continue
            parent = 0
            if self.mb.resource_attribute_enabled("process.parent_pid"):
                try:
                    parent = handle.ppid()
                except Exception as exc:
                    errors.add(0, f'error reading parent pid for process "{name}" (pid {pid}): {_why(exc)}')
            out.append(_Meta(pid, handle, name, exe, cgroup, command, command_line, owner, create_ms, parent))
        return out

    # -- one process's metrics ------------------------------------------------------------------

    def _scrape_process(self, md: _Meta, errors: ScrapeErrors) -> None:
        steps = (
            (1, "cpu times", self._cpu),
            (2, "memory info", self._memory),
            (1, "memory utilization", self._memory_utilization),
            (1, "disk usage", self._disk),
            (1, "memory paging info", self._paging),
            (1, "thread info", self._threads),
            (1, "context switch counts", self._context_switches),
            (1, "open file descriptor count", self._fds),
            (1, "pending signals", self._signals),
            (1, "uptime", self._uptime),
        )
        for failed, what, step in steps:
            try:
                step(md, now_ns())
            except Exception as exc:
                if what == "disk usage" and self.cfg.mute_process_io_error:
                    continue
                verb = "calculating" if what == "uptime" else "reading"
                errors.add(failed, f'error {verb} {what} for process "{md.name}" (pid {md.pid}): {_why(exc)}')

    def _cpu(self, md: _Meta, now: int) -> None:
        if not self.enabled("process.cpu.time", "process.cpu.utilization"):
            return
        t = md.handle.cpu_times()
        values = {"user": t.user, "system": t.system, "wait": t.iowait}
        for state, value in values.items():
            self.mb.record("process.cpu.time", now, value, {"state": state})
        if not self.mb.enabled("process.cpu.utilization"):
            return
        previous = self._previous_cpu.get(md.pid)
        self._previous_cpu[md.pid] = (values, now)
        if previous is None:
            return  # no point on a process's first scrape
        start_values, start_ns = previous
        elapsed = (now - start_ns) / 1e9
        for state, value in values.items():
            share = (value - start_values[state]) / elapsed / self._logical_cores if elapsed > 0 else 0.0
            self.mb.record("process.cpu.utilization", now, share, {"state": state})

    def _memory(self, md: _Meta, now: int) -> None:
        if not self.enabled("process.memory.usage", "process.memory.virtual"):
            return
        rss, vms = md.handle.memory()
        self.mb.record("process.memory.usage", now, rss)
        self.mb.record("process.memory.virtual", now, vms)

    def _memory_utilization(self, md: _Meta, now: int) -> None:
        if self.mb.enabled("process.memory.utilization"):
            if self._mem_total <= 0:
                raise ValueError("invalid total memory")
            # a percentage (0-100), as gopsutil's MemoryPercent which Go records
            self.mb.record("process.memory.utilization", now, 100 * md.handle.memory()[0] / self._mem_total)

    def _disk(self, md: _Meta, now: int) -> None:
        if not self.enabled("process.disk.io", "process.disk.operations"):
            return
        io = md.handle.io_counters()
        # Go's bytes are rchar / wchar (all reads and writes, not only the disk's)
        self.mb.record("process.disk.io", now, io.read_chars, {"direction": "read"})
        self.mb.record("process.disk.io", now, io.write_chars, {"direction": "write"})
        self.mb.record("process.disk.operations", now, io.read_count, {"direction": "read"})
        self.mb.record("process.disk.operations", now, io.write_count, {"direction": "write"})

    def _paging(self, md: _Meta, now: int) -> None:
        if not self.mb.enabled("process.paging.faults"):
            return
        major, minor = md.handle.page_faults()
        self.mb.record("process.paging.faults", now, major, {"paging_fault_type": "major"})
        self.mb.record("process.paging.faults", now, minor, {"paging_fault_type": "minor"})

    def _threads(self, md: _Meta, now: int) -> None:
        if self.mb.enabled("process.threads"):
            self.mb.record("process.threads", now, md.handle.num_threads())

    def _context_switches(self, md: _Meta, now: int) -> None:
        if not self.mb.enabled("process.context_switches"):
            return
        involuntary, voluntary = md.handle.context_switches()
        self.mb.record("process.context_switches", now, involuntary, {"context_switch_type": "involuntary"})
        self.mb.record("process.context_switches", now, voluntary, {"context_switch_type": "voluntary"})

    def _fds(self, md: _Meta, now: int) -> None:
        if self.mb.enabled("process.open_file_descriptors"):
            self.mb.record("process.open_file_descriptors", now, md.handle.num_fds())

    def _signals(self, md: _Meta, now: int) -> None:
        if not self.mb.enabled("process.signals_pending"):
            return
        self.mb.record("process.signals_pending", now, md.handle.signals_pending())

    def _uptime(self, md: _Meta, now: int) -> None:
        if self.mb.enabled("process.uptime"):
            self.mb.record("process.uptime", now, (now - md.create_time_ms * 1_000_000) / 1e9)
