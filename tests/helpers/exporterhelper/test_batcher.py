"""The batcher's merge alone, and the batcher under a QueueSender with a recording next sender."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from helpers.exporterhelper.ehsupport import Recorder, tag_of, traces, wait_for

from pyotelcol.component import Kind, Signal
from pyotelcol.config import OptionalSection
from pyotelcol.helpers.exporterhelper import BatchConfig, QueueConfig
from pyotelcol.helpers.exporterhelper.batcher import merge
from pyotelcol.helpers.exporterhelper.queue import make_entry
from pyotelcol.helpers.exporterhelper.queue_sender import QueueSender
from pyotelcol.helpers.exporterhelper.sender import Request
from pyotelcol.pdata import InvalidDataError, Traces
from pyotelcol.telemetry.obsreport import ExporterObs
from pyotelcol.testing import NopHost, make_settings


def test_merge_joins_the_wire_bytes_without_parsing_them_again() -> None:
    parts = [traces(2, tag=1), traces(3, tag=2)]
    merged = merge([make_entry(p, "items") for p in parts])
    assert merged.to_wire() == parts[0].to_wire() + parts[1].to_wire()
    assert merged.item_count() == 5 and merged.wire_checked
    assert tag_of(merged) == [1, 2]


def test_merge_parses_bytes_nobody_has_checked() -> None:
    good = traces(1, tag=1)
    bad = Traces.from_trusted_wire(b"\x0a\x05\xff\xff\xff\xff\xff", count=1)
    with pytest.raises(InvalidDataError):
        merge([make_entry(good, "items"), make_entry(bad, "items")])
    unchecked = Traces.from_trusted_wire(traces(1, tag=2).to_wire(), count=1)
    merged = merge([make_entry(good, "items"), make_entry(unchecked, "items")])
    assert tag_of(merged) == [1, 2] and merged.wire_checked


def test_batches_reach_min_size_and_never_pass_max_size() -> None:
    async def run() -> None:
        nxt = Recorder()
        settings = make_settings("otlp/batcher", Kind.EXPORTER, Signal.TRACES)
        batch = BatchConfig(min_size=4, max_size=5, flush_timeout=timedelta(seconds=30))
        cfg = QueueConfig(num_consumers=1, batch=OptionalSection.some(batch))
        sender = QueueSender(
            settings,
            Signal.TRACES,
            cfg,
            nxt,
            obs=ExporterObs(settings, Signal.TRACES),
            breaker=None,
            drain_timeout=5.0,
            failure_hint="",
        )
        await sender.start(NopHost())
        for tag, spans in enumerate([2, 1, 1, 3, 3]):
            await sender.send(Request(traces(spans, tag=tag)))
        await wait_for(lambda: len(nxt.requests) == 2)
        assert [tag_of(r.data) for r in nxt.requests] == [[0, 1, 2], [3]]
        assert [r.items for r in nxt.requests] == [4, 3]
        await sender.shutdown()  # the last request goes out in the drain
        assert [tag_of(r.data) for r in nxt.requests][2:] == [[4]]

    asyncio.run(run())
