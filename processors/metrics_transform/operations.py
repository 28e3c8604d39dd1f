"""The operations of a transform on one metric (Go's ``operation_*.go`` and ``transformMetric``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from pyotelcol.helpers.aggregateutil import Groups, Metric, go_int64, points

from .config import Operation, Transform
from .selection import Selection, all_attributes, empty_like, get, point_count, str_value


class OperationError(Exception):
    """An operation that does not apply to the metric's kind; Go logs it as a warning."""


@dataclass
class CompiledOperation:
    op: Operation
    # update_label: old value → new value
    renames: dict[str, str] = field(default_factory=dict)
    # aggregate_label_values: the values merged into new_value
    merged_values: frozenset[str] = frozenset()
    # the operation's new_value with {{version}} replaced
    new_value: str = ""


@dataclass
class CompiledTransform:
    config: Transform
    selection: Selection
    operations: list[CompiledOperation]


def compile_transform(t: Transform, version: str) -> CompiledTransform:
    ops = []
    for op in t.operations:
        ops.append(
            CompiledOperation(
                op,
                renames={a.value: a.new_value.replace("{{version}}", version) for a in op.value_actions},
                merged_values=frozenset(op.aggregated_values),
                new_value=op.new_value.replace("{{version}}", version),
            )
        )
    return CompiledTransform(t, Selection(t), ops)


def transform_metric(metric: Metric, t: CompiledTransform) -> bool:
    """Rename and apply the operations to ``metric`` in place. False when the metric lost all its
    data points (it had some). Raises OperationError, after the operations before it ran."""
    was_empty = point_count(metric) == 0
    selection = t.selection
    # update changes a metric as a whole only when all its points match the label filters
    whole = t.config.action != "update" or selection.matches_all_points(metric)
    if t.config.new_name and whole:
        metric.name = selection.expand(t.config.new_name, metric.name) or t.config.new_name
    for compiled in t.operations:
        action = compiled.op.action
        if action == "update_label":
            _update_label(metric, compiled, selection)
        elif action == "aggregate_labels" and whole:
            _aggregate_labels(metric, compiled.op)
        elif action == "aggregate_label_values" and whole:
            _aggregate_label_values(metric, compiled)
        elif action == "toggle_scalar_data_type":
            _toggle_scalar_data_type(metric, selection)
        elif action == "experimental_scale_value":
            _scale_value(metric, compiled.op.experimental_scale, selection)
        elif action == "add_label" and whole:
            _add_label(metric, compiled.op.new_label, compiled.new_value)
        elif action == "delete_label_value" and whole:
            _delete_label_value(metric, compiled.op)
    return was_empty or point_count(metric) > 0


def _put_str(attributes: Any, key: str, value: str) -> None:
    slot = next((kv for kv in attributes if kv.key == key), None)
    if slot is None:
        slot = attributes.add(key=key)
    slot.value.string_value = value


def _remove_key(attributes: Any, key: str) -> None:
    for i in reversed([i for i, kv in enumerate(attributes) if kv.key == key]):
        del attributes[i]


def _update_label(metric: Metric, compiled: CompiledOperation, selection: Selection) -> None:
    op = compiled.op
    for attributes in all_attributes(metric):
        if not selection.attrs_match(attributes):
            continue
        value = get(attributes, op.label)
        if value is None:
            continue
        key = op.label
        text = str_value(value)
        if op.new_label:
            copy = type(value)()
            copy.CopyFrom(value)
            _remove_key(attributes, op.new_label)
            attributes.add(key=op.new_label).value.CopyFrom(copy)
            if op.new_label != op.label:
                _remove_key(attributes, op.label)
            key = op.new_label
        if text in compiled.renames:
            _put_str(attributes, key, compiled.renames[text])


def _rebuild(metric: Metric, aggregation: str) -> None:
    """Replace the metric's points by their merged groups."""
    groups = Groups()
    groups.add_metric(metric)
    rebuilt = empty_like(metric)
    groups.merge_into(rebuilt, aggregation)
    metric.CopyFrom(rebuilt)


def _aggregate_labels(metric: Metric, op: Operation) -> None:
    if metric.WhichOneof("data") == "summary":
        raise OperationError(f"aggregate_labels is not supported for Summary metrics: {metric.name}")
    keep = set(op.label_set)
    for attributes in all_attributes(metric):
        for i in reversed([i for i, kv in enumerate(attributes) if kv.key not in keep]):
            del attributes[i]
    _rebuild(metric, op.aggregation_type)


def _aggregate_label_values(metric: Metric, compiled: CompiledOperation) -> None:
    op = compiled.op
    if metric.WhichOneof("data") == "summary":
        raise OperationError(f"aggregate_label_values is not supported for Summary metrics: {metric.name}")
    for attributes in all_attributes(metric):
        value = get(attributes, op.label)
        if value is not None and str_value(value) in compiled.merged_values:
            value.string_value = compiled.new_value
    _rebuild(metric, op.aggregation_type)


def _number_points(metric: Metric) -> Any:
    kind = metric.WhichOneof("data")
    return getattr(metric, kind).data_points if kind in ("gauge", "sum") else None


def _toggle_scalar_data_type(metric: Metric, selection: Selection) -> None:
    for point in _number_points(metric) or ():
        if not selection.attrs_match(point.attributes):
            continue
        kind = point.WhichOneof("value")
        if kind == "as_int":
            point.as_double = float(point.as_int)
        elif kind == "as_double":
            point.as_int = go_int64(point.as_double)


def _scale_value(metric: Metric, scale: float, selection: Selection) -> None:
    kind = metric.WhichOneof("data")
    if kind in ("gauge", "sum"):
        for point in points(metric):
            if not selection.attrs_match(point.attributes):
                continue
            value_kind = point.WhichOneof("value")
            if value_kind == "as_int":
                point.as_int = go_int64(point.as_int * scale)
            elif value_kind == "as_double":
                point.as_double *= scale
    elif kind in ("histogram", "exponential_histogram"):
        for point in points(metric):
            if selection.attrs_match(point.attributes):
                _scale_distribution(point, kind, scale)


def _scale_distribution(point: Any, kind: str, scale: float) -> None:
    for name in ("sum", "min", "max"):
        if point.HasField(name):
            setattr(point, name, getattr(point, name) * scale)
    if kind == "histogram":
        point.explicit_bounds[:] = [b * scale for b in point.explicit_bounds]
    else:
        point.zero_threshold *= scale
        # the counts and the scale stay; only where the buckets start moves
        for buckets in (point.positive, point.negative):
            if buckets.bucket_counts:
                buckets.offset = _scaled_offset(point.scale, buckets.offset, scale)
    for exemplar in point.exemplars:
        value_kind = exemplar.WhichOneof("value")
        if value_kind == "as_int":
            exemplar.as_int = go_int64(exemplar.as_int * scale)
        elif value_kind == "as_double":
            exemplar.as_double *= scale


def _scaled_offset(scale: int, offset: int, factor: float) -> int:
    """The index of the scaled middle of the first bucket (Go's ``updateOffset``)."""
    try:
        base = 2.0 ** (2.0**-scale)
        value = (base**offset + base ** (offset + 1)) / 2 * factor
        index = math.ceil(math.log(value) * math.ldexp(math.log2(math.e), scale)) - 1
    except (OverflowError, ValueError):  # a value Go cannot map either: keep the offset
        return offset
    return max(min(index, 2**31 - 1), -(2**31))


def _add_label(metric: Metric, key: str, value: str) -> None:
    for attributes in all_attributes(metric):
        if get(attributes, key) is None:
            attributes.add(key=key).value.string_value = value


def _delete_label_value(metric: Metric, op: Operation) -> None:
    found = points(metric)
    if found is None:
        return
    doomed = [
        i
        for i, point in enumerate(found)
        if (value := get(point.attributes, op.label)) is not None and str_value(value) == op.label_value
    ]
    for i in reversed(doomed):
        del found[i]
