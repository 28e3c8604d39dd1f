"""The pieces of Go's generated (mdatagen) ``metrics`` config section that scraper receivers
share: ``<metric>: {enabled: bool}`` entries declared as dataclass fields that carry the metric's
name, and the set of enabled names.

    @dataclass
    class MetricsConfig:
        commands: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.commands"))
        maxmemory: MetricConfig = field(default_factory=MetricConfig, metadata=metric_key("redis.maxmemory"))
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

__all__ = ["MetricConfig", "enabled_metric_keys", "metric_key", "metric_on"]


@dataclass
class MetricConfig:
    enabled: bool = False


def metric_on() -> MetricConfig:
    """The default of a metric that is enabled by default."""
    return MetricConfig(enabled=True)


def metric_key(name: str) -> dict[str, str]:
    """Field metadata naming the metric an entry configures."""
    return {"key": name}


def enabled_metric_keys(section: Any) -> set[str]:
    """The names of the enabled metrics of a ``metrics`` section dataclass."""
    return {str(f.metadata["key"]) for f in fields(section) if getattr(section, f.name).enabled}
