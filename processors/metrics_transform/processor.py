"""Applies the transforms to every scope's metrics, in order (Go's
``metricsTransformProcessor.processMetrics``).

- ``update`` changes the matching metrics in place (a metric left without points is removed);
- ``insert`` appends a changed copy of each matching metric (only its matching points);
- ``combine`` replaces all matching metrics by one named ``new_name``, their points merged with
  ``aggregation_type``, regexp submatches becoming labels;
- ``group`` moves the matching metrics to a new resource (a copy of theirs plus
  ``group_resource_labels``), appended after the others.
"""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.aggregateutil import Groups, Metric
from pyotelcol.helpers.processorhelper import Processor
from pyotelcol.pdata import Metrics

from .config import Config
from .operations import CompiledTransform, OperationError, compile_transform, transform_metric
from .selection import Selection, all_attributes, empty_like

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]
_TYPE_NAMES = {
    None: "Empty",
    "gauge": "Gauge",
    "sum": "Sum",
    "histogram": "Histogram",
    "exponential_histogram": "ExponentialHistogram",
    "summary": "Summary",
}


def create_processor(settings: Settings, cfg: Config, next_consumer: Consumer) -> Processor[Any]:
    cfg.validate()  # Go checks the config again when it creates the processor
    transforms = [compile_transform(t, settings.build_info.version) for t in cfg.transforms]
    logger = settings.telemetry.logger

    async def process(data: Metrics) -> Metrics | None:
        msg = data.message
        names = {m.name for rm in msg.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
        if not any(t.selection.name_matches(name) for t in transforms for name in names):
            return data  # nothing to change: keep the received bytes
        _process(data.mutable(), transforms, logger)
        return data if len(msg.resource_metrics) else None

    return Processor(settings, Signal.METRICS, next_consumer, process, mutates_data=True)


def _process(msg: Any, transforms: list[CompiledTransform], logger: Logger) -> None:
    grouped: list[metrics_pb2.ResourceMetrics] = []
    for rm in msg.resource_metrics:
        for sm in rm.scope_metrics:
            for t in transforms:
                action = t.config.action
                if action == "group":
                    group = _group(rm, sm, t)
                    if len(group.scope_metrics[0].metrics):
                        grouped.append(group)
                elif action == "combine":
                    _combine(sm.metrics, t, logger)
                elif action == "insert":
                    _insert(sm.metrics, t, logger)
                else:
                    _update(sm.metrics, t, logger)
        _remove_if(rm.scope_metrics, lambda sm: len(sm.metrics) == 0)
    _remove_if(msg.resource_metrics, lambda rm: len(rm.scope_metrics) == 0)
    msg.resource_metrics.extend(grouped)


def _remove_if(items: Any, doomed: Any) -> None:
    for i in reversed([i for i, item in enumerate(items) if doomed(item)]):
        del items[i]


def _transform(metric: Metric, t: CompiledTransform, logger: Logger) -> bool:
    try:
        return transform_metric(metric, t)
    except OperationError as exc:
        logger.warning(str(exc))
        return True


def _update(metrics: Any, t: CompiledTransform, logger: Logger) -> None:
    _remove_if(metrics, lambda m: t.selection.matches_metric(m) and not _transform(m, t, logger))


def _insert(metrics: Any, t: CompiledTransform, logger: Logger) -> None:
    for i in range(len(metrics)):  # not the metrics appended here
        metric = metrics[i]
        extracted = t.selection.extract(metric)
        if extracted is None:
            continue
        if extracted is metric:
            extracted = Metric()
            extracted.CopyFrom(metric)
        if _transform(extracted, t, logger):
            metrics.add().CopyFrom(extracted)


def _extract_and_remove(metrics: Any, selection: Selection) -> list[Metric]:
    """Take out every metric with matching points; a metric with only some matching points is
    removed whole and only those points are kept (as Go does)."""
    taken: list[Metric] = []
    doomed = []
    for i, metric in enumerate(metrics):
        extracted = selection.extract(metric)
        if extracted is not None:
            copy = Metric()
            copy.CopyFrom(extracted)
            taken.append(copy)
            doomed.append(i)
    for i in reversed(doomed):
        del metrics[i]
    return taken


def _group(rm: Any, sm: Any, t: CompiledTransform) -> metrics_pb2.ResourceMetrics:
    group = metrics_pb2.ResourceMetrics(schema_url=rm.schema_url)
    group.resource.CopyFrom(rm.resource)
    attributes = group.resource.attributes
    for key, value in (t.config.group_resource_labels or {}).items():
        slot = next((kv for kv in attributes if kv.key == key), None) or attributes.add(key=key)
        slot.value.string_value = value
    scope = group.scope_metrics.add(schema_url=sm.schema_url)
    scope.scope.CopyFrom(sm.scope)
    scope.metrics.extend(_extract_and_remove(sm.metrics, t.selection))
    return group


def _combine(metrics: Any, t: CompiledTransform, logger: Logger) -> None:
    matched = [m for m in metrics if t.selection.matches_metric(m)]
    if not matched:
        return
    problem = _cannot_combine(matched)
    if problem:
        logger.warning(problem)
        return
    extracted = _extract_and_remove(metrics, t.selection)
    combined = empty_like(extracted[0])
    combined.name = t.config.new_name
    names = t.selection.subexp_names()
    groups = Groups()
    for metric in extracted:
        match = t.selection.regexp.search(metric.name) if t.selection.regexp is not None else None
        if match is not None:
            labels = {}
            for index in range(1, len(names)):
                value = _with_case(match.group(index) or "", t.config.submatch_case)
                if value:
                    labels[names[index] or f"${index}"] = value
            for attributes in all_attributes(metric):
                for key, value in labels.items():
                    slot = next((kv for kv in attributes if kv.key == key), None) or attributes.add(key=key)
                    slot.value.string_value = value
        groups.add_metric(metric)
    groups.merge_into(combined, t.config.aggregation_type)
    if _transform(combined, t, logger):
        metrics.add().CopyFrom(combined)


def _with_case(text: str, case: str) -> str:
    return text.lower() if case == "lower" else text.upper() if case == "upper" else text


def _attribute_keys(metric: Metric) -> set[str]:
    return {kv.key for attributes in all_attributes(metric) for kv in attributes}


def _go_keys(keys: set[str]) -> str:
    return "map[" + " ".join(f"{k}:{{}}" for k in sorted(keys)) + "]"


def _cannot_combine(metrics: list[Metric]) -> str:
    """Why the metrics cannot be combined (Go's ``canBeCombined`` messages), or ""."""
    for metric in metrics:
        if metric.WhichOneof("data") == "summary":
            return f"summary metrics cannot be combined: {metric.name}"
    first = metrics[0]
    first_type = _TYPE_NAMES[first.WhichOneof("data")]
    first_keys = _attribute_keys(first)
    for metric in metrics[1:]:
        metric_type = _TYPE_NAMES[metric.WhichOneof("data")]
        if metric_type != first_type:
            return (
                "metrics cannot be combined as they are of different types: "
                f"{first.name} ({first_type}) and {metric.name} ({metric_type})"
            )
        if metric.unit != first.unit:
            return (
                "metrics cannot be combined as they have different units: "
                f"{first.name} ({first.unit}) and {metric.name} ({metric.unit})"
            )
        keys = _attribute_keys(metric)
        if keys != first_keys:
            return (
                "metrics cannot be combined as they have different attributes: "
                f"{first.name} ({_go_keys(first_keys)}) and {metric.name} ({_go_keys(keys)})"
            )
    return ""
