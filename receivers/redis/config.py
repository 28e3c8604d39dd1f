"""Configuration of the ``redis`` receiver (Go's redisreceiver ``Config``).

The scraper controller's keys (``collection_interval`` 10s here, ``initial_delay``, ``timeout``) and
confignet's ``endpoint`` / ``transport`` / ``dialer`` sit at the top level, next to ``username``,
``password``, ``tls`` (``insecure: true`` by default: plain TCP) and the generated ``metrics`` and
``resource_attributes`` sections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from pyotelcol.config.confighttp import DialerConfig, validate_transport
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


# One entry per metric of ``metrics.METRICS`` (their specs say which are on by default).
if TYPE_CHECKING:

    class MetricsConfig(MetricsSection): ...

else:
    MetricsConfig = metrics_section("MetricsConfig", {name: spec.enabled for name, spec in METRICS.items()})


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
