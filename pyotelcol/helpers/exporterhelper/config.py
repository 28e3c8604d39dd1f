"""exporterhelper settings that exporters embed at the top level of their config (collector-core §6.1).

``timeout``, ``retry_on_failure`` and ``sending_queue`` keep Go's keys, defaults and messages;
``circuit_breaker`` goes beyond Go and is off by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ...config import OptionalSection

_SIZERS = ("requests", "items", "bytes")


@dataclass
class RetryConfig:
    enabled: bool = True
    initial_interval: timedelta = timedelta(seconds=5)
    randomization_factor: float = 0.5
    multiplier: float = 1.5
    max_interval: timedelta = timedelta(seconds=30)
    max_elapsed_time: timedelta = timedelta(minutes=5)

    def validate(self) -> None:
        if not self.enabled:
            return
        errors = []
        if self.initial_interval < timedelta(0):
            errors.append("'initial_interval' must be non-negative")
        if self.randomization_factor < 0 or self.randomization_factor > 1:
            errors.append("'randomization_factor' must be within [0, 1]")
        if self.multiplier < 0:
            errors.append("'multiplier' must be non-negative")
        if self.max_interval < timedelta(0):
            errors.append("'max_interval' must be non-negative")
        if self.max_elapsed_time < timedelta(0):
            errors.append("'max_elapsed_time' must be non-negative")
        if self.max_elapsed_time > timedelta(0):
            if self.max_elapsed_time < self.initial_interval:
                errors.append("'max_elapsed_time' must not be less than 'initial_interval'")
            if self.max_elapsed_time < self.max_interval:
                errors.append("'max_elapsed_time' must not be less than 'max_interval'")
        if errors:
            raise ValueError("\n".join(errors))


@dataclass
class BatchConfig:
    flush_timeout: timedelta = timedelta(milliseconds=200)
    min_size: int = 8192
    max_size: int = 0
    sizer: str = ""  # inherits the queue's sizer when that was set explicitly, else "items"

    def validate(self) -> None:
        if self.flush_timeout <= timedelta(0):
            raise ValueError("`flush_timeout` must be positive")
        if self.min_size < 0:
            raise ValueError("`min_size` must be non-negative")
        if self.max_size < 0:
            raise ValueError("`max_size` must be non-negative")
        if self.max_size and self.max_size < self.min_size:
            raise ValueError("`max_size` must be greater or equal to `min_size`")
        if self.sizer not in ("", "items", "bytes"):
            raise ValueError(f'invalid sizer: "{self.sizer}"')


@dataclass
class QueueConfig:
    num_consumers: int = 10
    queue_size: int = 1000
    sizer: str = "requests"
    block_on_overflow: bool = False
    wait_for_result: bool = False
    storage: str | None = None
    batch: OptionalSection[BatchConfig] = field(default_factory=lambda: OptionalSection.default(BatchConfig()))

    def validate(self) -> None:
        if self.num_consumers <= 0:
            raise ValueError("`num_consumers` must be positive")
        if self.queue_size <= 0:
            raise ValueError("`queue_size` must be positive")
        if self.sizer not in _SIZERS:
            raise ValueError(f'invalid sizer: "{self.sizer}"')
        if self.storage and self.wait_for_result:
            raise ValueError("`wait_for_result` is not supported with a persistent queue configured with `storage`")


@dataclass
class CircuitBreakerConfig:
    """Beyond Go: stop sending to a backend that keeps failing, probe it after a cool-down."""

    enabled: bool = False
    failure_threshold: int = 5
    cooldown: timedelta = timedelta(seconds=30)

    def validate(self) -> None:
        if self.enabled and self.failure_threshold <= 0:
            raise ValueError("'failure_threshold' must be positive")
        if self.enabled and self.cooldown <= timedelta(0):
            raise ValueError("'cooldown' must be positive")


def default_queue(enabled: bool = True) -> OptionalSection[QueueConfig]:
    """``sending_queue``: on by default for OTLP exporters (Go's Some state), off for debug."""
    return OptionalSection.some(QueueConfig()) if enabled else OptionalSection.default(QueueConfig())
