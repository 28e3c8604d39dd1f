"""The debug exporter: Go's summary line, normal and detailed dumps, sampling, config errors, metrics."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from pyotelcol.exporters.debug import create_factory
from pyotelcol.exporters.debug.exporter import Sampler
from support import EXAMPLES

from pyotelcol.component import Kind, Settings, Signal, StabilityLevel
from pyotelcol.config import DecodeError, decode, validate
from pyotelcol.pdata import AnyData, Logs, Metrics, Traces
from pyotelcol.pdata.otlpjson import from_json
from pyotelcol.telemetry.logs import ConsoleFormatter, FieldsLogger
from pyotelcol.testing import NopHost, make_settings, metric_values


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def messages(self) -> list[str]:
        """Each record as zap's console encoder shows message and call fields: ``msg\t{json}``."""
        out = []
        for r in self.records:
            fields = getattr(r, "fields", None)
            out.append(f"{r.getMessage()}\t{json.dumps(fields)}" if fields else r.getMessage())
        return out


@pytest.fixture
def capture() -> Iterator[Capture]:
    yield Capture()


def settings_for(signal: Signal, capture: Capture, reader: InMemoryMetricReader | None = None) -> Settings:
    settings = make_settings("debug", Kind.EXPORTER, signal, reader)
    logger = settings.telemetry.logger
    assert isinstance(logger, logging.Logger)
    logger.setLevel(logging.INFO)
    logger.handlers = [capture]
    return settings


def make_config(raw: dict[str, Any]) -> Any:
    factory = create_factory()
    cfg = decode(type(factory.create_default_config()), raw, factory.create_default_config())
    assert validate(cfg, "exporters::debug") == []
    return cfg


def export(data: AnyData, raw: dict[str, Any], capture: Capture, reader: InMemoryMetricReader | None = None) -> None:
    exporter = create_factory().create_for(data.signal, settings_for(data.signal, capture, reader), make_config(raw))

    async def run() -> None:
        await exporter.start(NopHost())
        await exporter.consume(data)
        await exporter.shutdown()

    asyncio.run(run())


def test_factory() -> None:
    factory = create_factory()
    assert factory.type == "debug"
    assert dict(factory.stability) == {s: StabilityLevel.ALPHA for s in (Signal.TRACES, Signal.METRICS, Signal.LOGS)}
    cfg = factory.create_default_config()
    assert (cfg.verbosity, cfg.sampling_initial, cfg.sampling_thereafter, cfg.use_internal_logger) == (
        "basic",
        2,
        1,
        True,
    )
    assert cfg.output_paths is None and not cfg.sending_queue.enabled


@pytest.mark.parametrize(
    ("builder", "expected"),
    [
        ("traces", 'Traces\t{"resource spans": 2, "spans": 3}'),
        ("metrics", 'Metrics\t{"resource metrics": 1, "metrics": 5, "data points": 6}'),
        ("logs", 'Logs\t{"resource logs": 1, "log records": 2}'),
    ],
)
def test_basic_is_one_summary_line(builder: str, expected: str, capture: Capture, request: Any) -> None:
    data = request.getfixturevalue(builder)
    export(data, {}, capture)
    assert capture.messages == [expected]
    assert capture.records[0].levelno == logging.INFO
    name, fields = expected.split("\t")
    # the counts travel as structured fields (extra={"fields": ...}), the message is the bare word
    assert capture.records[0].getMessage() == name
    assert capture.records[0].fields == json.loads(fields)  # type: ignore[attr-defined]


def test_basic_line_through_the_collector_logger(traces: Traces) -> None:
    """With the service's zap-like console format, the line reads like Go's."""
    stream = io.StringIO()
    base = logging.getLogger("pyotelcol.test.debug.console")
    base.propagate = False
    base.setLevel(logging.INFO)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ConsoleFormatter({}, disable_caller=True, disable_stacktrace=True))
    base.handlers = [handler]
    settings = make_settings("debug", Kind.EXPORTER, Signal.TRACES)
    settings.telemetry.logger = FieldsLogger(
        base, {"otelcol.component.id": "debug", "otelcol.component.kind": "exporter", "otelcol.signal": "traces"}
    )
    exporter = create_factory().create_for(Signal.TRACES, settings, make_config({}))
    asyncio.run(exporter.consume(traces))
    _ts, level, message, fields = stream.getvalue().rstrip("\n").split("\t")
    assert (level, message) == ("info", "Traces")
    assert fields == (
        '{"otelcol.component.id": "debug", "otelcol.component.kind": "exporter", "otelcol.signal": "traces", '
        '"resource spans": 2, "spans": 3}'
    )


def test_normal_traces_one_line_per_span(traces: Traces, capture: Capture) -> None:
    export(traces, {"verbosity": "normal"}, capture)
    assert capture.messages[0] == 'Traces\t{"resource spans": 2, "spans": 3}'
    lines = capture.messages[1].split("\n")
    assert lines == [
        "ResourceTraces #0 [https://opentelemetry.io/schemas/1.25.0] service.name=checkout",
        "ScopeTraces #0 io.test@1.2.3",
        "GET /cart 0102030405060708090a0b0c0d0e0f10 1112131415161718 http.method=GET http.status=500 "
        'ratio=0.5 ok=false tags=["a",1] blob=AAE= nested={"a":"x","b":2}',
        "db 0102030405060708090a0b0c0d0e0f10 2122232425262728",
        "ResourceTraces #1",
        "ScopeTraces #0",
        "orphan  ",
    ]


def test_normal_metrics_and_logs(metrics: Metrics, logs: Logs, capture: Capture) -> None:
    export(metrics, {"verbosity": "normal"}, capture)
    assert capture.messages[1].split("\n") == [
        "ResourceMetrics #0 service.name=checkout",
        "ScopeMetrics #0 meter",
        "temp{room=a} 21.5",
        "temp{} 7",
        "requests{} 42",
        "latency{} count=3 sum=6 min=1 max=3 le1=1 le2.5=1 1",
        "sizes{} count=4 sum=10 le-1=1 zero=1 le4=0 le7.999999999999998=2",  # exp(3*ln2), as Go computes it
        "rpc{} count=5 sum=12.500000 q0.5=2 q0.99=4.5",
    ]
    capture.records.clear()
    export(logs, {"verbosity": "Normal"}, capture)  # level names are case-insensitive
    assert capture.messages[1].split("\n") == [
        "ResourceLog #0 service.name=checkout",
        "ScopeLog #0 logger",
        "user logged in user=bob attempt=2",
        '{"n":1,"url":"/x"} ',
    ]


def test_detailed_traces_show_ids_and_attributes(traces: Traces, capture: Capture) -> None:
    export(traces, {"verbosity": "detailed"}, capture)
    dump = capture.messages[1]
    expected_span = """Span #0
    Trace ID       : 0102030405060708090a0b0c0d0e0f10
    Parent ID      : 2122232425262728
    ID             : 1112131415161718
    Name           : GET /cart
    Kind           : Server
    TraceState     : ot=th:0
    Start time     : 2020-02-11 20:26:12.000000321 +0000 UTC
    End time       : 2020-02-11 20:26:13.000000789 +0000 UTC
    Status code    : Error
    Status message : boom
    DroppedAttributesCount: 1
    DroppedEventsCount: 0
    DroppedLinksCount: 0
Attributes:
     -> http.method: Str(GET)
     -> http.status: Int(500)
     -> ratio: Double(0.5)
     -> ok: Bool(false)
     -> tags: Slice(["a",1])
     -> blob: Bytes(AAE=)
     -> nested: Map({"a":"x","b":2})
Events:
SpanEvent #0
     -> Name: exception
     -> Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC
     -> DroppedAttributesCount: 2
     -> Attributes::
          -> exception.type: Str(ValueError)
Links:
SpanLink #0
     -> Trace ID: 0102030405060708090a0b0c0d0e0f10
     -> ID: 2122232425262728
     -> TraceState: k=v
     -> DroppedAttributesCount: 0
     -> Attributes::
          -> link.attr: Str(l)
Span #1"""
    assert dump.startswith(
        "ResourceSpans #0\nResource SchemaURL: https://opentelemetry.io/schemas/1.25.0\n"
        "Resource attributes:\n     -> service.name: Str(checkout)\nScopeSpans #0\nScopeSpans SchemaURL: \n"
        "InstrumentationScope io.test 1.2.3\n"
    )
    assert expected_span in dump
    assert "ResourceSpans #1\nResource SchemaURL: \nScopeSpans #0\n" in dump
    assert "    Name           : orphan\n    Kind           : Unspecified\n" in dump


def test_detailed_official_trace_example(capture: Capture) -> None:
    traces = Traces(from_json((EXAMPLES / "trace.json").read_bytes(), Traces.message_type))
    export(traces, {"verbosity": "detailed"}, capture)
    # Go prints "Label: " with a trailing space before an empty value; the lines below keep it.
    expected = """ResourceSpans #0
Resource SchemaURL: 
Resource attributes:
     -> service.name: Str(checkout)
ScopeSpans #0
ScopeSpans SchemaURL: 
InstrumentationScope shop.orders 2.3.1
InstrumentationScope attributes:
     -> shop.team: Str(payments)
Span #0
    Trace ID       : 0af7651916cd43dd8448eb211c80319c
    Parent ID      : 00f067aa0ba902b7
    ID             : b7ad6b7169203331
    Name           : POST /orders
    Kind           : Server
    Start time     : 2023-11-14 22:13:20 +0000 UTC
    End time       : 2023-11-14 22:13:20.25 +0000 UTC
    Status code    : Unset
    Status message : 
    DroppedAttributesCount: 0
    DroppedEventsCount: 0
    DroppedLinksCount: 0
Attributes:
     -> http.request.method: Str(POST)"""  # noqa: W291
    assert capture.messages[1] == expected


def test_detailed_metrics(metrics: Metrics, capture: Capture) -> None:
    export(metrics, {"verbosity": "detailed"}, capture)
    dump = capture.messages[1]
    for fragment in (
        "Metric #0\nDescriptor:\n     -> Name: temp\n     -> Description: temperature\n     -> Unit: C\n"
        "     -> DataType: Gauge\nNumberDataPoints #0\nData point attributes:\n     -> room: Str(a)\n"
        "StartTimestamp: 1970-01-01 00:00:00 +0000 UTC\nTimestamp: 2020-02-11 20:26:13.000000789 +0000 UTC\n"
        "Value: 21.500000\nNumberDataPoints #1\n",
        "Value: 7\n",
        "     -> DataType: Sum\n     -> IsMonotonic: true\n     -> AggregationTemporality: Cumulative\n",
        "Value: 42\nExemplars:\nExemplar #0\n     -> Trace ID: 0102030405060708090a0b0c0d0e0f10\n"
        "     -> Span ID: 1112131415161718\n",
        "     -> DataType: Histogram\n     -> AggregationTemporality: Delta\nHistogramDataPoints #0\n",
        "Count: 3\nSum: 6.000000\nMin: 1.000000\nMax: 3.000000\nExplicitBounds #0: 1.000000\n"
        "ExplicitBounds #1: 2.500000\nBuckets #0, Count: 1\nBuckets #1, Count: 1\nBuckets #2, Count: 1\n",
        "ExponentialHistogramDataPoints #0\n",
        "Bucket [-2.000000, -1.000000), Count: 1\nBucket [0, 0], Count: 1\n"
        "Bucket (2.000000, 4.000000], Count: 0\nBucket (4.000000, 8.000000], Count: 2\n",
        "SummaryDataPoints #0\n",
        "Count: 5\nSum: 12.500000\nQuantileValue #0: Quantile 0.500000, Value 2.000000\n"
        "QuantileValue #1: Quantile 0.990000, Value 4.500000",
    ):
        assert fragment in dump, fragment


def test_detailed_logs(logs: Logs, capture: Capture) -> None:
    export(logs, {"verbosity": "detailed"}, capture)
    dump = capture.messages[1]
    assert "LogRecord #0\nObservedTimestamp: 1970-01-01 00:00:00 +0000 UTC\n" in dump
    assert "SeverityText: Information\nSeverityNumber: Info2(10)\nBody: Str(user logged in)\n" in dump
    assert "Attributes:\n     -> user: Str(bob)\n     -> attempt: Int(2)\n" in dump
    assert "Trace ID: 0102030405060708090a0b0c0d0e0f10\nSpan ID: 1112131415161718\nFlags: 1\n" in dump
    assert 'SeverityNumber: Info(9)\nEventName: browser.page_view\nBody: Map({"n":1,"url":"/x"})\n' in dump
    assert dump.endswith("Trace ID: \nSpan ID: \nFlags: 0")


def test_sampler_follows_zap() -> None:
    now = [100.0]
    sampler = Sampler(2, 3, clock=lambda: now[0])
    assert [sampler.allow("Traces") for _ in range(8)] == [True, True, False, False, True, False, False, True]
    assert sampler.allow("Logs")  # counted per message
    now[0] += 1.5  # a new second starts over
    assert [sampler.allow("Traces") for _ in range(3)] == [True, True, False]
    dropping = Sampler(1, 0, clock=lambda: now[0])
    assert [dropping.allow("x") for _ in range(4)] == [True, False, False, False]


def test_sampling_limits_lines(traces: Traces, capture: Capture) -> None:
    cfg = make_config({"sampling_initial": 2, "sampling_thereafter": 0})
    exporter = create_factory().create_for(Signal.TRACES, settings_for(Signal.TRACES, capture), cfg)

    async def run() -> None:
        await exporter.start(NopHost())
        for _ in range(50):
            await exporter.consume(traces)
        await exporter.shutdown()

    asyncio.run(run())
    # the first two lines of each second pass, the rest of that second is dropped
    assert 2 <= len(capture.messages) < 50


def test_default_sampling_logs_everything(logs: Logs, capture: Capture) -> None:
    exporter = create_factory().create_for(Signal.LOGS, settings_for(Signal.LOGS, capture), make_config({}))

    async def run() -> None:
        for _ in range(20):
            await exporter.consume(logs)

    asyncio.run(run())
    assert len(capture.messages) == 20


def test_output_paths_without_internal_logger(tmp_path: Path, traces: Traces, capture: Capture) -> None:
    out = tmp_path / "debug.log"
    export(traces, {"use_internal_logger": False, "output_paths": [str(out)], "verbosity": "normal"}, capture)
    assert capture.messages == []
    text = out.read_text()
    assert text.startswith('Traces\t{"resource spans": 2, "spans": 3}\nResourceTraces #0 ')
    assert "GET /cart 0102030405060708090a0b0c0d0e0f10" in text


def test_exporter_metrics(traces: Traces, capture: Capture) -> None:
    reader = InMemoryMetricReader()
    export(traces, {}, capture, reader)
    assert metric_values(reader)["otelcol_exporter_sent_spans"] == [({"exporter": "debug"}, 3.0)]


def test_capabilities_and_lifecycle_without_start(capture: Capture) -> None:
    exporter = create_factory().create_for(Signal.METRICS, settings_for(Signal.METRICS, capture), make_config({}))
    assert exporter.capabilities.mutates_data is False

    async def run() -> None:
        await exporter.shutdown()
        await exporter.shutdown()

    asyncio.run(run())


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ({"verbosity": "none"}, 'verbosity level "None" is not supported'),
        ({"verbosity": "NONE"}, 'verbosity level "None" is not supported'),
        ({"verbosity": "verbose"}, 'unknown metrics level "verbose"'),
        ({"verbosity": "Loud"}, 'unknown metrics level "loud"'),
        ({"output_paths": ["stdout"]}, "output_paths is not supported when use_internal_logger is true"),
        (
            {"use_internal_logger": False, "output_paths": []},
            "output_paths must not be empty when use_internal_logger is false",
        ),
        ({"sending_queue": {"num_consumers": 0}}, "`num_consumers` must be positive"),
        ({"sending_queue": {"queue_size": 0}}, "`queue_size` must be positive"),
        ({"sending_queue": {"sizer": "pages"}}, 'invalid sizer: "pages"'),
    ],
)
def test_config_errors(raw: dict[str, Any], error: str) -> None:
    factory = create_factory()
    cfg = decode(type(factory.create_default_config()), raw, factory.create_default_config())
    errors = validate(cfg, "exporters::debug")
    assert errors and errors[0].endswith(error), errors


def test_config_accepts_go_keys() -> None:
    cfg = make_config(
        {
            "verbosity": "Detailed",
            "sampling_initial": 5,
            "sampling_thereafter": 200,
            "sending_queue": {"queue_size": 10, "batch": {"flush_timeout": "1s"}},
        }
    )
    assert cfg.level == "detailed" and cfg.sampling_thereafter == 200
    assert cfg.sending_queue.enabled and cfg.sending_queue.value.queue_size == 10
    assert cfg.sending_queue.value.batch.enabled
    cfg = make_config({"use_internal_logger": False})
    assert cfg.output_paths is None
    assert not make_config({"sending_queue": {"enabled": False}}).sending_queue.enabled


def test_unknown_key_is_a_decode_error() -> None:
    factory = create_factory()
    with pytest.raises(DecodeError, match="has invalid keys: verbose"):
        decode(type(factory.create_default_config()), {"verbose": True}, factory.create_default_config())
