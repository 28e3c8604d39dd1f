"""Configuration of the ``redis`` receiver (Go's redisreceiver ``Config``).

The scraper controller's keys (``collection_interval`` 10s here, ``initial_delay``, ``timeout``) and
confignet's ``endpoint`` / ``transport`` / ``dialer`` sit at the top level, next to ``username``,
``password``, ``tls`` (``insecure: true`` by default: plain TCP) and the generated ``metrics`` and
``resource_attributes`` sections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from pyotelcol.config.confighttp import DialerConfig, validate_transport
from pyotelcol.config.configtls import TLSClientConfig
from pyotelcol.helpers.metricsconfig import MetricConfig, enabled_metric_keys, metric_key, metric_on
from pyotelcol.helpers.scraperhelper import ControllerConfig

__all__ = ["Config", "MetricConfig", "MetricsConfig", "ResourceAttributesConfig", "split_host_port"]


def split_host_port(endpoint: str) -> tuple[str, str]:
    """Go's ``net.SplitHostPort``; ValueError with Go's ``invalid endpoint`` message."""

    def fail(reason: str) -> ValueError:
        return ValueError(f'invalid endpoint "{endpoint}": address {endpoint}: {reason}')

    if endpoint.startswith("["):
        close = endpoint.find("]")
        if close < 0:
            raise fail("missing ']' in address")
        host, rest = endpoint[1:close], endpoint[close + 1 :]
        if not rest.startswith(":"):
            raise fail("missing port in address")
        return host, rest[1:]
    if ":" not in endpoint:
        raise fail("missing port in address")
    host, _, port = endpoint.rpartition(":")
    if ":" in host:
        raise fail("too many colons in address")
    return host, port


@dataclass
class MetricsConfig:
    """Go's generated ``metrics`` section: ``<metric>: {enabled: bool}``."""

    clients_blocked: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.clients.blocked"))
    clients_connected: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.clients.connected"))
    clients_max_input_buffer: MetricConfig = field(
        default_factory=metric_on, metadata=metric_key("redis.clients.max_input_buffer")
    )
    clients_max_output_buffer: MetricConfig = field(
        default_factory=metric_on, metadata=metric_key("redis.clients.max_output_buffer")
    )
    cluster_slots_assigned: MetricConfig = field(
        default_factory=metric_on, metadata=metric_key("redis.cluster.slots_assigned")
    )
    cmd_calls: MetricConfig = field(default_factory=MetricConfig, metadata=metric_key("redis.cmd.calls"))
    cmd_latency: MetricConfig = field(default_factory=MetricConfig, metadata=metric_key("redis.cmd.latency"))
    cmd_usec: MetricConfig = field(default_factory=MetricConfig, metadata=metric_key("redis.cmd.usec"))
    commands: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.commands"))
    commands_processed: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.commands.processed"))
    connections_received: MetricConfig = field(
        default_factory=metric_on, metadata=metric_key("redis.connections.received")
    )
    connections_rejected: MetricConfig = field(
        default_factory=metric_on, metadata=metric_key("redis.connections.rejected")
    )
    cpu_time: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.cpu.time"))
    db_avg_ttl: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.db.avg_ttl"))
    db_expires: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.db.expires"))
    db_keys: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.db.keys"))
    keys_evicted: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.keys.evicted"))
    keys_expired: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.keys.expired"))
    keyspace_hits: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.keyspace.hits"))
    keyspace_misses: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.keyspace.misses"))
    latest_fork: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.latest_fork"))
    maxmemory: MetricConfig = field(default_factory=MetricConfig, metadata=metric_key("redis.maxmemory"))
    memory_fragmentation_ratio: MetricConfig = field(
        default_factory=metric_on, metadata=metric_key("redis.memory.fragmentation_ratio")
    )
    memory_lua: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.memory.lua"))
    memory_peak: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.memory.peak"))
    memory_rss: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.memory.rss"))
    memory_used: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.memory.used"))
    net_input: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.net.input"))
    net_output: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.net.output"))
    rdb_changes_since_last_save: MetricConfig = field(
        default_factory=metric_on, metadata=metric_key("redis.rdb.changes_since_last_save")
    )
    replication_backlog_first_byte_offset: MetricConfig = field(
        default_factory=metric_on, metadata=metric_key("redis.replication.backlog_first_byte_offset")
    )
    replication_offset: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.replication.offset"))
    replication_replica_offset: MetricConfig = field(
        default_factory=MetricConfig, metadata=metric_key("redis.replication.replica_offset")
    )
    role: MetricConfig = field(default_factory=MetricConfig, metadata=metric_key("redis.role"))
    slaves_connected: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.slaves.connected"))
    uptime: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.uptime"))

    def enabled(self) -> set[str]:
        return enabled_metric_keys(self)


@dataclass
class ResourceAttributesConfig:
    redis_version: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.version"))
    server_address: MetricConfig = field(default_factory=MetricConfig, metadata=metric_key("server.address"))
    server_port: MetricConfig = field(default_factory=MetricConfig, metadata=metric_key("server.port"))

    def enabled(self) -> set[str]:
        return enabled_metric_keys(self)


def _plain_tls() -> TLSClientConfig:
    return TLSClientConfig(insecure=True)


@dataclass
class Config(ControllerConfig):
    collection_interval: timedelta = timedelta(seconds=10)
    endpoint: str = ""
    transport: str = "tcp"
    dialer: DialerConfig = field(default_factory=DialerConfig)
    username: str = ""
    password: str = field(default="", metadata={"opaque": True})
    tls: TLSClientConfig = field(default_factory=_plain_tls)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    resource_attributes: ResourceAttributesConfig = field(default_factory=ResourceAttributesConfig)

    def validate(self) -> None:
        errors = []
        try:
            super().validate()
        except ValueError as exc:
            errors.append(str(exc))
        try:
            validate_transport(self.transport)
        except ValueError as exc:
            errors.append(str(exc))
        if self.transport.startswith("unix"):
            if not self.endpoint:
                errors.append('invalid endpoint "": a unix socket path is required')
        else:
            try:
                split_host_port(self.endpoint)
            except ValueError as exc:
                errors.append(str(exc))
        if errors:
            raise ValueError("\n".join(errors))
