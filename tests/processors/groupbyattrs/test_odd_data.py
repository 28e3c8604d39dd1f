"""Odd metrics through ``groupbyattrs`` (the processor built by its factory, a recording
sink behind it): nothing crashes, and Go's handling of each oddity holds."""

from __future__ import annotations

import asyncio
from typing import Any

from pyotelcol.processors.groupbyattrs import Config, create_factory
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
    sink = Sink()
    settings = make_settings("groupbyattrs", Kind.PROCESSOR, Signal.METRICS)
    processor = create_factory().create_for(Signal.METRICS, settings, cfg, sink)

    async def main() -> None:
        await processor.start(NopHost())
        for batch in batches:
            await processor.consume(batch)
        await processor.shutdown()

    asyncio.run(main())
    return [d for d in sink.received if isinstance(d, Metrics)]


def test_odd_metrics() -> None:
    data = odd()
    (out,) = run({"keys": ["host.name", "host.name", ""]}, data)
    assert out.item_count() == data.item_count() == 7
    resources = out.message.resource_metrics
    # the point whose host.name is a map moved to a resource of its own; metrics without points
    # (or data) are gone, as in Go
    assert [len(rm.scope_metrics[0].metrics) for rm in resources] == [5, 1]
    assert names(out) == ["empty.value", "nan.double", "odd.exp", "odd.histogram", "summary", "big.int"]
    moved = resources[1].resource.attributes
    assert [kv.key for kv in moved] == ["host.name", "host.name"]
    assert moved[0].value.WhichOneof("value") == "kvlist_value"
    assert moved[1].value.int_value == 3  # the duplicate key stays as it came
