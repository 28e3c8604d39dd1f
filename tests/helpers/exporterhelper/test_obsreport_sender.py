"""ObsReportSender alone: sent / send_failed once per request, refusals as configured."""

from __future__ import annotations

import asyncio

import pytest
from helpers.exporterhelper.ehsupport import Recorder, permanent, retryable, traces
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from pyotelcol.component import Kind, Signal
from pyotelcol.consumer import ConsumerError
from pyotelcol.helpers.exporterhelper.errors import CircuitOpenError
from pyotelcol.helpers.exporterhelper.obsreport import ObsReportSender
from pyotelcol.helpers.exporterhelper.sender import Request
from pyotelcol.telemetry.obsreport import ExporterObs
from pyotelcol.testing import make_settings, metric_values

SENT, FAILED = "otelcol_exporter_sent_log_records", "otelcol_exporter_send_failed_log_records"


def counters(reader: InMemoryMetricReader) -> dict[str, float]:
    out = {}
    for name, points in metric_values(reader).items():
        for attrs, value in points:
            assert attrs == {"exporter": "otlp/obs"}
            out[name] = value
    return out


def make(nxt: Recorder, count_refused: bool = False) -> tuple[ObsReportSender, InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    settings = make_settings("otlp/obs", Kind.EXPORTER, Signal.LOGS, reader=reader)
    return ObsReportSender(ExporterObs(settings, Signal.LOGS), nxt, count_refused=count_refused), reader


def test_counts_the_items_the_request_entered_with() -> None:
    async def run() -> None:
        sender, reader = make(Recorder())
        await sender.send(Request(traces(2), items=5))
        await sender.send(Request(traces(1), items=3))
        assert counters(reader) == {SENT: 8}

    asyncio.run(run())


def test_a_failed_send_adds_zero_sent_and_its_items_to_failed() -> None:
    async def run() -> None:
        sender, reader = make(Recorder(failures=[retryable(), permanent()]))
        for _ in range(2):
            with pytest.raises(ConsumerError):
                await sender.send(Request(traces(), items=4))
        assert counters(reader) == {SENT: 0, FAILED: 8}

    asyncio.run(run())


@pytest.mark.parametrize("count_refused", [False, True])
def test_a_refused_request_counts_only_when_it_goes_back_to_the_caller(count_refused: bool) -> None:
    async def run() -> None:
        sender, reader = make(Recorder(failures=[CircuitOpenError(1.0)]), count_refused=count_refused)
        with pytest.raises(CircuitOpenError):
            await sender.send(Request(traces(), items=4))
        assert counters(reader) == ({SENT: 0, FAILED: 4} if count_refused else {})

    asyncio.run(run())
