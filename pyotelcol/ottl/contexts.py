"""OTTL transform contexts: what getters and setters see for one item.

Go has one TransformContext type per context (``ottlspan.TransformContext``, ...). Here each is a
small slotted class holding the pdata views of the item and of its parents, the ResourceX/ScopeX
containers (for ``schema_url``), the item's ``cache`` (a pcommon Map, made on first use, so that
``cache["a"]["b"]`` behaves like attributes) and the request's client info when known.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.metrics.v1 import metrics_pb2

from ..pdata.pcommon import InstrumentationScope, Map, Resource
from ..pdata.plog import LogRecord
from ..pdata.pmetric import ExponentialHistogramDataPoint, HistogramDataPoint, Metric, NumberDataPoint, SummaryDataPoint
from ..pdata.ptrace import Span, SpanEvent

__all__ = [
    "CONTEXTS_BY_SIGNAL",
    "CONTEXT_ORDER",
    "DataPointContext",
    "LogContext",
    "MetricContext",
    "ResourceContext",
    "ScopeContext",
    "SpanContext",
    "SpanEventContext",
    "TransformContext",
]

# The contexts each signal offers, highest first (the order data is walked).
CONTEXTS_BY_SIGNAL: dict[str, tuple[str, ...]] = {
    "traces": ("resource", "scope", "span", "spanevent"),
    "metrics": ("resource", "scope", "metric", "datapoint"),
    "logs": ("resource", "scope", "log"),
}

# Go's inference priority: the first path context found in this order wins.
CONTEXT_ORDER = ("log", "datapoint", "metric", "spanevent", "span", "scope", "resource")

# What each context can read through a prefix (its own name first).
READABLE: dict[str, tuple[str, ...]] = {
    "resource": ("resource",),
    "scope": ("scope", "resource"),
    "span": ("span", "resource", "scope"),
    "spanevent": ("spanevent", "span", "resource", "scope"),
    "metric": ("metric", "resource", "scope"),
    "datapoint": ("datapoint", "metric", "resource", "scope"),
    "log": ("log", "resource", "scope"),
}

# The contexts below a context (Go's getLowerContexts), for inference fallback.
LOWER: dict[str, dict[str, tuple[str, ...]]] = {
    "traces": {"resource": ("scope", "span", "spanevent"), "scope": ("span", "spanevent"), "span": ("spanevent",)},
    "metrics": {
        "resource": ("scope", "metric", "datapoint"),
        "scope": ("metric", "datapoint"),
        "metric": ("datapoint",),
    },
    "logs": {"resource": ("scope", "log"), "scope": ("log",)},
}


# Key index slots in ``TransformContext._ix`` (see keyindex): one per level an item
# context reaches, so that the resource's and the scope's indexes outlive the items of a scope.
IX_RESOURCE, IX_SCOPE, IX_ITEM, IX_SUB = 0, 1, 2, 3


class TransformContext:
    """Base of the contexts: the resource and its container, the cache, the client info.

    The item of an item context (span, event, metric, data point, log record) is held as its raw
    protobuf and write guard (``span_pb``/``span_guard``, ...): the compiled paths read those
    directly, and the walk moves from item to item by setting two slots instead of building a
    view per item. The ``span``/``event``/... properties give the usual views."""

    __slots__ = ("_cache", "_ix", "_ixgen", "_ixguard", "client", "resource", "resource_container")
    name = ""

    def __init__(self, resource_container: Any, client: Any = None) -> None:
        self.resource_container = resource_container
        self.resource: Resource = resource_container.resource
        self.client = client
        self._cache: Map | None = None
        # attribute key indexes per level (IX_*), built on first use, true while the write
        # generation of ``_ixguard`` is ``_ixgen`` (see keyindex)
        self._ix: list[Any] = [None, None, None, None]
        self._ixguard: Any = None
        self._ixgen = -1

    @property
    def cache(self) -> Map:
        cache = self._cache
        if cache is None:
            cache = self._cache = Map.new()
        return cache


class ResourceContext(TransformContext):
    __slots__ = ()
    name = "resource"


class ScopeContext(TransformContext):
    __slots__ = ("scope", "scope_container")
    name = "scope"

    def __init__(self, resource_container: Any, scope_container: Any, client: Any = None) -> None:
        super().__init__(resource_container, client)
        self.scope_container = scope_container
        self.scope: InstrumentationScope = scope_container.scope


def _pb_and_guard(view: Any) -> tuple[Any, Any]:
    return (None, None) if view is None else (view._pb, view._guard)


class SpanContext(ScopeContext):
    __slots__ = ("span_guard", "span_pb")
    name = "span"

    def __init__(self, resource_spans: Any, scope_spans: Any, span: Any, client: Any = None) -> None:
        super().__init__(resource_spans, scope_spans, client)
        self.span_pb, self.span_guard = _pb_and_guard(span)

    @property
    def span(self) -> Span:
        return Span(self.span_pb, self.span_guard)

    @span.setter
    def span(self, view: Span) -> None:
        self.span_pb, self.span_guard = _pb_and_guard(view)
        self._ix[IX_ITEM] = None


class SpanEventContext(SpanContext):
    __slots__ = ("event_guard", "event_index", "event_pb")
    name = "spanevent"

    def __init__(
        self,
        resource_spans: Any,
        scope_spans: Any,
        span: Any,
        event: Any,
        event_index: int | None = 0,
        client: Any = None,
    ) -> None:
        super().__init__(resource_spans, scope_spans, span, client)
        self.event_pb, self.event_guard = _pb_and_guard(event)
        self.event_index = event_index

    @property
    def event(self) -> SpanEvent:
        return SpanEvent(self.event_pb, self.event_guard)

    @event.setter
    def event(self, view: SpanEvent) -> None:
        self.event_pb, self.event_guard = _pb_and_guard(view)
        self._ix[IX_SUB] = None


class MetricContext(ScopeContext):
    __slots__ = ("metric_guard", "metric_pb")
    name = "metric"

    def __init__(self, resource_metrics: Any, scope_metrics: Any, metric: Any, client: Any = None) -> None:
        super().__init__(resource_metrics, scope_metrics, client)
        self.metric_pb, self.metric_guard = _pb_and_guard(metric)

    @property
    def metric(self) -> Metric:
        return Metric(self.metric_pb, self.metric_guard)

    @metric.setter
    def metric(self, view: Metric) -> None:
        self.metric_pb, self.metric_guard = _pb_and_guard(view)
        self._ix[IX_ITEM] = None


_POINT_VIEWS: dict[type, Any] = {
    metrics_pb2.NumberDataPoint: NumberDataPoint,
    metrics_pb2.HistogramDataPoint: HistogramDataPoint,
    metrics_pb2.ExponentialHistogramDataPoint: ExponentialHistogramDataPoint,
    metrics_pb2.SummaryDataPoint: SummaryDataPoint,
}


class DataPointContext(MetricContext):
    __slots__ = ("datapoint_guard", "datapoint_pb")
    name = "datapoint"

    def __init__(
        self, resource_metrics: Any, scope_metrics: Any, metric: Any, datapoint: Any, client: Any = None
    ) -> None:
        super().__init__(resource_metrics, scope_metrics, metric, client)
        self.datapoint_pb, self.datapoint_guard = _pb_and_guard(datapoint)

    @property
    def datapoint(self) -> Any:
        """The data point's view (Number, Histogram, ExponentialHistogram or Summary)."""
        return _POINT_VIEWS[type(self.datapoint_pb)](self.datapoint_pb, self.datapoint_guard)

    @datapoint.setter
    def datapoint(self, view: Any) -> None:
        self.datapoint_pb, self.datapoint_guard = _pb_and_guard(view)
        self._ix[IX_SUB] = None


class LogContext(ScopeContext):
    __slots__ = ("log_guard", "log_pb")
    name = "log"

    def __init__(self, resource_logs: Any, scope_logs: Any, log: Any, client: Any = None) -> None:
        super().__init__(resource_logs, scope_logs, client)
        self.log_pb, self.log_guard = _pb_and_guard(log)

    @property
    def log(self) -> LogRecord:
        return LogRecord(self.log_pb, self.log_guard)

    @log.setter
    def log(self, view: LogRecord) -> None:
        self.log_pb, self.log_guard = _pb_and_guard(view)
        self._ix[IX_ITEM] = None
