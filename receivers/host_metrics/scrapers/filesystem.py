"""The ``filesystem`` scraper: space and inode usage of every mounted filesystem.

Mounts come from /proc/1/mountinfo (else /proc/self/mountinfo) under ``root_path``; without
``include_virtual_filesystems`` only device-backed types of /proc/filesystems are kept, as
gopsutil does. With ``root_path``, each mount point is measured at ``<root_path>/<mount point>``
and reported as the host sees it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from typing import Any

from pyotelcol.pdata import Metrics

from .. import procfs
from ..filterset import FilterSet, create_filter_set
from ..procfs import Partition
from .base import HostScraper, ScrapeErrors, now_ns


def _mode(opts: tuple[str, ...]) -> str:
    if "rw" in opts:
        return "rw"
    return "ro" if "ro" in opts else "unknown"


def _passes(value: str, include: FilterSet | None, exclude: FilterSet | None) -> bool:
    return (include is None or include.matches(value)) and (exclude is None or not exclude.matches(value))


class FilesystemScraper(HostScraper[Any]):
    name = "filesystem"
    metrics_len = 2

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        c = self.cfg
        self._filters = [
            (
                "device",
                create_filter_set(c.include_devices.devices, c.include_devices),
                create_filter_set(c.exclude_devices.devices, c.exclude_devices),
            ),
            (
                "fstype",
                create_filter_set(c.include_fs_types.fs_types, c.include_fs_types),
                create_filter_set(c.exclude_fs_types.fs_types, c.exclude_fs_types),
            ),
            (
                "mountpoint",
                create_filter_set(c.include_mount_points.mount_points, c.include_mount_points),
                create_filter_set(c.exclude_mount_points.mount_points, c.exclude_mount_points),
            ),
        ]

    def _wanted(self, p: Partition) -> bool:
        return all(_passes(getattr(p, attr), inc, exc) for attr, inc, exc in self._filters)

    def _partitions(self) -> list[Partition]:
        text = None
        for pid in ("1", "self"):
            try:
                text = procfs.read_text(self.paths.in_proc(pid, "mountinfo"))
                break
            except OSError:
                continue
        if text is None:
            raise RuntimeError(f"cannot read {self.paths.in_proc('self', 'mountinfo')}")
        include_all = self.cfg.include_virtual_filesystems
        fs_types = (
            set() if include_all else procfs.parse_filesystems(procfs.read_text(self.paths.in_proc("filesystems")))
        )
        return [self._real_device(p) for p in procfs.parse_mountinfo(text, include_all, fs_types)]

    def _real_device(self, p: Partition) -> Partition:
        # /dev/mapper/x names a symlink, /dev/root no real device: report the device behind
        # them, as gopsutil does
        device = p.device
        if device.startswith("/dev/mapper/"):
            target = os.path.join(self.paths.dev, device.removeprefix("/dev/"))
            if os.path.exists(target):
                device = os.path.realpath(target)
        elif device == "/dev/root" and p.block_id:
            with contextlib.suppress(OSError):  # unresolvable: keep /dev/root
                link = os.readlink(os.path.join(self.paths.sys, "dev", "block", p.block_id))
                device = "/dev/" + os.path.basename(link)
        return dataclasses.replace(p, device=device)

    def collect(self) -> Metrics:
        now = now_ns()
        errors = ScrapeErrors()
        usages: list[tuple[Partition, os.statvfs_result]] = []
        seen: set[tuple[str, str]] = set()
        for p in self._partitions():
            if not p.device and not p.mountpoint:
                continue
            key = (p.mountpoint, p.device)
            if p.mountpoint and key in seen:
                continue
            seen.add(key)
            if not self._wanted(p):
                continue
            path = self.paths.translate_mountpoint(p.mountpoint)
            try:
                usages.append((p, os.statvfs(path)))
            except OSError as exc:
                errors.add(0, f"failed to read usage at {path}: {exc}")
        for p, st in usages:
            self._record(now, p, st)
        data = self.mb.emit()
        if errors.messages and not usages:
            errors.failed = self.metrics_len
        return errors.raise_if_any(data)

    def _record(self, now: int, p: Partition, st: os.statvfs_result) -> None:
        total = st.f_blocks * st.f_frsize
        free = st.f_bavail * st.f_frsize
        used = (st.f_blocks - st.f_bfree) * st.f_frsize
        base = {"device": p.device, "mode": _mode(p.opts), "mountpoint": p.mountpoint, "type": p.fstype}
        record = self.mb.record
        record("system.filesystem.usage", now, used, {**base, "state": "used"})
        record("system.filesystem.usage", now, free, {**base, "state": "free"})
        record("system.filesystem.usage", now, total - used - free, {**base, "state": "reserved"})
        record("system.filesystem.utilization", now, used / (used + free) if used + free else 0.0, base)
        record("system.filesystem.inodes.usage", now, st.f_files - st.f_ffree, {**base, "state": "used"})
        record("system.filesystem.inodes.usage", now, st.f_ffree, {**base, "state": "free"})
