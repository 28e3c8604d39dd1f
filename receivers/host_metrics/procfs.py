"""Readers of the Linux /proc files the scrapers use, parsing them as gopsutil does.

Each ``parse_*`` takes a file's text (unit-testable); each ``read_*`` takes the proc directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = [
    "CpuTimes",
    "DiskStats",
    "Partition",
    "boot_time",
    "parse_cpu_times",
    "parse_diskstats",
    "parse_filesystems",
    "parse_meminfo",
    "parse_mountinfo",
    "parse_net_dev",
    "parse_swaps",
    "parse_tcp_states",
    "parse_vmstat",
]

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SECTOR_SIZE = 512

# /proc/net/tcp ``st`` column → gopsutil's state names
TCP_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}


def read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError as exc:
        if exc.filename is None:  # /proc may refuse at read time: name the file all the same
            raise OSError(exc.errno, exc.strerror, path) from None
        raise


# -- /proc/stat ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CpuTimes:
    cpu: str
    user: float
    nice: float
    system: float
    idle: float
    iowait: float
    irq: float
    softirq: float
    steal: float

    def total(self) -> float:
        return self.user + self.system + self.idle + self.nice + self.iowait + self.irq + self.softirq + self.steal


def parse_cpu_times(text: str) -> list[CpuTimes]:
    """The per-CPU lines (``cpu0``, ``cpu1``, ...) of /proc/stat, in seconds."""
    out = []
    for line in text.splitlines():
        fields = line.split()
        if not fields or not fields[0].startswith("cpu") or fields[0] == "cpu":
            continue
        values = [int(v) / CLOCK_TICKS for v in fields[1:9]] + [0.0] * (8 - len(fields[1:9]))
        out.append(CpuTimes(fields[0], *values))
    return out


def parse_stat_counters(text: str) -> dict[str, int]:
    """The single-number lines of /proc/stat (``btime``, ``processes``, ``procs_running``, ...)."""
    out = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1].isdigit():
            out[fields[0]] = int(fields[1])
    return out


def boot_time(proc: str) -> int:
    """Boot time in seconds since the epoch (``btime`` of /proc/stat)."""
    counters = parse_stat_counters(read_text(os.path.join(proc, "stat")))
    if "btime" not in counters:
        raise ValueError(f"could not find btime in {os.path.join(proc, 'stat')}")
    return counters["btime"]


# -- memory ----------------------------------------------------------------------------------------


def parse_meminfo(text: str) -> dict[str, int]:
    """/proc/meminfo in bytes (``kB`` values times 1024; page counts as they are)."""
    out = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        fields = rest.split()
        if not fields or not fields[0].isdigit():
            continue
        value = int(fields[0])
        out[name.strip()] = value * 1024 if len(fields) > 1 and fields[1] == "kB" else value
    return out


def parse_vmstat(text: str) -> dict[str, int]:
    out = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[1].isdigit():
            out[fields[0]] = int(fields[1])
    return out


@dataclass(frozen=True)
class SwapDevice:
    name: str
    used: int
    free: int
    total: int


def parse_swaps(text: str) -> list[SwapDevice]:
    """/proc/swaps rows, checked against the header as Go does."""
    lines = text.splitlines()
    if not lines:
        raise ValueError('unexpected end-of-file in "/proc/swaps"')
    header = lines[0].split()
    if len(header) < 4 or header[0] != "Filename" or header[2] != "Size" or header[3] != "Used":
        raise ValueError(f'couldn\'t parse "/proc/swaps": unexpected header {header}')
    out = []
    for line in lines[1:]:
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 4:
            raise ValueError(f'couldn\'t parse "/proc/swaps": expected ≥4 fields in row but got {fields}')
        total, used = int(fields[2]) * 1024, int(fields[3]) * 1024
        out.append(SwapDevice(fields[0], used, total - used, total))
    return out


# -- disks and filesystems -------------------------------------------------------------------------


@dataclass(frozen=True)
class DiskStats:
    name: str
    read_count: int
    merged_read_count: int
    read_bytes: int
    read_time_ms: int
    write_count: int
    merged_write_count: int
    write_bytes: int
    write_time_ms: int
    iops_in_progress: int
    io_time_ms: int
    weighted_io_ms: int


def parse_diskstats(text: str) -> dict[str, DiskStats]:
    """/proc/diskstats by device; devices whose counters are all zero are left out (as gopsutil)."""
    out = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 14:
            continue
        v = [int(x) for x in fields[3:14]]
        if not any(v):
            continue
        out[fields[2]] = DiskStats(
            fields[2], v[0], v[1], v[2] * SECTOR_SIZE, v[3], v[4], v[5], v[6] * SECTOR_SIZE, v[7], v[8], v[9], v[10]
        )
    return out


def parse_filesystems(text: str) -> set[str]:
    """The device-backed filesystem types of /proc/filesystems (plus zfs), as gopsutil keeps them."""
    out = set()
    for line in text.splitlines():
        if not line.startswith("nodev"):
            if line.strip():
                out.add(line.strip())
            continue
        parts = line.split("\t")
        if len(parts) == 2 and parts[1].strip() == "zfs":
            out.add("zfs")
    return out


@dataclass(frozen=True)
class Partition:
    device: str
    mountpoint: str
    fstype: str
    opts: tuple[str, ...]
    block_id: str = ""  # major:minor


def _unescape(value: str) -> str:
    """Octal escapes of mountinfo (``\\040`` for a space)."""
    if "\\" not in value:
        return value
    out, i = [], 0
    while i < len(value):
        chunk = value[i + 1 : i + 4]
        if value[i] == "\\" and len(chunk) == 3 and all(c in "01234567" for c in chunk):
            out.append(chr(int(chunk, 8)))
            i += 4
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _effective_opts(mount_opts: list[str], super_opts: list[str]) -> list[str]:
    """Read-only if either the mount or the superblock is; read-write only if both are."""
    if "ro" in mount_opts or "ro" in super_opts:
        mode = "ro"
    elif "rw" in mount_opts and "rw" in super_opts:
        mode = "rw"
    else:
        return mount_opts
    out = [o for o in mount_opts if o not in ("ro", "rw")]
    return [mode, *out]


def parse_mountinfo(text: str, include_all: bool, fs_types: set[str]) -> list[Partition]:
    """/proc/<pid>/mountinfo as gopsutil's ``Partitions``: with ``include_all`` false only
    device-backed types (``fs_types``) and no bind mounts of subdirectories."""
    out = []
    seen_devices: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        head, sep, tail = line.partition(" - ")
        fields, after = head.split(), tail.split()
        if not sep or len(fields) < 5 or len(after) < 2:
            raise ValueError(f"found invalid mountinfo line: {line}")
        dev_id, root_dir, mountpoint = fields[2], fields[3], fields[4]
        mount_opts = fields[5].split(",") if len(fields) >= 6 else []
        fstype, source = after[0], after[1]
        super_opts = after[2].split(",") if len(after) >= 3 else []
        opts = _effective_opts(mount_opts, super_opts)
        if not include_all and fstype not in fs_types:
            continue
        device = source if source.startswith("/") or root_dir == "/" else root_dir
        device = seen_devices.get(dev_id, device)
        subvol = next((o.removeprefix("subvol=") for o in super_opts if o.startswith("subvol=")), None)
        is_bind = source.startswith("/") and root_dir != "/" and root_dir != subvol
        if is_bind:
            opts = [*opts, "bind"]
        seen_devices.setdefault(dev_id, device)
        if not include_all and is_bind:
            continue
        out.append(Partition(device, _unescape(mountpoint), fstype, tuple(opts), dev_id))
    return out


# -- network ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetCounters:
    bytes_recv: int
    packets_recv: int
    errin: int
    dropin: int
    bytes_sent: int
    packets_sent: int
    errout: int
    dropout: int


def parse_net_dev(text: str) -> dict[str, NetCounters]:
    """/proc/net/dev by interface."""
    out = {}
    for line in text.splitlines()[2:]:
        name, sep, rest = line.partition(":")
        fields = rest.split()
        if not sep or len(fields) < 12:
            continue
        v = [int(x) for x in fields[:12]]
        out[name.strip()] = NetCounters(v[0], v[1], v[2], v[3], v[8], v[9], v[10], v[11])
    return out


def parse_tcp_states(text: str) -> list[str]:
    """The state of every socket listed in /proc/net/tcp or tcp6."""
    out = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3:
            out.append(TCP_STATES.get(fields[3].upper(), ""))
    return out
