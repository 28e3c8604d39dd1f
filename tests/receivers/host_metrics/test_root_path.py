"""``root_path``: the receiver reads the host's /proc under it, as Go's does through gopsutil's
HOST_PROC. A fake host tree with known contents goes through a real collector, and every value
that comes out is the fake host's, not this machine's."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import Collector

TICKS = os.sysconf("SC_CLK_TCK")
BTIME = int(time.time()) - 1000

FILES = {
    "proc/stat": (
        f"cpu  {TICKS * 3} 0 0 0 0 0 0 0 0 0\n"
        f"cpu0 {TICKS * 1} {TICKS * 2} {TICKS * 3} {TICKS * 4} {TICKS * 5} {TICKS * 6} {TICKS * 7} {TICKS * 8} 0 0\n"
        f"cpu1 {TICKS * 2} 0 0 {TICKS * 10} 0 0 0 0 0 0\n"
        f"btime {BTIME}\nprocesses 777\nprocs_running 3\nprocs_blocked 1\n"
    ),
    "proc/cpuinfo": "processor\t: 0\ncpu MHz\t\t: 1000.0\n\nprocessor\t: 1\ncpu MHz\t\t: 2000.0\n\nprocessor\t: 2\n",
    "proc/meminfo": (
        "MemTotal:        1000 kB\nMemFree:          100 kB\nMemAvailable:     400 kB\nBuffers:           50 kB\n"
        "Cached:           200 kB\nSReclaimable:      30 kB\nSUnreclaim:        20 kB\n"
    ),
    "proc/loadavg": "0.50 1.00 1.50 1/100 4242\n",
    "proc/diskstats": "   8       0 sdz 10 1 20 30 40 2 80 90 3 100 110 0 0 0 0\n",
    "proc/net/dev": (
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
        "  eth9: 1000 10 1 2 0 0 0 0 2000 20 3 4 0 0 0 0\n"
    ),
    "proc/net/tcp": (
        "  sl  local_address rem_address   st\n"
        "   0: 0100007F:0CEA 00000000:0000 0A\n   1: 0100007F:0CEB 00000000:0000 0A\n"
        "   2: 0100007F:0CEA 0100007F:9C40 01\n"
    ),
    "proc/swaps": "Filename\tType\tSize\tUsed\tPriority\n/swapfile file 4000 1000 -2\n",
    "proc/vmstat": "pswpin 1\npswpout 2\npgpgin 3\npgpgout 4\npgfault 10\npgmajfault 4\n",
    "proc/filesystems": "nodev\tproc\n\text4\n",
    "proc/1/mountinfo": (
        "30 1 8:1 / /data rw,relatime - ext4 /dev/sdz1 rw\n31 1 0:5 / /proc rw - proc proc rw\n"
        "32 1 8:2 / /boot ro - ext4 /dev/root ro\n"
    ),
    "proc/4243/stat": "4243 (undead) Z 1 4243 4243 0 -1\n",
    # a process with everything but /proc/<pid>/io: minflt 100, majflt 7, utime 3 s, stime 2 s,
    # started 500 s after boot, iowait (delayacct_blkio_ticks) 1 s
    "proc/4242/stat": (
        f"4242 (sleepy one) S 1 4242 4242 0 -1 4194560 100 0 7 0 {TICKS * 3} {TICKS * 2} 0 0 20 0 2 0 {TICKS * 500}"
        f" 4096000 256 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 {TICKS} 0 0 0 0 0 0 0 0 0 0\n"
    ),
    "proc/4242/status": (
        "Name:\tsleepy one\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nThreads:\t2\n"
        "SigQ:\t3/63460\nvoluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t6\n"
    ),
    "proc/4242/task/4242/status": "voluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t6\n",
    "proc/4242/cmdline": "sleep\x001000\x00",
    "proc/4242/statm": "1000 256 100 1 0 300 0\n",
    "proc/4242/cgroup": "0::/fake.slice\n",
}
PAGE = os.sysconf("SC_PAGE_SIZE")


def _write_host(root: Path) -> None:
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "data").mkdir()
    (root / "boot").mkdir()
    (root / "sys/dev/block").mkdir(parents=True)
    (root / "sys/dev/block/8:2").symlink_to("../../devices/virtual/block/sdz/sdz2")  # /dev/root's device
    (root / "proc/4242/exe").symlink_to("/bin/sleep")


def _points(batches: list[dict[str, Any]], name: str) -> list[tuple[dict[str, Any], float, int]]:
    """(attributes, value, start time) of the newest round's points of ``name``."""
    found: list[tuple[dict[str, Any], float, int]] = []
    for batch in batches:
        for rm in batch["resourceMetrics"]:
            for sm in rm["scopeMetrics"]:
                for m in sm["metrics"]:
                    if m["name"] == name:
                        found = []
                        for p in (m.get("sum") or m.get("gauge"))["dataPoints"]:
                            attrs = {kv["key"]: kv["value"].get("stringValue") for kv in p.get("attributes", [])}
                            v = float(p["asDouble"]) if "asDouble" in p else float(p["asInt"])
                            found.append((attrs, v, int(p["startTimeUnixNano"])))
    return found


def _by(points: list[tuple[dict[str, Any], float, int]], *keys: str) -> dict[Any, float]:
    return {tuple(a[k] for k in keys) if len(keys) > 1 else a[keys[0]]: v for a, v, _ in points}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("root_path") / "host"


@dataclass
class Output:
    system: list[dict[str, Any]]  # the system scrapers' batches
    process: list[dict[str, Any]]  # the two process scrapers' batches
    log: str  # the collector's standard error


@pytest.fixture(scope="module")
def output(root: Path) -> Output:
    tmp = root.parent
    _write_host(root)
    out, out_proc = tmp / "out.json", tmp / "proc.json"
    config = tmp / "config.yaml"
    config.write_text(
        f"""
receivers:
  host_metrics:
    collection_interval: 1s
    initial_delay: 0s
    root_path: {root}
    scrapers:
      cpu: {{metrics: {{system.cpu.frequency: {{enabled: true}}}}}}
      memory: {{metrics: {{system.linux.memory.available: {{enabled: true}}}}}}
      load:
      system:
      disk:
      network:
      paging:
      processes:
      filesystem:
  host_metrics/proc: &proc
    collection_interval: 1s
    initial_delay: 0s
    root_path: {root}
    scrapers:
      process:
        include: {{names: [sleepy one], match_type: strict}}
        mute_process_exe_error: true
        mute_process_cgroup_error: true
        resource_attributes: {{process.cgroup: {{enabled: true}}}}
        metrics:
          process.threads: {{enabled: true}}
          process.signals_pending: {{enabled: true}}
          process.paging.faults: {{enabled: true}}
          process.context_switches: {{enabled: true}}
  host_metrics/muted:
    <<: *proc
    scrapers:
      process:
        include: {{names: [sleepy one], match_type: strict}}
        mute_process_all_errors: true
exporters:
  file: {{path: {out}}}
  file/proc: {{path: {out_proc}}}
service:
  pipelines:
    metrics: {{receivers: [host_metrics], exporters: [file]}}
    metrics/proc: {{receivers: [host_metrics/proc, host_metrics/muted], exporters: [file/proc]}}
"""
    )
    collector = Collector(config)
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            assert collector.proc.poll() is None, collector.stop()[2]
            if all(f.exists() and f.read_text().count("\n") >= 2 for f in (out, out_proc)):
                break
            time.sleep(0.3)
    finally:
        code, _, err = collector.stop()
    assert code == 0, err

    def read(path: Path) -> list[dict[str, Any]]:
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    return Output(read(out), read(out_proc), err)


@pytest.fixture(scope="module")
def batches(output: Output) -> list[dict[str, Any]]:
    assert "Error scraping metrics" not in "".join(
        line for line in output.log.splitlines() if '"host_metrics"' in line
    ), output.log
    return output.system


def test_cpu(batches: list[dict[str, Any]]) -> None:
    cpu_time = _points(batches, "system.cpu.time")
    assert _by(cpu_time, "state") == {
        "user": 3.0,
        "nice": 2.0,
        "system": 3.0,
        "idle": 14.0,
        "wait": 5.0,
        "interrupt": 6.0,
        "softirq": 7.0,
        "steal": 8.0,
    }
    assert {start for _, _, start in cpu_time} == {BTIME * 1_000_000_000}
    assert [v for _, v, _ in _points(batches, "system.cpu.logical.count")] == [3]
    assert _by(_points(batches, "system.cpu.frequency"), "cpu") == {"cpu0": 1e9, "cpu1": 2e9, "cpu2": 0.0}


def test_memory_load_and_uptime(batches: list[dict[str, Any]]) -> None:
    assert _by(_points(batches, "system.memory.usage"), "state") == {
        "used": 600 * 1024,
        "free": 100 * 1024,
        "buffered": 50 * 1024,
        "cached": 230 * 1024,
        "slab_reclaimable": 30 * 1024,
        "slab_unreclaimable": 20 * 1024,
    }
    assert [v for _, v, _ in _points(batches, "system.linux.memory.available")] == [400 * 1024]
    assert [v for _, v, _ in _points(batches, "system.cpu.load_average.15m")] == [1.5]
    ((_, uptime, _),) = _points(batches, "system.uptime")
    # seconds since the fake btime, as of the scrape (the tree was written before the collector ran)
    (point_time,) = [
        int(p["timeUnixNano"])
        for batch in batches
        for rm in batch["resourceMetrics"]
        for sm in rm["scopeMetrics"]
        for m in sm["metrics"]
        if m["name"] == "system.uptime"
        for p in m["gauge"]["dataPoints"]
    ][-1:]
    assert abs(uptime - (point_time / 1e9 - BTIME)) < 2


def test_disk_network_paging_processes_filesystem(batches: list[dict[str, Any]], root: Path) -> None:
    assert _by(_points(batches, "system.disk.io"), "device", "direction") == {
        ("sdz", "read"): 20 * 512,
        ("sdz", "write"): 80 * 512,
    }
    assert _by(_points(batches, "system.disk.weighted_io_time"), "device") == {"sdz": 0.11}
    assert _by(_points(batches, "system.network.io"), "device", "direction") == {
        ("eth9", "receive"): 1000,
        ("eth9", "transmit"): 2000,
    }
    connections = _by(_points(batches, "system.network.connections"), "state")
    assert (connections["LISTEN"], connections["ESTABLISHED"], connections["TIME_WAIT"]) == (2, 1, 0)
    assert _by(_points(batches, "system.paging.usage"), "device", "state") == {
        ("/swapfile", "used"): 1000 * 1024,
        ("/swapfile", "free"): 3000 * 1024,
    }
    assert _by(_points(batches, "system.paging.faults"), "type") == {"major": 4 * 4096, "minor": 6 * 4096}
    assert _by(_points(batches, "system.processes.count"), "status") == {
        "sleeping": 1,
        "zombies": 1,
        "running": 3,
        "blocked": 1,
    }
    assert [v for _, v, _ in _points(batches, "system.processes.created")] == [777]
    usage = _points(batches, "system.filesystem.usage")
    assert {(a["device"], a["mountpoint"], a["type"], a["mode"]) for a, _, _ in usage} == {
        ("/dev/sdz1", "/data", "ext4", "rw"),
        ("/dev/sdz2", "/boot", "ext4", "ro"),
    }
    st = os.statvfs(root / "data")  # measured under root_path, reported as the host sees it
    assert sum(v for a, v, _ in usage if a["mountpoint"] == "/data") == st.f_blocks * st.f_frsize


def test_a_process_that_cannot_be_read_fully_is_reported_with_what_could_be_read(output: Output) -> None:
    resources = [rm for b in output.process for rm in b["resourceMetrics"]]
    assert resources, output.log[-3000:]
    for rm in resources:
        res = {kv["key"]: next(iter(kv["value"].values())) for kv in rm["resource"]["attributes"]}
        assert res == {
            "process.pid": "4242",
            "process.parent_pid": "1",
            "process.executable.name": "sleepy one",
            "process.executable.path": "/bin/sleep",
            "process.command": "sleep",
            "process.command_line": "sleep 1000",
            "process.owner": "root",
            **({"process.cgroup": "0::/fake.slice"} if len(res) == 8 else {}),
        }
    proc_batches = [{"resourceMetrics": [rm]} for rm in resources if len(rm["resource"]["attributes"]) == 8]
    assert proc_batches, "host_metrics/proc enables process.cgroup"
    assert _by(_points(proc_batches, "process.cpu.time"), "state") == {"user": 3.0, "system": 2.0, "wait": 1.0}
    starts = {start for _, _, start in _points(proc_batches, "process.cpu.time")}
    assert starts == {(BTIME + 500) * 1_000_000_000}  # the process's create time
    assert [v for _, v, _ in _points(proc_batches, "process.memory.usage")] == [256 * PAGE]
    assert [v for _, v, _ in _points(proc_batches, "process.threads")] == [2]
    assert [v for _, v, _ in _points(proc_batches, "process.signals_pending")] == [3]
    assert _by(_points(proc_batches, "process.paging.faults"), "type") == {"major": 7, "minor": 100}
    assert _by(_points(proc_batches, "process.context_switches"), "type") == {"involuntary": 6, "voluntary": 5}
    assert _points(proc_batches, "process.disk.io") == []  # /proc/4242/io is missing
    errors = [line for line in output.log.splitlines() if "Error scraping metrics" in line]
    assert errors and all('"host_metrics/proc"' in line for line in errors), errors
    assert all('error reading disk usage for process \\"sleepy one\\" (pid 4242)' in line for line in errors), errors
