"""The service graph state: spans in, edges paired in the store, OTLP metrics out at each flush
(Go's ``serviceGraphConnector`` without its tickers).

Client and producer spans open an edge under their own span id, server and consumer spans under
their parent span id; producer/consumer pairs are ``messaging_system`` edges. A client span
carrying one of ``database_name_attributes`` is a whole ``database`` edge by itself. Spans of
resources without ``service.name`` are skipped. Every completed edge adds to cumulative series
keyed by client, server, connection type, failed and the configured dimensions; a series not
updated for 15 minutes is forgotten at the next cache cleanup.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from pyotelcol.helpers.expohisto import ExponentialHistogram
from pyotelcol.pdata.pcommon import Value

from .config import Config
from .store import (
    CLIENT_VIRTUAL_NODE,
    DATABASE,
    MESSAGING_SYSTEM,
    SERVER_VIRTUAL_NODE,
    UNKNOWN,
    VIRTUAL_NODE,
    Edge,
    Store,
    TooManyItemsError,
)

SCOPE_NAME = "traces_service_graph"
REQUEST_TOTAL = "traces_service_graph_request_total"
REQUEST_FAILED_TOTAL = "traces_service_graph_request_failed_total"
REQUEST_SERVER = "traces_service_graph_request_server"
REQUEST_CLIENT = "traces_service_graph_request_client"
VIRTUAL_NODE_LABEL = "virtual_node"
#: Series not updated for this long are dropped by the cache cleanup, as in Go.
STALE_AFTER_NS = 15 * 60 * 1_000_000_000

_CLIENT_KINDS = {trace_pb2.Span.SPAN_KIND_CLIENT: UNKNOWN, trace_pb2.Span.SPAN_KIND_PRODUCER: MESSAGING_SYSTEM}
_SERVER_KINDS = {trace_pb2.Span.SPAN_KIND_SERVER: UNKNOWN, trace_pb2.Span.SPAN_KIND_CONSUMER: MESSAGING_SYSTEM}
_STATUS_ERROR = trace_pb2.Status.STATUS_CODE_ERROR
_CUMULATIVE = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE

SeriesKey = tuple[str, ...]


def attribute_value(key: str, *attribute_lists: Iterable[KeyValue]) -> str | None:
    """The value of ``key`` from the first list holding it, as Go's ``AsString`` prints it."""
    for attributes in attribute_lists:
        for kv in attributes:
            if kv.key == key:
                return Value(kv.value).as_string()
    return None


def first_matching(keys: list[str], *attribute_lists: Iterable[KeyValue]) -> str | None:
    for key in keys:
        found = attribute_value(key, *attribute_lists)
        if found is not None:
            return found
    return None


def span_seconds(span: trace_pb2.Span) -> float:
    # unsigned in Go: an end before the start wraps around; clamp it to 0 instead
    return max(span.end_time_unix_nano - span.start_time_unix_nano, 0) / 1e9


def _str_kv(key: str, text: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=text))


@dataclass
class Series:
    """One edge series: the attributes of its data points and its cumulative values."""

    attributes: list[KeyValue]
    last_updated: int
    requests: int = 0
    failed: int = 0
    server: Histogram | None = None
    client: Histogram | None = None


class Histogram:
    """Explicit buckets (``bounds``) or, when ``bounds`` is None, an exponential histogram."""

    __slots__ = ("bounds", "count", "counts", "exponential", "sum")

    def __init__(self, bounds: list[float] | None, max_size: int) -> None:
        self.bounds = bounds
        self.count = 0
        self.sum = 0.0
        self.counts = [0] * (len(bounds) + 1) if bounds is not None else []
        self.exponential = ExponentialHistogram(max_size) if bounds is None else None

    def observe(self, seconds: float) -> None:
        if self.exponential is not None:
            self.exponential.update(seconds, 1)
            return
        assert self.bounds is not None
        # upper-inclusive buckets, as Go's sort.SearchFloat64s gives
        self.counts[bisect_left(self.bounds, seconds)] += 1
        self.count += 1
        self.sum += seconds

    def fill(self, metric: metrics_pb2.Metric, attributes: list[KeyValue], start: int, timestamp: int) -> None:
        h = self.exponential
        if h is None:
            dp = metric.histogram.data_points.add(start_time_unix_nano=start, time_unix_nano=timestamp)
            dp.explicit_bounds.extend(self.bounds or [])
            dp.bucket_counts.extend(self.counts)
            dp.count = self.count
            dp.sum = self.sum
            dp.attributes.extend(attributes)
            return
        edp = metric.exponential_histogram.data_points.add(start_time_unix_nano=start, time_unix_nano=timestamp)
        edp.count = h.count
        edp.sum = h.sum
        if h.count:
            edp.min = h.min
            edp.max = h.max
        edp.zero_count = h.zero_count
        edp.scale = h.scale
        edp.positive.offset = h.positive.offset
        edp.positive.bucket_counts.extend(h.positive.counts)
        edp.negative.offset = h.negative.offset
        edp.negative.bucket_counts.extend(h.negative.counts)
        edp.attributes.extend(attributes)


_TELEMETRY = {
    "dropped_spans": "Number of spans dropped when trying to add edges",
    "expired_edges": "Number of edges that expired before finding its matching span",
    "total_edges": "Total number of unique edges",
}


class Counters:
    """The connector's own telemetry, Go's ``otelcol_connector_servicegraph_*`` counters; the
    totals are kept here too."""

    def __init__(self, meter: Any = None, attributes: dict[str, str] | None = None) -> None:
        self.totals = dict.fromkeys(_TELEMETRY, 0)
        self._attributes = attributes or {}
        self._instruments = {}
        if meter is not None:
            for name, description in _TELEMETRY.items():
                self._instruments[name] = meter.create_counter(
                    f"otelcol_connector_servicegraph_{name}", unit="1", description=description
                )

    def add(self, name: str) -> None:
        self.totals[name] += 1
        instrument = self._instruments.get(name)
        if instrument is not None:
            instrument.add(1, self._attributes)


class ServiceGraph:
    def __init__(
        self,
        cfg: Config,
        counters: Counters | None = None,
        clock: Callable[[], int] = time.time_ns,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cfg = cfg
        self.counters = counters or Counters()
        self._clock = clock
        self._bounds = cfg.bounds()
        self._max_size = cfg.exponential_histogram_max_size
        self._peer_attributes = cfg.peer_attributes()
        self._database_attributes = cfg.database_attributes()
        self._offset_ns = int(cfg.metrics_timestamp_offset.total_seconds() * 1e9)
        self.start_time = clock()
        self.store = Store(
            cfg.store.ttl.total_seconds(), cfg.store.max_items, self._on_complete, self._on_expire, monotonic
        )
        self.series: dict[SeriesKey, Series] = {}

    # -- spans in ------------------------------------------------------------------------------
    def aggregate(self, request: Any) -> None:
        for rs in request.resource_spans:
            resource = rs.resource.attributes
            service = attribute_value("service.name", resource)
            if service is None:
                continue
            for ss in rs.scope_spans:
                for span in ss.spans:
                    self._add_span(service, resource, span)

    def _add_span(self, service: str, resource: Any, span: trace_pb2.Span) -> None:
        kind = span.kind
        if kind in _CLIENT_KINDS:
            key = (span.trace_id, span.span_id)

            def update(edge: Edge) -> None:
                edge.connection_type = _CLIENT_KINDS[kind]
                edge.client_service = service
                edge.client_latency_sec = span_seconds(span)
                edge.failed = edge.failed or span.status.code == _STATUS_ERROR
                self._add_dimensions("client", edge.dimensions, resource, span.attributes)
                for name in self._peer_attributes:  # the first one found, on the span only
                    value = attribute_value(name, span.attributes)
                    if value is not None:
                        edge.peer[name] = value
                        break
                # a database call has no server span: the client span is the whole edge
                database = first_matching(self._database_attributes, resource, span.attributes)
                if database is not None:
                    edge.connection_type = DATABASE
                    edge.server_service = database
                    edge.server_latency_sec = span_seconds(span)

        elif kind in _SERVER_KINDS:
            key = (span.trace_id, span.parent_span_id)

            def update(edge: Edge) -> None:
                edge.connection_type = _SERVER_KINDS[kind]
                edge.server_service = service
                edge.server_latency_sec = span_seconds(span)
                edge.failed = edge.failed or span.status.code == _STATUS_ERROR
                self._add_dimensions("server", edge.dimensions, resource, span.attributes)

        else:
            return
        try:
            if self.store.upsert(key, update):
                self.counters.add("total_edges")
        except TooManyItemsError:
            self.counters.add("dropped_spans")

    def _add_dimensions(self, side: str, out: dict[str, str], resource: Any, attributes: Any) -> None:
        for name in self.cfg.dimensions:
            value = attribute_value(name, resource, attributes)
            if value is not None:
                out[f"{side}_{name}"] = value

    def expire(self) -> None:
        self.store.expire()

    # -- edges to series -----------------------------------------------------------------------
    def _on_expire(self, edge: Edge) -> None:
        self.counters.add("expired_edges")
        if not self._peer_attributes:
            return
        edge.connection_type = VIRTUAL_NODE
        # a root server span: its caller is outside the traced system
        if not edge.client_service and edge.span_id_is_empty():
            edge.client_service = "user"
            if self.cfg.virtual_node_extra_label:
                edge.virtual_node_label = CLIENT_VIRTUAL_NODE
            self._on_complete(edge)
        # a client span nobody answered: the server is named by its peer attribute
        if not edge.server_service:
            edge.server_service = next(
                (edge.peer[name] for name in self._peer_attributes if name in edge.peer), "unknown"
            )
            if self.cfg.virtual_node_extra_label:
                edge.virtual_node_label = SERVER_VIRTUAL_NODE
            self._on_complete(edge)

    def _on_complete(self, edge: Edge) -> None:
        failed = "true" if edge.failed else "false"
        key: list[str] = [edge.client_service, edge.server_service, edge.connection_type, failed]
        for name in self.cfg.dimensions:
            for side in ("client", "server"):
                value = edge.dimensions.get(f"{side}_{name}")
                if value is not None:
                    key.append(f"{side}_{name}_{value}")
        attributes = [
            _str_kv("client", edge.client_service),
            _str_kv("server", edge.server_service),
            _str_kv("connection_type", edge.connection_type),
            KeyValue(key="failed", value=AnyValue(bool_value=edge.failed)),
        ]
        attributes.extend(_str_kv(k, v) for k, v in edge.dimensions.items())
        if self.cfg.virtual_node_extra_label:
            attributes.append(_str_kv(VIRTUAL_NODE_LABEL, edge.virtual_node_label))
        series = self.series.get(tuple(key))
        now = self._clock()
        if series is None:
            series = self.series[tuple(key)] = Series(attributes, now)
        else:  # Go overwrites the attributes (only the virtual_node label can differ)
            series.attributes = attributes
            series.last_updated = now
        series.requests += 1
        if edge.failed:
            series.failed += 1
        if series.server is None:
            series.server = Histogram(self._bounds, self._max_size)
            series.client = Histogram(self._bounds, self._max_size)
        assert series.client is not None
        series.server.observe(edge.server_latency_sec)
        series.client.observe(edge.client_latency_sec)

    def clean_cache(self) -> None:
        oldest = self._clock() - STALE_AFTER_NS
        for key in [k for k, s in self.series.items() if s.last_updated < oldest]:
            del self.series[key]

    # -- metrics out ---------------------------------------------------------------------------
    def build(self) -> ExportMetricsServiceRequest | None:
        """The cumulative metrics of every series, or None when there is none."""
        if not self.series:
            return None
        request = ExportMetricsServiceRequest()
        scope = request.resource_metrics.add().scope_metrics.add()
        scope.scope.name = SCOPE_NAME
        timestamp = self._clock() - self._offset_ns
        start = self.start_time
        for name, pick in ((REQUEST_TOTAL, _requests), (REQUEST_FAILED_TOTAL, _failures)):
            counted = [(s, pick(s)) for s in self.series.values() if pick(s)]
            if not counted:
                continue
            metric = scope.metrics.add(name=name)
            metric.sum.is_monotonic = True
            metric.sum.aggregation_temporality = _CUMULATIVE
            for series, value in counted:
                dp = metric.sum.data_points.add(start_time_unix_nano=start, time_unix_nano=timestamp, as_int=value)
                dp.attributes.extend(series.attributes)
        for name, side in ((REQUEST_SERVER, "server"), (REQUEST_CLIENT, "client")):
            metric = scope.metrics.add(name=name, unit="s")
            if self._bounds is None:
                metric.exponential_histogram.aggregation_temporality = _CUMULATIVE
            else:
                metric.histogram.aggregation_temporality = _CUMULATIVE
            for series in self.series.values():
                histogram: Histogram | None = getattr(series, side)
                if histogram is not None:
                    histogram.fill(metric, series.attributes, start, timestamp)
        return request


def _requests(series: Series) -> int:
    return series.requests


def _failures(series: Series) -> int:
    return series.failed
