"""OTTL transform contexts: what getters and setters see for one item.

Go has one TransformContext type per context (``ottlspan.TransformContext``, ...). Here each is a
small slotted class holding the pdata views of the item and of its parents, the ResourceX/ScopeX
containers (for ``schema_url``), the item's ``cache`` (a pcommon Map, made on first use, so that
``cache["a"]["b"]`` behaves like attributes) and the request's client info when known.
"""

from __future__ import annotations

from typing import Any

from ..pdata.pcommon import InstrumentationScope, Map, Resource

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


class TransformContext:
    """Base of the contexts: the resource and its container, the cache, the client info."""

    __slots__ = ("_cache", "_kvindex", "client", "resource", "resource_container")
    name = ""

    def __init__(self, resource_container: Any, client: Any = None) -> None:
        self.resource_container = resource_container
        self.resource: Resource = resource_container.resource
        self.client = client
        self._cache: Map | None = None
        # attribute key indexes of the current item (paths._key_index); reused across items,
        # each entry checks itself against the data's write generation
        self._kvindex: dict[int, Any] | None = None

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


class SpanContext(ScopeContext):
    __slots__ = ("span",)
    name = "span"

    def __init__(self, resource_spans: Any, scope_spans: Any, span: Any, client: Any = None) -> None:
        super().__init__(resource_spans, scope_spans, client)
        self.span = span


class SpanEventContext(SpanContext):
    __slots__ = ("event", "event_index")
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
        self.event = event
        self.event_index = event_index


class MetricContext(ScopeContext):
    __slots__ = ("metric",)
    name = "metric"

    def __init__(self, resource_metrics: Any, scope_metrics: Any, metric: Any, client: Any = None) -> None:
        super().__init__(resource_metrics, scope_metrics, client)
        self.metric = metric


class DataPointContext(MetricContext):
    __slots__ = ("datapoint",)
    name = "datapoint"

    def __init__(
        self, resource_metrics: Any, scope_metrics: Any, metric: Any, datapoint: Any, client: Any = None
    ) -> None:
        super().__init__(resource_metrics, scope_metrics, metric, client)
        self.datapoint = datapoint


class LogContext(ScopeContext):
    __slots__ = ("log",)
    name = "log"

    def __init__(self, resource_logs: Any, scope_logs: Any, log: Any, client: Any = None) -> None:
        super().__init__(resource_logs, scope_logs, client)
        self.log = log
