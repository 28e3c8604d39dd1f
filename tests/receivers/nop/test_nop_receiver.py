"""The nop receiver: no config keys, every signal, never emits."""

from __future__ import annotations

import asyncio

import pytest
from pyotelcol.receivers.nop import create_factory

from pyotelcol.component import Kind, Signal, StabilityLevel
from pyotelcol.config import DecodeError, decode
from pyotelcol.testing import NopHost, Sink, make_settings


def test_factory_and_config() -> None:
    factory = create_factory()
    assert factory.type == "nop"
    assert {s: factory.stability[s] for s in (Signal.TRACES, Signal.METRICS, Signal.LOGS)} == {
        s: StabilityLevel.BETA for s in (Signal.TRACES, Signal.METRICS, Signal.LOGS)
    }
    assert factory.stability[Signal.PROFILES] is StabilityLevel.ALPHA
    decode(type(factory.create_default_config()), {})
    with pytest.raises(DecodeError, match="has invalid keys: endpoint"):
        decode(type(factory.create_default_config()), {"endpoint": "localhost:1"})


@pytest.mark.parametrize("signal", [Signal.TRACES, Signal.METRICS, Signal.LOGS])
def test_never_emits(signal: Signal) -> None:
    factory = create_factory()
    sink = Sink()
    receiver = factory.create_for(
        signal, make_settings("nop", Kind.RECEIVER, signal), factory.create_default_config(), sink
    )

    async def run() -> None:
        await receiver.shutdown()
        await receiver.start(NopHost())
        await asyncio.sleep(0)
        await receiver.shutdown()
        await receiver.shutdown()

    asyncio.run(run())
    assert sink.received == []
