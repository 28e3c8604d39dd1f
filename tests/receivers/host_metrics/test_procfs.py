"""The /proc parsers of the host_metrics receiver, on texts shaped like the kernel's."""

from __future__ import annotations

import pytest
from pyotelcol.receivers.host_metrics import procfs
from pyotelcol.receivers.host_metrics.hostfs import acquire, host_paths, release


def test_mountinfo_keeps_device_backed_mounts_and_drops_binds() -> None:
    text = "\n".join(
        [
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro",
            "23 22 0:5 / /proc rw,nosuid - proc proc rw",
            "24 22 8:1 /srv/data /mnt/bind rw - ext4 /dev/sda1 rw",
            r"25 22 8:2 / /mnt/my\040disk ro,noatime - xfs /dev/sdb ro",
            "26 22 8:3 / /data rw - ext4 /dev/sdc ro",
            "27 22 0:40 / /tmp rw - tmpfs tmpfs rw",
        ]
    )
    fs_types = procfs.parse_filesystems("nodev\tproc\nnodev\ttmpfs\n\text4\n\txfs\nnodev\tzfs\n")
    assert fs_types == {"ext4", "xfs", "zfs"}
    parts = procfs.parse_mountinfo(text, include_all=False, fs_types=fs_types)
    assert [(p.device, p.mountpoint, p.fstype, p.opts[0]) for p in parts] == [
        ("/dev/sda1", "/", "ext4", "rw"),
        ("/dev/sdb", "/mnt/my disk", "xfs", "ro"),
        ("/dev/sdc", "/data", "ext4", "ro"),  # read-only superblock wins over a rw mount
    ]
    everything = procfs.parse_mountinfo(text, include_all=True, fs_types=set())
    bind = next(p for p in everything if p.mountpoint == "/mnt/bind")
    assert (bind.device, bind.opts[-1]) == ("/dev/sda1", "bind")
    assert {p.mountpoint for p in everything} >= {"/proc", "/tmp"}


def test_mountinfo_rejects_a_line_without_separator() -> None:
    with pytest.raises(ValueError, match="invalid mountinfo line"):
        procfs.parse_mountinfo("22 1 8:1 / / rw ext4 /dev/sda1", include_all=True, fs_types=set())


def test_diskstats_in_bytes_and_idle_devices_left_out() -> None:
    text = (
        "   8       0 sda 100 5 800 40 200 7 1600 90 1 120 130 0 0 0 0\n"
        "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
        "   8       1 short 1 2 3\n"
    )
    stats = procfs.parse_diskstats(text)
    assert list(stats) == ["sda"]
    sda = stats["sda"]
    assert (sda.read_count, sda.merged_read_count, sda.read_bytes, sda.read_time_ms) == (100, 5, 800 * 512, 40)
    assert (sda.write_count, sda.write_bytes, sda.iops_in_progress, sda.io_time_ms, sda.weighted_io_ms) == (
        200,
        1600 * 512,
        1,
        120,
        130,
    )


def test_swaps_and_their_header() -> None:
    text = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/dm-1  partition\t8000\t1000\t-2\n"
    (dev,) = procfs.parse_swaps(text)
    assert (dev.name, dev.used, dev.free, dev.total) == ("/dev/dm-1", 1000 * 1024, 7000 * 1024, 8000 * 1024)
    assert procfs.parse_swaps(text.splitlines()[0]) == []
    with pytest.raises(ValueError, match="couldn't parse"):
        procfs.parse_swaps("Name Type Size Used\n")


def test_meminfo_vmstat_and_stat() -> None:
    info = procfs.parse_meminfo("MemTotal:       16000 kB\nHugePages_Total:       4\nbogus line\n")
    assert info == {"MemTotal": 16000 * 1024, "HugePages_Total": 4}
    assert procfs.parse_vmstat("pgfault 10\npgmajfault 2\n") == {"pgfault": 10, "pgmajfault": 2}
    stat = "cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 100 0 50 1000 0 0 0 0 0 0\nbtime 1700000000\nprocesses 42\n"
    (cpu0,) = procfs.parse_cpu_times(stat)
    assert cpu0.cpu == "cpu0"
    assert cpu0.user == 100 / procfs.CLOCK_TICKS and cpu0.idle == 1000 / procfs.CLOCK_TICKS
    assert procfs.parse_stat_counters(stat) == {"btime": 1700000000, "processes": 42}


def test_tcp_states() -> None:
    text = (
        "  sl  local_address rem_address   st tx_queue rx_queue\n"
        "   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000\n"
        "   1: 0100007F:0CEA 0100007F:9C40 01 00000000:00000000\n"
    )
    assert procfs.parse_tcp_states(text) == ["LISTEN", "ESTABLISHED"]


def test_host_paths_follow_root_path_unless_the_environment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("HOST_PROC", "HOST_SYS", "HOST_DEV"):
        monkeypatch.delenv(var, raising=False)
    assert host_paths("").proc == "/proc"
    assert host_paths("/").proc == "/proc"
    paths = host_paths("/hostfs")
    assert (paths.proc, paths.sys, paths.dev) == ("/hostfs/proc", "/hostfs/sys", "/hostfs/dev")
    assert paths.translate_mountpoint("/var/lib") == "/hostfs/var/lib"
    assert paths.translate_mountpoint("/hostfs/boot") == "/hostfs/boot"
    monkeypatch.setenv("HOST_PROC", "/elsewhere/proc")
    assert host_paths("/hostfs").proc == "/elsewhere/proc"


def test_net_dev() -> None:
    text = (
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls\n"
        "    lo: 100 2 0 0 0 0 0 0 100 2 0 0 0 0 0 0\n"
        "  eth0:5000 50 1 2 0 0 0 0 7000 70 3 4 0 0 0 0\n"
    )
    counters = procfs.parse_net_dev(text)
    assert list(counters) == ["lo", "eth0"]
    eth0 = counters["eth0"]
    assert (eth0.bytes_recv, eth0.packets_recv, eth0.errin, eth0.dropin) == (5000, 50, 1, 2)
    assert (eth0.bytes_sent, eth0.packets_sent, eth0.errout, eth0.dropout) == (7000, 70, 3, 4)


def test_one_root_path_per_collector_as_go() -> None:
    host, other = host_paths("/hostfs"), host_paths("/elsewhere")
    acquire(host)
    try:
        acquire(host)  # a second receiver with the same root_path is fine
        with pytest.raises(ValueError, match="inconsistent root_path configuration detected among components"):
            acquire(other)
        release(host)
    finally:
        release(host)
    acquire(other)  # none running any more: a new root_path is accepted
    release(other)
