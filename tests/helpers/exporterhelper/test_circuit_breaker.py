"""circuit_breaker (beyond Go): opens after N failed attempts, no pushes while open, one probe."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from helpers.exporterhelper.ehsupport import (
    Backend,
    breaker,
    fields,
    make,
    permanent,
    queue,
    records,
    retryable,
    traces,
    wait_for,
)

from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.helpers.exporterhelper import CircuitBreakerConfig, RetryConfig
from pyotelcol.helpers.exporterhelper.circuit_breaker import CircuitBreaker, State
from pyotelcol.testing import NopHost

STATE = "otelcol_exporter_circuit_breaker_state"


def transitions(logs: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(fields(r)["from"], fields(r)["to"]) for r in records(logs, "Circuit breaker state changed")]


def test_defaults_and_validation() -> None:
    cfg = CircuitBreakerConfig()
    assert (cfg.enabled, cfg.failure_threshold, cfg.cooldown) == (False, 5, timedelta(seconds=30))
    cfg.validate()  # disabled: anything goes
    with pytest.raises(ValueError, match="'failure_threshold' must be positive"):
        CircuitBreakerConfig(enabled=True, failure_threshold=0).validate()
    with pytest.raises(ValueError, match="'cooldown' must be positive"):
        CircuitBreakerConfig(enabled=True, cooldown=timedelta(0)).validate()


def test_without_queue_open_circuit_refuses_at_once(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        backend = Backend(fail_always=retryable("down"))
        h = make(backend, retry=RetryConfig(enabled=False), circuit_breaker=breaker(threshold=3, cooldown=0.2))
        await h.helper.start(NopHost())
        assert h.metric(STATE, exporter=str(h.helper._settings.id)) == 0
        for _ in range(3):
            with pytest.raises(ConsumerError, match=r"^down$"):
                await h.helper.consume(traces())
        assert h.metric(STATE) == 1
        with pytest.raises(ConsumerError) as info:
            await h.helper.consume(traces())
        assert str(info.value) == "circuit breaker is open"
        assert not isinstance(info.value, PermanentError)
        assert info.value.retry_after is not None and 0 < info.value.retry_after <= 0.2
        assert backend.attempts == 3  # refused without a push
        assert h.metric("otelcol_exporter_send_failed_spans") == 4
        # After the cooldown one probe goes through; it succeeds and closes the circuit.
        await wait_for(lambda: h.metric(STATE) == 2)
        backend.fail_always = None
        await h.helper.consume(traces())
        assert h.metric(STATE) == 0 and backend.attempts == 4
        assert transitions(logs) == [("closed", "open"), ("open", "half-open"), ("half-open", "closed")]
        opened = records(logs, "Circuit breaker state changed")[0]
        assert opened.levelname == "WARNING" and fields(opened)["consecutive_failures"] == 3
        await h.helper.shutdown()

    asyncio.run(run())


def test_with_queue_items_stay_queued_while_open(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        backend = Backend(fail_always=retryable("down"))
        h = make(
            backend, queue=queue(num_consumers=4, queue_size=10), circuit_breaker=breaker(threshold=3, cooldown=1.0)
        )
        await h.helper.start(NopHost())
        for i in range(6):
            await h.helper.consume(traces(1, tag=i))
        breaker_ = h.helper._breaker
        assert breaker_ is not None
        await wait_for(lambda: breaker_.state is State.OPEN)
        opened_at = backend.attempts
        assert opened_at >= 3
        # While open: no push, no retry loop, nothing dropped, everything still queued.
        await asyncio.sleep(0.05)
        assert breaker_.state is State.OPEN
        assert backend.attempts == opened_at
        assert h.metric("otelcol_exporter_queue_size") == 6
        assert h.metric("otelcol_exporter_send_failed_spans") is None
        assert not records(logs, "Exporting failed. Dropping data.")
        backend.fail_always = None
        # Cooldown over: one probe, then everything flows.
        await wait_for(lambda: len(h.backend.received) == 6)
        assert sorted(backend.tags()) == list(range(6))
        assert backend.attempts == opened_at + 6
        assert h.metric("otelcol_exporter_sent_spans") == 6
        assert transitions(logs) == [("closed", "open"), ("open", "half-open"), ("half-open", "closed")]
        await h.helper.shutdown()

    asyncio.run(run())


def test_failed_probe_reopens() -> None:
    async def run() -> None:
        backend = Backend(fail_always=retryable("down"))
        h = make(backend, queue=queue(num_consumers=3), circuit_breaker=breaker(threshold=2, cooldown=0.05))
        await h.helper.start(NopHost())
        await h.helper.consume(traces(1, tag=1))
        await h.helper.consume(traces(1, tag=2))
        breaker_ = h.helper._breaker
        assert breaker_ is not None
        await wait_for(lambda: backend.attempts >= 4)  # 2 to open, then one probe per cooldown
        assert breaker_.state in (State.OPEN, State.HALF_OPEN)
        assert backend.received == [] and h.metric("otelcol_exporter_send_failed_spans") is None
        await h.helper.shutdown()

    asyncio.run(run())


def test_a_push_raising_an_unexpected_exception_is_retried_and_the_consumer_lives_on() -> None:
    """A push that raises something other than a ConsumerError (a bug in it, a library error)
    counts as a failed attempt, as Go treats any error not marked permanent: the circuit opens,
    the probe is recorded, and the one queue consumer keeps delivering once the push works."""

    async def run() -> None:
        backend = Backend(failures=[RuntimeError("boom"), KeyError("k"), None])
        h = make(backend, queue=queue(num_consumers=1), circuit_breaker=breaker(threshold=2, cooldown=0.05))
        await h.helper.start(NopHost())
        await h.helper.consume(traces(1, tag=1))
        await wait_for(lambda: backend.tags() == [1])
        breaker_ = h.helper._breaker
        assert breaker_ is not None and breaker_.state is State.CLOSED
        assert backend.attempts == 3  # two failures opened the circuit, the probe succeeded
        await h.helper.consume(traces(1, tag=2))
        await wait_for(lambda: backend.tags() == [1, 2])
        await h.helper.shutdown()

    asyncio.run(run())


def test_full_queue_while_open_refuses_retryably() -> None:
    async def run() -> None:
        backend = Backend(fail_always=retryable("down"))
        h = make(backend, queue=queue(num_consumers=1, queue_size=2), circuit_breaker=breaker(threshold=1, cooldown=60))
        await h.helper.start(NopHost())
        await h.helper.consume(traces(1, tag=1))
        breaker_ = h.helper._breaker
        assert breaker_ is not None
        await wait_for(lambda: breaker_.state is State.OPEN)
        await h.helper.consume(traces(1, tag=2))
        with pytest.raises(ConsumerError, match=r"^sending queue is full$"):
            await h.helper.consume(traces(1, tag=3))
        assert backend.attempts == 1
        await h.helper.shutdown()

    asyncio.run(run())


def test_permanent_errors_do_not_open_the_circuit() -> None:
    async def run() -> None:
        backend = Backend(fail_always=permanent("bad"))
        h = make(backend, circuit_breaker=breaker(threshold=2))
        await h.helper.start(NopHost())
        for _ in range(4):
            with pytest.raises(PermanentError):
                await h.helper.consume(traces())
        assert h.helper._breaker is not None and h.helper._breaker.state is State.CLOSED
        assert backend.attempts == 4
        await h.helper.shutdown()

    asyncio.run(run())


def test_success_resets_the_failure_count() -> None:
    async def run() -> None:
        backend = Backend(failures=[retryable(), retryable(), None, retryable(), retryable(), None])
        h = make(backend, circuit_breaker=breaker(threshold=3))
        await h.helper.start(NopHost())
        await h.helper.consume(traces())
        await h.helper.consume(traces())
        assert h.helper._breaker is not None and h.helper._breaker.state is State.CLOSED
        assert backend.attempts == 6
        await h.helper.shutdown()

    asyncio.run(run())


def test_shutdown_while_open_does_not_wait_for_the_cooldown() -> None:
    async def run() -> None:
        backend = Backend(fail_always=retryable("down"))
        h = make(
            backend,
            queue=queue(num_consumers=2),
            timeout=timedelta(milliseconds=50),
            circuit_breaker=breaker(threshold=1, cooldown=3600),
        )
        await h.helper.start(NopHost())
        await h.helper.consume(traces(1, tag=1))
        breaker_ = h.helper._breaker
        assert breaker_ is not None
        await wait_for(lambda: breaker_.state is State.OPEN)
        await h.helper.shutdown()  # bounded by the drain deadline (the 50 ms timeout)
        assert h.metric("otelcol_exporter_send_failed_spans") == 1

    asyncio.run(run())


def test_disabled_by_default_has_no_gauge() -> None:
    async def run() -> None:
        h = make(queue=queue())
        await h.helper.start(NopHost())
        assert STATE not in h.metrics()
        await h.helper.shutdown()

    asyncio.run(run())


def state_of(cb: CircuitBreaker) -> State:
    """The state, read through a call so the type checker does not pin it between calls."""
    return cb.state


def test_state_machine_with_a_fake_clock() -> None:
    now = [100.0]
    cb = CircuitBreaker(breaker(threshold=2, cooldown=10), logging.getLogger("pyotelcol.test.cb"), clock=lambda: now[0])
    p1, p2 = cb.try_acquire(), cb.try_acquire()
    assert p1 is not None and p2 is not None and not p1.probe
    cb.record(p1, False)
    assert state_of(cb) is State.CLOSED
    cb.record(p2, False)
    assert state_of(cb) is State.OPEN and cb.try_acquire() is None and not cb.allows(p1)
    assert cb.remaining() == 10
    now[0] += 9.9
    assert cb.peek() is State.OPEN and cb.try_acquire() is None
    now[0] += 0.1
    assert cb.peek() is State.HALF_OPEN
    probe = cb.try_acquire()
    assert probe is not None and probe.probe
    assert cb.try_acquire() is None  # only one probe
    assert cb.allows(probe) and not cb.allows(p1)
    cb.record(probe, False)  # failed probe: open again for a full cooldown
    assert state_of(cb) is State.OPEN and cb.remaining() == 10
    now[0] += 10
    probe = cb.try_acquire()
    assert probe is not None and probe.probe
    cb.release(probe)  # an unused probe permit goes back
    probe = cb.try_acquire()
    assert probe is not None
    cb.record(probe, True)
    assert state_of(cb) is State.CLOSED and cb.failures == 0
    cb.close()
