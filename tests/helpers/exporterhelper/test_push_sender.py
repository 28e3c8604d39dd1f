"""PushSender alone (the end of the chain) and the Request it carries."""

from __future__ import annotations

import asyncio

import pytest
from helpers.exporterhelper.ehsupport import permanent, retryable, traces

from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.helpers.exporterhelper.errors import ExportError
from pyotelcol.helpers.exporterhelper.sender import PushSender, Request
from pyotelcol.pdata import AnyData


def test_request_counts_items_once_or_takes_them_as_given() -> None:
    assert Request(traces(3)).items == 3
    assert Request(traces(3), items=7).items == 7
    assert Request(traces()).permit is None


def test_push_gets_the_data() -> None:
    async def run() -> None:
        got: list[AnyData] = []

        async def push(data: AnyData) -> None:
            got.append(data)

        data = traces(2)
        await PushSender(push).send(Request(data))
        assert got == [data]

    asyncio.run(run())


def test_any_other_exception_becomes_a_retryable_error_with_its_text() -> None:
    async def run() -> None:
        for raised, text in ((OSError("connection reset"), "connection reset"), (KeyError(), "KeyError")):

            async def push(data: AnyData, raised: BaseException = raised) -> None:
                raise raised

            with pytest.raises(ConsumerError) as info:
                await PushSender(push).send(Request(traces()))
            assert isinstance(info.value, ExportError) and not isinstance(info.value, PermanentError)
            assert str(info.value) == text and info.value.cause is raised

    asyncio.run(run())


def test_consumer_errors_and_timeouts_pass_unchanged() -> None:
    async def run() -> None:
        for raised in (retryable("x", retry_after=2.0), permanent("bad"), TimeoutError("slow")):

            async def push(data: AnyData, raised: BaseException = raised) -> None:
                raise raised

            with pytest.raises(type(raised)) as info:
                await PushSender(push).send(Request(traces()))
            assert info.value is raised

    asyncio.run(run())
