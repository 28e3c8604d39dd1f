"""The routing connector at work: each item goes to the pipelines of the first route it matches.

Go walks the table route by route and moves what matches out of the request, so that later routes
only see what is left; the result is the same as giving every item (span, log record, data point,
or metric for a ``metric`` route) to the first route that matches it, which is what this module
does. A ``resource`` route matches every item of a matching resource, a ``request`` route every
item of the request. Resources, scopes and metrics left without items go where Go leaves them:
with the first route that matches them at their own level, else to the default pipelines. Items
are regrouped per destination, keeping their resources and scopes; when everything goes to one
destination the request is handed on as it came (its wire bytes kept).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pyotelcol import client
from pyotelcol.component import Host
from pyotelcol.consumer import Capabilities, Consumer, ConsumerError, PermanentError
from pyotelcol.ottl import DataPointContext, ExecutionError, LogContext, MetricContext, ResourceContext, SpanContext
from pyotelcol.pdata import AnyData
from pyotelcol.pdata.data import Metrics

from .config import Route

_CAPABILITIES = Capabilities(mutates_data=False)
# Item level of each context (request and resource routes hold for a whole resource).
_LEVEL = {"request": 0, "resource": 0, "metric": 1, "span": 2, "log": 2, "datapoint": 2}

# A destination: the index of a route, or len(routes) for the default pipelines.
Dest = int


def _copy_shell(src: Any, dst: Any, skip: str) -> None:
    """Copy every set field of ``src`` into ``dst`` but the repeated field ``skip``."""
    for fd, value in src.ListFields():
        if fd.name == skip:
            continue
        if fd.is_repeated:
            getattr(dst, fd.name).extend(value)
        elif fd.message_type is not None:
            getattr(dst, fd.name).CopyFrom(value)
        else:
            setattr(dst, fd.name, value)


class _Plan:
    """Where each part of one request goes, and the requests built per destination."""

    def __init__(self, data: AnyData) -> None:
        self.data = data
        self.out: dict[Dest, AnyData] = {}
        self.used: set[Dest] = set()

    def message(self, dest: Dest) -> Any:
        out = self.out.get(dest)
        if out is None:
            out = self.out[dest] = type(self.data).empty()
        return out.mutable()


class RoutingConnector:
    """Routes traces, metrics or logs (one instance per signal, as Go creates them)."""

    def __init__(
        self,
        routes: Sequence[Route],
        route_consumers: Sequence[Consumer],
        default: Consumer | None,
        logger: Any,
    ) -> None:
        self._routes = list(routes)
        self._consumers: list[Consumer | None] = [*route_consumers, default]
        # Destinations with the same consumer (the same pipeline list) share one request.
        self._canon = [next(j for j, d in enumerate(self._consumers) if d is c) for c in self._consumers]
        self._logger = logger
        self._has_request = any(r.context == "request" for r in self._routes)

    @property
    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    async def start(self, host: Host) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def consume(self, data: AnyData) -> None:
        info = client.from_context()
        request_match = [r.request is not None and r.request.matches(info) for r in self._routes]
        try:
            groups = self._route(data, request_match, info)
        except ExecutionError as exc:  # error_mode propagate; not permanent, as in Go
            raise ConsumerError(str(exc)) from exc
        errors: list[BaseException] = []
        for dest, part in groups.items():
            consumer = self._consumers[dest]
            if consumer is None:
                continue  # no default pipelines: unmatched data is dropped, as in Go
            try:
                await consumer.consume(part)
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise _combine(errors)

    # -- deciding --------------------------------------------------------------------------------
    def _first(self, level: int, matched: Callable[[int, Route], bool]) -> Dest:
        """The first route at or above ``level`` that ``matched`` accepts, else the default."""
        for index, route in enumerate(self._routes):
            if route.context is not None and _LEVEL[route.context] <= level and matched(index, route):
                return self._canon[index]
        return self._canon[-1]

    def _route(self, data: AnyData, request_match: list[bool], info: Any) -> dict[Dest, AnyData]:
        # Each resource: its own destination and its parts' destinations, decided before any
        # copy so that a request going to one place is handed on untouched.
        decisions: list[tuple[Any, Dest, list[tuple[Any, list[tuple[Any, Any]]]]]] = []
        dests: set[Dest] = set()
        resources = getattr(data, data.resource_field)
        for rc in resources:
            resource_match = self._resource_matches(rc, request_match, info)

            def at_resource(index: int, route: Route, m: list[bool] = resource_match) -> bool:
                return m[index]

            rc_dest = self._first(0, at_resource)
            scopes = []
            for sc in getattr(rc, data.scope_field):
                items = self._item_dests(data, rc, sc, resource_match, info)
                scopes.append((sc, items))
                for _, dest in items:
                    if isinstance(dest, list):
                        dests.update(d for _, d in dest)
                    else:
                        dests.add(dest)
                if not items:
                    dests.add(rc_dest)
            if not scopes:
                dests.add(rc_dest)
            decisions.append((rc, rc_dest, scopes))
        if not dests:
            return {}
        if len(dests) == 1:
            only = dests.pop()
            return {only: data}
        return self._build(data, decisions)

    def _resource_matches(self, rc: Any, request_match: list[bool], info: Any) -> list[bool]:
        out = []
        tctx: ResourceContext | None = None
        for index, route in enumerate(self._routes):
            if route.context == "request":
                out.append(request_match[index])
            elif route.context == "resource" and route.conditions is not None:
                if tctx is None:
                    tctx = ResourceContext(rc, info)
                out.append(route.conditions.matches(tctx))
            else:
                out.append(False)
        return out

    def _item_dests(self, data: AnyData, rc: Any, sc: Any, resource_match: list[bool], info: Any) -> list[Any]:
        """(item, destination) per item of the scope; for metrics the destination of a metric
        whose data points split is a list of (point, destination)."""
        routes = self._routes
        out: list[Any] = []
        if isinstance(data, Metrics):
            for metric in sc.metrics:
                mctx = MetricContext(rc, sc, metric, info)
                metric_match = [
                    resource_match[i]
                    or (r.context == "metric" and r.conditions is not None and r.conditions.matches(mctx))
                    for i, r in enumerate(routes)
                ]
                out.append((metric, self._metric_dest(rc, sc, metric, metric_match, info)))
            return out
        kind, make = ("span", SpanContext) if data.resource_field == "resource_spans" else ("log", LogContext)
        items = sc.spans if kind == "span" else sc.log_records
        for item in items:
            tctx: Any = None

            def matched(index: int, route: Route, item: Any = item) -> bool:
                nonlocal tctx
                if resource_match[index]:
                    return True
                if route.context != kind or route.conditions is None:
                    return False
                if tctx is None:
                    tctx = make(rc, sc, item, info)
                return route.conditions.matches(tctx)

            out.append((item, self._first(2, matched)))
        return out

    def _metric_dest(self, rc: Any, sc: Any, metric: Any, metric_match: list[bool], info: Any) -> Any:
        """The metric's destination, or a list of (point, destination) when it has data points
        and a data point route comes before the first route its metric matches."""
        whole = self._first(1, lambda i, r: metric_match[i])
        if not any(r.context == "datapoint" for r in self._routes[:whole]):
            return whole
        kind = metric.proto.WhichOneof("data")
        if kind is None:
            return whole
        points = []
        for point in getattr(metric, kind).data_points:
            dctx = DataPointContext(rc, sc, metric, point, info)

            def matched(index: int, route: Route, dctx: Any = dctx) -> bool:
                if metric_match[index]:
                    return True
                return route.context == "datapoint" and route.conditions is not None and route.conditions.matches(dctx)

            points.append((point, self._first(2, matched)))
        if not points:
            return whole
        return points

    # -- building --------------------------------------------------------------------------------
    def _build(self, data: AnyData, decisions: list[Any]) -> dict[Dest, AnyData]:
        plan = _Plan(data)
        resource_field, scope_field, item_field = data.resource_field, data.scope_field, data.item_field
        for rc, rc_dest, scopes in decisions:
            out_rcs: dict[Dest, Any] = {}

            def rc_for(dest: Dest, rc: Any = rc, out_rcs: dict[Dest, Any] = out_rcs) -> Any:
                out = out_rcs.get(dest)
                if out is None:
                    out = out_rcs[dest] = getattr(plan.message(dest), resource_field).add()
                    _copy_shell(rc.proto, out, scope_field)
                return out

            if not scopes:
                rc_for(rc_dest)
            for sc, items in scopes:
                out_scs: dict[Dest, Any] = {}

                def sc_for(dest: Dest, sc: Any = sc, out_scs: dict[Dest, Any] = out_scs) -> Any:
                    out = out_scs.get(dest)
                    if out is None:
                        out = out_scs[dest] = getattr(rc_for(dest), scope_field).add()
                        _copy_shell(sc.proto, out, item_field)
                    return out

                if not items:
                    sc_for(rc_dest)
                for item, dest in items:
                    if not isinstance(dest, list):
                        getattr(sc_for(dest), item_field).add().CopyFrom(item.proto)
                        continue
                    _split_metric(item, dest, sc_for)
        return plan.out


def _split_metric(metric: Any, points: list[tuple[Any, Dest]], sc_for: Callable[[Dest], Any]) -> None:
    kind = metric.proto.WhichOneof("data")
    shells: dict[Dest, Any] = {}
    for point, dest in points:
        shell = shells.get(dest)
        if shell is None:
            shell = shells[dest] = sc_for(dest).metrics.add()
            _copy_shell(metric.proto, shell, kind)
            _copy_shell(getattr(metric.proto, kind), getattr(shell, kind), "data_points")
        getattr(shell, kind).data_points.add().CopyFrom(point.proto)


def _combine(errors: list[BaseException]) -> BaseException:
    if len(errors) == 1:
        return errors[0]
    text = "; ".join(str(e) for e in errors)
    if any(isinstance(e, PermanentError) for e in errors):
        return PermanentError(text)
    hints = [e.retry_after for e in errors if isinstance(e, ConsumerError) and e.retry_after is not None]
    return ConsumerError(text, retry_after=max(hints) if hints else None)
