"""Accumulated series → Prometheus metric families, as Go's prometheusexporter ``collector`` and
client_golang's const metrics build them.

Per series: the name from the OTLP name, unit and type (``translation_strategy``), labels from the
point's attributes, ``otel_scope_<attr>`` / ``otel_scope_name`` / ``otel_scope_version`` /
``otel_scope_schema_url`` (unless ``without_scope_info``), ``job`` and ``instance`` from the
resource, then ``const_labels``. Gauges are gauges (``unknown`` when the prometheus receiver
recorded the original type as unknown), monotonic sums counters, other sums gauges, histograms
and summaries themselves; exponential histograms become a histogram with only the ``+Inf`` bucket
(the text formats have no native histograms). A family's type and help come from the first series
seen with that name: a series of another type is dropped with Go's "instrument type conflict"
error. Each resource with ``service.name`` and ``service.instance.id`` also gives a ``target_info``
gauge (value 1) labelled with its other attributes.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import KeyValue

from pyotelcol.translator.prometheus.from_otlp import (
    SERVICE_INSTANCE_ID,
    SERVICE_NAME,
    SERVICE_NAMESPACE,
    attribute_string,
    go_float_g,
    job_and_instance,
)
from pyotelcol.translator.prometheus.naming import LabelNamer, MetricNamer, NamingError, metric_kind

from .accumulator import Accumulated

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]

_METADATA_TYPE_KEY = "prometheus.type"
_RESERVED_SCOPE_ATTRS = frozenset({"name", "version", "schema_url"})
_IDENTIFYING = frozenset({SERVICE_NAME, SERVICE_NAMESPACE, SERVICE_INSTANCE_ID})
_DEFAULT_ZERO_THRESHOLD = 1e-128  # Go's, when the point has none


@dataclass
class Exemplar:
    labels: dict[str, str]
    value: float
    timestamp_s: float | None


@dataclass
class Sample:
    """One exposition line (text and OpenMetrics formats)."""

    name: str
    labels: list[tuple[str, str]]  # sorted by name; ``le`` / ``quantile`` last
    value: float
    timestamp_ms: int | None = None
    exemplar: Exemplar | None = None


@dataclass
class NativeBuckets:
    """An exponential histogram as a Prometheus native histogram (client_golang's const native
    histogram): schema, zero bucket, and per side the spans and count deltas."""

    schema: int
    zero_threshold: float
    zero_count: int
    positive: tuple[list[tuple[int, int]], list[int]]
    negative: tuple[list[tuple[int, int]], list[int]]


@dataclass
class Series:
    """One metric of a family: its labels and its value(s), in whichever shape the type has."""

    labels: list[tuple[str, str]]  # sorted by name
    timestamp_ms: int | None = None
    value: float = 0.0  # gauge, counter, untyped
    exemplar: Exemplar | None = None  # counter
    count: int = 0  # histogram, summary
    sum: float = 0.0
    buckets: list[tuple[float, int, Exemplar | None]] = field(default_factory=list)  # finite bounds, cumulative
    inf_exemplar: Exemplar | None = None
    quantiles: list[tuple[float, float]] = field(default_factory=list)
    native: NativeBuckets | None = None
    created_ns: int = 0


@dataclass
class Family:
    name: str
    help: str
    type: str  # counter | gauge | histogram | summary | untyped
    series: list[Series] = field(default_factory=list)

    def samples(self) -> list[Sample]:
        """The exposition lines: histograms as ``_bucket{le}`` / ``_sum`` / ``_count`` (an
        exponential histogram only has the ``+Inf`` bucket), summaries as ``{quantile}`` /
        ``_sum`` / ``_count``."""
        out: list[Sample] = []
        name = self.name
        for one in self.series:
            labels, ts = one.labels, one.timestamp_ms
            if self.type == "histogram":
                for bound, count, exemplar in one.buckets:
                    out.append(
                        Sample(name + "_bucket", [*labels, ("le", go_float_g(bound))], float(count), ts, exemplar)
                    )
                out.append(Sample(name + "_bucket", [*labels, ("le", "+Inf")], float(one.count), ts, one.inf_exemplar))
                out.append(Sample(name + "_sum", labels, one.sum, ts))
                out.append(Sample(name + "_count", labels, float(one.count), ts))
            elif self.type == "summary":
                for quantile, value in one.quantiles:
                    out.append(Sample(name, [*labels, ("quantile", go_float_g(quantile))], value, ts))
                out.append(Sample(name + "_sum", labels, one.sum, ts))
                out.append(Sample(name + "_count", labels, float(one.count), ts))
            else:
                out.append(Sample(name, labels, one.value, ts, one.exemplar))
        return out


class ConversionError(Exception):
    pass


@dataclass
class _Known:
    type: str
    help: str
    last_seen: float


class Collector:
    def __init__(
        self,
        *,
        namespace: str,
        const_labels: dict[str, str],
        send_timestamps: bool,
        without_scope_info: bool,
        metric_namer: MetricNamer,
        label_namer: LabelNamer,
        expiration_s: float,
        logger: Logger,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._namespace = namespace
        self._const_labels = const_labels
        self._send_timestamps = send_timestamps
        self._without_scope_info = without_scope_info
        self._metric_namer = metric_namer
        self._label_namer = label_namer
        self._expiration = expiration_s
        self._logger = logger
        self._clock = clock
        self._known: dict[str, _Known] = {}
        self._lock = threading.Lock()

    # -- families ----------------------------------------------------------------------------

    def families(self, series: Sequence[Accumulated]) -> list[Family]:
        """Families sorted by name, their series sorted by label values (client_golang's Gather)."""
        out: dict[str, Family] = {}
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()

        def add(family: Family) -> None:
            target = out.setdefault(family.name, Family(family.name, family.help, family.type))
            for one in family.series:
                key = (family.name, tuple(one.labels))
                if key in seen:
                    continue  # client_golang refuses a duplicate series; the first one is served
                seen.add(key)
                target.series.append(one)

        try:
            for info in self._target_info(series):
                add(info)
        except ConversionError as exc:
            self._logger.error(f"failed to convert metric target_info: {exc}")
        with self._lock:
            for item in series:
                try:
                    add(self._convert(item))
                except ConversionError as exc:
                    self._logger.error(f"failed to convert metric {item.metric.name}: {exc}")
            self._forget_expired()
        families = [out[name] for name in sorted(out)]
        for family in families:
            family.series.sort(key=lambda one: tuple(v for _, v in one.labels))
        return families

    def _forget_expired(self) -> None:
        cutoff = self._clock() - self._expiration
        for name in [n for n, k in self._known.items() if k.last_seen < cutoff]:
            del self._known[name]

    def _family_help(self, name: str, description: str, prom_type: str) -> str:
        """Go's validateMetrics: the first type and help seen for a name stay."""
        now = self._clock()
        known = self._known.get(name)
        if known is None:
            self._known[name] = _Known(prom_type, description, now)
            return description
        if known.type != prom_type:
            raise ConversionError(
                f"instrument type conflict, using existing type definition. instrument: {name}, "
                f"existing: {known.type.upper()}, dropped: {prom_type.upper()}"
            )
        known.last_seen = now
        if known.help != description:
            self._logger.info(
                "Instrument description conflict, using existing",
                extra={"fields": {"instrument": name, "existing": known.help, "dropped": description}},
            )
        return known.help

    def _labels(self, item: Accumulated, attrs: Sequence[KeyValue]) -> list[tuple[str, str]]:
        namer = self._label_namer
        pairs: list[tuple[str, str]] = []
        problems: list[str] = []
        for kv in attrs:
            try:
                pairs.append((namer.build(kv.key), attribute_string(kv.value)))
            except NamingError as exc:
                problems.append(str(exc))
        if not self._without_scope_info:
            for kv in item.scope_attrs:
                if kv.key in _RESERVED_SCOPE_ATTRS:
                    continue
                try:
                    pairs.append((namer.build("otel_scope_" + kv.key), attribute_string(kv.value)))
                except NamingError as exc:
                    problems.append(str(exc))
            pairs.append(("otel_scope_name", item.scope_name))
            pairs.append(("otel_scope_version", item.scope_version))
            pairs.append(("otel_scope_schema_url", item.scope_schema_url))
        job, instance = job_and_instance(item.resource_attrs)
        if job is not None:
            pairs.append(("job", job))
        if instance is not None:
            pairs.append(("instance", instance))
        if problems:
            raise ConversionError("; ".join(problems))
        pairs.extend(self._const_labels.items())
        names = [name for name, _ in pairs]
        if len(set(names)) != len(names):
            duplicated = sorted({n for n in names if names.count(n) > 1})
            raise ConversionError(f"duplicate label names: {', '.join(duplicated)}")
        return sorted(pairs)

    def _convert(self, item: Accumulated) -> Family:
        metric = item.metric
        data = metric.WhichOneof("data")
        point = item.point
        original = next((attribute_string(kv.value) for kv in metric.metadata if kv.key == _METADATA_TYPE_KEY), None)
        if data == "gauge":
            prom_type = "untyped" if original == "unknown" else "gauge"
        elif data == "sum":
            prom_type = "counter" if metric.sum.is_monotonic else "gauge"
        elif data in ("histogram", "exponential_histogram"):
            prom_type = "histogram"
        elif data == "summary":
            prom_type = "summary"
        else:
            raise ConversionError("unknown metric type")
        try:
            name = self._metric_namer.build(metric.name, metric.unit, metric_kind(metric))
        except NamingError as exc:
            raise ConversionError(str(exc)) from None
        help_text = self._family_help(name, metric.description, "gauge" if prom_type == "untyped" else prom_type)
        labels = self._labels(item, point.attributes)
        ts = point.time_unix_nano // 1_000_000 if self._send_timestamps else None
        one = Series(labels, ts, created_ns=point.start_time_unix_nano)
        if data in ("gauge", "sum"):
            one.value = float(point.as_int) if point.WhichOneof("value") == "as_int" else point.as_double
            exemplars = _exemplars(point) if prom_type == "counter" else []
            one.exemplar = exemplars[-1] if exemplars else None
        elif data == "histogram":
            _histogram(one, point)
        elif data == "exponential_histogram":
            _exponential(one, point)
        else:
            quantiles: dict[float, float] = {}
            for q in point.quantile_values:
                quantiles[q.quantile] = q.value
            one.quantiles = sorted(quantiles.items())
            one.count, one.sum = point.count, point.sum
        return Family(name, help_text, prom_type, [one])

    # -- target_info -------------------------------------------------------------------------

    def _target_info(self, series: Sequence[Accumulated]) -> list[Family]:
        name = "target_info" if not self._namespace else f"{self._namespace}_target_info"
        family = Family(name, "Target metadata", "gauge")
        done: set[tuple[str, str]] = set()
        for item in series:
            job, instance = job_and_instance(item.resource_attrs)
            if not job or not instance or (job, instance) in done:
                continue
            done.add((job, instance))
            labels: dict[str, str] = {}
            problems: list[str] = []
            for kv in item.resource_attrs:
                if kv.key in _IDENTIFYING:
                    continue
                try:
                    key = self._label_namer.build(kv.key)
                except NamingError as exc:
                    problems.append(str(exc))
                    continue
                value = attribute_string(kv.value)
                labels[key] = labels[key] + ";" + value if key in labels else value
            if problems:
                raise ConversionError("; ".join(problems))
            labels["job"] = job
            labels["instance"] = instance
            family.series.append(Series(sorted(labels.items()), value=1.0))
        return [family] if family.series else []


def _histogram(one: Series, point: Any) -> None:
    """Go's convertDoubleHistogram: bounds deduplicated and sorted, counts made cumulative;
    each exemplar goes to the first bucket that holds its value (client_golang)."""
    first_index: dict[float, int] = {}
    for index, bound in enumerate(point.explicit_bounds):
        first_index.setdefault(bound, index)
    counts = list(point.bucket_counts)
    cumulative = 0
    bounds: list[tuple[float, int]] = []
    for bound in sorted(first_index):
        index = first_index[bound]
        cumulative += counts[index] if index < len(counts) else 0
        if not (math.isinf(bound) and bound > 0):  # +Inf is written from the point's count
            bounds.append((bound, cumulative))
    placed: dict[float, Exemplar] = {}
    for exemplar in _exemplars(point):
        for bound in [b for b, _ in bounds] + [math.inf]:
            if exemplar.value <= bound:
                placed[bound] = exemplar
                break
    one.buckets = [(bound, count, placed.get(bound)) for bound, count in bounds]
    one.inf_exemplar = placed.get(math.inf)
    one.count, one.sum = point.count, point.sum


def _exponential(one: Series, point: Any) -> None:
    """Go's convertExponentialHistogram: a native histogram (scales above 8 merged down to 8)."""
    if point.scale == -53:
        raise ConversionError(
            "unexpected ExponentialHistogram with schema -53; CBNH is supported via classic histogram"
        )
    if point.scale < -4:
        raise ConversionError(f"cannot convert exponential to native histogram: scale must be >= -4, was {point.scale}")
    if not point.HasField("sum"):
        raise ConversionError("cannot convert exponential to native histogram: sum is not set")
    scale_down = max(point.scale - 8, 0)
    one.native = NativeBuckets(
        schema=point.scale - scale_down,
        zero_threshold=point.zero_threshold if point.zero_threshold != 0 else _DEFAULT_ZERO_THRESHOLD,
        zero_count=point.zero_count,
        positive=_spans(point.positive.offset, list(point.positive.bucket_counts), scale_down),
        negative=_spans(point.negative.offset, list(point.negative.bucket_counts), scale_down),
    )
    one.count, one.sum = point.count, point.sum


def _spans(offset: int, counts: list[int], scale_down: int) -> tuple[list[tuple[int, int]], list[int]]:
    """Go's bucketsToNativeMap then client_golang's makeBucketsFromMap: Prometheus bucket index →
    count (OTLP index + 1, merged by ``scale_down``), as spans (gaps up to two buckets filled with
    zeros) and count deltas."""
    merged: dict[int, int] = {}
    for i, count in enumerate(counts):
        index = ((i + offset) >> scale_down) + 1
        merged[index] = merged.get(index, 0) + count
    spans: list[list[int]] = []
    deltas: list[int] = []
    previous = 0
    next_index = 0
    for n, index in enumerate(sorted(merged)):
        gap = index - next_index
        if n == 0 or gap > 2:
            spans.append([gap, 0])
        else:
            for _ in range(gap):
                spans[-1][1] += 1
                deltas.append(-previous)
                previous = 0
        spans[-1][1] += 1
        deltas.append(merged[index] - previous)
        previous = merged[index]
        next_index = index + 1
    return [(o, n) for o, n in spans], deltas


def _exemplars(point: Any) -> list[Exemplar]:
    out = []
    for exemplar in point.exemplars:
        labels: dict[str, str] = {}
        if exemplar.trace_id and any(exemplar.trace_id):
            labels["trace_id"] = exemplar.trace_id.hex()
        if exemplar.span_id and any(exemplar.span_id):
            labels["span_id"] = exemplar.span_id.hex()
        value = float(exemplar.as_int) if exemplar.WhichOneof("value") == "as_int" else exemplar.as_double
        ts = exemplar.time_unix_nano / 1e9 if exemplar.time_unix_nano else None
        out.append(Exemplar(labels, value, ts))
    return out
