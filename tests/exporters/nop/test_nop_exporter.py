"""The nop exporter: no config keys, every signal, accepts and drops."""

from __future__ import annotations

import asyncio

import pytest
from pyotelcol.exporters.nop import create_factory

from pyotelcol.component import Kind, Signal, StabilityLevel
from pyotelcol.config import DecodeError, decode, validate
from pyotelcol.pdata import BY_SIGNAL
from pyotelcol.testing import NopHost, make_settings


def test_factory_and_config() -> None:
    factory = create_factory()
    assert factory.type == "nop"
    assert factory.stability[Signal.TRACES] is StabilityLevel.BETA
    assert factory.stability[Signal.METRICS] is StabilityLevel.BETA
    assert factory.stability[Signal.LOGS] is StabilityLevel.BETA
    assert factory.stability[Signal.PROFILES] is StabilityLevel.ALPHA
    cfg = decode(type(factory.create_default_config()), {}, factory.create_default_config())
    assert validate(cfg, "exporters::nop") == []
    with pytest.raises(DecodeError, match="has invalid keys: path"):
        decode(type(factory.create_default_config()), {"path": "x"})


@pytest.mark.parametrize("signal", [Signal.TRACES, Signal.METRICS, Signal.LOGS])
def test_accepts_and_drops(signal: Signal) -> None:
    factory = create_factory()
    exporter = factory.create_for(signal, make_settings("nop", Kind.EXPORTER, signal), factory.create_default_config())
    assert exporter.capabilities.mutates_data is False

    async def run() -> None:
        await exporter.shutdown()  # safe before start
        await exporter.start(NopHost())
        await exporter.consume(BY_SIGNAL[signal].empty())
        await exporter.shutdown()
        await exporter.shutdown()

    asyncio.run(run())
