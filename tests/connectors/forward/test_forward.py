"""The forward connector: same-signal pairs only, no config keys, passes data through unchanged."""

from __future__ import annotations

import asyncio

import pytest
from pyotelcol.connectors.forward import create_factory

from pyotelcol.component import Kind, Signal, StabilityLevel
from pyotelcol.config import DecodeError, decode
from pyotelcol.consumer import ConsumerError
from pyotelcol.pdata import BY_SIGNAL
from pyotelcol.testing import NopHost, Sink, make_settings

SIGNALS = (Signal.TRACES, Signal.METRICS, Signal.LOGS)


def test_factory_pairs_and_config() -> None:
    factory = create_factory()
    assert factory.type == "forward"
    assert dict(factory.stability) == {(s, s): StabilityLevel.BETA for s in SIGNALS}
    for source in SIGNALS:
        for target in SIGNALS:
            assert factory.supports(source, target) is (source == target)
    decode(type(factory.create_default_config()), {})
    with pytest.raises(DecodeError, match="has invalid keys: routes"):
        decode(type(factory.create_default_config()), {"routes": []})


@pytest.mark.parametrize("signal", SIGNALS)
def test_passes_data_through(signal: Signal) -> None:
    factory = create_factory()
    sink = Sink()
    settings = make_settings("forward", Kind.CONNECTOR, signal)
    conn = factory.create_for(signal, signal, settings, factory.create_default_config(), sink)
    assert conn.capabilities.mutates_data is False
    data = BY_SIGNAL[signal].empty()
    data.mark_read_only()

    async def run() -> None:
        await conn.start(NopHost())
        await conn.consume(data)
        sink.fail_with = ConsumerError("downstream refused")
        with pytest.raises(ConsumerError, match="downstream refused"):
            await conn.consume(data)
        await conn.shutdown()
        await conn.shutdown()

    asyncio.run(run())
    assert sink.received == [data] and sink.received[0] is data
