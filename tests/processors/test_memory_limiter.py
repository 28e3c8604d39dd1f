"""The memory_limiter processor through its factory: config errors, refusal, GC, sharing, metrics."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from pyotelcol.processors.memory_limiter import Config, create_factory
from pyotelcol.processors.memory_limiter.memory import process_rss, total_memory
from pyotelcol.processors.memory_limiter.memory_limiter import MemoryLimiter, MemoryLimiterProcessor

from pyotelcol.component import Kind, Settings, Signal, StabilityLevel, Status
from pyotelcol.config import DecodeError, decode, validate
from pyotelcol.consumer import Capabilities, ConsumerError, is_permanent
from pyotelcol.pdata import Logs, Traces
from pyotelcol.testing import NopHost, Sink, make_settings, metric_values


def limiter_of(processor: object) -> MemoryLimiter:
    """The shared limiter behind a memory_limiter processor the factory created."""
    assert isinstance(processor, MemoryLimiterProcessor)
    return processor.limiter


MIB = 1024 * 1024


def spans(n: int) -> Traces:
    req = ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    for i in range(n):
        ss.spans.add(name=f"s{i}")
    return Traces(req)


def logs(n: int) -> Logs:
    req = ExportLogsServiceRequest()
    sl = req.resource_logs.add().scope_logs.add()
    for _ in range(n):
        sl.log_records.add()
    return Logs(req)


def config(**values: Any) -> Config:
    default: Config = create_factory().create_default_config()
    cfg = decode(Config, values, default)
    assert validate(cfg, "processors::memory_limiter") == []
    return cfg


async def wait_until(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


class StatusHost(NopHost):
    """A host that records the status events components report."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, Status, str | None]] = []

    def report_status(self, settings: Settings, status: Status, err: BaseException | None = None) -> None:
        self.events.append((str(settings.pipeline or settings.signal), status, None if err is None else str(err)))


# -- factory and config -------------------------------------------------------------------------------


def test_factory_defaults_are_invalid_like_go() -> None:
    factory = create_factory()
    assert factory.type == "memory_limiter"
    assert factory.stability == {s: StabilityLevel.BETA for s in (Signal.TRACES, Signal.METRICS, Signal.LOGS)}
    cfg = factory.create_default_config()
    assert cfg == Config(
        check_interval=timedelta(0),
        limit_mib=0,
        spike_limit_mib=0,
        limit_percentage=0,
        spike_limit_percentage=0,
        min_gc_interval_when_soft_limited=timedelta(seconds=10),
        min_gc_interval_when_hard_limited=timedelta(0),
        max_gc_interval_when_soft_limited=timedelta(seconds=30),
        max_gc_interval_when_hard_limited=timedelta(seconds=30),
    )
    assert validate(cfg, "processors::memory_limiter") == [
        "processors::memory_limiter: 'check_interval' must be greater than zero"
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "'check_interval' must be greater than zero"),
        ({"check_interval": "0s", "limit_mib": 100}, "'check_interval' must be greater than zero"),
        ({"check_interval": "-1s", "limit_mib": 100}, "'check_interval' must be greater than zero"),
        ({"check_interval": "1s"}, "'limit_mib' or 'limit_percentage' must be greater than zero"),
        (
            {"check_interval": "1s", "limit_mib": 100, "spike_limit_mib": 100},
            "'spike_limit_mib' must be smaller than 'limit_mib'",
        ),
        (
            {"check_interval": "1s", "limit_percentage": 101},
            "'limit_percentage' and 'spike_limit_percentage' must be greater than zero and less than or equal to "
            "hundred",
        ),
        (
            {"check_interval": "1s", "limit_percentage": 50, "spike_limit_percentage": 101},
            "'limit_percentage' and 'spike_limit_percentage' must be greater than zero and less than or equal to "
            "hundred",
        ),
        (
            {"check_interval": "1s", "limit_percentage": 50, "spike_limit_percentage": 50},
            "'spike_limit_percentage' must be smaller than 'limit_percentage'",
        ),
        (
            {
                "check_interval": "1s",
                "limit_mib": 100,
                "min_gc_interval_when_soft_limited": "1s",
                "min_gc_interval_when_hard_limited": "5s",
            },
            "'min_gc_interval_when_soft_limited' should be larger than 'min_gc_interval_when_hard_limited'",
        ),
        (
            {"check_interval": "1s", "limit_mib": 100, "max_gc_interval_when_soft_limited": "-1s"},
            "'max_gc_interval_when_soft_limited' must be non-negative",
        ),
        (
            {"check_interval": "1s", "limit_mib": 100, "max_gc_interval_when_hard_limited": "-1s"},
            "'max_gc_interval_when_hard_limited' must be non-negative",
        ),
        (
            {"check_interval": "1s", "limit_mib": 100, "max_gc_interval_when_soft_limited": "5s"},
            "'max_gc_interval_when_soft_limited' must be greater than or equal to 'min_gc_interval_when_soft_limited'"
            " (or 0 to disable)",
        ),
        (
            {
                "check_interval": "1s",
                "limit_mib": 100,
                "min_gc_interval_when_hard_limited": "10s",
                "max_gc_interval_when_hard_limited": "5s",
            },
            "'max_gc_interval_when_hard_limited' must be greater than or equal to 'min_gc_interval_when_hard_limited'"
            " (or 0 to disable)",
        ),
        (
            {
                "check_interval": "1s",
                "limit_mib": 100,
                "max_gc_interval_when_soft_limited": "20s",
                "max_gc_interval_when_hard_limited": "25s",
            },
            "'max_gc_interval_when_soft_limited' should be larger than or equal to 'max_gc_interval_when_hard_limited'"
            " (when both are set)",
        ),
        ({"check_interval": "1s", "limit_mib": -5}, "'limit_mib' cannot parse value as 'uint32': -5 overflows uint"),
    ],
)
def test_config_validation_errors(raw: dict[str, Any], message: str) -> None:
    cfg = decode(Config, raw, create_factory().create_default_config())
    assert validate(cfg, "processors::memory_limiter") == [f"processors::memory_limiter: {message}"]


def test_config_valid_variants() -> None:
    config(check_interval="1s", limit_mib=4000, spike_limit_mib=800)
    config(check_interval="5s", limit_percentage=80, spike_limit_percentage=25)
    config(
        check_interval="1s",
        limit_mib=100,
        max_gc_interval_when_soft_limited="0s",
        max_gc_interval_when_hard_limited="0s",
    )
    with pytest.raises(DecodeError) as info:
        decode(Config, {"check_interval": "1x", "limit": 3}, create_factory().create_default_config())
    assert "has invalid keys: limit" in str(info.value)
    assert "'check_interval' time: unknown unit" in str(info.value)


# -- limits -----------------------------------------------------------------------------------------------


def test_limits_fixed_and_percentage() -> None:
    settings = make_settings("memory_limiter", Kind.PROCESSOR, Signal.TRACES)
    fixed = MemoryLimiter(settings, config(check_interval="1s", limit_mib=1000))
    assert (fixed.hard_limit, fixed.soft_limit) == (1000 * MIB, 800 * MIB)
    spiked = MemoryLimiter(settings, config(check_interval="1s", limit_mib=1000, spike_limit_mib=300))
    assert (spiked.hard_limit, spiked.soft_limit) == (1000 * MIB, 700 * MIB)
    pct = MemoryLimiter(
        settings,
        config(check_interval="1s", limit_percentage=80, spike_limit_percentage=15),
        total_memory_fn=lambda: 1000 * MIB,
    )
    assert (pct.hard_limit, pct.soft_limit) == (800 * MIB, 650 * MIB)
    # limit_mib wins over percentages
    both = MemoryLimiter(
        settings, config(check_interval="1s", limit_mib=10, limit_percentage=80), total_memory_fn=lambda: 1000 * MIB
    )
    assert both.hard_limit == 10 * MIB
    assert total_memory() > 0 and process_rss() > 0


# -- refusing and accepting ------------------------------------------------------------------------------


def test_refuses_above_soft_limit_and_accepts_again_below() -> None:
    async def main() -> None:
        reader = InMemoryMetricReader()
        settings = make_settings("memory_limiter", Kind.PROCESSOR, Signal.TRACES, reader=reader)
        sink = Sink()
        cfg = config(check_interval="5ms", limit_mib=100, spike_limit_mib=20)
        proc = create_factory().create_for(Signal.TRACES, settings, cfg, sink)
        assert proc.capabilities == Capabilities(mutates_data=False)
        usage = [10 * MIB]
        limiter_of(proc).usage_fn = lambda: usage[0]
        host = StatusHost()
        await proc.start(host)

        await proc.consume(spans(3))
        assert sink.item_count() == 3

        usage[0] = 85 * MIB  # above soft (80 MiB), below hard (100 MiB)
        await wait_until(lambda: limiter_of(proc).must_refuse)
        with pytest.raises(ConsumerError) as info:
            await proc.consume(spans(4))
        assert str(info.value) == "data refused due to high memory usage"
        assert not is_permanent(info.value)
        assert sink.item_count() == 3

        usage[0] = 50 * MIB
        await wait_until(lambda: not limiter_of(proc).must_refuse)
        await proc.consume(spans(2))
        assert sink.item_count() == 5
        await proc.shutdown()
        await proc.shutdown()

        values = metric_values(reader)
        attrs = {"processor": "memory_limiter"}
        assert values["otelcol_processor_memory_limiter_accepted_spans"] == [(attrs, 5.0)]
        assert values["otelcol_processor_memory_limiter_refused_spans"] == [(attrs, 4.0)]
        io_attrs = {"processor": "memory_limiter", "otel.signal": "traces"}
        assert values["otelcol_processor_incoming_items"] == [(io_attrs, 9.0)]
        assert values["otelcol_processor_outgoing_items"] == [(io_attrs, 5.0)]
        assert [e[1:] for e in host.events] == [
            (Status.RECOVERABLE_ERROR, "data refused due to high memory usage"),
            (Status.OK, None),
        ]

    asyncio.run(main())


def test_refuses_when_real_rss_is_above_the_limit() -> None:
    async def main() -> None:
        rss_mib = process_rss() // MIB
        assert rss_mib > 3
        cfg = config(check_interval="10ms", limit_mib=rss_mib - 1)
        sink = Sink()
        proc = create_factory().create_for(
            Signal.LOGS, make_settings("memory_limiter", Kind.PROCESSOR, Signal.LOGS), cfg, sink
        )
        await proc.start(NopHost())
        await wait_until(lambda: limiter_of(proc).must_refuse)
        with pytest.raises(ConsumerError, match=r"^data refused due to high memory usage$"):
            await proc.consume(logs(1))
        assert sink.received == []
        await proc.shutdown()

    asyncio.run(main())


def test_accepts_below_real_limit() -> None:
    async def main() -> None:
        cfg = config(check_interval="5ms", limit_mib=process_rss() // MIB + 4096)
        sink = Sink()
        proc = create_factory().create_for(
            Signal.LOGS, make_settings("memory_limiter", Kind.PROCESSOR, Signal.LOGS), cfg, sink
        )
        await proc.start(NopHost())
        await asyncio.sleep(0.03)
        await proc.consume(logs(2))
        await proc.shutdown()
        assert sink.item_count() == 2

    asyncio.run(main())


# -- garbage collection -----------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_gc_is_forced_above_hard_limit_and_rate_limited_above_soft() -> None:
    settings = make_settings("memory_limiter", Kind.PROCESSOR, Signal.TRACES)
    clock = Clock()
    usage = [0]
    gcs: list[float] = []

    def collect() -> None:
        gcs.append(clock.now)
        usage[0] = usage[0] // 2  # an effective collection

    cfg = config(check_interval="1s", limit_mib=100, min_gc_interval_when_soft_limited="10s")
    lim = MemoryLimiter(settings, cfg, usage_fn=lambda: usage[0], gc_fn=collect, clock=clock)

    usage[0] = 90 * MIB  # soft-limited, last GC (construction) is less than 10s ago: no GC, refuse
    clock.now += 1
    lim.check()
    assert gcs == [] and lim.must_refuse

    clock.now += 10  # the soft-limit interval has passed: GC, which brings usage to 45 MiB
    usage[0] = 90 * MIB
    lim.check()
    assert gcs == [clock.now] and not lim.must_refuse

    usage[0] = 120 * MIB  # above hard limit: GC at once (min hard interval 0)
    clock.now += 0.5
    lim.check()
    assert len(gcs) == 2 and not lim.must_refuse


def test_ineffective_gc_backs_off() -> None:
    settings = make_settings("memory_limiter", Kind.PROCESSOR, Signal.TRACES)
    clock = Clock()
    gcs: list[float] = []
    cfg = config(check_interval="1s", limit_mib=100, max_gc_interval_when_hard_limited="8s")
    lim = MemoryLimiter(settings, cfg, usage_fn=lambda: 150 * MIB, gc_fn=lambda: gcs.append(clock.now), clock=clock)
    for _ in range(40):
        clock.now += 1
        lim.check()
        assert lim.must_refuse
    # A GC that frees nothing doubles the wait (from 0.95 x check_interval): 1.9s, 3.8s, 7.6s, then the 8s cap;
    # checks come every second and a GC needs strictly more than the wait.
    gaps = [b - a for a, b in itertools.pairwise(gcs)]
    assert gaps[:3] == [2.0, 4.0, 8.0]
    assert set(gaps[3:]) == {9.0}


# -- sharing -------------------------------------------------------------------------------------------------


def test_pipelines_share_one_limiter_per_config() -> None:
    async def main() -> None:
        factory = create_factory()
        cfg = config(check_interval="5ms", limit_mib=100)
        sinks = [Sink(), Sink()]
        traces_settings = make_settings("memory_limiter", Kind.PROCESSOR, Signal.TRACES)
        logs_settings = make_settings("memory_limiter", Kind.PROCESSOR, Signal.LOGS)
        p1 = factory.create_for(Signal.TRACES, traces_settings, cfg, sinks[0])
        p2 = factory.create_for(Signal.LOGS, logs_settings, cfg, sinks[1])
        assert isinstance(p1, MemoryLimiterProcessor) and isinstance(p2, MemoryLimiterProcessor)
        assert p1 is not p2 and limiter_of(p1) is limiter_of(p2)

        other = factory.create_for(Signal.TRACES, traces_settings, config(check_interval="5ms", limit_mib=100), Sink())
        assert limiter_of(other) is not limiter_of(p1)  # another ID (config object): independent limiter

        limiter = limiter_of(p1)
        reads: list[int] = []
        usage = [90 * MIB]

        def read() -> int:
            reads.append(1)
            return usage[0]

        limiter.usage_fn = read
        await p1.start(NopHost())
        await p2.start(NopHost())
        checks_running = [
            t for t in asyncio.all_tasks() if getattr(t.get_coro(), "__qualname__", "") == "MemoryLimiter._loop"
        ]
        assert len(checks_running) == 1

        await wait_until(lambda: limiter.must_refuse)
        for proc, data in ((p1, spans(1)), (p2, logs(1))):
            with pytest.raises(ConsumerError):
                await proc.consume(data)

        usage[0] = 0
        await wait_until(lambda: not limiter.must_refuse)
        await p1.consume(spans(2))
        await p2.consume(logs(3))
        assert (sinks[0].item_count(), sinks[1].item_count()) == (2, 3)  # each pipeline its own next

        await p1.shutdown()
        count = len(reads)
        await wait_until(lambda: len(reads) > count)  # still checking for the other pipeline
        await p2.shutdown()
        count = len(reads)
        await asyncio.sleep(0.03)
        assert len(reads) == count  # the last user stopped the check loop
        await other.shutdown()  # never started: nothing to do

        # After shutdown a new graph with the same config object gets a fresh limiter.
        again = factory.create_for(Signal.TRACES, traces_settings, cfg, Sink())
        assert limiter_of(again) is not limiter

    asyncio.run(main())
