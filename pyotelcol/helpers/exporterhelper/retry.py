"""``retry_on_failure``: Go's retry sender, with its exponential back-off and jitter.

Delay *n* is the current interval randomised within ``±randomization_factor`` (uniformly, as
``cenkalti/backoff`` does); the interval starts at ``initial_interval`` and is multiplied by
``multiplier`` after each retry, capped at ``max_interval`` (the cap applies to the interval
before jitter, as in Go). A ``retry_after`` hint on the error (gRPC RetryInfo, HTTP Retry-After)
raises the delay to at least the hint. Retrying stops on a permanent error
(``not retryable error: ...``), when the next attempt would start after ``max_elapsed_time``
(``no more retries left: ...``; 0 = never), or at shutdown (``interrupted due to shutdown: ...``).
Each retry logs ``Exporting failed. Will retry the request after interval.`` at info.

Beyond Go, a :class:`RetryGate` (the circuit breaker) may end the loop early: after a failure it
is asked whether the request may be tried again, and a back-off sleep ends when it says so.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any, Protocol

from ...consumer import ConsumerError, PermanentError
from ...telemetry.gofmt import go_duration
from .config import RetryConfig, _ns
from .errors import CircuitOpenError, ShutdownError, wrap
from .sender import ForwardingSender, Request, Sender


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


class RetryGate(Protocol):
    """Something that can make further attempts pointless (the circuit breaker)."""

    def refusal(self, request: Request) -> ConsumerError | None:
        """The error to stop retrying ``request`` with, or None to go on."""
        ...

    @property
    def wake(self) -> asyncio.Event:
        """Set when a back-off sleep should end early (the next attempt will be refused)."""
        ...


class RetrySender(ForwardingSender):
    """Sends until success, a permanent error, the end of the budget, or shutdown."""

    def __init__(
        self,
        cfg: RetryConfig,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        next_sender: Sender,
        gate: RetryGate | None = None,
    ) -> None:
        self._cfg = cfg
        self._budget = cfg.max_elapsed_time.total_seconds()
        self._logger = logger
        self._next = next_sender
        self._gate = gate
        self._stop = asyncio.Event()

    async def shutdown(self) -> None:
        """Stop retrying: sends under way fail with ``interrupted due to shutdown``, and every
        later send gets a single attempt (Go stops the retry sender before draining the queue)."""
        self._stop.set()

    async def send(self, request: Request) -> None:
        loop = asyncio.get_running_loop()
        backoff = ExponentialBackoff(self._cfg)
        deadline = loop.time() + self._budget if self._budget > 0 else None
        while True:
            try:
                await self._next.send(request)
                return
            except CircuitOpenError:
                raise  # not attempted: the data goes back, nothing to retry
            except PermanentError as exc:
                raise wrap("not retryable error", exc) from None
            except ConsumerError as exc:
                if self._stop.is_set():
                    raise ShutdownError(exc) from None
                refused = self._gate.refusal(request) if self._gate is not None else None
                if refused is not None:
                    raise refused from None
                delay_ns = backoff.next_ns()
                hint = exc.retry_after
                if hint is not None and hint > 0:
                    delay_ns = max(delay_ns, int(hint * 1e9))
                delay = delay_ns / 1e9
                if deadline is not None and loop.time() + delay > deadline:
                    raise wrap("no more retries left", exc) from None
                self._logger.info(
                    "Exporting failed. Will retry the request after interval.",
                    extra={"fields": {"error": str(exc), "interval": go_duration(delay_ns)}},
                )
                if await self._sleep(delay):
                    raise ShutdownError(exc) from None

    async def _sleep(self, delay: float) -> bool:
        """Back off for ``delay`` seconds; wake early at shutdown (returns True) or when the
        gate wakes (returns False: the next attempt is refused and the data goes back)."""
        events = [self._stop]
        if self._gate is not None:
            events.append(self._gate.wake)
        if any(e.is_set() for e in events):
            return self._stop.is_set()
        waiters = [asyncio.ensure_future(e.wait()) for e in events]
        try:
            await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        return self._stop.is_set()
