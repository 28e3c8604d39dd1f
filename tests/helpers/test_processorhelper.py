"""processorhelper: a processor from one function, with Go's processor self-metrics."""

from __future__ import annotations

import asyncio

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from pyotelcol.component import Kind, Signal
from pyotelcol.consumer import PermanentError
from pyotelcol.helpers.processorhelper import Processor, SkipProcessingData
from pyotelcol.pdata import Traces
from pyotelcol.testing import NopHost, Sink, make_settings, metric_values

ATTRS = {"processor": "scrub", "otel.signal": "traces"}


def _traces(names: list[str]) -> Traces:
    req = ExportTraceServiceRequest()
    spans = req.resource_spans.add().scope_spans.add().spans
    for name in names:
        spans.add(name=name)
    return Traces.from_wire(req.SerializeToString())


async def drop_debug_spans(data: Traces) -> Traces | None:
    for rs in data.resource_spans:
        for ss in rs.scope_spans:
            ss.spans.remove_if(lambda span: span.name.startswith("debug"))
    return data if data.item_count() else None


def _run(processor: Processor[Traces], *batches: Traces) -> list[BaseException | None]:
    async def main() -> list[BaseException | None]:
        await processor.start(NopHost())
        outcomes: list[BaseException | None] = []
        for data in batches:
            try:
                await processor.consume(data)
                outcomes.append(None)
            except Exception as exc:
                outcomes.append(exc)
        await processor.shutdown()
        return outcomes

    return asyncio.run(main())


def test_forwards_the_result_and_counts_in_and_out() -> None:
    reader = InMemoryMetricReader()
    sink = Sink()
    settings = make_settings("scrub", Kind.PROCESSOR, reader=reader)
    processor = Processor(settings, Signal.TRACES, sink, drop_debug_spans, mutates_data=True)
    assert processor.capabilities.mutates_data
    outcomes = _run(processor, _traces(["a", "debug-1", "b"]), _traces(["debug-2"]))
    assert outcomes == [None, None]  # all-dropped data is a success for the caller, not forwarded
    assert [
        [s.name for s in d.resource_spans[0].scope_spans[0].spans] for d in sink.received if isinstance(d, Traces)
    ] == [["a", "b"]]
    values = metric_values(reader)
    assert values["otelcol_processor_incoming_items"] == [(ATTRS, 4.0)]
    assert values["otelcol_processor_outgoing_items"] == [(ATTRS, 2.0)]
    assert "otelcol_processor_internal_duration" not in values  # detailed level only


def test_errors_reach_the_caller_and_count_as_incoming_only() -> None:
    reader = InMemoryMetricReader()
    sink = Sink()

    async def refuse(data: Traces) -> Traces | None:
        if data.item_count() > 1:
            raise PermanentError("too big")
        raise SkipProcessingData()

    processor = Processor(
        make_settings("scrub", Kind.PROCESSOR, reader=reader), Signal.TRACES, sink, refuse, mutates_data=False
    )
    outcomes = _run(processor, _traces(["a", "b"]), _traces(["c"]))
    assert isinstance(outcomes[0], PermanentError) and outcomes[1] is None
    assert sink.received == []
    values = metric_values(reader)
    assert values["otelcol_processor_incoming_items"] == [(ATTRS, 3.0)]
    assert values["otelcol_processor_outgoing_items"] == [(ATTRS, 0.0)]  # present at zero, as in Go


def test_detailed_level_records_the_duration_and_hooks_run() -> None:
    reader = InMemoryMetricReader()
    settings = make_settings("scrub", Kind.PROCESSOR, reader=reader)
    settings.telemetry.metrics_level = "detailed"
    calls: list[str] = []

    async def start(host: object) -> None:
        calls.append("start")

    async def shutdown() -> None:
        calls.append("shutdown")

    async def keep(data: Traces) -> Traces:
        return data

    processor = Processor(settings, Signal.TRACES, Sink(), keep, mutates_data=False, start=start, shutdown=shutdown)
    _run(processor, _traces(["a"]))
    assert calls == ["start", "shutdown"]
    assert metric_values(reader)["otelcol_processor_internal_duration"][0][0] == ATTRS


@pytest.mark.parametrize("read_only", [False, True])
def test_a_mutating_function_on_shared_data_fails_loudly(read_only: bool) -> None:
    data = _traces(["debug-x", "a"])
    if read_only:
        data.mark_read_only()
    sink = Sink()
    processor = Processor(
        make_settings("scrub", Kind.PROCESSOR), Signal.TRACES, sink, drop_debug_spans, mutates_data=True
    )
    outcomes = _run(processor, data)
    if read_only:
        assert type(outcomes[0]).__name__ == "ReadOnlyError" and not sink.received
    else:
        assert outcomes == [None] and sink.item_count() == 1
