"""StatsD / DogStatsD lines → aggregated OTLP metrics, as Go's statsdreceiver parser does it.

A line is ``<name>:<value>|<type>[|@<sample rate>][|#<k:v>,...][|c:<container id>][|T<unix s>]``
with type ``c`` (counter), ``g`` (gauge; a ``+``/``-`` value adds to the gauge of the interval),
``ms`` (timing), ``h`` (histogram) or ``d`` (distribution). Lines are aggregated per sender address
(or IP, or all together) and per (name, type, attribute set) until the flush:

- counters: one delta sum point per series, each line's value divided by its sample rate;
- gauges: the last value (plus the deltas sent after it);
- timings / histograms / distributions, per ``timer_histogram_mapping``: every line a gauge point,
  or a summary (quantiles of the sample-rate-weighted values), or a histogram (exponential, or
  explicit buckets for names matching ``explicit_buckets``), or nothing (no mapping).

Every metric sits in its own scope ``.../receiver/statsdreceiver`` (version: the collector's).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.helpers.expohisto import ExponentialHistogram
from pyotelcol.helpers.goregex import compile_go

from .config import HISTOGRAM_TYPES, TIMER_TYPES, Config, HistogramConfig

SCOPE_NAME = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/statsdreceiver"
DEFAULT_PERCENTILES = (0.0, 10.0, 50.0, 90.0, 95.0, 100.0)
TYPE_NAMES = {"c": "counter", "g": "gauge", "h": "histogram", "ms": "timing", "d": "distribution"}
_UINT64 = (1 << 64) - 1
_INT64 = 1 << 64
_GO_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_GO_SPECIAL = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan"}

Attrs = tuple[tuple[str, str], ...]
Key = tuple[str, str, Attrs]  # (name, type, sorted attributes): Go's statsDMetricDescription


class ParseError(ValueError):
    """A line Go's parser refuses; it is counted and skipped."""


def go_parse_float(text: str) -> float:
    """Go's strconv.ParseFloat for the forms clients send (decimal, exponent, inf, nan, hex)."""
    if _GO_DECIMAL.fullmatch(text):
        value = float(text)
        if math.isinf(value):
            raise ValueError("value out of range")
        return value
    if text.lower() in _GO_SPECIAL:
        return float(text)
    body = text.lstrip("+-")
    if body[:2].lower() == "0x":
        return float.fromhex(text)
    raise ValueError(f"invalid syntax: {text}")


@dataclass
class Line:
    name: str
    kind: str  # c, g, h, ms, d
    value: float
    addition: bool
    sample_rate: float
    timestamp: int  # unix ns from a T part, 0 without
    attrs: Attrs

    def key(self) -> Key:
        return (self.name, self.kind, self.attrs)

    def counter_value(self) -> float:
        return self.value / self.sample_rate if 0 < self.sample_rate < 1 else self.value

    def weight(self) -> float:
        return 1.0 / self.sample_rate if 0 < self.sample_rate < 1 else 1.0


def parse_line(line: str, enable_metric_type: bool, enable_simple_tags: bool) -> Line:
    """One line as Go's parseMessageToMetric reads it; ParseError with Go's messages."""
    name_value, found, rest = line.partition("|")
    if not found:
        raise ParseError(f"invalid message format: {line}")
    name, found, value_text = name_value.partition(":")
    if not found:
        raise ParseError(f"invalid <name>:<value> format: {name_value}")
    if name == "":
        raise ParseError("empty metric name")
    if value_text == "":
        raise ParseError("empty metric value")
    addition = value_text[0] in "+-"
    kind, _, parts = rest.partition("|")
    if kind not in TYPE_NAMES:
        raise ParseError(f"unsupported metric type: {kind}")
    tags: list[tuple[str, str]] = []
    sample_rate = 0.0
    timestamp = 0
    for part in parts.split("|"):
        if part == "":
            break  # Go stops reading parts at the first empty one
        if part.startswith("@"):
            try:
                sample_rate = go_parse_float(part[1:])
            except ValueError:
                raise ParseError(f"parse sample rate: {part[1:]}") from None
        elif part.startswith("#"):
            for tag in part[1:].split(","):
                if tag == "":
                    continue
                key, _, tag_value = tag.partition(":")
                if key == "" or (tag_value == "" and not enable_simple_tags):
                    raise ParseError(f'invalid tag format: "{tag}"')
                tags.append((key, tag_value))
        elif part.startswith("c:"):
            if part[2:]:
                tags.append(("container.id", part[2:]))
        elif part.startswith("T"):
            if kind not in ("c", "g"):
                raise ParseError("only GAUGE and COUNT metrics support a timestamp")
            digits = part[1:]
            if not (digits.isascii() and digits.isdigit()) or int(digits) > _UINT64:
                raise ParseError(f"invalid timestamp: {digits}")
            timestamp = (int(digits) * 1_000_000_000) & _UINT64
        else:
            raise ParseError(f"unrecognized message part: {part}")
    try:
        value = go_parse_float(value_text)
    except ValueError:
        raise ParseError(f"parse metric value string: {value_text}") from None
    if enable_metric_type:
        tags.append(("metric_type", TYPE_NAMES[kind]))
    # Go's attribute.Set: the last value of a key wins, iterated in key order.
    attrs = tuple(sorted(dict(tags).items()))
    if math.isnan(value) or math.isinf(value):
        raise ParseError(f'discarding metric "{name}": invalid {"NaN" if math.isnan(value) else "infinite"} value')
    return Line(name, kind, value, addition, sample_rate, timestamp, attrs)


@dataclass
class _Observer:
    method: str = "disabled"
    max_size: int = 0
    explicit: list[tuple[re.Pattern[str], list[float]]] = field(default_factory=list)
    percentiles: list[float] = field(default_factory=list)


def _observer(method: str, histogram: HistogramConfig, percentiles: list[float]) -> _Observer:
    explicit = [(compile_go(b.matcher_pattern), list(b.buckets)) for b in histogram.explicit_buckets or []]
    return _Observer(method, histogram.max_size, explicit, list(percentiles))


class _Explicit:
    """Explicit-bucket counts (per bound, not cumulative, and the +Inf overflow), as Go keeps them."""

    def __init__(self, bounds: list[float]) -> None:
        self.bounds = bounds
        self.by_bound = dict.fromkeys(bounds, 0)  # equal bounds share a count, as Go's map does
        self.inf = 0
        self.count = 0
        self.sum = 0.0
        self.min = 0.0
        self.max = 0.0

    def update(self, value: float, incr: int) -> None:
        if incr <= 0:
            return
        self.sum += value * incr
        if self.count == 0:
            self.min = self.max = value
        else:
            self.min, self.max = min(self.min, value), max(self.max, value)
        self.count += incr
        for bound in self.bounds:
            if value <= bound:
                self.by_bound[bound] += incr
                return
        self.inf += incr


@dataclass
class _Instruments:
    gauges: dict[Key, list[Any]] = field(default_factory=dict)  # [value, ts]
    counters: dict[Key, list[Any]] = field(default_factory=dict)  # [value, ts]
    timer_gauges: list[tuple[Key, float, int]] = field(default_factory=list)
    summaries: dict[Key, tuple[list[float], list[float], list[float]]] = field(default_factory=dict)
    histograms: dict[Key, ExponentialHistogram | _Explicit] = field(default_factory=dict)


class Aggregator:
    """Go's StatsDParser: aggregate lines per sender until ``flush``."""

    def __init__(self, cfg: Config, version: str, now_ns: int) -> None:
        self._cfg = cfg
        self._version = version
        self._timers = _Observer()
        self._histograms = _Observer()
        for mapping in cfg.timer_histogram_mapping:
            observer = _observer(mapping.observer_type, mapping.histogram, mapping.summary.percentiles)
            if mapping.statsd_type in HISTOGRAM_TYPES:
                self._histograms = observer
            elif mapping.statsd_type in TIMER_TYPES:
                self._timers = observer
        self._by_sender: dict[Any, _Instruments] = {}
        self._interval_start = now_ns

    def sender_key(self, addr: Any) -> Any:
        if self._cfg.ignore_host:
            return None
        if self._cfg.enable_ip_only_aggregation and isinstance(addr, tuple):
            return addr[0]
        return addr

    def add(self, text: str, addr: Any, now_ns: int) -> None:
        line = parse_line(text, self._cfg.enable_metric_type, self._cfg.enable_simple_tags)
        sender = self.sender_key(addr)
        inst = self._by_sender.get(sender)
        if inst is None:
            inst = self._by_sender[sender] = _Instruments()
        key = line.key()
        if line.kind == "g":
            gauge = inst.gauges.get(key)
            if gauge is not None and line.addition:
                gauge[0] += line.value
            else:
                inst.gauges[key] = [line.value, now_ns]
        elif line.kind == "c":
            value = self._counter_increment(line.counter_value())
            counter = inst.counters.get(key)
            if counter is None:
                inst.counters[key] = [value, line.timestamp]
            else:
                counter[0] += value
        else:
            observer = self._timers if line.kind == "ms" else self._histograms
            if observer.method == "gauge":
                inst.timer_gauges.append((key, line.value, now_ns))
            elif observer.method == "summary":
                summary = inst.summaries.get(key)
                if summary is None:
                    summary = inst.summaries[key] = ([], [], observer.percentiles)
                summary[0].append(line.value)
                summary[1].append(line.weight())
            elif observer.method == "histogram":
                histogram = inst.histograms.get(key)
                if histogram is None:
                    histogram = inst.histograms[key] = self._new_histogram(observer, line.name)
                histogram.update(line.value, int(line.weight()))  # Go rounds the weight down

    def _counter_increment(self, value: float) -> float | int:
        counter_type = self._cfg.counter_type
        if counter_type == "float":
            return value
        if counter_type == "stochastic_int":
            floor = math.floor(value)
            return floor + (1 if random.random() < value - floor else 0)
        return math.trunc(value)  # Go's int64(value): integer counters add whole numbers

    @staticmethod
    def _new_histogram(observer: _Observer, name: str) -> ExponentialHistogram | _Explicit:
        for pattern, bounds in observer.explicit:
            if pattern.search(name):
                return _Explicit(bounds)
        return ExponentialHistogram(observer.max_size)

    def pending(self) -> bool:
        return bool(self._by_sender)

    def flush(self, now_ns: int) -> list[ExportMetricsServiceRequest]:
        """One request per sender, then a new interval starts (Go's GetMetrics)."""
        start, self._interval_start = self._interval_start, now_ns
        senders, self._by_sender = self._by_sender, {}
        return [self._build(inst, start, now_ns) for inst in senders.values()]

    def _metric(self, rm: Any, name: str) -> Any:
        sm = rm.scope_metrics.add()
        sm.scope.name = SCOPE_NAME
        sm.scope.version = self._version
        metric = sm.metrics.add()
        metric.name = name
        return metric

    def _build(self, inst: _Instruments, start: int, now: int) -> ExportMetricsServiceRequest:
        request = ExportMetricsServiceRequest()
        rm = request.resource_metrics.add()
        for (name, _, attrs), (value, ts) in inst.gauges.items():
            _point(self._metric(rm, name).gauge.data_points.add(), attrs, value=value, ts=ts)
        for (name, _, attrs), value, ts in inst.timer_gauges:
            _point(self._metric(rm, name).gauge.data_points.add(), attrs, value=value, ts=ts)
        delta = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA
        as_int = self._cfg.counter_type != "float"
        for (name, _, attrs), (value, ts) in inst.counters.items():
            total = self._metric(rm, name).sum
            total.aggregation_temporality = delta
            total.is_monotonic = self._cfg.is_monotonic_counter
            dp = total.data_points.add()
            if as_int:
                wrapped = int(value) % _INT64
                dp.as_int = wrapped - _INT64 if wrapped >= _INT64 // 2 else wrapped
            else:
                dp.as_double = value
            _point(dp, attrs, ts=ts or now, start=start)
        for (name, _, attrs), (values, weights, percentiles) in inst.summaries.items():
            dp = self._metric(rm, name).summary.data_points.add()
            _summary(dp, values, weights, percentiles or list(DEFAULT_PERCENTILES))
            _point(dp, attrs, ts=now, start=start)
        for (name, _, attrs), histogram in inst.histograms.items():
            metric = self._metric(rm, name)
            if isinstance(histogram, _Explicit):
                metric.histogram.aggregation_temporality = delta
                dp = metric.histogram.data_points.add()
                dp.count, dp.sum = histogram.count, histogram.sum
                if histogram.count:
                    dp.min, dp.max = histogram.min, histogram.max
                dp.explicit_bounds.extend(histogram.bounds)
                dp.bucket_counts.extend([histogram.by_bound[b] for b in histogram.bounds] + [histogram.inf])
            else:
                metric.exponential_histogram.aggregation_temporality = delta
                dp = metric.exponential_histogram.data_points.add()
                dp.count, dp.sum = histogram.count, histogram.sum
                if histogram.count:
                    dp.min, dp.max = histogram.min, histogram.max
                dp.zero_count, dp.scale = histogram.zero_count, histogram.scale
                dp.positive.offset, dp.negative.offset = histogram.positive.offset, histogram.negative.offset
                dp.positive.bucket_counts.extend(histogram.positive.counts)
                dp.negative.bucket_counts.extend(histogram.negative.counts)
            _point(dp, attrs, ts=now, start=start)
        return request


def _point(dp: Any, attrs: Attrs, *, ts: int, start: int = 0, value: float | None = None) -> None:
    if value is not None:
        dp.as_double = value
    dp.time_unix_nano = ts
    if start:
        dp.start_time_unix_nano = start
    for key, text in attrs:
        kv = dp.attributes.add()
        kv.key = key
        kv.value.string_value = text


def _summary(dp: Any, values: list[float], weights: list[float], percentiles: list[float]) -> None:
    """Count (rounded down), weighted sum, and gonum's empirical weighted quantiles."""
    dp.count = int(sum(weights))
    dp.sum = sum(v * w for v, w in zip(values, weights, strict=True))
    ordered = sorted(zip(values, weights, strict=True), key=lambda pair: pair[0])
    total = sum(weights)
    for pct in percentiles:
        quantile = dp.quantile_values.add()
        quantile.quantile = pct / 100
        target = pct / 100 * total
        cumulative = 0.0
        chosen = ordered[-1][0]
        for value, weight in ordered:
            cumulative += weight
            if cumulative >= target:
                chosen = value
                break
        quantile.value = chosen
