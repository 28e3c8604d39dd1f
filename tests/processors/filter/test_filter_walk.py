"""The level-by-level walk with plain predicates: what a failing condition keeps, what empties."""

from __future__ import annotations

from typing import Any

from pyotelcol.processors.filter.walk import LogPlan, MetricPlan, TracePlan, filter_logs, filter_metrics, filter_traces

from pyotelcol.pdata import Logs, Metrics, Traces


def boom(_: Any) -> bool:
    raise RuntimeError("condition failed")


def traces(*names: str, events: tuple[str, ...] = ()) -> Traces:
    data = Traces.empty()
    ss = data.resource_spans.append_empty().scope_spans.append_empty()
    for name in names:
        span = ss.spans.append_empty()
        span.name = name
        for event in events:
            span.events.append_empty().name = event
    return data


def test_a_failing_span_condition_keeps_the_span_and_its_events() -> None:
    data = traces("a", "b", events=("e",))
    plan = TracePlan(span=lambda t: boom(t) if t.span.name == "a" else False, spanevent=lambda t: True)
    errors = filter_traces(data, plan, None)
    assert [str(e) for e in errors] == ["condition failed"]
    spans = list(data.resource_spans[0].scope_spans[0].spans)
    assert [(s.name, len(s.events)) for s in spans] == [("a", 1), ("b", 0)]


def test_a_failing_resource_condition_keeps_everything_below() -> None:
    data = traces("a")
    errors = filter_traces(data, TracePlan(resource=boom, span=lambda t: True), None)
    assert len(errors) == 1 and data.item_count() == 1


def test_empty_containers_go_when_a_lower_level_is_checked() -> None:
    data = Traces.empty()
    data.resource_spans.append_empty()  # no scopes at all
    data.resource_spans.append_empty().scope_spans.append_empty()  # an empty scope
    assert filter_traces(data, TracePlan(span=lambda t: False), None) == []
    assert data.resource_count() == 0


def test_a_failing_datapoint_condition_keeps_the_metric() -> None:
    data = Metrics.empty()
    sm = data.resource_metrics.append_empty().scope_metrics.append_empty()
    metric = sm.metrics.append_empty()
    gauge = metric.set_empty_gauge()
    gauge.data_points.append_empty().as_int = 1
    gauge.data_points.append_empty().as_int = 2
    plan = MetricPlan(datapoint=lambda t: True if t.datapoint.as_int == 1 else boom(t))
    errors = filter_metrics(data, plan, None)
    assert len(errors) == 1
    assert [p.as_int for p in data.resource_metrics[0].scope_metrics[0].metrics[0].gauge.data_points] == [2]


def test_all_points_dropped_drops_the_metric_and_what_contains_it() -> None:
    data = Metrics.empty()
    metric = data.resource_metrics.append_empty().scope_metrics.append_empty().metrics.append_empty()
    metric.set_empty_sum().data_points.append_empty()
    assert filter_metrics(data, MetricPlan(datapoint=lambda t: True), None) == []
    assert data.resource_count() == 0


def test_a_failing_scope_condition_keeps_its_logs() -> None:
    data = Logs.empty()
    rl = data.resource_logs.append_empty()
    rl.scope_logs.append_empty().log_records.append_empty()
    kept = rl.scope_logs.append_empty()
    kept.scope.name = "bad"
    kept.log_records.append_empty()
    plan = LogPlan(scope=lambda t: boom(t) if t.scope.name == "bad" else False, log=lambda t: True)
    errors = filter_logs(data, plan, None)
    assert len(errors) == 1
    assert [(sl.scope.name, len(sl.log_records)) for sl in data.resource_logs[0].scope_logs] == [("bad", 1)]
