"""RetrySender alone: Go's retry loop, its stop conditions, shutdown and the gate."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from helpers.exporterhelper.ehsupport import Recorder, fast_retry, fields, permanent, records, retryable, traces

from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.helpers.exporterhelper.errors import CircuitOpenError
from pyotelcol.helpers.exporterhelper.retry import RetrySender
from pyotelcol.helpers.exporterhelper.sender import Request

LOG = logging.getLogger("pyotelcol.test.retry_sender")
RETRY_LINE = "Exporting failed. Will retry the request after interval."


class Gate:
    """A RetryGate whose refusal and wake-up the test sets."""

    def __init__(self) -> None:
        self.refuse: ConsumerError | None = None
        self.wake = asyncio.Event()
        self.asked: list[Request] = []

    def refusal(self, request: Request) -> ConsumerError | None:
        self.asked.append(request)
        return self.refuse


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger=LOG.name)
    return caplog


def test_retries_with_growing_intervals_until_success(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        nxt = Recorder(failures=[retryable("a"), retryable("b"), retryable("c"), None])
        request = Request(traces())
        await RetrySender(fast_retry(), LOG, nxt).send(request)
        assert nxt.requests == [request] * 4
        lines = records(logs, RETRY_LINE)
        assert [fields(r)["interval"] for r in lines] == ["5ms", "10ms", "20ms"]
        assert [fields(r)["error"] for r in lines] == ["a", "b", "c"]

    asyncio.run(run())


def test_retry_after_hint_raises_the_delay(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        nxt = Recorder(failures=[retryable("throttled", retry_after=0.03), None])
        await RetrySender(fast_retry(), LOG, nxt).send(Request(traces()))
        assert [fields(r)["interval"] for r in records(logs, RETRY_LINE)] == ["30ms"]

    asyncio.run(run())


def test_permanent_error_stops_at_once_and_stays_permanent() -> None:
    async def run() -> None:
        nxt = Recorder(failures=[permanent("bad data")])
        with pytest.raises(PermanentError) as info:
            await RetrySender(fast_retry(), LOG, nxt).send(Request(traces()))
        assert str(info.value) == "not retryable error: Permanent error: bad data"
        assert len(nxt.requests) == 1

    asyncio.run(run())


def test_budget_exhausted_is_no_more_retries_left() -> None:
    async def run() -> None:
        cfg = fast_retry(initial_interval=timedelta(milliseconds=20), max_elapsed_time=timedelta(milliseconds=50))
        nxt = Recorder(failures=[retryable("down", retry_after=1.0)] * 10)
        with pytest.raises(ConsumerError) as info:
            await RetrySender(cfg, LOG, nxt).send(Request(traces()))
        assert str(info.value) == "no more retries left: down"
        assert not isinstance(info.value, PermanentError) and info.value.retry_after == 1.0
        assert len(nxt.requests) == 1  # the 1 s hint does not fit in a 50 ms budget

    asyncio.run(run())


def test_shutdown_interrupts_the_back_off_and_leaves_one_attempt_per_send() -> None:
    async def run() -> None:
        cfg = fast_retry(
            initial_interval=timedelta(seconds=30), max_interval=timedelta(seconds=30), max_elapsed_time=timedelta(0)
        )
        nxt = Recorder(failures=[retryable("down")] * 3)
        sender = RetrySender(cfg, LOG, nxt)
        task = asyncio.ensure_future(sender.send(Request(traces())))
        while not nxt.requests:
            await asyncio.sleep(0.001)
        await sender.shutdown()
        with pytest.raises(ConsumerError) as info:
            await asyncio.wait_for(task, 5)
        assert str(info.value) == "interrupted due to shutdown: down"
        with pytest.raises(ConsumerError, match=r"^interrupted due to shutdown: down$"):
            await sender.send(Request(traces()))
        assert len(nxt.requests) == 2

    asyncio.run(run())


def test_a_refused_attempt_is_not_retried() -> None:
    async def run() -> None:
        refused = CircuitOpenError(0.5)
        nxt = Recorder(failures=[refused])
        with pytest.raises(CircuitOpenError) as info:
            await RetrySender(fast_retry(), LOG, nxt).send(Request(traces()))
        assert info.value is refused and len(nxt.requests) == 1

    asyncio.run(run())


def test_the_gate_ends_the_loop_without_back_off(logs: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        gate = Gate()
        gate.refuse = CircuitOpenError(1.0)
        nxt = Recorder(failures=[retryable("down")])
        request = Request(traces())
        with pytest.raises(CircuitOpenError):
            await RetrySender(fast_retry(), LOG, nxt, gate=gate).send(request)
        assert gate.asked == [request] and len(nxt.requests) == 1
        assert records(logs, RETRY_LINE) == []

    asyncio.run(run())


def test_the_gate_wakes_a_back_off_early() -> None:
    async def run() -> None:
        gate = Gate()
        cfg = fast_retry(
            initial_interval=timedelta(seconds=30), max_interval=timedelta(seconds=30), max_elapsed_time=timedelta(0)
        )
        nxt = Recorder(failures=[retryable("down"), None])
        task = asyncio.ensure_future(RetrySender(cfg, LOG, nxt, gate=gate).send(Request(traces())))
        while not nxt.requests:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.01)
        assert not task.done()  # sleeping its 15-45 s back-off
        gate.wake.set()
        await asyncio.wait_for(task, 5)  # woke up and tried again at once
        assert len(nxt.requests) == 2

    asyncio.run(run())
