"""Configuration of the ``postgresql`` receiver (Go's postgresqlreceiver ``Config``).

The scraper controller's keys (``collection_interval`` 10s here, ``initial_delay``, ``timeout``),
confignet's ``endpoint`` / ``transport``, ``username``, ``password``, ``databases``,
``exclude_databases``, ``tls`` (TLS required but not verified by default, as Go's
``insecure_skip_verify: true``) and the generated ``metrics`` / ``resource_attributes`` sections
sit at the top level. ``connection_pool``, ``query_sample_collection`` and
``top_query_collection`` are accepted as Go's keys; they do not change the metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from pyotelcol.config.configtls import TLSClientConfig
from pyotelcol.helpers.metricsconfig import (
    MetricConfig,
    MetricsSection,
    enabled_metric_keys,
    metric_key,
    metric_on,
    metrics_section,
)
from pyotelcol.helpers.scraperhelper import ControllerConfig

from .metrics import METRICS

__all__ = ["Config", "MetricConfig", "MetricsConfig", "ResourceAttributesConfig", "split_host_port"]

ERR_NO_USERNAME = "invalid config: missing username"
ERR_NO_PASSWORD = "invalid config: missing password"
ERR_NOT_SUPPORTED = "invalid config: field '{}' not supported"
ERR_TRANSPORTS = "invalid config: 'transport' must be 'tcp' or 'unix'"
ERR_HOST_PORT = "invalid config: 'endpoint' must be in the form <host>:<port> no matter what 'transport' is configured"


def split_host_port(endpoint: str) -> tuple[str, str] | None:
    """Go's ``net.SplitHostPort``; None when it fails."""
    if endpoint.startswith("["):
        close = endpoint.find("]")
        if close < 0 or not endpoint[close + 1 :].startswith(":"):
            return None
        return endpoint[1:close], endpoint[close + 2 :]
    host, colon, port = endpoint.rpartition(":")
    if not colon or ":" in host:
        return None
    return host, port


# One entry per metric of ``metrics.METRICS`` (their specs say which are on by default).
if TYPE_CHECKING:

    class MetricsConfig(MetricsSection): ...

else:
    MetricsConfig = metrics_section("MetricsConfig", {name: spec.enabled for name, spec in METRICS.items()})


@dataclass
class ResourceAttributesConfig:
    postgresql_database_name: MetricConfig = field(
        default_factory=metric_on, metadata=metric_key("postgresql.database.name")
    )
    postgresql_index_name: MetricConfig = field(default_factory=metric_on, metadata=metric_key("postgresql.index.name"))
    postgresql_table_name: MetricConfig = field(default_factory=metric_on, metadata=metric_key("postgresql.table.name"))

    def enabled(self) -> set[str]:
        return enabled_metric_keys(self)


@dataclass
class ConnectionPoolConfig:
    """Go's pool settings (``database/sql``); accepted, no effect here."""

    max_idle_time: timedelta | None = None
    max_lifetime: timedelta | None = None
    max_idle: int | None = None
    max_open: int | None = None


@dataclass
class CollectionConfig:
    """Go's query sample / top query events (logs); accepted, no effect on metrics."""

    enabled: bool = False
    max_rows_per_query: int = 1000
    top_n_query: int = 1000


def _skip_verify_tls() -> TLSClientConfig:
    return TLSClientConfig(insecure=False, insecure_skip_verify=True)


@dataclass
class Config(ControllerConfig):
    collection_interval: timedelta = timedelta(seconds=10)
    username: str = ""
    password: str = field(default="", metadata={"opaque": True})
    databases: list[str] = field(default_factory=list)
    exclude_databases: list[str] = field(default_factory=list)
    endpoint: str = "localhost:5432"
    transport: str = "tcp"
    tls: TLSClientConfig = field(default_factory=_skip_verify_tls)
    connection_pool: ConnectionPoolConfig = field(default_factory=ConnectionPoolConfig)
    query_sample_collection: CollectionConfig = field(default_factory=CollectionConfig)
    top_query_collection: CollectionConfig = field(default_factory=CollectionConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    resource_attributes: ResourceAttributesConfig = field(default_factory=ResourceAttributesConfig)

    def validate(self) -> None:
        errors = []
        try:
            super().validate()
        except ValueError as exc:
            errors.append(str(exc))
        if not self.username:
            errors.append(ERR_NO_USERNAME)
        if not self.password:
            errors.append(ERR_NO_PASSWORD)
        # lib/pq cannot override the server name nor bound the TLS versions
        for key, name in (
            (self.tls.server_name_override, "ServerName"),
            (self.tls.max_version, "MaxVersion"),
            (self.tls.min_version, "MinVersion"),
        ):
            if key:
                errors.append(ERR_NOT_SUPPORTED.format(name))
        if self.transport not in ("tcp", "unix"):
            errors.append(ERR_TRANSPORTS)
        elif split_host_port(self.endpoint) is None:
            errors.append(ERR_HOST_PORT)
        if errors:
            raise ValueError("\n".join(errors))
