"""exporterhelper: timeout, retry, sending queue (in memory or persistent) and circuit breaker
for exporters, with Go's settings, log lines and self-metrics (collector-core §6)."""

from .config import (
    BatchConfig,
    CircuitBreakerConfig,
    PartitionConfig,
    QueueConfig,
    RetryConfig,
    default_queue,
    validate_timeout,
)
from .helper import ExporterHelper

__all__ = [
    "BatchConfig",
    "CircuitBreakerConfig",
    "ExporterHelper",
    "PartitionConfig",
    "QueueConfig",
    "RetryConfig",
    "default_queue",
    "validate_timeout",
]
