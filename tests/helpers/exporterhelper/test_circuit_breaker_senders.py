"""PermitSender and AttemptSender alone: a permit per send, the outcome of every attempt."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from helpers.exporterhelper.ehsupport import Recorder, permanent, retryable, traces

from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.helpers.exporterhelper import CircuitBreakerConfig
from pyotelcol.helpers.exporterhelper.circuit_breaker import AttemptSender, CircuitBreaker, PermitSender, State
from pyotelcol.helpers.exporterhelper.errors import CircuitOpenError
from pyotelcol.helpers.exporterhelper.sender import Request


def state_of(cb: CircuitBreaker) -> State:
    """Read through a call, so the type checker does not pin the state between sends."""
    return cb.state


LOG = logging.getLogger("pyotelcol.test.breaker_senders")


def breaker(threshold: int = 2, cooldown: float = 30.0) -> CircuitBreaker:
    cfg = CircuitBreakerConfig(enabled=True, failure_threshold=threshold, cooldown=timedelta(seconds=cooldown))
    return CircuitBreaker(cfg, LOG)


def test_attempts_are_counted_and_open_the_circuit() -> None:
    async def run() -> None:
        cb = breaker(threshold=2)
        nxt = Recorder(failures=[retryable(), permanent(), retryable(), retryable()])
        chain = PermitSender(cb, AttemptSender(cb, nxt))
        with pytest.raises(ConsumerError):
            await chain.send(Request(traces()))
        with pytest.raises(PermanentError):  # the backend answered: counts as a success
            await chain.send(Request(traces()))
        assert state_of(cb) is State.CLOSED and cb.failures == 0
        for _ in range(2):
            with pytest.raises(ConsumerError):
                await chain.send(Request(traces()))
        assert state_of(cb) is State.OPEN
        with pytest.raises(CircuitOpenError) as info:
            await chain.send(Request(traces()))
        assert info.value.retry_after is not None and 0 < info.value.retry_after <= 30
        assert len(nxt.requests) == 4  # the last send was refused without an attempt
        cb.close()

    asyncio.run(run())


def test_permit_sender_holds_a_permit_for_the_send_and_gives_it_back() -> None:
    async def run() -> None:
        cb = breaker()
        nxt = Recorder()
        request = Request(traces())
        await PermitSender(cb, nxt).send(request)
        assert nxt.permits[0] is not None and request.permit is None

    asyncio.run(run())


def test_permit_sender_leaves_a_callers_permit_to_the_caller() -> None:
    async def run() -> None:
        cb = breaker(threshold=1, cooldown=0.01)
        cb.record(cb.try_acquire() or pytest.fail("closed"), False)
        await asyncio.sleep(0.02)
        probe = cb.try_acquire()
        assert probe is not None and probe.probe  # half-open: the only permit
        nxt = Recorder()
        await PermitSender(cb, nxt).send(Request(traces(), permit=probe))
        assert nxt.permits == [probe]
        assert cb.try_acquire() is None  # not released by the sender: the probe is still out
        cb.release(probe)
        assert cb.try_acquire() is not None
        cb.close()

    asyncio.run(run())


def test_attempt_sender_refuses_when_the_permit_no_longer_allows_an_attempt() -> None:
    async def run() -> None:
        cb = breaker(threshold=1)
        permit = cb.try_acquire()
        assert permit is not None
        nxt = Recorder(failures=[retryable()])
        attempt = AttemptSender(cb, nxt)
        request = Request(traces(), permit=permit)
        assert attempt.refusal(request) is None and not attempt.wake.is_set()
        with pytest.raises(ConsumerError):
            await attempt.send(request)
        # That failure opened the circuit: the retry gate says stop, and wakes back-offs.
        refused = attempt.refusal(request)
        assert isinstance(refused, CircuitOpenError) and attempt.wake.is_set()
        with pytest.raises(CircuitOpenError):
            await attempt.send(request)
        assert len(nxt.requests) == 1
        cb.close()

    asyncio.run(run())
