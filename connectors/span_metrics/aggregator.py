"""The span metrics state: spans in, OTLP metrics out at each flush (Go's ``connectorImp``
without its ticker).

Spans are grouped by resource (all its attributes, or only ``resource_metrics_key_attributes``);
resources whose attributes lack ``service.name`` are skipped, as in Go. Each resource keeps its
``calls`` sums, ``duration`` histograms and ``events`` sums in an LRU of
``resource_metrics_cache_size`` entries; a resource evicted from it is still reported at the next
flush and then forgotten (cumulative series restart). Delta temporality forgets everything at
each flush and starts the next interval where the last one ended.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1 import trace_pb2

from pyotelcol.helpers.metricstreams import attributes_key
from pyotelcol.pdata.pcommon import Value

from .adjusted_count import AdjustedCounts
from .config import (
    COLLECTOR_INSTANCE_ID,
    DEFAULT_NAMESPACE,
    SERVICE_NAME,
    SPAN_KIND,
    SPAN_NAME,
    STATUS_CODE,
    Config,
)
from .dimensions import DimensionList, Found, first_wins
from .gates import GateStates
from .series import (
    Attributes,
    ExplicitSeries,
    ExponentialSeries,
    SeriesStore,
    SumSeries,
    build_explicit,
    build_exponential,
    build_sums,
)

SCOPE_NAME = "spanmetricsconnector"
OTEL_STATUS_CODE = "otel.status_code"
SCOPE_NAME_KEY = "span.instrumentation.scope.name"
SCOPE_VERSION_KEY = "span.instrumentation.scope.version"
SAMPLING_METHOD = "sampling.method"
DEFAULT_BUCKETS_MS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000]

SPAN_KINDS = {
    0: "SPAN_KIND_UNSPECIFIED",
    1: "SPAN_KIND_INTERNAL",
    2: "SPAN_KIND_SERVER",
    3: "SPAN_KIND_CLIENT",
    4: "SPAN_KIND_PRODUCER",
    5: "SPAN_KIND_CONSUMER",
}
STATUS_CODES = {0: "STATUS_CODE_UNSET", 1: "STATUS_CODE_OK", 2: "STATUS_CODE_ERROR"}
_OTEL_STATUS = {1: "OK", 2: "ERROR"}
_EMPTY_ID = bytes(16)


def _ns(value: timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000_000 + value.microseconds * 1000


def _str_kv(key: str, text: str) -> KeyValue:
    kv = KeyValue(key=key)
    kv.value.string_value = text
    return kv


def _copy_kv(key: str, value: AnyValue) -> KeyValue:
    kv = KeyValue(key=key)
    kv.value.CopyFrom(value)
    return kv


def histogram_bounds(cfg: Config) -> list[float]:
    """Explicit bucket bounds in the histogram's unit (Go's default buckets unless configured)."""
    seconds = cfg.histogram.unit.lower() == "s"
    explicit = cfg.histogram.explicit
    if explicit.enabled:
        buckets = explicit.value.buckets or []
        divider = 1_000_000_000 if seconds else 1_000_000
        return [_ns(b) / divider for b in buckets]
    return [b / 1000 for b in DEFAULT_BUCKETS_MS] if seconds else [float(b) for b in DEFAULT_BUCKETS_MS]


@dataclass
class ResourceState:
    attributes: list[KeyValue]
    calls: SeriesStore[SumSeries]
    durations: SeriesStore[Any] | None
    events: SeriesStore[SumSeries]
    last_seen: int = 0


class ResourceCache:
    """An LRU whose evicted entries stay reachable until ``drop_evicted`` (Go's cache package):
    everything aggregated since the last flush is reported at the next one."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lru: OrderedDict[Hashable, ResourceState] = OrderedDict()
        self._evicted: dict[Hashable, ResourceState] = {}

    def get(self, key: Hashable) -> ResourceState | None:
        state = self._lru.get(key)
        if state is not None:
            self._lru.move_to_end(key)
            return state
        state = self._evicted.pop(key, None)
        if state is not None:  # revived
            self.add(key, state)
        return state

    def add(self, key: Hashable, state: ResourceState) -> None:
        self._lru[key] = state
        self._lru.move_to_end(key)
        while len(self._lru) > self._size:
            old_key, old = self._lru.popitem(last=False)
            self._evicted[old_key] = old

    def items(self) -> Iterator[tuple[Hashable, ResourceState]]:
        yield from list(self._lru.items())
        yield from list(self._evicted.items())

    def remove(self, key: Hashable) -> None:
        self._lru.pop(key, None)

    def drop_evicted(self) -> None:
        self._evicted.clear()

    def purge(self) -> None:
        self._lru.clear()
        self._evicted.clear()

    def __len__(self) -> int:
        return len(self._lru) + len(self._evicted)


class LRU:
    """A bounded map of the delta start timestamps."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, int] = OrderedDict()

    def get(self, key: Hashable) -> int | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: int) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


class Aggregator:
    def __init__(
        self,
        cfg: Config,
        gates: GateStates,
        instance_id: str,
        clock: Callable[[], int] = time.time_ns,
        adjusted_counts: Callable[[], AdjustedCounts] = AdjustedCounts,
    ) -> None:
        self.cfg = cfg
        self.gates = gates
        self.instance_id = instance_id
        self.clock = clock
        self._adjusted_counts = adjusted_counts
        self.delta = cfg.delta
        self.resources = ResourceCache(cfg.resource_metrics_cache_size)
        self.key_attributes = frozenset(cfg.resource_metrics_key_attributes)
        self.delta_starts = LRU(cfg.delta_timestamp_cache_size()) if self.delta else None
        self.dims = DimensionList.of(cfg.dimensions)
        self.calls_dims = DimensionList.of(cfg.calls_dimensions)
        self.duration_dims = DimensionList.of(cfg.histogram.dimensions)
        self.event_dims = DimensionList.of(cfg.events.dimensions)
        self.exclude = frozenset(cfg.exclude_dimensions)
        self.include_scopes = frozenset(cfg.include_instrumentation_scope)
        self.unit = cfg.histogram.unit.lower()
        self.divider = 1_000_000_000 if self.unit == "s" else 1_000_000
        self.bounds = histogram_bounds(cfg)
        exponential = cfg.histogram.exponential
        self.exponential = exponential.enabled
        self.expo_max_size = exponential.value.max_size  # 0 or less: go-expohisto's default size
        self.exemplars = cfg.exemplars.enabled
        namespace = cfg.namespace
        if gates.legacy_metric_names and namespace == DEFAULT_NAMESPACE:
            namespace = ""
        prefix = f"{namespace}." if namespace else ""
        self.names = (prefix + "calls", prefix + "duration", prefix + "events")
        status_key = OTEL_STATUS_CODE if gates.use_otel_status_prefix else STATUS_CODE
        self._key_parts = (
            SERVICE_NAME not in self.exclude,
            SPAN_NAME not in self.exclude,
            SPAN_KIND not in self.exclude,
            status_key not in self.exclude,
        )

    # -- aggregation -----------------------------------------------------------------------------
    def _new_resource(self, attributes: list[KeyValue]) -> ResourceState:
        cfg = self.cfg
        limit = cfg.aggregation_cardinality_limit
        max_ex = cfg.exemplars.max_per_data_point
        durations: SeriesStore[Any] | None = None
        if not cfg.histogram.disable:
            if self.exponential:
                size = self.expo_max_size
                durations = SeriesStore(lambda a, t: ExponentialSeries(a, t, max_ex, size), limit)
            else:
                bounds = self.bounds
                durations = SeriesStore(lambda a, t: ExplicitSeries(a, t, max_ex, bounds), limit)
        return ResourceState(
            attributes=[_copy_kv(kv.key, kv.value) for kv in attributes],
            calls=SeriesStore(lambda a, t: SumSeries(a, t, max_ex), limit),
            durations=durations,
            events=SeriesStore(lambda a, t: SumSeries(a, t, max_ex), limit),
        )

    def _resource(self, attributes: Any, now: int) -> tuple[Hashable, ResourceState]:
        if self.key_attributes:
            key: Hashable = attributes_key(kv for kv in attributes if kv.key in self.key_attributes)
        else:
            key = attributes_key(attributes)
        state = self.resources.get(key)
        if state is None:
            state = self._new_resource(list(attributes))
            self.resources.add(key, state)
        if self.cfg.metrics_expiration > timedelta(0):
            state.last_seen = now
        return key, state

    def aggregate(self, request: Any) -> None:
        """Count every span of an ``ExportTraceServiceRequest``."""
        now = self.clock()
        counts = self._adjusted_counts()
        for rs in request.resource_spans:
            res_attrs = rs.resource.attributes
            res_map = first_wins(res_attrs)
            service = res_map.get(SERVICE_NAME)
            if service is None:
                continue
            service_name = service.string_value  # Go's Str(): "" for a value of another type
            _, state = self._resource(res_attrs, now)
            for ss in rs.scope_spans:
                scope = ss.scope
                for span in ss.spans:
                    self._count_span(state, service_name, span, scope, res_map, counts, now)

    def _count_span(
        self,
        state: ResourceState,
        service_name: str,
        span: trace_pb2.Span,
        scope: Any,
        res_map: dict[str, AnyValue],
        counts: AdjustedCounts,
        now: int,
    ) -> None:
        start, end = span.start_time_unix_nano, span.end_time_unix_nano
        duration = (end - start) / self.divider if end > start else 0.0  # Go: 0 when end < start
        n, adjusted = counts.of(span.trace_state)
        events_on = self.cfg.events.enabled
        separate_durations = bool(self.calls_dims or self.duration_dims)
        span_map = first_wins(span.attributes) if (self.dims or separate_durations or events_on) else {}
        common = self.dims.find(span_map, res_map) if self.dims else []
        calls_extra = self.calls_dims.find(span_map, res_map) if self.calls_dims else []
        with_exemplar = self.exemplars and span.trace_id != _EMPTY_ID and bool(span.trace_id)
        build = self._attributes

        key = self._key(service_name, span, common, calls_extra, adjusted)
        series, overflowed = state.calls.get_or_create(
            key, now, build, service_name, span, scope, common, calls_extra, adjusted
        )
        if with_exemplar and not overflowed:
            series.add_exemplar(span.trace_id, span.span_id, duration)
        series.observe(duration, n)

        if state.durations is not None:
            if separate_durations:
                extra = self.duration_dims.find(span_map, res_map) if self.duration_dims else []
                dkey = self._key(service_name, span, common, extra, adjusted)
                hist, overflowed = state.durations.get_or_create(
                    dkey, now, build, service_name, span, scope, common, extra, adjusted
                )
            else:
                hist, overflowed = state.durations.get_or_create(
                    key, now, build, service_name, span, scope, common, calls_extra, adjusted
                )
            if with_exemplar and not overflowed:
                hist.add_exemplar(span.trace_id, span.span_id, duration)
            hist.observe(duration, n)

        if events_on:
            for event in span.events:
                self._count_event(
                    state, service_name, span, scope, event, span_map, res_map, adjusted, n, duration, now
                )

    def _count_event(
        self,
        state: ResourceState,
        service_name: str,
        span: trace_pb2.Span,
        scope: Any,
        event: trace_pb2.Span.Event,
        span_map: dict[str, AnyValue],
        res_map: dict[str, AnyValue],
        adjusted: bool,
        n: int,
        duration: float,
        now: int,
    ) -> None:
        event_map = first_wins(event.attributes)
        common = self.dims.find(span_map, res_map, event_map) if self.dims else []
        extra = self.event_dims.find(span_map, res_map, event_map)
        key = self._key(service_name, span, common, extra, adjusted)
        series, overflowed = state.events.get_or_create(
            key, now, self._attributes, service_name, span, scope, common, extra, adjusted
        )
        if self.exemplars and not overflowed and span.trace_id and span.trace_id != _EMPTY_ID:
            series.add_exemplar(span.trace_id, span.span_id, duration)
        series.observe(duration, n)

    def _key(self, service: str, span: trace_pb2.Span, common: Found, extra: Found, adjusted: bool) -> Hashable:
        with_service, with_name, with_kind, with_status = self._key_parts
        parts: list[Any] = []
        if with_service:
            parts.append(service)
        if with_name:
            parts.append(span.name)
        if with_kind:
            parts.append(span.kind)
        if with_status:
            parts.append(span.status.code)
        for name, value in (*common, *extra):
            # Go keys a dimension by its value's AsString: 200 and "200" share a series
            text = value.string_value if value.WhichOneof("value") == "string_value" else Value(value).as_string()
            parts.append((name, text))
        if self.cfg.enable_metrics_sampling_method:
            parts.append("extrapolated" if adjusted else "counted")
        return tuple(parts)

    def _attributes(
        self, service: str, span: trace_pb2.Span, scope: Any, common: Found, extra: Found, adjusted: bool
    ) -> Attributes:
        exclude = self.exclude
        out: Attributes = []
        if SERVICE_NAME not in exclude:
            out.append(_str_kv(SERVICE_NAME, service))
        if SPAN_NAME not in exclude:
            out.append(_str_kv(SPAN_NAME, span.name))
        if SPAN_KIND not in exclude:
            out.append(_str_kv(SPAN_KIND, SPAN_KINDS.get(span.kind, "")))
        code = span.status.code
        if self.gates.use_otel_status_prefix:
            if OTEL_STATUS_CODE not in exclude and code in _OTEL_STATUS:
                out.append(_str_kv(OTEL_STATUS_CODE, _OTEL_STATUS[code]))
        elif STATUS_CODE not in exclude:
            out.append(_str_kv(STATUS_CODE, STATUS_CODES.get(code, "")))
        if self.gates.include_collector_instance_id and COLLECTOR_INSTANCE_ID not in exclude:
            out.append(_str_kv(COLLECTOR_INSTANCE_ID, self.instance_id))
        if scope.name and scope.name in self.include_scopes:
            out.append(_str_kv(SCOPE_NAME_KEY, scope.name))
            if scope.version:
                out.append(_str_kv(SCOPE_VERSION_KEY, scope.version))
        if self.cfg.enable_metrics_sampling_method:
            out.append(_str_kv(SAMPLING_METHOD, "extrapolated" if adjusted else "counted"))
        # A dimension named like an attribute already set replaces its value, as Go's PutEmpty does.
        for name, value in (*common, *extra):
            for kv in out:
                if kv.key == name:
                    kv.value.CopyFrom(value)
                    break
            else:
                out.append(_copy_kv(name, value))
        return out

    # -- flush -----------------------------------------------------------------------------------
    def flush(self) -> ExportMetricsServiceRequest | None:
        """Build the metrics of every resource and reset the state for the next interval; None
        when there is nothing to report."""
        request = self.build()
        self.reset()
        return request if request.resource_metrics else None

    def build(self) -> ExportMetricsServiceRequest:
        timestamp = self.clock()
        request = ExportMetricsServiceRequest()
        with_resource = not self.gates.exclude_resource_metrics or self.cfg.add_resource_attributes
        calls_name, duration_name, events_name = self.names
        for rkey, state in self.resources.items():
            rm = request.resource_metrics.add()
            if with_resource:
                rm.resource.attributes.extend(state.attributes)
            sm = rm.scope_metrics.add()
            sm.scope.name = SCOPE_NAME
            used: set[Hashable] = set()
            start_of = self._start_times(rkey, used)
            metric = sm.metrics.add(name=calls_name)
            build_sums(state.calls, metric, timestamp, start_of, self.delta)
            if state.durations is not None:
                metric = sm.metrics.add(name=duration_name, unit=self.unit)
                if self.exponential:
                    build_exponential(state.durations, metric, timestamp, start_of, self.delta)
                else:
                    build_explicit(state.durations, metric, timestamp, start_of, self.delta)
            if self.cfg.events.enabled:
                metric = sm.metrics.add(name=events_name)
                build_sums(state.events, metric, timestamp, start_of, self.delta)
            if self.delta_starts is not None:
                for key in used:
                    self.delta_starts.put((rkey, key), timestamp)
        return request

    def _start_times(self, rkey: Hashable, used: set[Hashable]) -> Callable[[Hashable, int], int]:
        """A series' start time: its creation for cumulative metrics, the end of the last
        interval reported for the same resource and key for delta ones."""
        starts = self.delta_starts
        if starts is None:
            return lambda _key, start: start

        def delta_start(key: Hashable, start: int) -> int:
            used.add(key)
            last = starts.get((rkey, key))
            return start if last is None else last

        return delta_start

    def reset(self) -> None:
        cfg = self.cfg
        if self.delta:
            self.resources.purge()
            return
        self.resources.drop_evicted()
        now = self.clock()
        series_cutoff = now - _ns(cfg.series_expiration) if cfg.series_expiration > timedelta(0) else None
        resource_cutoff = now - _ns(cfg.metrics_expiration) if cfg.metrics_expiration > timedelta(0) else None
        for rkey, state in self.resources.items():
            stores = [s for s in (state.calls, state.events, state.durations) if s is not None]
            for store in stores:
                if self.exemplars:
                    store.clear_exemplars()
                if series_cutoff is not None:
                    store.expire(series_cutoff)
            if resource_cutoff is not None and state.last_seen <= resource_cutoff:
                self.resources.remove(rkey)
