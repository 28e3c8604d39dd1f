"""The batch processor through its factory: triggers, splitting, metadata batchers, shutdown flush, metrics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from pyotelcol.processors.batch import Config, create_factory

from pyotelcol import client
from pyotelcol.component import Kind, Signal, StabilityLevel
from pyotelcol.config import DecodeError, decode, validate
from pyotelcol.consumer import Capabilities, ConsumerError, PermanentError
from pyotelcol.pdata import AnyData, InvalidDataError, Logs, Metrics, Traces
from pyotelcol.testing import NopHost, Sink, make_settings, metric_values

# -- data builders ----------------------------------------------------------------------------


def make_traces(resources: int, scopes: int, items: int, tag: str = "t") -> Traces:
    req = ExportTraceServiceRequest()
    for r in range(resources):
        rs = req.resource_spans.add(schema_url=f"https://res/{tag}{r}")
        rs.resource.attributes.add(key="service.name").value.string_value = f"{tag}-svc{r}"
        for s in range(scopes):
            ss = rs.scope_spans.add(schema_url=f"https://scope/{s}")
            ss.scope.name = f"{tag}-scope{r}.{s}"
            for i in range(items):
                ss.spans.add(
                    name=f"{tag}:{r}.{s}.{i}", trace_id=bytes([r + 1]) * 16, span_id=(i + 1).to_bytes(8, "big")
                )
    return Traces.from_wire(req.SerializeToString())


def make_logs(resources: int, scopes: int, items: int, tag: str = "l") -> Logs:
    req = ExportLogsServiceRequest()
    for r in range(resources):
        rl = req.resource_logs.add(schema_url=f"https://res/{tag}{r}")
        rl.resource.attributes.add(key="service.name").value.string_value = f"{tag}-svc{r}"
        for s in range(scopes):
            sl = rl.scope_logs.add(schema_url=f"https://scope/{s}")
            sl.scope.name = f"{tag}-scope{r}.{s}"
            for i in range(items):
                sl.log_records.add(severity_text="INFO").body.string_value = f"{tag}:{r}.{s}.{i}"
    return Logs.from_wire(req.SerializeToString())


def make_metrics(resources: int, scopes: int, points: int, tag: str = "m") -> Metrics:
    """Per scope: one sum (``points`` points), one gauge (``points``), one histogram (``points``)."""
    req = ExportMetricsServiceRequest()
    for r in range(resources):
        rm = req.resource_metrics.add(schema_url=f"https://res/{tag}{r}")
        rm.resource.attributes.add(key="service.name").value.string_value = f"{tag}-svc{r}"
        for s in range(scopes):
            sm = rm.scope_metrics.add(schema_url=f"https://scope/{s}")
            sm.scope.name = f"{tag}-scope{r}.{s}"
            total = sm.metrics.add(name=f"{tag}.sum.{r}.{s}", unit="1", description="a sum")
            total.sum.is_monotonic = True
            total.sum.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
            gauge = sm.metrics.add(name=f"{tag}.gauge.{r}.{s}", unit="By")
            hist = sm.metrics.add(name=f"{tag}.hist.{r}.{s}", unit="s")
            hist.histogram.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA
            for i in range(points):
                total.sum.data_points.add(as_int=i, time_unix_nano=i + 1)
                gauge.gauge.data_points.add(as_double=float(i), time_unix_nano=i + 1)
                hist.histogram.data_points.add(count=i, sum=float(i), time_unix_nano=i + 1)
    return Metrics.from_wire(req.SerializeToString())


def flatten(data: AnyData) -> list[tuple[Any, ...]]:
    """Every item with the resource / scope (and metric) it belongs to, in order."""
    out: list[tuple[Any, ...]] = []
    msg: Any = data.message
    if isinstance(data, Traces):
        for rs in msg.resource_spans:
            for ss in rs.scope_spans:
                for span in ss.spans:
                    out.append(
                        (
                            rs.resource.SerializeToString(),
                            rs.schema_url,
                            ss.scope.name,
                            ss.schema_url,
                            span.SerializeToString(),
                        )
                    )
    elif isinstance(data, Logs):
        for rl in msg.resource_logs:
            for sl in rl.scope_logs:
                for rec in sl.log_records:
                    out.append(
                        (
                            rl.resource.SerializeToString(),
                            rl.schema_url,
                            sl.scope.name,
                            sl.schema_url,
                            rec.SerializeToString(),
                        )
                    )
    else:
        for rm in msg.resource_metrics:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    kind = m.WhichOneof("data")
                    body = getattr(m, kind)
                    shell = [(f.name, v) for f, v in body.ListFields() if f.name != "data_points"]
                    for p in body.data_points:
                        out.append(
                            (
                                rm.resource.SerializeToString(),
                                rm.schema_url,
                                sm.scope.name,
                                sm.schema_url,
                                m.name,
                                m.unit,
                                m.description,
                                kind,
                                repr(shell),
                                p.SerializeToString(),
                            )
                        )
    return out


# -- helpers ------------------------------------------------------------------------------------


def config(**values: Any) -> Config:
    default: Config = create_factory().create_default_config()
    cfg = decode(Config, values, default)
    errors = validate(cfg, "processors::batch")
    assert errors == []
    return cfg


def build(
    cfg: Config,
    signal: Signal = Signal.TRACES,
    sink: Any = None,
    reader: InMemoryMetricReader | None = None,
    level: str = "normal",
) -> tuple[Any, Any]:
    settings = make_settings("batch", Kind.PROCESSOR, signal, reader=reader)
    settings.telemetry.metrics_level = level
    sink = sink if sink is not None else Sink()
    proc = create_factory().create_for(signal, settings, cfg, sink)
    return proc, sink


async def wait_until(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


def run(coro_fn: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(coro_fn())  # type: ignore[arg-type]


# -- factory and config -------------------------------------------------------------------------


def test_factory_defaults() -> None:
    factory = create_factory()
    assert factory.type == "batch"
    assert factory.stability == {s: StabilityLevel.BETA for s in (Signal.TRACES, Signal.METRICS, Signal.LOGS)}
    cfg = factory.create_default_config()
    assert cfg == Config(timedelta(milliseconds=200), 8192, 0, [], 1000)
    assert validate(cfg, "processors::batch") == []
    proc, _ = build(cfg)
    assert proc.capabilities == Capabilities(mutates_data=True)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"send_batch_max_size": 1000}, "send_batch_max_size must be greater or equal to send_batch_size"),
        (
            {"send_batch_size": 4096, "send_batch_max_size": 1000},
            "send_batch_max_size must be greater or equal to send_batch_size",
        ),
        ({"timeout": "-5s"}, "timeout must be greater or equal to 0"),
        ({"metadata_keys": ["tenant", "tenant"]}, 'duplicate entry in metadata_keys: "tenant" (case-insensitive)'),
        ({"metadata_keys": ["Tenant", "TENANT"]}, 'duplicate entry in metadata_keys: "tenant" (case-insensitive)'),
        ({"send_batch_size": -1}, "'send_batch_size' cannot parse value as 'uint32': -1 overflows uint"),
    ],
)
def test_config_validation_errors(raw: dict[str, Any], message: str) -> None:
    cfg = decode(Config, raw, create_factory().create_default_config())
    assert validate(cfg, "processors::batch") == [f"processors::batch: {message}"]


def test_config_decode_errors() -> None:
    with pytest.raises(DecodeError) as info:
        decode(Config, {"send_batch_size": "10", "batch_size": 3}, create_factory().create_default_config())
    assert "has invalid keys: batch_size" in str(info.value)
    assert "'send_batch_size' expected type 'int'" in str(info.value)


def test_config_accepts_valid_settings() -> None:
    cfg = config(
        timeout="0s", send_batch_size=100, send_batch_max_size=100, metadata_keys="a,b", metadata_cardinality_limit=0
    )
    assert cfg.timeout == timedelta(0)
    assert cfg.metadata_keys == ["a", "b"]


# -- triggers -----------------------------------------------------------------------------------


def test_size_trigger_sends_one_merged_batch_keeping_wire_bytes() -> None:
    async def main() -> None:
        reader = InMemoryMetricReader()
        proc, sink = build(config(send_batch_size=10, timeout="1h"), reader=reader)
        await proc.start(NopHost())
        parts = [make_traces(1, 1, 4, tag=f"p{i}") for i in range(3)]
        for p in parts[:2]:
            await proc.consume(p)
        await asyncio.sleep(0.02)
        assert sink.received == []  # 8 < 10 and the timer is an hour away
        await proc.consume(parts[2])
        await wait_until(lambda: len(sink.received) == 1)
        out = sink.received[0]
        assert out.item_count() == 12
        assert out.has_wire and out.to_wire() == b"".join(p.to_wire() for p in parts)
        assert flatten(out) == [x for p in parts for x in flatten(p)]
        values = metric_values(reader)
        assert values["otelcol_processor_batch_batch_size_trigger_send"] == [({"processor": "batch"}, 1.0)]
        assert values["otelcol_processor_batch_batch_send_size"] == [({"processor": "batch"}, 12.0)]
        assert "otelcol_processor_batch_timeout_trigger_send" not in values
        assert values["otelcol_processor_batch_metadata_cardinality"] == [({"processor": "batch"}, 1.0)]
        await proc.shutdown()

    run(main)


def test_timeout_trigger() -> None:
    async def main() -> None:
        reader = InMemoryMetricReader()
        proc, sink = build(config(send_batch_size=1000, timeout="30ms"), signal=Signal.LOGS, reader=reader)
        await proc.start(NopHost())
        await proc.consume(make_logs(1, 1, 3, tag="a"))
        await proc.consume(make_logs(1, 1, 2, tag="b"))
        await wait_until(lambda: sink.item_count() == 5)
        assert len(sink.received) == 1
        assert isinstance(sink.received[0], Logs)
        values = metric_values(reader)
        assert values["otelcol_processor_batch_timeout_trigger_send"] == [({"processor": "batch"}, 1.0)]
        assert "otelcol_processor_batch_batch_size_trigger_send" not in values
        await proc.shutdown()

    run(main)


def test_zero_timeout_sends_immediately() -> None:
    async def main() -> None:
        proc, sink = build(config(timeout="0s"))
        await proc.start(NopHost())
        await proc.consume(make_traces(1, 1, 1))
        await wait_until(lambda: sink.item_count() == 1)
        await proc.consume(make_traces(1, 1, 2))
        await wait_until(lambda: sink.item_count() == 3)
        await proc.shutdown()

    run(main)


def test_empty_requests_are_dropped() -> None:
    async def main() -> None:
        proc, sink = build(config(timeout="0s"))
        await proc.start(NopHost())
        await proc.consume(Traces(ExportTraceServiceRequest()))
        await proc.shutdown()
        assert sink.received == []

    run(main)


# -- splitting ------------------------------------------------------------------------------------


BUILDERS: dict[Signal, Callable[..., AnyData]] = {
    Signal.TRACES: make_traces,
    Signal.LOGS: make_logs,
    Signal.METRICS: make_metrics,
}


@pytest.mark.parametrize("signal", [Signal.TRACES, Signal.METRICS, Signal.LOGS])
def test_max_size_splits_at_item_granularity(signal: Signal) -> None:
    async def main() -> None:
        reader = InMemoryMetricReader()
        proc, sink = build(config(send_batch_size=7, send_batch_max_size=7, timeout="1h"), signal, reader=reader)
        await proc.start(NopHost())
        small = BUILDERS[signal](1, 1, 1, "a")  # 1 span/record, or 3 points
        big = BUILDERS[signal](2, 2, 5, "b")  # 20 spans/records, or 60 points
        expected = flatten(small) + flatten(big)
        await proc.consume(small)
        await proc.consume(big)
        total = len(expected)
        full = total // 7
        await wait_until(lambda: len(sink.received) == full)
        await asyncio.sleep(0.01)
        assert [d.item_count() for d in sink.received] == [7] * full
        await proc.shutdown()  # the remainder is flushed
        counts = [d.item_count() for d in sink.received]
        assert counts == [7] * full + ([total % 7] if total % 7 else [])
        got = [x for d in sink.received for x in flatten(d)]
        assert got == expected  # every item, in order, under its own resource and scope
        for d in sink.received:  # counts are real, not just cached
            assert type(d)(type(d).message_type.FromString(d.to_wire())).item_count() == d.item_count()
        values = dict((k, v) for k, v in metric_values(reader).items())
        assert values["otelcol_processor_batch_batch_size_trigger_send"] == [({"processor": "batch"}, float(full))]

    run(main)


def test_split_spreads_one_resource_over_several_requests() -> None:
    async def main() -> None:
        proc, sink = build(config(send_batch_size=3, send_batch_max_size=4, timeout="1h"))
        await proc.start(NopHost())
        data = make_traces(1, 1, 10)
        resource = data.message.resource_spans[0].resource.SerializeToString()
        await proc.consume(data)
        await wait_until(lambda: sink.item_count() >= 8)
        await proc.shutdown()
        assert [d.item_count() for d in sink.received] == [4, 4, 2]
        for d in sink.received:
            (rs,) = d.message.resource_spans
            assert rs.resource.SerializeToString() == resource
            assert rs.schema_url == "https://res/t0"
            (ss,) = rs.scope_spans
            assert (ss.scope.name, ss.schema_url) == ("t-scope0.0", "https://scope/0")

    run(main)


# -- metadata batchers ------------------------------------------------------------------------------


class MetadataSink(Sink):
    """Records the client metadata visible while the next consumer runs."""

    def __init__(self) -> None:
        super().__init__()
        self.metadata: list[Any] = []

    async def consume(self, data: AnyData) -> None:
        self.metadata.append({k: list(v) for k, v in client.from_context().metadata.items()})
        await super().consume(data)


def test_metadata_keys_partition_batches() -> None:
    async def main() -> None:
        reader = InMemoryMetricReader()
        sink = MetadataSink()
        proc, _ = build(config(metadata_keys=["Tenant"], send_batch_size=4, timeout="1h"), sink=sink, reader=reader)
        await proc.start(NopHost())

        async def send(md: dict[str, list[str]] | None, data: AnyData) -> None:
            with client.with_info(client.Info(metadata=client.Metadata(md))):
                await proc.consume(data)

        await send({"tenant": ["a"], "other": ["x"]}, make_traces(1, 1, 2, "a1"))
        await send({"tenant": ["b"]}, make_traces(1, 1, 3, "b1"))
        await send({"tenant": ["a"], "other": ["y"]}, make_traces(1, 1, 2, "a2"))  # tenant a reaches 4
        await wait_until(lambda: len(sink.received) == 1)
        assert {x[2] for x in flatten(sink.received[0])} == {"a1-scope0.0", "a2-scope0.0"}
        assert sink.metadata == [{"tenant": ["a"]}]
        await send(None, make_traces(1, 1, 1, "none"))
        values = metric_values(reader)
        assert values["otelcol_processor_batch_metadata_cardinality"] == [({"processor": "batch"}, 3.0)]
        await proc.shutdown()
        rest = sorted(
            zip([repr(m) for m in sink.metadata[1:]], [d.item_count() for d in sink.received[1:]], strict=True)
        )
        assert rest == sorted([(repr({"tenant": ["b"]}), 3), (repr({"tenant": []}), 1)])

    run(main)


def test_metadata_cardinality_limit() -> None:
    async def main() -> None:
        proc, sink = build(config(metadata_keys=["tenant"], metadata_cardinality_limit=2, timeout="1h"))
        await proc.start(NopHost())
        for tenant in ("a", "b", "a"):
            with client.with_info(client.Info(metadata=client.Metadata({"tenant": [tenant]}))):
                await proc.consume(make_traces(1, 1, 1))
        with (
            client.with_info(client.Info(metadata=client.Metadata({"tenant": ["c"]}))),
            pytest.raises(PermanentError) as info,
        ):
            await proc.consume(make_traces(1, 1, 1))
        assert str(info.value) == "Permanent error: too many batcher metadata-value combinations"
        await proc.shutdown()
        assert sink.item_count() == 3

    run(main)


# -- errors, shutdown ---------------------------------------------------------------------------------


def test_downstream_errors_are_logged_not_returned(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        reader = InMemoryMetricReader()
        proc, sink = build(config(timeout="0s"), reader=reader)
        sink.fail_with = ConsumerError("backend down")
        await proc.start(NopHost())
        await proc.consume(make_traces(1, 1, 2))  # does not raise
        await wait_until(lambda: any(r.getMessage() == "Sender failed" for r in caplog.records))
        await proc.shutdown()
        record = next(r for r in caplog.records if r.getMessage() == "Sender failed")
        assert record.levelno == logging.WARNING
        assert record.fields == {"error": "backend down"}  # type: ignore[attr-defined]
        assert "otelcol_processor_batch_batch_send_size" not in metric_values(reader)  # only successes count

    with caplog.at_level(logging.WARNING):
        run(main)


def test_shutdown_flushes_everything_buffered() -> None:
    async def main() -> None:
        proc, sink = build(config(timeout="1h", send_batch_size=1000), Signal.METRICS)
        await proc.start(NopHost())
        await proc.consume(make_metrics(1, 1, 2))
        await proc.consume(make_metrics(2, 1, 1))
        assert sink.received == []
        await proc.shutdown()
        assert sink.item_count() == 6 + 6
        await proc.shutdown()  # idempotent
        await proc.consume(make_metrics(1, 1, 1))  # late data is passed straight on
        assert sink.item_count() == 15

    run(main)


def test_shutdown_without_start() -> None:
    async def main() -> None:
        proc, _ = build(config())
        await proc.shutdown()
        await proc.shutdown()

    run(main)


def test_metrics_follow_level() -> None:
    async def main() -> None:
        reader = InMemoryMetricReader()
        proc, sink = build(config(timeout="0s"), reader=reader, level="basic")
        await proc.start(NopHost())
        await proc.consume(make_traces(1, 1, 2))
        await wait_until(lambda: sink.item_count() == 2)
        await proc.shutdown()
        assert not any(k.startswith("otelcol_processor_batch") for k in metric_values(reader))

        reader = InMemoryMetricReader()
        proc, sink = build(config(timeout="0s"), reader=reader, level="detailed")
        await proc.start(NopHost())
        data = make_traces(1, 1, 2)
        await proc.consume(data)
        await wait_until(lambda: sink.item_count() == 2)
        await proc.shutdown()
        values = metric_values(reader)
        assert values["otelcol_processor_batch_batch_send_size_bytes"] == [
            ({"processor": "batch"}, float(len(data.to_wire())))
        ]

    run(main)


def test_send_size_histogram_uses_go_buckets() -> None:
    async def main() -> None:
        reader = InMemoryMetricReader()
        proc, sink = build(config(timeout="0s"), reader=reader)
        await proc.start(NopHost())
        await proc.consume(make_traces(1, 1, 30))
        await wait_until(lambda: sink.item_count() == 30)
        await proc.shutdown()
        data = reader.get_metrics_data()
        assert data is not None
        points = [
            p
            for rm in data.resource_metrics
            for sm in rm.scope_metrics
            for m in sm.metrics
            if m.name == "otelcol_processor_batch_batch_send_size"
            for p in m.data.data_points
        ]
        (point,) = points
        assert isinstance(point, HistogramDataPoint)
        # Go's buckets (batchprocessor metadata.yaml), written out: the test checks, not copies, them
        go = [10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]
        assert list(point.explicit_bounds) == [*go, 20000, 30000, 50000, 100000]
        assert point.count == 1 and point.sum == 30

    run(main)


def test_backlog_applies_backpressure() -> None:
    """When the next consumer stalls, producers wait once a large backlog is buffered."""

    async def main() -> None:
        gate = asyncio.Event()

        class Slow(Sink):
            async def consume(self, data: AnyData) -> None:
                await gate.wait()
                await super().consume(data)

        sink = Slow()
        proc, _ = build(config(timeout="0s", send_batch_size=10), sink=sink)
        await proc.start(NopHost())
        await proc.consume(make_traces(1, 1, 10))  # taken by the sender, which then stalls
        await asyncio.sleep(0.01)
        await proc.consume(make_traces(1, 1, 16384))  # fills the backlog to the high-water mark
        blocked = asyncio.ensure_future(proc.consume(make_traces(1, 1, 1)))
        await asyncio.sleep(0.02)
        assert not blocked.done()
        gate.set()
        await asyncio.wait_for(blocked, 5)
        await proc.shutdown()
        assert sink.item_count() == 10 + 16384 + 1

    run(main)


def test_merges_requests_without_wire_bytes() -> None:
    async def main() -> None:
        proc, sink = build(config(send_batch_size=6, timeout="1h"))
        await proc.start(NopHost())
        with_wire = make_traces(1, 1, 2, "w")
        built = make_traces(1, 2, 2, "b")
        built = Traces(ExportTraceServiceRequest.FromString(built.to_wire()))  # no cached bytes
        assert not built.has_wire
        await proc.consume(with_wire)
        await proc.consume(built)
        await wait_until(lambda: len(sink.received) == 1)
        assert flatten(sink.received[0]) == flatten(with_wire) + flatten(built)
        assert sink.received[0].item_count() == 6
        await proc.shutdown()

    run(main)


# -- one bad request among good ones ------------------------------------------------------------


def unparsable(signal: Signal, count: int) -> AnyData:
    """Data whose bytes nobody checked and that do not parse (a field-1 message cut short)."""
    return BUILDERS[signal](1, 1, 1).from_trusted_wire(b"\x0a\x10\xff\xff", count=count)


def deep_traces() -> Traces:
    """A request changed in memory (as a processor would) into one nested deeper than upb parses:
    it serializes, but the bytes do not parse back."""
    data = make_traces(1, 1, 2, tag="deep")
    value = data.mutable().resource_spans[0].scope_spans[0].spans[0].attributes.add(key="deep").value
    for _ in range(60):
        value = value.array_value.values.add()
    value.string_value = "bottom"
    return data


@pytest.mark.parametrize(
    ("settings", "signal"),
    [
        ({"send_batch_size": 6, "timeout": "1h"}, Signal.TRACES),  # join of received bytes
        ({"send_batch_size": 4, "send_batch_max_size": 4, "timeout": "1h"}, Signal.TRACES),  # split
        ({"send_batch_size": 4, "send_batch_max_size": 4, "timeout": "1h"}, Signal.LOGS),
        ({"send_batch_size": 9, "send_batch_max_size": 9, "timeout": "1h"}, Signal.METRICS),
    ],
)
def test_a_request_that_does_not_parse_is_dropped_alone(
    settings: dict[str, Any], signal: Signal, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        proc, sink = build(config(**settings), signal)
        await proc.start(NopHost())
        good = [BUILDERS[signal](1, 1, 1, f"g{i}") for i in range(6)]
        expected = [x for g in good for x in flatten(g)]
        for i, data in enumerate(good):
            await proc.consume(data)
            if i == 2:
                await proc.consume(unparsable(signal, count=1))
        await proc.shutdown()
        got = [x for d in sink.received for x in flatten(d)]
        assert got == expected  # every good item, in order
        for d in sink.received:  # and what went out parses
            type(d).message_type.FromString(d.to_wire())

    with caplog.at_level(logging.ERROR):
        run(main)
    dropped = [r for r in caplog.records if r.getMessage() == "Dropping data that cannot be batched"]
    assert [r.fields["dropped_items"] for r in dropped] == [1]  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if "dropping buffered data" in r.getMessage()]


def test_a_too_deep_request_is_dropped_alone_when_a_split_parses_it(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        proc, sink = build(config(send_batch_size=2, send_batch_max_size=2, timeout="1h"))
        await proc.start(NopHost())
        # Bytes wrongly vouched for, parsed only when a split (1 + 1 of its 2 spans) needs them.
        bad = Traces.from_trusted_wire(deep_traces().to_wire(), count=2, checked=True)
        good = [make_traces(1, 1, 1, f"g{i}") for i in range(4)]
        await proc.consume(good[0])
        await proc.consume(bad)
        for g in good[1:]:
            await proc.consume(g)
        await proc.shutdown()
        got = [x for d in sink.received for x in flatten(d)]
        assert got == [x for g in good for x in flatten(g)]

    with caplog.at_level(logging.ERROR):
        run(main)
    dropped = [r for r in caplog.records if r.getMessage() == "Dropping data that cannot be batched"]
    assert [r.fields["dropped_items"] for r in dropped] == [2]  # type: ignore[attr-defined]
    assert "nested more than 100 levels deep" in dropped[0].fields["error"]  # type: ignore[attr-defined]


def test_unparsable_data_without_a_count_is_refused_to_its_sender() -> None:
    async def main() -> None:
        proc, sink = build(config(send_batch_size=2, timeout="1h"))
        await proc.start(NopHost())
        with pytest.raises(InvalidDataError):
            await proc.consume(Traces.from_trusted_wire(b"\x0a\x10\xff\xff"))
        await proc.consume(make_traces(1, 1, 2))
        await wait_until(lambda: len(sink.received) == 1)
        await proc.shutdown()

    run(main)
