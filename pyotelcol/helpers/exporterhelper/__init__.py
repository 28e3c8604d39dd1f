"""exporterhelper: timeout, retry, sending queue (in memory or persistent, with batching) and
circuit breaker for exporters, as a chain of senders (Go's exporterhelper), with Go's settings,
log lines and self-metrics. ``ExporterHelper`` builds the chain; each sender has its module."""

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
