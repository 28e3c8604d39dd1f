"""A real collector runs two host_metrics receivers on this host and writes what they scrape with
the ``file`` exporter: ``host_metrics`` with every scraper's defaults, ``host_metrics/tuned`` with
opt-in metrics, attributes and filters. Names, units, types, attributes, start times and a few
values are checked against Go's definitions and against /proc, os and psutil read here."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
from support import Collector

import pyotelcol

SCOPE = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/"

CONFIG = """
receivers:
  host_metrics:
    collection_interval: 1s
    initial_delay: 0s
    scrapers: {cpu:, disk:, filesystem:, load:, memory:, network:, paging:, processes:, process:, system:}
  host_metrics/tuned:
    collection_interval: 1s
    initial_delay: 0s
    scrapers:
      cpu:
        metrics:
          system.cpu.time: {attributes: [cpu, state]}
          system.cpu.utilization: {enabled: true}
          system.cpu.logical.count: {enabled: false}
      memory:
        metrics:
          system.memory.usage: {enabled: false}
          system.memory.utilization: {enabled: true}
          system.memory.limit: {enabled: true}
      disk:
        exclude: {devices: [".*"], match_type: regexp}
      filesystem:
        include_virtual_filesystems: true
        include_mount_points: {mount_points: ["/"], match_type: strict}
        metrics:
          system.filesystem.utilization: {enabled: true}
      network:
        include: {interfaces: [lo], match_type: strict}
      process:
        include: {names: ["^python"], match_type: regexp}
        mute_process_io_error: true
        resource_attributes:
          process.cgroup: {enabled: true}
          process.owner: {enabled: false}
        metrics:
          process.threads: {enabled: true}
          process.open_file_descriptors: {enabled: true}
          process.uptime: {enabled: true}
          process.cpu.utilization: {enabled: true}
          process.memory.virtual: {enabled: false}
exporters:
  file/defaults: {path: DEFAULTS}
  file/tuned: {path: TUNED}
service:
  pipelines:
    metrics/defaults: {receivers: [host_metrics], exporters: [file/defaults]}
    metrics/tuned: {receivers: [host_metrics/tuned], exporters: [file/tuned]}
"""

# Go's definitions (documentation.md of each scraper): name → (unit, sum?, monotonic, double?)
DEFAULT_METRICS: dict[str, dict[str, tuple[str, bool, bool, bool]]] = {
    "cpu": {
        "system.cpu.time": ("s", True, True, True),
        "system.cpu.logical.count": ("{cpu}", True, False, False),
    },
    "disk": {
        "system.disk.io": ("By", True, True, False),
        "system.disk.operations": ("{operations}", True, True, False),
        "system.disk.io_time": ("s", True, True, True),
        "system.disk.operation_time": ("s", True, True, True),
        "system.disk.pending_operations": ("{operations}", True, False, False),
        "system.disk.merged": ("{operations}", True, True, False),
        "system.disk.weighted_io_time": ("s", True, True, True),
    },
    "filesystem": {
        "system.filesystem.usage": ("By", True, False, False),
        "system.filesystem.inodes.usage": ("{inodes}", True, False, False),
    },
    "load": {
        "system.cpu.load_average.1m": ("{thread}", False, False, True),
        "system.cpu.load_average.5m": ("{thread}", False, False, True),
        "system.cpu.load_average.15m": ("{thread}", False, False, True),
    },
    "memory": {"system.memory.usage": ("By", True, False, False)},
    "network": {
        "system.network.io": ("By", True, True, False),
        "system.network.packets": ("{packets}", True, True, False),
        "system.network.errors": ("{errors}", True, True, False),
        "system.network.dropped": ("{packets}", True, True, False),
        "system.network.connections": ("{connections}", True, False, False),
    },
    "paging": {
        "system.paging.operations": ("{operations}", True, True, False),
        "system.paging.faults": ("{faults}", True, True, False),
    },
    "processes": {
        "system.processes.count": ("{processes}", True, False, False),
        "system.processes.created": ("{processes}", True, True, False),
    },
    "process": {
        "process.cpu.time": ("s", True, True, True),
        "process.memory.usage": ("By", True, False, False),
        "process.memory.virtual": ("By", True, False, False),
        "process.disk.io": ("By", True, True, False),
    },
    "system": {"system.uptime": ("s", False, False, True)},
}


def _has_swap() -> bool:
    with open("/proc/swaps") as f:
        return len(f.read().splitlines()) > 1


if _has_swap():
    DEFAULT_METRICS["paging"]["system.paging.usage"] = ("By", True, False, False)


def _batches(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class Scraped:
    """What one file exporter received: resources and their metrics, by scraper."""

    def __init__(self, batches: list[dict[str, Any]]) -> None:
        self.resources: list[dict[str, Any]] = [rm for b in batches for rm in b["resourceMetrics"]]

    def scopes(self, scraper: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for rm in self.resources:
            for sm in rm["scopeMetrics"]:
                if sm["scope"]["name"] == SCOPE + scraper + "scraper":
                    yield rm, sm

    def metrics(self, scraper: str) -> dict[str, dict[str, Any]]:
        """The newest metric of each name."""
        return {m["name"]: m for _, sm in self.scopes(scraper) for m in sm["metrics"]}

    def points(self, scraper: str, name: str) -> list[dict[str, Any]]:
        metric = self.metrics(scraper)[name]
        data: dict[str, Any] = metric.get("sum") or metric["gauge"]
        return list(data["dataPoints"])


def attrs(point: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for kv in point.get("attributes", []):
        value = kv["value"]
        out[kv["key"]] = value.get("stringValue", value.get("intValue"))
    return out


def value(point: dict[str, Any]) -> float:
    return float(point["asDouble"]) if "asDouble" in point else float(point["asInt"])


def boot_time_ns() -> int:
    with open("/proc/stat") as f:
        btime = next(line for line in f if line.startswith("btime"))
    return int(btime.split()[1]) * 1_000_000_000


@dataclass
class Run:
    defaults: Scraped
    tuned: Scraped
    pid: int  # the collector's
    create_time_ns: int  # the collector process's, as Go reads it (milliseconds)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("host_metrics")
    defaults, tuned = tmp / "defaults.json", tmp / "tuned.json"
    config = tmp / "config.yaml"
    config.write_text(CONFIG.replace("DEFAULTS", str(defaults)).replace("TUNED", str(tuned)))
    collector = Collector(config)
    try:
        pid = collector.proc.pid
        create_ns = int(psutil.Process(pid).create_time() * 1000) * 1_000_000
        # three rounds at least: utilization needs two scrapes, and the file exporter flushes each second
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            assert collector.proc.poll() is None, collector.stop()[2]
            cpu_rounds = sum(1 for b in _batches(tuned) for rm in b["resourceMetrics"] if "cpuscraper" in str(rm))
            if cpu_rounds >= 3 and len(_batches(defaults)) >= 3:
                break
            time.sleep(0.3)
        code, _, err = collector.stop()
        assert code == 0, err
        yield Run(Scraped(_batches(defaults)), Scraped(_batches(tuned)), pid, create_ns)
    finally:
        if collector.proc.poll() is None:
            collector.stop()


def test_every_scraper_sends_gos_default_metrics(run: Run) -> None:
    for scraper, expected in DEFAULT_METRICS.items():
        metrics = run.defaults.metrics(scraper)
        assert set(metrics) == set(expected), scraper
        for name, (unit, is_sum, monotonic, is_double) in expected.items():
            m = metrics[name]
            assert m["unit"] == unit, name
            assert m["description"], name
            assert ("sum" in m) == is_sum, name
            if is_sum:
                assert m["sum"]["aggregationTemporality"] == 2, name  # cumulative
                assert bool(m["sum"].get("isMonotonic", False)) == monotonic, name
            points = run.defaults.points(scraper, name)
            assert points, name
            assert all(("asDouble" in p) == is_double for p in points), name


def test_scope_and_schema(run: Run) -> None:
    rm, sm = next(run.defaults.scopes("cpu"))
    assert sm["scope"]["version"] == pyotelcol.__version__
    assert rm["schemaUrl"] == "https://opentelemetry.io/schemas/1.9.0"
    assert not rm.get("resource", {}).get("attributes")
    rm, _ = next(run.defaults.scopes("process"))
    assert rm["schemaUrl"] == "https://opentelemetry.io/schemas/1.43.0"


def test_attributes_and_values_of_system_metrics(run: Run) -> None:
    defaults = run.defaults
    cpu_time = defaults.points("cpu", "system.cpu.time")
    assert sorted(attrs(p)["state"] for p in cpu_time) == sorted(
        ["idle", "interrupt", "nice", "softirq", "steal", "system", "user", "wait"]
    )
    assert all(set(attrs(p)) == {"state"} for p in cpu_time)  # the per-CPU attribute is opt-in
    assert all(int(p["startTimeUnixNano"]) == boot_time_ns() for p in cpu_time)
    (count,) = defaults.points("cpu", "system.cpu.logical.count")
    assert value(count) == os.cpu_count()
    assert {attrs(p)["state"] for p in defaults.points("memory", "system.memory.usage")} == {
        "used",
        "free",
        "buffered",
        "cached",
        "slab_reclaimable",
        "slab_unreclaimable",
    }
    disk_io = defaults.points("disk", "system.disk.io")
    assert {attrs(p)["direction"] for p in disk_io} == {"read", "write"}
    with open("/proc/diskstats") as f:
        devices = {line.split()[2] for line in f if len(line.split()) >= 14}
    assert {attrs(p)["device"] for p in disk_io} <= devices
    fs_usage = defaults.points("filesystem", "system.filesystem.usage")
    assert set(attrs(fs_usage[0])) == {"device", "mode", "mountpoint", "type", "state"}
    connections = defaults.points("network", "system.network.connections")
    assert {attrs(p)["state"] for p in connections} == {
        "CLOSE_WAIT",
        "CLOSE",
        "CLOSING",
        "ESTABLISHED",
        "FIN_WAIT1",
        "FIN_WAIT2",
        "LAST_ACK",
        "LISTEN",
        "SYN_SENT",
        "SYN_RECV",
        "TIME_WAIT",
    }
    assert {attrs(p)["protocol"] for p in connections} == {"tcp"}
    assert {attrs(p)["device"] for p in defaults.points("network", "system.network.io")} <= set(psutil.net_if_addrs())
    statuses = {attrs(p)["status"] for p in defaults.points("processes", "system.processes.count")}
    assert {"running", "blocked"} <= statuses
    (created,) = defaults.points("processes", "system.processes.created")
    with open("/proc/stat") as f:
        forked = int(next(line for line in f if line.startswith("processes")).split()[1])
    assert 0 < value(created) <= forked
    (uptime,) = defaults.points("system", "system.uptime")
    assert abs(value(uptime) - (time.time() - psutil.boot_time())) < 120


def _process_resources(scraped: Scraped) -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    out = {}
    for rm, sm in scraped.scopes("process"):
        res = {kv["key"]: next(iter(kv["value"].values())) for kv in rm["resource"]["attributes"]}
        out[int(res["process.pid"])] = (res, sm)
    return out


def test_process_resources(run: Run) -> None:
    resources = _process_resources(run.defaults)
    assert run.pid in resources
    own, sm = resources[run.pid]
    assert set(own) == {
        "process.pid",
        "process.parent_pid",
        "process.executable.name",
        "process.executable.path",
        "process.command",
        "process.command_line",
        "process.owner",
    }
    assert int(own["process.parent_pid"]) == os.getpid()
    assert own["process.command_line"].endswith(
        f"-m pyotelcol --config {Path(own['process.command_line'].split()[-1])}"
    )
    assert own["process.owner"] == psutil.Process().username()
    # the collector's cumulative points start at its create time
    cpu_time = next(m for m in sm["metrics"] if m["name"] == "process.cpu.time")
    assert {attrs(p)["state"] for p in cpu_time["sum"]["dataPoints"]} == {"user", "system", "wait"}
    assert {int(p["startTimeUnixNano"]) for p in cpu_time["sum"]["dataPoints"]} == {run.create_time_ns}


def test_opt_in_metrics_and_attributes(run: Run) -> None:
    tuned = run.tuned
    with open("/proc/stat") as f:
        cpus = {line.split()[0] for line in f if re.match(r"cpu\d", line)}
    assert set(tuned.metrics("cpu")) == {"system.cpu.time", "system.cpu.utilization"}
    cpu_time = tuned.points("cpu", "system.cpu.time")
    assert {attrs(p)["cpu"] for p in cpu_time} == cpus
    assert len(cpu_time) == 8 * len(cpus)
    # utilization keeps its default attributes (state): the CPUs' shares are averaged, as Go's "avg"
    utilization = tuned.points("cpu", "system.cpu.utilization")
    assert all(set(attrs(p)) == {"state"} for p in utilization) and len(utilization) == 8
    shares = [value(p) for p in utilization]
    assert all(0 <= s <= 1 for s in shares) and abs(sum(shares) - 1) < 0.01
    assert set(tuned.metrics("memory")) == {"system.memory.utilization", "system.memory.limit"}
    with open("/proc/meminfo") as f:
        total = int(next(line for line in f if line.startswith("MemTotal")).split()[1]) * 1024
    (limit,) = tuned.points("memory", "system.memory.limit")
    assert value(limit) == total
    assert all(0 <= value(p) <= 1 for p in tuned.points("memory", "system.memory.utilization"))


def test_filters(run: Run) -> None:
    tuned = run.tuned
    assert list(tuned.scopes("disk")) == []  # every device excluded: nothing to send
    usage = tuned.points("filesystem", "system.filesystem.usage")
    assert {attrs(p)["mountpoint"] for p in usage} == {"/"}
    st = os.statvfs("/")
    assert sum(value(p) for p in usage) == st.f_blocks * st.f_frsize
    (utilization,) = tuned.points("filesystem", "system.filesystem.utilization")
    used = next(value(p) for p in usage if attrs(p)["state"] == "used")
    free = next(value(p) for p in usage if attrs(p)["state"] == "free")
    assert value(utilization) == pytest.approx(used / (used + free))
    assert {attrs(p)["device"] for p in tuned.points("network", "system.network.io")} == {"lo"}


def test_process_filter_resource_attributes_and_opt_in_metrics(run: Run) -> None:
    resources = _process_resources(run.tuned)
    assert run.pid in resources and os.getpid() in resources
    assert all(re.search("^python", res["process.executable.name"]) for res, _ in resources.values())
    mine, _ = resources[os.getpid()]
    assert "process.owner" not in mine
    with open(f"/proc/{os.getpid()}/cgroup") as f:
        assert mine["process.cgroup"] == f.read().removesuffix("\n")
    names = {m["name"] for _, sm in resources.values() for m in sm["metrics"]}
    assert names == {
        "process.cpu.time",
        "process.cpu.utilization",
        "process.memory.usage",
        "process.disk.io",
        "process.threads",
        "process.open_file_descriptors",
        "process.uptime",
    }
    _, collector = resources[run.pid]
    threads = next(m for m in collector["metrics"] if m["name"] == "process.threads")
    assert value(threads["sum"]["dataPoints"][0]) >= 2  # the event loop and the scrape threads
