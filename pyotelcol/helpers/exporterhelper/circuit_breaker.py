"""A circuit breaker for exporters (beyond Go; ``circuit_breaker``, off by default).

States: **closed** (0) sends normally; after ``failure_threshold`` consecutive failed *attempts*
(each push that raised a retryable error or timed out, retries included) it turns **open** (1):
nothing is pushed for ``cooldown``; then **half-open** (2): exactly one attempt (the probe) is let
through. A successful probe closes the circuit, a failed one re-opens it for another cooldown.
A permanent error counts as a success here: the backend answered, the data was at fault.

Callers hold a :class:`Permit` per send. Queue consumers ``await acquire()`` (they wait while the
circuit is open or while a probe is in flight); the synchronous path (no queue) gets its permit
from :class:`PermitSender` (above retry), which refuses the data at once when there is none.
:class:`AttemptSender` (between retry and timeout) asks ``allows(permit)`` before every attempt
and records its outcome; when that fails the data goes back to the queue untouched. It is also
the retry sender's gate: a failure that opened the circuit ends the retry loop without back-off.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from ...config import format_duration
from ...consumer import ConsumerError, PermanentError
from .config import CircuitBreakerConfig
from .errors import CircuitOpenError
from .sender import ForwardingSender, Request, Sender


class State(IntEnum):
    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2

    @property
    def label(self) -> str:
        return {0: "closed", 1: "open", 2: "half-open"}[int(self)]


class Permit:
    __slots__ = ("probe", "used")

    def __init__(self, probe: bool) -> None:
        self.probe = probe
        self.used = False


class CircuitBreaker:
    def __init__(
        self,
        cfg: CircuitBreakerConfig,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = cfg.failure_threshold
        self._cooldown = cfg.cooldown.total_seconds()
        self._cooldown_text = format_duration(cfg.cooldown)
        self._logger = logger
        self._clock = clock
        self.state = State.CLOSED
        self.failures = 0
        self._opened_at = 0.0
        self._probe_out = False
        self._changed = asyncio.Event()
        self._opened = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None

    # -- state -------------------------------------------------------------------------------
    def _set(self, state: State, **fields: Any) -> None:
        old = self.state
        if old is state:
            return
        self.state = state
        if state is State.OPEN:
            self._opened_at = self._clock()
            self._probe_out = False
            self._opened.set()
            self._schedule_half_open()
        else:
            if old is State.OPEN:
                self._opened = asyncio.Event()
            if state is State.CLOSED:
                self.failures = 0
                self._probe_out = False
        log = self._logger.warning if state is State.OPEN else self._logger.info
        log(
            "Circuit breaker state changed",
            extra={"fields": {"from": old.label, "to": state.label, **fields}},
        )
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _schedule_half_open(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._timer = loop.call_later(self._cooldown, self.refresh)

    def refresh(self) -> State:
        """Move open -> half-open once the cooldown has passed; return the current state."""
        if self.state is State.OPEN and self._clock() - self._opened_at >= self._cooldown:
            self._set(State.HALF_OPEN)
        return self.state

    def peek(self) -> State:
        """The state as ``refresh`` would report it, without changing anything (safe from any thread)."""
        if self.state is State.OPEN and self._clock() - self._opened_at >= self._cooldown:
            return State.HALF_OPEN
        return self.state

    def remaining(self) -> float:
        """Seconds until the next probe may go out (0 when not open)."""
        if self.refresh() is not State.OPEN:
            return 0.0
        return max(0.0, self._cooldown - (self._clock() - self._opened_at))

    @property
    def opened(self) -> asyncio.Event:
        """Set while the circuit is open (retry back-off sleeps wake on it)."""
        return self._opened

    # -- permits -----------------------------------------------------------------------------
    def try_acquire(self) -> Permit | None:
        state = self.refresh()
        if state is State.CLOSED:
            return Permit(False)
        if state is State.HALF_OPEN and not self._probe_out:
            self._probe_out = True
            return Permit(True)
        return None

    async def acquire(self) -> Permit:
        while True:
            permit = self.try_acquire()
            if permit is not None:
                return permit
            changed = self._changed
            wait = self.remaining() if self.state is State.OPEN else None
            try:
                async with asyncio.timeout(wait if wait else None):
                    await changed.wait()
            except TimeoutError:
                pass

    def release(self, permit: Permit) -> None:
        """Give back a permit that will not be used for an attempt (e.g. at shutdown)."""
        if permit.probe and not permit.used and self.state is State.HALF_OPEN:
            self._probe_out = False
            changed, self._changed = self._changed, asyncio.Event()
            changed.set()

    def allows(self, permit: Permit) -> bool:
        """May the holder of ``permit`` make one more attempt now?"""
        state = self.refresh()
        if state is State.CLOSED:
            return True
        if state is State.HALF_OPEN:
            return permit.probe and not permit.used
        return False

    def record(self, permit: Permit, success: bool) -> None:
        if permit.probe:
            permit.used = True
        if success:
            if self.state is not State.CLOSED:
                self._set(State.CLOSED)
            self.failures = 0
            return
        if self.state is State.HALF_OPEN and permit.probe:
            self._set(State.OPEN, cooldown=self._cooldown_text)
        elif self.state is State.CLOSED:
            self.failures += 1
            if self.failures >= self._threshold:
                self._set(State.OPEN, consecutive_failures=self.failures, cooldown=self._cooldown_text)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def refused(self) -> CircuitOpenError:
        """The error for a send the circuit does not let through (``retry_after``: cooldown left)."""
        return CircuitOpenError(self.remaining() or None)


class PermitSender(ForwardingSender):
    """Holds a permit for the whole send (all attempts) when the caller brought none."""

    def __init__(self, breaker: CircuitBreaker, next_sender: Sender) -> None:
        self._breaker = breaker
        self._next = next_sender

    async def send(self, request: Request) -> None:
        if request.permit is not None:  # a queue consumer's: it releases it
            await self._next.send(request)
            return
        permit = self._breaker.try_acquire()
        if permit is None:
            raise self._breaker.refused()
        request.permit = permit
        try:
            await self._next.send(request)
        finally:
            request.permit = None
            self._breaker.release(permit)


class AttemptSender(ForwardingSender):
    """Per attempt: refuse when the permit no longer allows one, record the outcome. A
    permanent error counts as a success: the backend answered."""

    def __init__(self, breaker: CircuitBreaker, next_sender: Sender) -> None:
        self._breaker = breaker
        self._next = next_sender

    async def send(self, request: Request) -> None:
        breaker, permit = self._breaker, request.permit
        if permit is None:
            await self._next.send(request)
            return
        if not breaker.allows(permit):
            raise breaker.refused()
        try:
            await self._next.send(request)
        except PermanentError:
            breaker.record(permit, True)
            raise
        except ConsumerError:
            breaker.record(permit, False)
            raise
        breaker.record(permit, True)

    # -- RetryGate ---------------------------------------------------------------------------
    def refusal(self, request: Request) -> ConsumerError | None:
        permit = request.permit
        if permit is not None and not self._breaker.allows(permit):
            return self._breaker.refused()  # this failure opened the circuit, or was the probe
        return None

    @property
    def wake(self) -> asyncio.Event:
        return self._breaker.opened
