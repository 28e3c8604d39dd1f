"""TimeoutSender alone: a deadline per attempt, worded as Go's context error."""

from __future__ import annotations

import asyncio

import pytest
from helpers.exporterhelper.ehsupport import Recorder, retryable, traces

from pyotelcol.component import Host
from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.helpers.exporterhelper.sender import Request
from pyotelcol.helpers.exporterhelper.timeout import TimeoutSender


class Raises:
    def __init__(self, err: BaseException) -> None:
        self.err = err

    async def send(self, request: Request) -> None:
        raise self.err

    async def start(self, host: Host) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def test_an_attempt_past_the_deadline_fails_with_context_deadline_exceeded() -> None:
    async def run() -> None:
        stuck = Recorder(gate=asyncio.Event())  # never opened: the attempt would wait forever
        with pytest.raises(ConsumerError) as info:
            await TimeoutSender(0.02, stuck).send(Request(traces()))
        assert str(info.value) == "context deadline exceeded"
        assert not isinstance(info.value, PermanentError)
        assert len(stuck.requests) == 1

    asyncio.run(run())


def test_each_send_gets_its_own_deadline() -> None:
    async def run() -> None:
        ok = Recorder()
        sender = TimeoutSender(0.05, ok)
        for _ in range(3):
            await sender.send(Request(traces()))
        assert len(ok.requests) == 3

    asyncio.run(run())


def test_errors_of_the_next_sender_pass_unchanged() -> None:
    async def run() -> None:
        err = retryable("unavailable")
        with pytest.raises(ConsumerError) as info:
            await TimeoutSender(1.0, Raises(err)).send(Request(traces()))
        assert info.value is err

    asyncio.run(run())


@pytest.mark.parametrize("timeout", [0.0, 1.0])
def test_a_timeout_error_of_the_push_itself_keeps_its_text(timeout: float) -> None:
    async def run() -> None:
        for raised, text in ((TimeoutError("read timed out"), "read timed out"), (TimeoutError(), "timeout")):
            with pytest.raises(ConsumerError) as info:
                await TimeoutSender(timeout, Raises(raised)).send(Request(traces()))
            assert str(info.value) == text and not isinstance(info.value, PermanentError)

    asyncio.run(run())


def test_timeout_zero_sets_no_deadline() -> None:
    async def run() -> None:
        gate = asyncio.Event()
        slow = Recorder(gate=gate)
        task = asyncio.ensure_future(TimeoutSender(0.0, slow).send(Request(traces())))
        for _ in range(20):
            await asyncio.sleep(0.005)
        assert not task.done()
        gate.set()
        await task

    asyncio.run(run())
