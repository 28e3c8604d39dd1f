"""Configuration of the ``nginx`` receiver (Go's nginxreceiver ``Config``).

Go squashes the scraper controller's keys (``collection_interval`` 10s here, ``initial_delay``,
``timeout``) and confighttp's client keys (``endpoint``, ``headers``, ``tls``, ``auth``, ...) into
the receiver's section, next to the generated ``metrics`` section. Both squashed structs have a
``timeout``, so Go decodes one ``timeout`` key into both; here it is one field, 10s by default (Go's
HTTP client default), which bounds the request and the scrape alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import timedelta

from pyotelcol.config.confighttp import ClientConfig
from pyotelcol.helpers.scraperhelper import ControllerConfig

__all__ = ["DEFAULT_ENDPOINT", "Config", "MetricConfig", "MetricsConfig"]

DEFAULT_ENDPOINT = "http://localhost:80/status"


@dataclass
class MetricConfig:
    enabled: bool = True


def _key(name: str) -> dict[str, str]:
    return {"key": name}


@dataclass
class MetricsConfig:
    """Go's generated ``metrics`` section: ``<metric>: {enabled: bool}``; all four are on by default."""

    connections_accepted: MetricConfig = field(
        default_factory=MetricConfig, metadata=_key("nginx.connections_accepted")
    )
    connections_current: MetricConfig = field(default_factory=MetricConfig, metadata=_key("nginx.connections_current"))
    connections_handled: MetricConfig = field(default_factory=MetricConfig, metadata=_key("nginx.connections_handled"))
    requests: MetricConfig = field(default_factory=MetricConfig, metadata=_key("nginx.requests"))

    def enabled(self) -> set[str]:
        return {str(f.metadata["key"]) for f in fields(self) if getattr(self, f.name).enabled}


@dataclass
class Config(ControllerConfig, ClientConfig):
    collection_interval: timedelta = timedelta(seconds=10)
    endpoint: str = DEFAULT_ENDPOINT
    timeout: timedelta = timedelta(seconds=10)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)

    def validate(self) -> None:
        errors = []
        for check in (ControllerConfig.validate, ClientConfig.validate):
            try:
                check(self)
            except ValueError as exc:
                errors.append(str(exc))
        if errors:
            raise ValueError("\n".join(errors))
