"""A real collector scrapes a real redis-server (started here on a free port, skipped when the
binary is absent) and writes the metrics with the ``file`` exporter: Go's default metric set, a
few opt-in ones, keyspace points per database, the resource attributes, and the errors of a wrong
password and of a server that is not there."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from support import Collector, free_port, wait_for_port

SCOPE = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/redisreceiver"
PASSWORD = "s3cret"

# Go's metadata.yaml: enabled by default, and present on a standalone primary
GO_DEFAULT_METRICS = {
    "redis.clients.blocked",
    "redis.clients.connected",
    "redis.clients.max_input_buffer",
    "redis.clients.max_output_buffer",
    "redis.commands",
    "redis.commands.processed",
    "redis.connections.received",
    "redis.connections.rejected",
    "redis.cpu.time",
    "redis.db.avg_ttl",
    "redis.db.expires",
    "redis.db.keys",
    "redis.keys.evicted",
    "redis.keys.expired",
    "redis.keyspace.hits",
    "redis.keyspace.misses",
    "redis.latest_fork",
    "redis.memory.fragmentation_ratio",
    "redis.memory.lua",
    "redis.memory.peak",
    "redis.memory.rss",
    "redis.memory.used",
    "redis.net.input",
    "redis.net.output",
    "redis.rdb.changes_since_last_save",
    "redis.replication.backlog_first_byte_offset",
    "redis.replication.offset",
    "redis.slaves.connected",
    "redis.uptime",
}

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")


@dataclass
class Run:
    port: int
    refused_port: int
    batches: list[dict[str, Any]]
    stderr: str

    def resources(self) -> list[dict[str, Any]]:
        return [rm for batch in self.batches for rm in batch["resourceMetrics"]]

    def metrics(self, port: int) -> dict[str, dict[str, Any]]:
        """The last batch's metrics of the receiver that reports ``server.port`` = port."""
        found: dict[str, dict[str, Any]] = {}
        for rm in self.resources():
            if resource_attrs(rm).get("server.port") != str(port):
                continue
            for sm in rm["scopeMetrics"]:
                assert sm["scope"]["name"] == SCOPE
                found = {m["name"]: m for m in sm["metrics"]}
        return found


def resource_attrs(rm: dict[str, Any]) -> dict[str, str]:
    return {kv["key"]: kv["value"]["stringValue"] for kv in rm.get("resource", {}).get("attributes", [])}


def points(metric: dict[str, Any]) -> list[tuple[dict[str, str], float, dict[str, Any]]]:
    data = metric.get("sum") or metric["gauge"]
    out = []
    for p in data["dataPoints"]:
        attrs = {kv["key"]: kv["value"]["stringValue"] for kv in p.get("attributes", [])}
        value = float(p["asDouble"]) if "asDouble" in p else int(p.get("asInt", 0))
        out.append((attrs, value, p))
    return out


def _cli(port: int, *args: str) -> None:
    subprocess.run(
        ["redis-cli", "-p", str(port), "-a", PASSWORD, "--no-auth-warning", *args],
        check=True,
        capture_output=True,
        timeout=10,
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("redis")
    port, refused_port = free_port(), free_port()
    server = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp), "--save", ""),
            *("--appendonly", "no", "--requirepass", PASSWORD, "--logfile", str(tmp / "redis.log")),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        _cli(port, "SET", "a", "1")
        _cli(port, "SET", "b", "2")
        _cli(port, "-n", "3", "SET", "c", "3", "EX", "1000")
        out = tmp / "metrics.json"
        config = tmp / "config.yaml"
        config.write_text(
            f"""
receivers:
  redis:
    endpoint: 127.0.0.1:{port}
    password: {PASSWORD}
    collection_interval: 1s
    initial_delay: 0s
    metrics:
      redis.role: {{enabled: true}}
      redis.cmd.calls: {{enabled: true}}
      redis.maxmemory: {{enabled: true}}
      redis.latest_fork: {{enabled: false}}
    resource_attributes:
      server.address: {{enabled: true}}
      server.port: {{enabled: true}}
  redis/wrong_password:
    endpoint: 127.0.0.1:{port}
    password: nope
    collection_interval: 1s
    initial_delay: 0s
  redis/down:
    endpoint: 127.0.0.1:{refused_port}
    collection_interval: 1s
    initial_delay: 0s
exporters:
  file: {{path: {out}}}
service:
  pipelines:
    metrics: {{receivers: [redis, redis/wrong_password, redis/down], exporters: [file]}}
"""
        )
        collector = Collector(config)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and collector.proc.poll() is None:
                if out.exists() and len(out.read_text().splitlines()) >= 2:
                    break
                time.sleep(0.3)
        finally:
            code, _, stderr = collector.stop()
        assert code == 0, stderr
        batches = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
        yield Run(port, refused_port, batches, stderr)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_default_metrics_with_go_types(run: Run) -> None:
    metrics = run.metrics(run.port)
    assert set(metrics) == (GO_DEFAULT_METRICS - {"redis.latest_fork"}) | {
        "redis.role",
        "redis.cmd.calls",
        "redis.maxmemory",
    }
    uptime = metrics["redis.uptime"]
    assert (uptime["unit"], uptime["sum"]["isMonotonic"], uptime["sum"]["aggregationTemporality"]) == ("s", True, 2)
    assert "sum" not in metrics["redis.memory.used"] and metrics["redis.memory.used"]["unit"] == "By"
    ratio = points(metrics["redis.memory.fragmentation_ratio"])[0][2]
    assert "asDouble" in ratio
    assert [m["name"] for m in metrics.values()] == sorted(metrics)


def test_values_match_the_server(run: Run) -> None:
    metrics = run.metrics(run.port)
    keys = {attrs["db"]: value for attrs, value, _ in points(metrics["redis.db.keys"])}
    expires = {attrs["db"]: value for attrs, value, _ in points(metrics["redis.db.expires"])}
    assert keys == {"0": 2, "3": 1} and expires == {"0": 0, "3": 1}
    assert [(a, v) for a, v, _ in points(metrics["redis.role"])] == [({"role": "primary"}, 1)]
    set_calls = [v for a, v, _ in points(metrics["redis.cmd.calls"]) if a == {"cmd": "set"}]
    assert set_calls == [3]
    states = {a["state"] for a, _, _ in points(metrics["redis.cpu.time"])}
    assert {"sys", "user", "sys_children", "user_children"} <= states
    assert points(metrics["redis.maxmemory"])[0][1] == 0  # no maxmemory configured
    # sums start when the server started: time - start is the reported uptime
    _, uptime, point = points(metrics["redis.uptime"])[0]
    elapsed = (int(point["timeUnixNano"]) - int(point["startTimeUnixNano"])) / 1e9
    assert abs(elapsed - uptime) < 1.5


def test_resource_attributes(run: Run) -> None:
    version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
    ours = [rm for rm in run.resources() if resource_attrs(rm).get("server.port") == str(run.port)]
    assert ours
    attrs = resource_attrs(ours[0])
    assert attrs["server.address"] == "127.0.0.1"
    assert f"v={attrs['redis.version']} " in version


def test_failures_are_logged_and_produce_nothing(run: Run) -> None:
    assert all("server.port" in resource_attrs(rm) for rm in run.resources())
    assert "WRONGPASS invalid username-password pair or user is disabled." in run.stderr
    assert f"dial tcp 127.0.0.1:{run.refused_port}: connect: connection refused" in run.stderr
    assert '"otelcol.component.id": "redis/wrong_password"' in run.stderr
