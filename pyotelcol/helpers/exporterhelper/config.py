"""exporterhelper settings that exporters embed at the top level of their config.

``timeout``, ``retry_on_failure`` and ``sending_queue`` keep Go's keys, defaults and messages
(``config/configretry`` and ``exporter/exporterhelper/internal/queuebatch``); ``circuit_breaker``
goes beyond Go and is off by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ...component import ID, IDError
from ...config import OptionalSection
from ...featuregate import GLOBAL

SIZERS = ("requests", "items", "bytes")
BATCH_SIZERS = ("items", "bytes")


def _ns(value: timedelta) -> int:
    """A duration as Go prints it with ``%d``: whole nanoseconds."""
    return (value.days * 86_400 + value.seconds) * 1_000_000_000 + value.microseconds * 1000


def validate_timeout(timeout: timedelta | None) -> None:
    """Go's TimeoutConfig check, for exporter configs that embed ``timeout``."""
    if timeout is not None and timeout < timedelta(0):
        raise ValueError("'timeout' must be non-negative")


@dataclass
class RetryConfig:
    """``retry_on_failure`` (configretry.BackOffConfig)."""

    enabled: bool = True
    initial_interval: timedelta = timedelta(seconds=5)
    randomization_factor: float = 0.5
    multiplier: float = 1.5
    max_interval: timedelta = timedelta(seconds=30)
    max_elapsed_time: timedelta = timedelta(minutes=5)

    def validate(self) -> None:
        # Go's generated validator: every problem is reported (joined), whether or not retries are enabled.
        errors: list[str] = []
        if self.max_elapsed_time > timedelta(0):
            if self.max_elapsed_time < self.initial_interval:
                errors.append("'max_elapsed_time' must not be less than 'initial_interval'")
            elif self.max_elapsed_time < self.max_interval:
                errors.append("'max_elapsed_time' must not be less than 'max_interval'")
        if self.initial_interval < timedelta(0):
            errors.append("initial_interval value must be greater than or equal to 0")
        if self.max_elapsed_time < timedelta(0):
            errors.append("max_elapsed_time value must be greater than or equal to 0")
        if self.max_interval < timedelta(0):
            errors.append("max_interval value must be greater than or equal to 0")
        if self.multiplier < 0:
            errors.append("multiplier value must be greater than or equal to 0")
        if self.randomization_factor < 0:
            errors.append("randomization_factor value must be greater than or equal to 0")
        if self.randomization_factor > 1:
            errors.append("randomization_factor value must be less than or equal to 1")
        if errors:
            raise ValueError("\n".join(errors))


@dataclass
class PartitionConfig:
    metadata_keys: list[str] = field(default_factory=list)

    def validate(self) -> None:
        seen: set[str] = set()
        for key in self.metadata_keys:
            low = key.lower()
            if low in seen:
                raise ValueError(f'duplicate entry in metadata_keys: "{low}" (case-insensitive)')
            seen.add(low)


@dataclass
class BatchConfig:
    """``sending_queue.batch``. ``sizer`` empty means "not set": the queue's sizer when that is
    ``items`` or ``bytes``, else ``items`` (see ``effective_sizer``)."""

    flush_timeout: timedelta = timedelta(milliseconds=200)
    min_size: int = 8192
    max_size: int = 0
    sizer: str = ""
    partition: PartitionConfig = field(default_factory=PartitionConfig)

    def effective_sizer(self, queue_sizer: str) -> str:
        if self.sizer:
            return self.sizer
        return queue_sizer if queue_sizer in BATCH_SIZERS else "items"

    def validate(self) -> None:
        if self.sizer and self.sizer not in SIZERS:
            raise ValueError(f'invalid sizer: "{self.sizer}"')
        if self.sizer and self.sizer not in BATCH_SIZERS:
            raise ValueError(f'`batch` supports only `items` or `bytes` sizer, found "{self.sizer}"')
        if self.flush_timeout <= timedelta(0):
            raise ValueError(f"`flush_timeout` must be positive, found {_ns(self.flush_timeout)}")
        if self.min_size < 0:
            raise ValueError(f"`min_size` must be non-negative, found {self.min_size}")
        if self.max_size < 0:
            raise ValueError(f"`max_size` must be non-negative, found {self.max_size}")
        if 0 < self.max_size < self.min_size:
            raise ValueError(f"`max_size` ({self.max_size}) must be greater or equal to `min_size` ({self.min_size})")


@dataclass
class QueueConfig:
    """``sending_queue`` (queuebatch.Config)."""

    num_consumers: int = 10
    queue_size: int = 1000
    sizer: str = "requests"
    block_on_overflow: bool = False
    wait_for_result: bool = False
    storage: str | None = None
    batch: OptionalSection[BatchConfig] = field(default_factory=lambda: _default_batch())

    def validate(self) -> None:
        if self.sizer not in SIZERS:
            raise ValueError(f'invalid sizer: "{self.sizer}"')
        if self.storage is not None:
            try:
                ID.parse(self.storage)
            except IDError as exc:
                raise ValueError(str(exc)) from None
        if self.num_consumers <= 0:
            raise ValueError("`num_consumers` must be positive")
        if self.queue_size <= 0:
            raise ValueError("`queue_size` must be positive")
        if self.storage is not None and self.wait_for_result:
            raise ValueError("`wait_for_result` is not supported with a persistent queue configured with `storage`")
        batch = self.batch.get()
        if batch is not None and batch.effective_sizer(self.sizer) == self.sizer and batch.min_size > self.queue_size:
            raise ValueError("`min_size` must be less than or equal to `queue_size`")


def _default_batch() -> OptionalSection[BatchConfig]:
    """Off (Go's Default state) unless the alpha gate ``pkg.exporterhelper.queueBatchEnabled`` is on."""
    if GLOBAL.is_enabled("pkg.exporterhelper.queueBatchEnabled"):
        return OptionalSection.some(BatchConfig())
    return OptionalSection.default(BatchConfig())


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
