"""Configuration of the ``statsd`` receiver (Go's statsdreceiver ``Config``), with Go's checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from pyotelcol.config.confighttp import DialerConfig
from pyotelcol.helpers.expohisto import MAX_MAX_SIZE, MIN_SIZE
from pyotelcol.helpers.goregex import GoRegexError, compile_go

TIMER_TYPES = ("timing", "timer")
HISTOGRAM_TYPES = ("histogram", "distribution")
OBSERVERS = ("gauge", "summary", "histogram")
COUNTER_TYPES = ("", "int", "float", "stochastic_int")
PACKET_TRANSPORTS = ("udp", "udp4", "udp6")
STREAM_TRANSPORTS = ("tcp", "tcp4", "tcp6")


@dataclass
class ExplicitBucket:
    matcher_pattern: str = ""
    buckets: list[float] = field(default_factory=list)


@dataclass
class HistogramConfig:
    max_size: int = 0
    explicit_buckets: list[ExplicitBucket] | None = None


@dataclass
class SummaryConfig:
    percentiles: list[float] = field(default_factory=list)


@dataclass
class TimerHistogramMapping:
    statsd_type: str = ""
    observer_type: str = ""
    histogram: HistogramConfig = field(default_factory=HistogramConfig)
    summary: SummaryConfig = field(default_factory=SummaryConfig)


def _default_mappings() -> list[TimerHistogramMapping]:
    return [TimerHistogramMapping(kind, "gauge") for kind in ("timer", "histogram", "distribution")]


@dataclass
class Config:
    """confignet's ``endpoint`` / ``transport`` / ``dialer`` squashed in, and the receiver's keys."""

    endpoint: str = "localhost:8125"
    transport: str = "udp"
    dialer: DialerConfig = field(default_factory=DialerConfig)
    aggregation_interval: timedelta = timedelta(seconds=60)
    enable_ip_only_aggregation: bool = False
    ignore_host: bool = False
    enable_metric_type: bool = False
    enable_simple_tags: bool = False
    # Go's default follows the receiver.statsd.monotonicCounterDefault gate (alpha, off)
    is_monotonic_counter: bool = False
    counter_type: str = "int"
    timer_histogram_mapping: list[TimerHistogramMapping] = field(default_factory=_default_mappings)
    socket_permissions: int = 0o622
    socket_buffer_size: int = 0

    def validate(self) -> None:
        errors: list[str] = []
        if self.aggregation_interval <= timedelta(0):
            errors.append("aggregation_interval must be a positive duration")
        if self.counter_type not in COUNTER_TYPES:
            errors.append(f"invalid counter_type: {self.counter_type}, must be one of: int, float, stochastic_int")
        missing_name = False
        for mapping in self.timer_histogram_mapping:
            if mapping.statsd_type == "":
                missing_name = True
                break
            if mapping.statsd_type not in TIMER_TYPES + HISTOGRAM_TYPES:
                errors.append(
                    f"statsd_type is not a supported mapping for histogram and timing metrics: {mapping.statsd_type}"
                )
            if mapping.observer_type == "":
                missing_name = True
                break
            if mapping.observer_type not in OBSERVERS:
                errors.append(
                    f"observer_type is not supported for histogram and timing metrics: {mapping.observer_type}"
                )
            histogram = mapping.histogram
            if mapping.observer_type == "histogram":
                if histogram.max_size != 0 and not MIN_SIZE <= histogram.max_size <= MAX_MAX_SIZE:
                    errors.append(f"histogram max_size out of range: {histogram.max_size}")
                if histogram.explicit_buckets is not None:
                    errors.extend(_bucket_errors(histogram.explicit_buckets))
            elif histogram.max_size != 0 or histogram.explicit_buckets is not None:
                errors.append("histogram configuration requires observer_type: histogram")
            if mapping.summary.percentiles:
                for percentile in mapping.summary.percentiles:
                    if not 0 <= percentile <= 100:
                        errors.append(f"summary percentiles out of [0, 100] range: {_go_float(percentile)}")
                if mapping.observer_type != "summary":
                    errors.append("summary configuration requires observer_type: summary")
        if missing_name:
            errors.append("must specify object id for all TimerHistogramMappings")
        if errors:
            raise ValueError("; ".join(errors))


def _go_float(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _bucket_errors(buckets: list[ExplicitBucket]) -> list[str]:
    errors: list[str] = []
    for i, bucket in enumerate(buckets):
        if bucket.matcher_pattern == "":
            errors.append(f"explicit bucket [{i}] matcher_pattern must not be empty")
        try:
            compile_go(bucket.matcher_pattern)
        except GoRegexError as exc:
            errors.append(f"explicit bucket [{i}] matcher_pattern is not a valid regular expression: {exc}")
        if not bucket.buckets:
            errors.append(f"explicit bucket [{i}] buckets must not be empty")
            return errors  # Go stops at the first empty bucket list
        if any(a > b for a, b in zip(bucket.buckets, bucket.buckets[1:], strict=False)):
            shown = " ".join(_go_float(b) for b in bucket.buckets)
            errors.append(f"explicit bucket [{i}] buckets are not unique or not ascendingly sorted [{shown}]")
    return errors
