"""Drops the spans or log records the sampler does not keep, then the scopes and resources left
empty; data left with nothing is not forwarded (Go's ``ErrSkipProcessingData``).

Self-metrics, as Go names them, labelled ``policy`` (where the randomness came from) and
``sampled``: ``otelcol_processor_probabilistic_sampler_count_spans_processed`` and its deprecated
twin ``..._count_traces_sampled`` for spans, ``..._count_logs_sampled`` for log records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from opentelemetry.metrics import Counter as MetricCounter

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.processorhelper import Processor
from pyotelcol.pdata import Logs, Traces
from pyotelcol.pdata.plog import LogRecord
from pyotelcol.pdata.ptrace import Span

from .config import Config
from .samplers import make_sampler, record_priority, should_sample, span_priority

_PREFIX = "otelcol_processor_probabilistic_sampler_"


def create_processor(settings: Settings, signal: Signal, cfg: Config, next_consumer: Consumer) -> Processor[Any]:
    process: Callable[[Any], Awaitable[Any]] = (
        _traces(settings, cfg) if signal is Signal.TRACES else _logs(settings, cfg)
    )
    return Processor(settings, signal, next_consumer, process, mutates_data=True)


def _record(counters: Sequence[MetricCounter], tally: Counter[tuple[str, bool]]) -> None:
    for (policy, sampled), count in tally.items():
        attrs = {"policy": policy, "sampled": "true" if sampled else "false"}
        for counter in counters:
            counter.add(count, attrs)


def _traces(settings: Settings, cfg: Config) -> Callable[[Traces], Awaitable[Traces | None]]:
    meter = settings.telemetry.meter
    counters = (
        meter.create_counter(
            _PREFIX + "count_traces_sampled",
            unit="1",
            description="[DEPRECATED] Count of spans that were sampled or not",
        ),
        meter.create_counter(
            _PREFIX + "count_spans_processed", unit="1", description="Count of spans that were sampled or not"
        ),
    )
    sampler = make_sampler(cfg, is_logs=False)
    logger = settings.telemetry.logger
    fail_closed = cfg.fail_closed

    async def process(data: Traces) -> Traces | None:
        tally: Counter[tuple[str, bool]] = Counter()

        def drop(span: Span) -> bool:
            sampled, policy = should_sample(
                span, sampler, fail_closed, sampler.span_randomness, span_priority, logger, "traces sampler"
            )
            tally[policy, sampled] += 1
            return not sampled

        for rs in data.resource_spans:
            for ss in rs.scope_spans:
                ss.spans.remove_if(drop)
            rs.scope_spans.remove_if(lambda ss: len(ss.spans) == 0)
        data.resource_spans.remove_if(lambda rs: len(rs.scope_spans) == 0)
        _record(counters, tally)
        return data if len(data.resource_spans) else None

    return process


def _logs(settings: Settings, cfg: Config) -> Callable[[Logs], Awaitable[Logs | None]]:
    counter = settings.telemetry.meter.create_counter(
        _PREFIX + "count_logs_sampled", unit="1", description="Count of logs that were sampled or not"
    )
    sampler = make_sampler(cfg, is_logs=True)
    priority = record_priority(cfg.sampling_priority, cfg.sampling_precision)
    logger = settings.telemetry.logger
    fail_closed = cfg.fail_closed

    async def process(data: Logs) -> Logs | None:
        tally: Counter[tuple[str, bool]] = Counter()

        def drop(record: LogRecord) -> bool:
            sampled, policy = should_sample(
                record, sampler, fail_closed, sampler.record_randomness, priority, logger, "logs sampler"
            )
            tally[policy, sampled] += 1
            return not sampled

        for rl in data.resource_logs:
            for sl in rl.scope_logs:
                sl.log_records.remove_if(drop)
            rl.scope_logs.remove_if(lambda sl: len(sl.log_records) == 0)
        data.resource_logs.remove_if(lambda rl: len(rl.scope_logs) == 0)
        _record((counter,), tally)
        return data if len(data.resource_logs) else None

    return process
