"""``retry_on_failure``: exponential back-off with jitter, as Go's retry sender computes it.

Delay *n* is the current interval randomised within ``±randomization_factor`` (uniformly, as
``cenkalti/backoff`` does); the interval starts at ``initial_interval`` and is multiplied by
``multiplier`` after each retry, capped at ``max_interval`` (the cap applies to the interval
before jitter, as in Go). A ``retry_after`` hint on the error (gRPC RetryInfo, HTTP Retry-After)
raises the delay to at least the hint. Retrying stops on a permanent error
(``not retryable error: ...``), when the next attempt would start after ``max_elapsed_time``
(``no more retries left: ...``; 0 = never), or at shutdown (``interrupted due to shutdown: ...``).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .config import RetryConfig, _ns


class ExponentialBackoff:
    """Delays in nanoseconds; ``rand`` returns a float in [0, 1) (injectable for tests)."""

    __slots__ = ("_current", "_factor", "_initial", "_max", "_multiplier", "_rand")

    def __init__(self, cfg: RetryConfig, rand: Callable[[], float] = random.random) -> None:
        self._initial = _ns(cfg.initial_interval)
        self._max = _ns(cfg.max_interval)
        self._multiplier = cfg.multiplier
        self._factor = cfg.randomization_factor
        self._rand = rand
        self._current = 0

    def next_ns(self) -> int:
        if self._current == 0:
            self._current = self._initial
        current = self._current
        if self._factor == 0:
            delay = current
        else:
            delta = self._factor * current
            low, high = current - delta, current + delta
            delay = int(low + self._rand() * (high - low + 1))
        threshold = self._max / self._multiplier if self._multiplier else float("inf")
        if current >= threshold:
            self._current = self._max
        else:
            self._current = int(current * self._multiplier)
        return delay
