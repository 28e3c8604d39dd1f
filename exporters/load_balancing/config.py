"""Configuration of the ``load_balancing`` exporter (Go's loadbalancingexporter Config).

``protocol.otlp`` is a whole ``otlp_grpc`` exporter config used as the template of every backend
(its ``endpoint`` is replaced by the backend's); ``resolver`` takes exactly one of ``static``,
``dns`` and ``k8s``; ``timeout``, ``retry_on_failure`` and ``sending_queue`` wrap the exporter
itself and are off by default, as in Go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pyotelcol.exporters.otlp_grpc.config import Config as OtlpConfig

from pyotelcol.config import OptionalSection
from pyotelcol.helpers.exporterhelper import QueueConfig, RetryConfig, default_queue, validate_timeout

TRACE_ID = "traceID"
SERVICE = "service"
RESOURCE = "resource"
METRIC = "metric"
STREAM_ID = "streamID"
ATTRIBUTES = "attributes"

#: routing keys each signal accepts ("" means the signal's default)
ROUTING_KEYS = {
    "traces": (TRACE_ID, SERVICE, RESOURCE, ATTRIBUTES),
    "metrics": (SERVICE, RESOURCE, METRIC, STREAM_ID, ATTRIBUTES),
    "logs": (TRACE_ID, SERVICE, RESOURCE, ATTRIBUTES),
}
DEFAULT_PORT = "4317"


def default_otlp() -> OtlpConfig:
    """Go sets a placeholder endpoint so the template validates; each backend replaces it."""
    return OtlpConfig(endpoint="placeholder:4317")


@dataclass
class Protocol:
    otlp: OtlpConfig = field(default_factory=default_otlp)


@dataclass
class StaticResolver:
    hostnames: list[str] = field(default_factory=list)

    def validate(self) -> None:
        if not self.hostnames:
            raise ValueError("no endpoint specified for the static resolver")


@dataclass
class DNSResolver:
    hostname: str = ""
    port: Any = ""  # Go types it string; a YAML number is accepted too
    interval: timedelta = timedelta(seconds=5)
    timeout: timedelta = timedelta(seconds=1)

    def validate(self) -> None:
        if self.hostname == "":
            raise ValueError("no hostname specified to resolve the backends")
        if isinstance(self.port, bool) or not isinstance(self.port, (str, int)) or not str(self.port or 0).isdigit():
            raise ValueError(f'invalid port "{self.port}"')
        if self.interval <= timedelta(0):
            raise ValueError("interval must be positive")
        if self.timeout <= timedelta(0):
            raise ValueError("timeout must be positive")


@dataclass
class K8sResolver:
    service: str = ""
    ports: list[int] = field(default_factory=lambda: [4317])
    timeout: timedelta = timedelta(seconds=1)
    return_hostnames: bool = False

    def validate(self) -> None:
        if self.service == "":
            raise ValueError("no service specified to resolve the backends")
        for port in self.ports:
            if not 0 < port < 65536:
                raise ValueError(f"invalid port {port}")


@dataclass
class ResolverSettings:
    static: OptionalSection[StaticResolver] = field(default_factory=lambda: OptionalSection.none(StaticResolver))
    dns: OptionalSection[DNSResolver] = field(default_factory=lambda: OptionalSection.none(DNSResolver))
    k8s: OptionalSection[K8sResolver] = field(default_factory=lambda: OptionalSection.none(K8sResolver))
    aws_cloud_map: dict[str, Any] | None = None

    def enabled(self) -> list[str]:
        names = [name for name in ("static", "dns", "k8s") if getattr(self, name).enabled]
        if self.aws_cloud_map is not None:
            names.append("aws_cloud_map")
        return names

    def validate(self) -> None:
        names = self.enabled()
        if not names:
            raise ValueError("no resolvers specified for the exporter")
        if len(names) > 1:
            raise ValueError("only one resolver should be specified")
        if names == ["aws_cloud_map"]:
            raise ValueError(
                "the aws_cloud_map resolver is not supported by pyotelcol (it needs the AWS SDK); "
                "use the dns, static or k8s resolver"
            )


@dataclass
class Config:
    timeout: timedelta = timedelta(0)
    retry_on_failure: RetryConfig = field(default_factory=lambda: RetryConfig(enabled=False))
    sending_queue: OptionalSection[QueueConfig] = field(default_factory=lambda: default_queue(enabled=False))
    protocol: Protocol = field(default_factory=Protocol)
    resolver: ResolverSettings = field(default_factory=ResolverSettings)
    routing_key: str = ""
    routing_attributes: list[str] = field(default_factory=list)

    def validate(self) -> None:
        validate_timeout(self.timeout)
        if self.routing_key == ATTRIBUTES and not self.routing_attributes:
            raise ValueError(f'routing_attributes must be specified when routing_key is "{ATTRIBUTES}"')
        if self.routing_key != ATTRIBUTES and self.routing_attributes:
            raise ValueError(
                f'routing_attributes can only be used when routing_key is "{ATTRIBUTES}"; got "{self.routing_key}". '
                f'Remove routing_attributes or set routing_key to "{ATTRIBUTES}"'
            )
        known = {key for keys in ROUTING_KEYS.values() for key in keys}
        if self.routing_key and self.routing_key not in known:
            raise ValueError(f"unsupported routing_key: {self.routing_key}")

    def routing_key_for(self, signal: str) -> str:
        """The effective key for ``signal``; ValueError (Go's message) when the signal has no such key."""
        key = self.routing_key or (SERVICE if signal == "metrics" else TRACE_ID)
        if key not in ROUTING_KEYS[signal]:
            raise ValueError(f"unsupported routing_key: {key}")
        return key
