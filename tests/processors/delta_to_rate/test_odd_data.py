"""Odd metrics through ``delta_to_rate`` (the processor built by its factory, a recording
sink behind it): nothing crashes, and Go's handling of each oddity holds."""

from __future__ import annotations

import asyncio
from typing import Any

from pyotelcol.processors.delta_to_rate import Config, create_factory
from support import EXAMPLES

from pyotelcol.component import Kind, Signal
from pyotelcol.config.decode import decode
from pyotelcol.pdata import Metrics
from pyotelcol.pdata.otlpjson import decode_request
from pyotelcol.testing import NopHost, Sink, make_settings


def odd() -> Metrics:
    data = decode_request(Signal.METRICS, (EXAMPLES / "metrics-odd.json").read_bytes())
    assert isinstance(data, Metrics)
    return data


def names(data: Metrics) -> list[str]:
    return [m.name for rm in data.message.resource_metrics for sm in rm.scope_metrics for m in sm.metrics]


def run(raw: dict[str, Any], *batches: Metrics) -> list[Metrics]:
    cfg = decode(Config, raw)
    cfg.validate()
    sink = Sink()
    settings = make_settings("delta_to_rate", Kind.PROCESSOR, Signal.METRICS)
    processor = create_factory().create_for(Signal.METRICS, settings, cfg, sink)

    async def main() -> None:
        await processor.start(NopHost())
        for batch in batches:
            await processor.consume(batch)
        await processor.shutdown()

    asyncio.run(main())
    return [d for d in sink.received if isinstance(d, Metrics)]


def test_odd_metrics_are_not_delta_sums() -> None:
    data = odd()
    before = data.message.SerializeToString()
    (out,) = run({"metrics": names(data)}, data)
    assert out.message.SerializeToString() == before
