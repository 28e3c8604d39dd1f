"""Configuration of the ``debug`` exporter, with the Go collector's defaults and messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from pyotelcol.config import OptionalSection

VERBOSITIES = ("basic", "normal", "detailed")
_SIZERS = ("requests", "items", "bytes")


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
    flush_timeout: timedelta = timedelta(milliseconds=200)
    sizer: str = "items"
    min_size: int = 8192
    max_size: int = 0
    partition: PartitionConfig = field(default_factory=PartitionConfig)

    def validate(self) -> None:
        if self.sizer not in ("items", "bytes"):
            raise ValueError(f'`batch` supports only `items` or `bytes` sizer, found "{self.sizer}"')
        if self.flush_timeout <= timedelta(0):
            ns = int(self.flush_timeout / timedelta(microseconds=1)) * 1000
            raise ValueError(f"`flush_timeout` must be positive, found {ns}")
        if self.min_size < 0:
            raise ValueError(f"`min_size` must be non-negative, found {self.min_size}")
        if self.max_size < 0:
            raise ValueError(f"`max_size` must be non-negative, found {self.max_size}")
        if 0 < self.max_size < self.min_size:
            raise ValueError(
                f"`max_size` ({self.max_size}) must be greater or equal to `min_size` ({self.min_size})"
            )


@dataclass
class QueueConfig:
    """The exporterhelper ``sending_queue`` schema (collector-core §6.1).

    The debug exporter accepts and validates it, but does not queue yet: with the section
    enabled, data is still written synchronously (documented in the README).
    """

    wait_for_result: bool = False
    sizer: str = "requests"
    queue_size: int = 1000
    block_on_overflow: bool = False
    storage: str | None = None
    num_consumers: int = 10
    batch: OptionalSection[BatchConfig] = field(default_factory=lambda: OptionalSection.default(BatchConfig()))

    def validate(self) -> None:
        if self.sizer not in _SIZERS:
            raise ValueError(f'invalid sizer: "{self.sizer}"')
        if self.num_consumers <= 0:
            raise ValueError("`num_consumers` must be positive")
        if self.queue_size <= 0:
            raise ValueError("`queue_size` must be positive")
        if self.storage is not None and self.wait_for_result:
            raise ValueError("`wait_for_result` is not supported with a persistent queue configured with `storage`")
        batch = self.batch.get()
        if batch is not None and batch.sizer == self.sizer and batch.min_size > self.queue_size:
            raise ValueError("`min_size` must be less than or equal to `queue_size`")


@dataclass
class Config:
    verbosity: str = "basic"
    sampling_initial: int = 2
    sampling_thereafter: int = 1
    use_internal_logger: bool = True
    output_paths: list[str] | None = None
    sending_queue: OptionalSection[QueueConfig] = field(
        default_factory=lambda: OptionalSection.default(QueueConfig())
    )

    @property
    def level(self) -> str:
        """The verbosity, lower-cased (Go's level parsing is case-insensitive)."""
        return self.verbosity.lower()

    def validate(self) -> None:
        level = self.level
        if level == "none":
            raise ValueError('verbosity level "None" is not supported')
        if level not in VERBOSITIES:
            raise ValueError(f'unknown metrics level "{level}"')
        if self.use_internal_logger and self.output_paths is not None:
            raise ValueError("output_paths is not supported when use_internal_logger is true")
        if not self.use_internal_logger and self.output_paths is not None and not self.output_paths:
            raise ValueError("output_paths must not be empty when use_internal_logger is false")
