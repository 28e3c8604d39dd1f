"""Go's redisreceiver metrics (metadata.yaml): what each INFO field becomes, and a builder that
emits them as Go's generated one does (one resource, scope named after Go's package, metrics in
name order, start times at the server's start)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.helpers.metricsconfig import metric_message
from pyotelcol.pdata import Metrics

__all__ = ["CPU_STATES", "INFO_METRICS", "METRICS", "SCOPE_NAME", "MetricSpec", "MetricsBuilder"]

SCOPE_NAME = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/redisreceiver"


@dataclass(frozen=True)
class MetricSpec:
    description: str
    unit: str
    is_sum: bool
    monotonic: bool = False
    is_double: bool = False
    enabled: bool = True
    attributes: tuple[str, ...] = field(default=())


def _sum(description: str, unit: str, *, monotonic: bool, is_double: bool = False, enabled: bool = True) -> MetricSpec:
    return MetricSpec(description, unit, True, monotonic, is_double, enabled)


def _gauge(description: str, unit: str, *, is_double: bool = False, enabled: bool = True) -> MetricSpec:
    return MetricSpec(description, unit, False, False, is_double, enabled)


METRICS: dict[str, MetricSpec] = {
    "redis.clients.blocked": _sum("Number of clients pending on a blocking call", "{client}", monotonic=False),
    "redis.clients.connected": _sum(
        "Number of client connections (excluding connections from replicas)", "{client}", monotonic=False
    ),
    "redis.clients.max_input_buffer": _gauge("Biggest input buffer among current client connections", "By"),
    "redis.clients.max_output_buffer": _gauge("Longest output list among current client connections", "By"),
    "redis.cluster.slots_assigned": _gauge("Number of slots which are associated to some node", "{slots}"),
    "redis.cmd.calls": MetricSpec("Total number of calls for a command", "{call}", True, True, False, False, ("cmd",)),
    "redis.cmd.latency": MetricSpec("Command execution latency", "s", False, False, True, False, ("cmd", "percentile")),
    "redis.cmd.usec": MetricSpec(
        "Total time for all executions of this command", "us", True, True, False, False, ("cmd",)
    ),
    "redis.commands": _gauge("Number of commands processed per second", "{ops}/s"),
    "redis.commands.processed": _sum("Total number of commands processed by the server", "{command}", monotonic=True),
    "redis.connections.received": _sum(
        "Total number of connections accepted by the server", "{connection}", monotonic=True
    ),
    "redis.connections.rejected": _sum(
        "Number of connections rejected because of maxclients limit", "{connection}", monotonic=True
    ),
    "redis.cpu.time": MetricSpec(
        "System CPU consumed by the Redis server in seconds since server start", "s", True, True, True, True, ("state",)
    ),
    "redis.db.avg_ttl": MetricSpec("Average keyspace keys TTL", "ms", False, attributes=("db",)),
    "redis.db.expires": MetricSpec("Number of keyspace keys with an expiration", "{key}", False, attributes=("db",)),
    "redis.db.keys": MetricSpec("Number of keyspace keys", "{key}", False, attributes=("db",)),
    "redis.keys.evicted": _sum("Number of evicted keys due to maxmemory limit", "{key}", monotonic=True),
    "redis.keys.expired": _sum("Total number of key expiration events", "{event}", monotonic=True),
    "redis.keyspace.hits": _sum("Number of successful lookup of keys in the main dictionary", "{hit}", monotonic=True),
    "redis.keyspace.misses": _sum("Number of failed lookup of keys in the main dictionary", "{miss}", monotonic=True),
    "redis.latest_fork": _gauge("Duration of the latest fork operation in microseconds", "us"),
    "redis.maxmemory": _gauge("The value of the maxmemory configuration directive", "By", enabled=False),
    "redis.memory.fragmentation_ratio": _gauge("Ratio between used_memory_rss and used_memory", "1", is_double=True),
    "redis.memory.lua": _gauge("Number of bytes used by the Lua engine", "By"),
    "redis.memory.peak": _gauge("Peak memory consumed by Redis (in bytes)", "By"),
    "redis.memory.rss": _gauge("Number of bytes that Redis allocated as seen by the operating system", "By"),
    "redis.memory.used": _gauge("Total number of bytes allocated by Redis using its allocator", "By"),
    "redis.net.input": _sum("The total number of bytes read from the network", "By", monotonic=True),
    "redis.net.output": _sum("The total number of bytes written to the network", "By", monotonic=True),
    "redis.rdb.changes_since_last_save": _sum("Number of changes since the last dump", "{change}", monotonic=False),
    "redis.replication.backlog_first_byte_offset": _gauge("The master offset of the replication backlog buffer", "By"),
    "redis.replication.offset": _gauge("The server's current replication offset", "By"),
    "redis.replication.replica_offset": _gauge("Offset for redis replica", "By", enabled=False),
    "redis.role": MetricSpec("Redis node's role", "{role}", True, False, False, False, ("role",)),
    "redis.slaves.connected": _sum("Number of connected replicas", "{replica}", monotonic=False),
    "redis.uptime": _sum("Number of seconds since Redis server start", "s", monotonic=True),
}

# INFO field → metric, for the fields that map one to one.
INFO_METRICS: dict[str, str] = {
    "blocked_clients": "redis.clients.blocked",
    "client_recent_max_input_buffer": "redis.clients.max_input_buffer",
    "client_recent_max_output_buffer": "redis.clients.max_output_buffer",
    "cluster_slots_assigned": "redis.cluster.slots_assigned",
    "connected_clients": "redis.clients.connected",
    "connected_slaves": "redis.slaves.connected",
    "evicted_keys": "redis.keys.evicted",
    "expired_keys": "redis.keys.expired",
    "instantaneous_ops_per_sec": "redis.commands",
    "keyspace_hits": "redis.keyspace.hits",
    "keyspace_misses": "redis.keyspace.misses",
    "latest_fork_usec": "redis.latest_fork",
    "master_repl_offset": "redis.replication.offset",
    "maxmemory": "redis.maxmemory",
    "mem_fragmentation_ratio": "redis.memory.fragmentation_ratio",
    "rdb_changes_since_last_save": "redis.rdb.changes_since_last_save",
    "rejected_connections": "redis.connections.rejected",
    "repl_backlog_first_byte_offset": "redis.replication.backlog_first_byte_offset",
    "slave_repl_offset": "redis.replication.replica_offset",
    "total_commands_processed": "redis.commands.processed",
    "total_connections_received": "redis.connections.received",
    "total_net_input_bytes": "redis.net.input",
    "total_net_output_bytes": "redis.net.output",
    "uptime_in_seconds": "redis.uptime",
    "used_memory": "redis.memory.used",
    "used_memory_lua": "redis.memory.lua",
    "used_memory_peak": "redis.memory.peak",
    "used_memory_rss": "redis.memory.rss",
}

# INFO cpu field → the ``state`` of its redis.cpu.time point.
CPU_STATES: dict[str, str] = {
    "used_cpu_sys": "sys",
    "used_cpu_sys_children": "sys_children",
    "used_cpu_sys_main_thread": "sys_main_thread",
    "used_cpu_user": "user",
    "used_cpu_user_children": "user_children",
    "used_cpu_user_main_thread": "user_main_thread",
}

Attrs = Iterable[tuple[str, str]]


class MetricsBuilder:
    """Points recorded during one scrape, emitted as one resource."""

    def __init__(self, enabled: set[str], version: str) -> None:
        self._enabled = enabled
        self._version = version
        self.start_ns = 0
        self._points: dict[str, list[tuple[int, float, tuple[tuple[str, str], ...]]]] = {}

    def record(self, name: str, time_ns: int, value: float, attrs: Attrs = ()) -> None:
        if name in self._enabled:
            self._points.setdefault(name, []).append((time_ns, value, tuple(attrs)))

    def emit(self, resource: Mapping[str, str]) -> Metrics:
        request = metrics_service_pb2.ExportMetricsServiceRequest()
        points, self._points = self._points, {}
        if not points:
            return Metrics(request)
        rm = request.resource_metrics.add()
        for key, value in resource.items():
            rm.resource.attributes.add(key=key, value=common_pb2.AnyValue(string_value=value))
        sm = rm.scope_metrics.add()
        sm.scope.name = SCOPE_NAME
        sm.scope.version = self._version
        for name in sorted(points):
            sm.metrics.append(self._metric(name, points[name]))
        return Metrics(request)

    def _metric(self, name: str, points: list[Any]) -> metrics_pb2.Metric:
        return metric_message(name, METRICS[name], points, self.start_ns)
