"""Turning the filter config into walk plans: OTTL condition sets (``pyotelcol.ottl``) and the
legacy include/exclude matchers (``pyotelcol.helpers.filtermatch``), one predicate per level.

As Go: with ``*_conditions``, each group is a consumer of its own that walks the data in turn; a
group without ``context`` infers the context of each condition separately and checks them at
their levels. Otherwise the legacy ``traces``/``metrics``/``logs`` OTTL sections, else the
include/exclude match properties, form a single plan.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pyotelcol.component import Signal
from pyotelcol.helpers.filtermatch import (
    AttributesMatcher,
    MatchProperties,
    SeverityNumberMatch,
    create_filter_set,
    log_skip,
    span_skip,
)
from pyotelcol.ottl.contexts import CONTEXTS_BY_SIGNAL

from .config import (
    Config,
    ContextConditions,
    LogMatchProperties,
    MetricMatchProperties,
    context_conditions,
    error_mode,
)
from .config import severity_number as parse_severity
from .functions import EXTRA_FUNCTIONS
from .walk import LogPlan, MetricPlan, Predicate, TracePlan

__all__ = ["Compiled", "compile_config"]

P = TypeVar("P", TracePlan, MetricPlan, LogPlan)
Logger = logging.Logger | logging.LoggerAdapter[Any]

_QUIET = logging.getLogger("pyotelcol.processors.filter.validate")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


@dataclass
class Compiled:
    """Plans per signal, walked in order; no plan means the signal passes through untouched."""

    traces: list[TracePlan] = field(default_factory=list)
    metrics: list[MetricPlan] = field(default_factory=list)
    logs: list[LogPlan] = field(default_factory=list)
    # Signals whose plans come from ``*_conditions`` groups (not the legacy sections).
    grouped: set[Signal] = field(default_factory=set)


def _any_of(predicates: list[Predicate]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]
    return lambda tctx: any(p(tctx) for p in predicates)


def _conditions(
    conditions: list[str], signal: Signal, context: str | None, mode: str, logger: Logger
) -> tuple[str, Predicate]:
    # Imported here: configs using only include/exclude never load the OTTL grammar.
    from pyotelcol.ottl import ErrorMode, parse_conditions

    conds = parse_conditions(
        conditions,
        signal=signal,
        context=context,
        error_mode=ErrorMode(mode),
        logger=logger,
        extra_functions=EXTRA_FUNCTIONS if signal is Signal.METRICS else None,
    )
    return str(conds.context), conds.matches


def _group_plan(group: ContextConditions, signal: Signal, plan: P, default_mode: str, logger: Logger) -> P:
    """One ``*_conditions`` group as a plan (Go's ``ParseContextConditions``)."""
    mode = error_mode(group.error_mode) if group.error_mode else default_mode
    levels = CONTEXTS_BY_SIGNAL[signal.value]
    by_level: dict[str, list[Predicate]] = {}
    if group.context:
        if group.context not in levels:
            raise ValueError(
                f'unknown context "{group.context}" for {signal.value} conditions, '
                f"valid options are: {', '.join(levels)}"
            )
        context, predicate = _conditions(group.conditions, signal, group.context, mode, logger)
        by_level[context] = [predicate]
    else:
        for condition in group.conditions:
            context, predicate = _conditions([condition], signal, None, mode, logger)
            by_level.setdefault(context, []).append(predicate)
    for level, predicates in by_level.items():
        setattr(plan, level, _any_of(predicates))
    return plan


def _legacy_plan(sections: dict[str, list[str] | None], signal: Signal, plan: P, mode: str, logger: Logger) -> P:
    """The ``traces``/``metrics``/``logs`` OTTL sections: paths relative to each section's context."""
    for context, conditions in sections.items():
        if conditions is not None:
            _, predicate = _conditions(conditions, signal, context, mode, logger)
            setattr(plan, context, predicate)
    return plan


def _grouped(
    key: str, raw: list[Any] | None, signal: Signal, make: Callable[[], P], mode: str, logger: Logger
) -> list[P] | None:
    groups = context_conditions(key, raw)
    if not groups:
        return None
    plans: list[P] = []
    errors: list[str] = []
    for group in groups:
        try:
            plans.append(_group_plan(group, signal, make(), mode, logger))
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        raise ValueError("; ".join(errors))
    return plans


# --- legacy include/exclude ----------------------------------------------------------------------


def _negate_or(include: Predicate | None, exclude: Predicate | None) -> Predicate | None:
    """Go's ``Or(Not(include), exclude)``: drop what include misses or exclude hits."""
    if include is not None and exclude is not None:
        return lambda t: not include(t) or exclude(t)
    if include is not None:
        return lambda t: not include(t)
    return exclude


def _metric_names(props: MetricMatchProperties | None) -> Predicate | None:
    if props is None or not props.metric_names:
        return None
    names = create_filter_set(props.metric_names, props.match_type, props.regexp)
    return lambda t: names.matches(t.metric.name)


def _metric_resources(props: MetricMatchProperties | None) -> Predicate | None:
    if props is None or not props.resource_attributes:
        return None
    matcher = AttributesMatcher(props.match_type, props.regexp, props.resource_attributes)
    return lambda t: matcher.matches(t.resource.attributes)


def _log_properties(props: LogMatchProperties | None) -> MatchProperties | None:
    """Go's ``LogMatchProperties.matchProperties`` (an empty one counts as absent)."""
    if props is None or props.is_empty():
        return None
    severity = None
    if props.severity_number is not None:
        severity = SeverityNumberMatch(
            min=parse_severity(props.severity_number.min), match_undefined=props.severity_number.match_undefined
        )
    return MatchProperties(
        match_type=props.match_type,
        resources=props.resource_attributes,
        attributes=props.record_attributes,
        log_severity_texts=props.severity_texts,
        log_bodies=props.bodies,
        log_severity_number=severity,
    )


def _match_plans(cfg: Config, out: Compiled) -> None:
    # Like Go, a signal that has OTTL conditions never builds its include/exclude matchers.
    if not out.traces:
        spans = span_skip(cfg.spans.include, cfg.spans.exclude)
        if spans is not None:
            out.traces.append(TracePlan(span=lambda t: spans.skip(t.resource, t.scope, t.span)))
    m = cfg.metrics
    if not out.metrics:
        resource = _negate_or(_metric_resources(m.include), _metric_resources(m.exclude))
        metric = _negate_or(_metric_names(m.include), _metric_names(m.exclude))
        if resource is not None or metric is not None:
            out.metrics.append(MetricPlan(resource=resource, metric=metric))
    if not out.logs:
        try:
            logs = log_skip(_log_properties(cfg.logs.include), _log_properties(cfg.logs.exclude))
        except ValueError as exc:
            raise ValueError(f"failed to build skip matcher: {exc}") from None
        if logs is not None:
            out.logs.append(LogPlan(log=lambda t: logs.skip(t.resource, t.scope, t.log)))


def compile_config(cfg: Config, logger: Logger | None = None) -> Compiled:
    """Every plan of ``cfg``; raises ValueError naming the first problems (Go's messages where
    Go has them). ``logger`` receives the condition errors logged under error_mode ignore."""
    log = logger or _QUIET
    mode = cfg.error_mode
    out = Compiled()
    errors: list[str] = []

    def attempt(build: Callable[[], None]) -> None:
        try:
            build()
        except ValueError as exc:
            errors.append(str(exc))

    def signal_plans(
        signal: Signal, key: str, raw: list[Any] | None, make: Callable[[], P], sections: dict[str, list[str] | None]
    ) -> list[P]:
        plans = _grouped(key, raw, signal, make, mode, log)
        if plans is not None:
            out.grouped.add(signal)
            return plans
        if any(conditions is not None for conditions in sections.values()):
            return [_legacy_plan(sections, signal, make(), mode, log)]
        return []

    def traces() -> None:
        t = cfg.traces
        sections = {"resource": t.resource, "span": t.span, "spanevent": t.spanevent}
        out.traces = signal_plans(Signal.TRACES, "trace_conditions", cfg.trace_conditions, TracePlan, sections)

    def metrics() -> None:
        m = cfg.metrics
        sections = {"resource": m.resource, "metric": m.metric, "datapoint": m.datapoint}
        out.metrics = signal_plans(Signal.METRICS, "metric_conditions", cfg.metric_conditions, MetricPlan, sections)

    def logs() -> None:
        lg = cfg.logs
        sections = {"resource": lg.resource, "log": lg.log_record}
        out.logs = signal_plans(Signal.LOGS, "log_conditions", cfg.log_conditions, LogPlan, sections)

    for build in (traces, metrics, logs):
        attempt(build)
    attempt(lambda: _match_plans(cfg, out))
    if errors:
        raise ValueError("; ".join(errors))
    return out
