"""Memory figures: the process's usage (RSS) and the total memory percentages refer to.

Go compares the heap in use (``runtime.MemStats.Alloc``); CPython's allocator exposes no such
figure, so the process resident set size stands in for it. Total memory is the cgroup memory
limit when one is set (v2 ``memory.max``, v1 ``memory.limit_in_bytes``), else physical RAM.
"""

from __future__ import annotations

import os

import psutil

# cgroup v1 reports this (or more) when no limit is set.
UNLIMITED_V1 = 9223372036854771712

_proc: psutil.Process | None = None


def process_rss() -> int:
    """Resident set size of this process, in bytes."""
    global _proc
    if _proc is None or _proc.pid != os.getpid():  # first use, or in a forked child
        _proc = psutil.Process(os.getpid())
    return int(_proc.memory_info().rss)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return None


def _mounts(fs_type: str, option: str | None = None) -> list[tuple[str, str]]:
    """(mount root, mount point) of cgroup mounts of ``fs_type`` from /proc/self/mountinfo."""
    text = _read("/proc/self/mountinfo") or ""
    out = []
    for line in text.splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 1 or tail[0] != fs_type:
            continue
        if option is not None and (len(tail) < 3 or option not in tail[2].split(",")):
            continue
        out.append((fields[3], fields[4]))
    return out


def _cgroup_path(controller: str | None) -> str | None:
    """This process's cgroup path for a v1 controller, or the v2 path when ``controller`` is None."""
    for line in (_read("/proc/self/cgroup") or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if controller is None and parts[0] == "0" and parts[1] == "":
            return parts[2]
        if controller is not None and controller in parts[1].split(","):
            return parts[2]
    return None


def _candidates(root: str, mount_point: str, path: str) -> list[str]:
    rel = path
    if root != "/" and rel.startswith(root):
        rel = rel[len(root) :]
    rel = rel.strip("/")
    dirs = []
    while True:
        dirs.append(os.path.join(mount_point, rel) if rel else mount_point)
        if not rel:
            break
        rel = os.path.dirname(rel)
    return dirs


def cgroup_limit() -> int | None:
    """The cgroup memory limit of this process in bytes, or None when there is none."""
    path_v2 = _cgroup_path(None)
    mounts_v2 = _mounts("cgroup2")
    path_v1 = _cgroup_path("memory")
    mounts_v1 = _mounts("cgroup", "memory")
    if path_v1 is not None and mounts_v1:
        root, point = mounts_v1[0]
        for d in _candidates(root, point, path_v1):
            value = _read(os.path.join(d, "memory.limit_in_bytes"))
            if value is not None and value.isdigit():
                limit = int(value)
                return None if limit >= UNLIMITED_V1 else limit
    if path_v2 is not None and mounts_v2:
        root, point = mounts_v2[0]
        for d in _candidates(root, point, path_v2):
            value = _read(os.path.join(d, "memory.max"))
            if value is None:
                continue
            if value.isdigit():
                return int(value)
            if value == "max":
                return None
    return None


def total_memory() -> int:
    """Memory the percentages refer to: the cgroup limit if set, else physical RAM (bytes)."""
    limit = cgroup_limit()
    if limit is not None and limit > 0:
        return limit
    return int(psutil.virtual_memory().total)
