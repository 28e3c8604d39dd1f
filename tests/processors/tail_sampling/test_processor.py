"""The tail_sampling processor in front of a recording sink (Go's processortest shape): memory
bound, late spans of traces still in memory, root-span acceleration, oversized traces,
block_on_overflow. The decision tick is shortened to a few milliseconds so that the tests wait
for ticks, not seconds; waits poll the sink with a deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1 import trace_pb2
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from pyotelcol.processors.tail_sampling import create_factory
from pyotelcol.processors.tail_sampling import processor as processor_module

from pyotelcol.component import Kind, Signal
from pyotelcol.config.decode import decode
from pyotelcol.pdata import Traces, key_value
from pyotelcol.testing import NopHost, Sink, make_settings, metric_values

PREFIX = "otelcol_processor_tail_sampling_"


@pytest.fixture(autouse=True)
def fast_ticks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processor_module, "TICK_SECONDS", 0.01)


def _tid(n: int) -> bytes:
    return n.to_bytes(16, "big")


def _request(
    *spans: tuple[int, int], root: bool = True, status: int = 0, attrs: dict[str, Any] | None = None
) -> Traces:
    """Spans given as (trace number, span number)."""
    message = ExportTraceServiceRequest()
    scope = message.resource_spans.add().scope_spans.add()
    for trace_n, span_n in spans:
        span = scope.spans.add(trace_id=_tid(trace_n), span_id=span_n.to_bytes(8, "big"), name=f"{trace_n}/{span_n}")
        if not root or span_n > 1:
            span.parent_span_id = b"\x00" * 7 + b"\x01"
        span.status.code = trace_pb2.Status.StatusCode.ValueType(status)
        span.attributes.extend(key_value(k, v) for k, v in (attrs or {}).items())
    return Traces(message)


def _names(sink: Sink) -> list[str]:
    return sorted(
        span.name
        for data in sink.received
        for rs in data.message.resource_spans  # type: ignore[union-attr]
        for ss in rs.scope_spans
        for span in ss.spans
    )


class _Run:
    def __init__(self, config: dict[str, Any]) -> None:
        factory = create_factory()
        default = factory.create_default_config()
        cfg = decode(type(default), config, default)
        cfg.validate()
        self.reader = InMemoryMetricReader()
        self.sink = Sink()
        settings = make_settings("tail_sampling/t", Kind.PROCESSOR, Signal.TRACES, self.reader)
        self.processor = factory.create_for(Signal.TRACES, settings, cfg, self.sink)

    def metric(self, name: str, **attrs: str) -> float:
        points = metric_values(self.reader).get(PREFIX + name, [])
        return sum(v for found, v in points if all(found.get(k) == x for k, x in attrs.items()))

    async def until(self, check: Callable[[], bool], what: str) -> None:
        for _ in range(1000):
            if check():
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"timed out waiting for {what}")


def _run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(test())


def test_traces_in_memory_never_exceed_num_traces() -> None:
    run = _Run({"decision_wait": "1h", "num_traces": 100, "policies": [{"name": "all", "type": "always_sample"}]})

    async def main() -> None:
        await run.processor.start(NopHost())
        on_memory = []
        for request in range(30):
            first = request * 50
            await run.processor.consume(_request(*[(first + i, 1) for i in range(50)]))
            on_memory.append(run.metric("sampling_traces_on_memory"))
        assert max(on_memory) == 100
        await run.processor.shutdown()

    _run(main)
    # The last 100 traces were decided at shutdown; the 1400 evicted ones are counted as too early.
    assert len(_names(run.sink)) == 100
    assert _names(run.sink) == sorted(f"{n}/1" for n in range(1400, 1500))
    assert run.metric("sampling_trace_dropped_too_early") == 1400
    assert run.metric("new_trace_id_received") == 1500


def test_late_spans_follow_the_decision_of_a_trace_still_in_memory() -> None:
    # Without decision caches, Go keeps a decided trace (without its spans) in memory until evicted.
    run = _Run(
        {
            "decision_wait": "1s",
            "policies": [{"name": "errors", "type": "status_code", "status_code": {"status_codes": ["ERROR"]}}],
        }
    )

    async def main() -> None:
        await run.processor.start(NopHost())
        await run.processor.consume(_request((1, 1), status=2))
        await run.processor.consume(_request((2, 1)))
        await run.until(lambda: run.metric("global_count_traces_sampled") == 2, "both decisions")
        assert _names(run.sink) == ["1/1"]
        await run.processor.consume(_request((2, 2), status=2))  # not sampled: dropped though it is an error
        await run.processor.consume(_request((1, 2)))
        await run.processor.shutdown()

    _run(main)
    assert _names(run.sink) == ["1/1", "1/2"]
    assert run.metric("global_count_traces_sampled", decision="sampled") == 1
    assert run.metric("global_count_traces_sampled", decision="not_sampled") == 1


def test_a_root_span_brings_the_decision_forward() -> None:
    run = _Run(
        {
            "decision_wait": "1h",
            "decision_wait_after_root_received": "1s",
            "policies": [{"name": "all", "type": "always_sample"}],
        }
    )

    async def main() -> None:
        await run.processor.start(NopHost())
        await run.processor.consume(_request((1, 2), (2, 2)))  # children only
        await run.processor.consume(_request((1, 1)))  # trace 1's root
        await run.until(lambda: _names(run.sink) == ["1/1", "1/2"], "the trace with a root")
        await asyncio.sleep(0.1)
        assert _names(run.sink) == ["1/1", "1/2"]
        await run.processor.shutdown()

    _run(main)
    assert _names(run.sink) == ["1/1", "1/2", "2/2"]


def test_a_trace_over_maximum_trace_size_bytes_is_dropped_at_once() -> None:
    run = _Run(
        {
            "decision_wait": "1h",
            "maximum_trace_size_bytes": 1000,
            "policies": [{"name": "all", "type": "always_sample"}],
        }
    )

    async def main() -> None:
        await run.processor.start(NopHost())
        await run.processor.consume(_request((1, 1), (2, 1), attrs={"blob": "x" * 400}))
        await run.processor.consume(_request((1, 2), attrs={"blob": "x" * 700}))  # trace 1 grows over the limit
        await run.processor.consume(_request((1, 3)))  # late: follows the "not sampled" decision
        assert run.metric("traces_dropped_too_large") == 1
        await run.processor.shutdown()

    _run(main)
    assert _names(run.sink) == ["2/1"]


def test_block_on_overflow_waits_for_space_instead_of_evicting() -> None:
    run = _Run(
        {
            "decision_wait": "1s",
            "num_traces": 2,
            "block_on_overflow": True,
            "decision_cache": {"sampled_cache_size": 100},
            "policies": [{"name": "all", "type": "always_sample"}],
        }
    )

    async def main() -> None:
        await run.processor.start(NopHost())
        for n in range(1, 6):
            await run.processor.consume(_request((n, 1)))
            assert run.metric("sampling_traces_on_memory") <= 2
        await run.processor.shutdown()

    _run(main)
    assert _names(run.sink) == [f"{n}/1" for n in range(1, 6)]
    assert run.metric("sampling_trace_dropped_too_early") == 0


def test_block_on_overflow_without_a_cache_makes_room_from_decided_traces() -> None:
    # Go would wait for ever here: without a cache, decided traces stay in memory.
    run = _Run(
        {
            "decision_wait": "1s",
            "num_traces": 2,
            "block_on_overflow": True,
            "policies": [{"name": "all", "type": "always_sample"}],
        }
    )

    async def main() -> None:
        await run.processor.start(NopHost())
        for n in range(1, 6):
            await asyncio.wait_for(run.processor.consume(_request((n, 1))), 30)
        await run.processor.shutdown()

    _run(main)
    assert _names(run.sink) == [f"{n}/1" for n in range(1, 6)]
    assert run.metric("sampling_trace_dropped_too_early") == 0


def test_a_failing_next_consumer_does_not_fail_the_sender() -> None:
    run = _Run({"decision_wait": "1s", "policies": [{"name": "all", "type": "always_sample"}]})
    run.sink.fail_with = RuntimeError("backend down")

    async def main() -> None:
        await run.processor.start(NopHost())
        await run.processor.consume(_request((1, 1)))
        await run.until(lambda: run.metric("global_count_traces_sampled") == 1, "the decision")
        await run.processor.shutdown()

    _run(main)
    assert run.sink.received == []


def test_span_ingest_decides_on_arrival_and_finalizes_the_rest_as_not_sampled() -> None:
    run = _Run(
        {
            "decision_wait": "1h",
            "sampling_strategy": "span-ingest",
            "policies": [{"name": "errors", "type": "status_code", "status_code": {"status_codes": ["ERROR"]}}],
        }
    )

    async def main() -> None:
        await run.processor.start(NopHost())
        await run.processor.consume(_request((1, 1), (2, 1)))  # nothing decided yet
        assert _names(run.sink) == []
        await run.processor.consume(_request((1, 2), status=2))  # trace 1 is sampled at once, whole
        assert _names(run.sink) == ["1/1", "1/2"]
        await run.processor.consume(_request((1, 3)))  # late span of a sampled trace
        await run.processor.shutdown()  # trace 2, still pending, is finalized as not sampled

    _run(main)
    assert _names(run.sink) == ["1/1", "1/2", "1/3"]
    assert run.metric("global_count_traces_sampled", decision="sampled") == 1
    assert run.metric("global_count_traces_sampled", decision="not_sampled") == 1


def test_a_trace_buffered_from_a_request_of_mostly_late_spans_keeps_its_resource_and_scope() -> None:
    # Nine late spans (forwarded at once) and one span of a new trace: the new trace's spans are
    # copied out of the request rather than pinning it, and must come out the same.
    run = _Run(
        {
            "decision_wait": "1s",
            "decision_cache": {"sampled_cache_size": 10},
            "policies": [{"name": "all", "type": "always_sample"}],
        }
    )
    mixed = _request(*[(1, n) for n in range(2, 11)], (2, 1))
    rs = mixed.message.resource_spans[0]
    rs.resource.attributes.append(key_value("service.name", "shop"))
    rs.scope_spans[0].scope.name = "lib"

    async def main() -> None:
        await run.processor.start(NopHost())
        await run.processor.consume(_request((1, 1)))
        await run.until(lambda: _names(run.sink) == ["1/1"], "trace 1")
        await run.processor.consume(mixed)
        await run.processor.shutdown()

    _run(main)
    assert _names(run.sink) == sorted(["1/1", *[f"1/{n}" for n in range(2, 11)], "2/1"])
    (last,) = [d for d in run.sink.received if any(s.name == "2/1" for s in _all_spans(d))]
    (out_rs,) = last.message.resource_spans  # type: ignore[union-attr]
    assert [(kv.key, kv.value.string_value) for kv in out_rs.resource.attributes] == [("service.name", "shop")]
    assert [ss.scope.name for ss in out_rs.scope_spans] == ["lib"]
    assert [s.name for s in out_rs.scope_spans[0].spans] == ["2/1"]


def _all_spans(data: Any) -> list[Any]:
    return [span for rs in data.message.resource_spans for ss in rs.scope_spans for span in ss.spans]
