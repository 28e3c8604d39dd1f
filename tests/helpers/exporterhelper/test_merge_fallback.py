"""sending_queue.batch: a request that does not merge (its bytes do not parse) is dropped alone;
the requests queued with it are merged and sent."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from helpers.exporterhelper.ehsupport import fields, make, records, tag_of, traces, wait_for

from pyotelcol.config import OptionalSection
from pyotelcol.helpers.exporterhelper import BatchConfig, QueueConfig
from pyotelcol.pdata import Traces
from pyotelcol.testing import NopHost


def test_a_request_that_does_not_parse_is_dropped_alone(caplog: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        batch = BatchConfig(min_size=5, flush_timeout=timedelta(seconds=30))
        h = make(queue=OptionalSection.some(QueueConfig(num_consumers=1, batch=OptionalSection.some(batch))))
        await h.helper.start(NopHost())
        for i in range(5):
            if i == 2:
                await h.helper.consume(Traces.from_trusted_wire(b"\x0a\x05\xff\xff\xff\xff\xff", count=1))
            else:
                await h.helper.consume(traces(1, tag=i))
        await wait_for(lambda: len(h.backend.received) == 1)
        (merged,) = h.backend.received
        assert tag_of(merged) == [0, 1, 3, 4] and merged.item_count() == 4
        assert h.metric("otelcol_exporter_sent_spans") == 4
        assert h.metric("otelcol_exporter_send_failed_spans") == 1
        await h.helper.shutdown()

    asyncio.run(run())
    (record,) = records(caplog, "Exporting failed. Dropping data.")
    assert fields(record)["dropped_items"] == 1 and "invalid data" in fields(record)["error"]
