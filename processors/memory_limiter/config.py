"""Configuration of the memory_limiter processor, with the Go collector's defaults and messages.

The default configuration is invalid on purpose (as in Go): ``check_interval`` and one of
``limit_mib`` / ``limit_percentage`` must be set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

_UINT32_MAX = 2**32 - 1
_ZERO = timedelta(0)


def _check_uint32(key: str, value: int) -> None:
    """Go declares the limits uint32; mapstructure refuses values the type cannot hold."""
    if value < 0:
        raise ValueError(f"'{key}' cannot parse value as 'uint32': {value} overflows uint")
    if value > _UINT32_MAX:
        raise ValueError(f"'{key}' cannot parse value as 'uint32': {value} overflows uint32")


@dataclass
class Config:
    # Time between two measurements of memory usage (required; 1s recommended).
    check_interval: timedelta = _ZERO
    # Hard limit in MiB; the soft limit is limit_mib - spike_limit_mib. Takes precedence over percentages.
    limit_mib: int = 0
    # Expected maximum growth between two checks, in MiB (0 = 20% of limit_mib).
    spike_limit_mib: int = 0
    # Hard limit as a percentage of total memory (cgroup limit, else physical RAM).
    limit_percentage: int = 0
    # Spike allowance as a percentage of total memory.
    spike_limit_percentage: int = 0
    # Minimum time between forced garbage collections while above the soft / hard limit.
    min_gc_interval_when_soft_limited: timedelta = timedelta(seconds=10)
    min_gc_interval_when_hard_limited: timedelta = _ZERO
    # Caps of the back-off applied when forced collections stop reclaiming memory (0 = no back-off).
    max_gc_interval_when_soft_limited: timedelta = timedelta(seconds=30)
    max_gc_interval_when_hard_limited: timedelta = timedelta(seconds=30)

    def validate(self) -> None:
        for key in ("limit_mib", "spike_limit_mib", "limit_percentage", "spike_limit_percentage"):
            _check_uint32(key, getattr(self, key))
        if self.check_interval <= _ZERO:
            raise ValueError("'check_interval' must be greater than zero")
        if self.min_gc_interval_when_soft_limited < self.min_gc_interval_when_hard_limited:
            raise ValueError(
                "'min_gc_interval_when_soft_limited' should be larger than 'min_gc_interval_when_hard_limited'"
            )
        max_soft, max_hard = self.max_gc_interval_when_soft_limited, self.max_gc_interval_when_hard_limited
        if max_soft < _ZERO:
            raise ValueError("'max_gc_interval_when_soft_limited' must be non-negative")
        if max_hard < _ZERO:
            raise ValueError("'max_gc_interval_when_hard_limited' must be non-negative")
        if _ZERO < max_soft < self.min_gc_interval_when_soft_limited:
            raise ValueError(
                "'max_gc_interval_when_soft_limited' must be greater than or equal to "
                "'min_gc_interval_when_soft_limited' (or 0 to disable)"
            )
        if _ZERO < max_hard < self.min_gc_interval_when_hard_limited:
            raise ValueError(
                "'max_gc_interval_when_hard_limited' must be greater than or equal to "
                "'min_gc_interval_when_hard_limited' (or 0 to disable)"
            )
        if max_soft > _ZERO and max_hard > _ZERO and max_soft < max_hard:
            raise ValueError(
                "'max_gc_interval_when_soft_limited' should be larger than or equal to "
                "'max_gc_interval_when_hard_limited' (when both are set)"
            )
        if self.limit_mib == 0 and self.limit_percentage == 0:
            raise ValueError("'limit_mib' or 'limit_percentage' must be greater than zero")
        if self.limit_percentage > 100 or self.spike_limit_percentage > 100:
            raise ValueError(
                "'limit_percentage' and 'spike_limit_percentage' must be greater than zero "
                "and less than or equal to hundred"
            )
        if self.limit_mib > 0 and self.limit_mib <= self.spike_limit_mib:
            raise ValueError("'spike_limit_mib' must be smaller than 'limit_mib'")
        if self.limit_percentage > 0 and self.limit_percentage <= self.spike_limit_percentage:
            raise ValueError("'spike_limit_percentage' must be smaller than 'limit_percentage'")
