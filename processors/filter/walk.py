"""Removing items level by level, as Go's filter processor walks the data.

A plan holds one drop predicate per level (None: the level is not checked). The walk goes
resource → scope → item → sub-item and:

- drops an item whose predicate is true, without looking below it;
- keeps an item whose predicate fails (the error is collected) and does not look below it;
- drops a metric whose data points were all dropped, but keeps a span whose events were;
- drops scopes and resources left empty (and, as Go, empty ones that were already empty).

A predicate receives the OTTL transform context of the item (``pyotelcol.ottl.contexts``), so OTTL
conditions and the legacy include/exclude matchers share the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyotelcol.ottl.contexts import (
    DataPointContext,
    LogContext,
    MetricContext,
    ResourceContext,
    ScopeContext,
    SpanContext,
    SpanEventContext,
)
from pyotelcol.pdata import Logs, Metrics, Traces
from pyotelcol.pdata.pmetric import Metric, MetricType

__all__ = ["LogPlan", "MetricPlan", "Predicate", "TracePlan", "filter_logs", "filter_metrics", "filter_traces"]

# tctx -> True to drop the item; raises when the condition fails under error_mode propagate.
Predicate = Callable[[Any], bool]


@dataclass
class TracePlan:
    resource: Predicate | None = None
    scope: Predicate | None = None
    span: Predicate | None = None
    spanevent: Predicate | None = None


@dataclass
class MetricPlan:
    resource: Predicate | None = None
    scope: Predicate | None = None
    metric: Predicate | None = None
    datapoint: Predicate | None = None


@dataclass
class LogPlan:
    resource: Predicate | None = None
    scope: Predicate | None = None
    log: Predicate | None = None


class _Evaluator:
    """Runs predicates, collecting failures: None means "failed, keep the item"."""

    __slots__ = ("errors",)

    def __init__(self) -> None:
        self.errors: list[Exception] = []

    def __call__(self, predicate: Predicate, tctx: Any) -> bool | None:
        try:
            return bool(predicate(tctx))
        except Exception as exc:  # a condition's failure must not lose the request
            self.errors.append(exc)
            return None


def filter_traces(data: Traces, plan: TracePlan, client: Any) -> list[Exception]:
    ev = _Evaluator()
    scope_p, span_p, event_p = plan.scope, plan.span, plan.spanevent
    below_resource = scope_p is not None or span_p is not None or event_p is not None

    def drop_resource(rs: Any) -> bool:
        if plan.resource is not None:
            verdict = ev(plan.resource, ResourceContext(rs, client))
            if verdict is None:
                return False
            if verdict:
                return True
        if not below_resource:
            return len(rs.scope_spans) == 0

        def drop_scope(ss: Any) -> bool:
            if scope_p is not None:
                verdict = ev(scope_p, ScopeContext(rs, ss, client))
                if verdict is None:
                    return False
                if verdict:
                    return True
            if span_p is None and event_p is None:
                return len(ss.spans) == 0

            def drop_span(span: Any) -> bool:
                if span_p is not None:
                    verdict = ev(span_p, SpanContext(rs, ss, span, client))
                    if verdict is None:
                        return False
                    if verdict:
                        return True
                if event_p is not None:
                    index = iter(range(len(span.events)))

                    def drop_event(event: Any) -> bool:
                        return ev(event_p, SpanEventContext(rs, ss, span, event, next(index), client)) is True

                    span.events.remove_if(drop_event)
                return False

            ss.spans.remove_if(drop_span)
            return len(ss.spans) == 0

        rs.scope_spans.remove_if(drop_scope)
        return len(rs.scope_spans) == 0

    data.resource_spans.remove_if(drop_resource)
    return ev.errors


def _data_points(metric: Metric) -> Any:
    kind = metric.type
    if kind is MetricType.GAUGE:
        return metric.gauge.data_points
    if kind is MetricType.SUM:
        return metric.sum.data_points
    if kind is MetricType.HISTOGRAM:
        return metric.histogram.data_points
    if kind is MetricType.EXPONENTIAL_HISTOGRAM:
        return metric.exponential_histogram.data_points
    if kind is MetricType.SUMMARY:
        return metric.summary.data_points
    return None


def filter_metrics(data: Metrics, plan: MetricPlan, client: Any) -> list[Exception]:
    ev = _Evaluator()
    scope_p, metric_p, point_p = plan.scope, plan.metric, plan.datapoint
    below_resource = scope_p is not None or metric_p is not None or point_p is not None

    def drop_resource(rm: Any) -> bool:
        if plan.resource is not None:
            verdict = ev(plan.resource, ResourceContext(rm, client))
            if verdict is None:
                return False
            if verdict:
                return True
        if not below_resource:
            return len(rm.scope_metrics) == 0

        def drop_scope(sm: Any) -> bool:
            if scope_p is not None:
                verdict = ev(scope_p, ScopeContext(rm, sm, client))
                if verdict is None:
                    return False
                if verdict:
                    return True
            if metric_p is None and point_p is None:
                return len(sm.metrics) == 0

            def drop_metric(metric: Metric) -> bool:
                if metric_p is not None:
                    verdict = ev(metric_p, MetricContext(rm, sm, metric, client))
                    if verdict is None:
                        return False
                    if verdict:
                        return True
                if point_p is None:
                    return False
                points = _data_points(metric)
                if points is None:  # a metric without data: nothing to look at, kept
                    return False
                failed = len(ev.errors)
                points.remove_if(lambda dp: ev(point_p, DataPointContext(rm, sm, metric, dp, client)) is True)
                if len(ev.errors) > failed:
                    return False
                return len(points) == 0

            sm.metrics.remove_if(drop_metric)
            return len(sm.metrics) == 0

        rm.scope_metrics.remove_if(drop_scope)
        return len(rm.scope_metrics) == 0

    data.resource_metrics.remove_if(drop_resource)
    return ev.errors


def filter_logs(data: Logs, plan: LogPlan, client: Any) -> list[Exception]:
    ev = _Evaluator()
    scope_p, log_p = plan.scope, plan.log

    def drop_resource(rl: Any) -> bool:
        if plan.resource is not None:
            verdict = ev(plan.resource, ResourceContext(rl, client))
            if verdict is None:
                return False
            if verdict:
                return True
        if scope_p is None and log_p is None:
            return len(rl.scope_logs) == 0

        def drop_scope(sl: Any) -> bool:
            if scope_p is not None:
                verdict = ev(scope_p, ScopeContext(rl, sl, client))
                if verdict is None:
                    return False
                if verdict:
                    return True
            if log_p is not None:
                sl.log_records.remove_if(lambda rec: ev(log_p, LogContext(rl, sl, rec, client)) is True)
            return len(sl.log_records) == 0

        rl.scope_logs.remove_if(drop_scope)
        return len(rl.scope_logs) == 0

    data.resource_logs.remove_if(drop_resource)
    return ev.errors
