"""Configuration of the batch processor, with the Go collector's defaults and validation messages."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

_UINT32_MAX = 2**32 - 1


def _check_uint32(key: str, value: int) -> None:
    """Go declares these fields uint32; mapstructure refuses values the type cannot hold."""
    if value < 0:
        raise ValueError(f"'{key}' cannot parse value as 'uint32': {value} overflows uint")
    if value > _UINT32_MAX:
        raise ValueError(f"'{key}' cannot parse value as 'uint32': {value} overflows uint32")


@dataclass
class Config:
    # How long to wait before sending a batch that has not reached send_batch_size; 0 sends at once.
    timeout: timedelta = timedelta(milliseconds=200)
    # Number of items (spans, data points, log records) that triggers a send.
    send_batch_size: int = 8192
    # Upper bound of one outgoing batch; larger batches are split. 0 means no bound.
    send_batch_max_size: int = 0
    # Client-metadata keys whose value combinations each get their own batcher.
    metadata_keys: list[str] = field(default_factory=list)
    # Maximum number of distinct metadata value combinations (0 = no limit).
    metadata_cardinality_limit: int = 1000

    def validate(self) -> None:
        _check_uint32("send_batch_size", self.send_batch_size)
        _check_uint32("send_batch_max_size", self.send_batch_max_size)
        _check_uint32("metadata_cardinality_limit", self.metadata_cardinality_limit)
        if self.send_batch_max_size > 0 and self.send_batch_max_size < self.send_batch_size:
            raise ValueError("send_batch_max_size must be greater or equal to send_batch_size")
        seen: set[str] = set()
        for key in self.metadata_keys:
            low = key.lower()
            if low in seen:
                raise ValueError(
                    f"duplicate entry in metadata_keys: {json.dumps(low, ensure_ascii=False)} (case-insensitive)"
                )
            seen.add(low)
        if self.timeout < timedelta(0):
            raise ValueError("timeout must be greater or equal to 0")
