"""Regroups spans, log records and metric data points by resource (Go's
``groupbyattrsprocessor``).

For every item, the configured keys found among its attributes are removed from it and set on a
copy of its resource; the item then goes under the output resource with those attributes (created
on first use), in the scope with the same name and version, and for data points in the metric
with the same name and kind. Items without any of the keys stay with an identical copy of their
own resource, so repeated resources and scopes are merged either way (``keys: []`` does only
that). Resources compare by attributes, regardless of order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.metricstreams import value_key
from pyotelcol.helpers.processorhelper import Processor
from pyotelcol.pdata import Logs, Metrics, Traces

from .config import Config

Extracted = list[tuple[str, AnyValue]]
# (resource field, scope field, item field) of each signal's request message
_FIELDS = {
    Signal.TRACES: ("resource_spans", "scope_spans", "spans"),
    Signal.LOGS: ("resource_logs", "scope_logs", "log_records"),
    Signal.METRICS: ("resource_metrics", "scope_metrics", "metrics"),
}
_UNITS = {Signal.TRACES: "spans", Signal.LOGS: "logs", Signal.METRICS: "metrics"}


def create_processor(settings: Settings, signal: Signal, cfg: Config, next_consumer: Consumer) -> Processor[Any]:
    for key in cfg.repeated_keys():
        settings.telemetry.logger.warning("A grouping key is already present", extra={"fields": {"key": key}})
    obs = _Telemetry(settings, signal)
    keys = cfg.grouping_keys()
    process: Callable[[Any], Awaitable[Any]]
    if signal is Signal.METRICS:

        async def process(data: Metrics) -> Metrics:
            out = Metrics.empty()
            _group_metrics(data.message, out.message, keys, obs)
            return out

    else:
        data_type = Traces if signal is Signal.TRACES else Logs

        async def process(data: Any) -> Any:
            out = data_type.empty()
            _group_records(data.message, out.message, _FIELDS[signal], keys, obs)
            return out

    return Processor(settings, signal, next_consumer, process, mutates_data=False)


class _Telemetry:
    """Go's ``otelcol_processor_groupbyattrs_*`` self-metrics."""

    def __init__(self, settings: Settings, signal: Signal) -> None:
        meter = settings.telemetry.meter
        unit = _UNITS[signal]
        singular = unit.rstrip("s")
        prefix = "otelcol_processor_groupbyattrs_"
        self.grouped = meter.create_counter(
            f"{prefix}num_grouped_{unit}", unit="1", description=f"Number of {unit} that had attributes grouped"
        )
        self.non_grouped = meter.create_counter(
            f"{prefix}num_non_grouped_{unit}",
            unit="1",
            description=f"Number of {unit} that did not have attributes grouped",
        )
        self.groups = meter.create_histogram(
            f"{prefix}{singular}_groups", unit="1", description=f"Distribution of groups extracted for {unit}"
        )
        self.attrs = {"processor": str(settings.id)}

    def record(self, grouped: int, non_grouped: int, groups: int) -> None:
        self.grouped.add(grouped, self.attrs)
        self.non_grouped.add(non_grouped, self.attrs)
        self.groups.record(groups, self.attrs)


def _extract(attributes: Any, keys: list[str]) -> Extracted:
    """The configured keys present in ``attributes`` with their values (first occurrence)."""
    if not keys or not attributes:
        return []
    found: dict[str, AnyValue] = {}
    for kv in attributes:
        if kv.key in keys and kv.key not in found:
            found[kv.key] = kv.value
    return [(key, found[key]) for key in keys if key in found]


def _remove(attributes: Any, extracted: Extracted) -> None:
    gone = {key for key, _ in extracted}
    for i in reversed([i for i, kv in enumerate(attributes) if kv.key in gone]):
        del attributes[i]


class _Resources:
    """The output resources and their scopes, found by identity or created on first use."""

    def __init__(self, out: Any, scope_field: str) -> None:
        self._out = out
        self._scope_field = scope_field
        self._resources: dict[Hashable, tuple[int, Any]] = {}
        self._scopes: dict[tuple[int, str, str], tuple[int, Any]] = {}

    def __len__(self) -> int:
        return len(self._resources)

    def scope(
        self, origin: Any, origin_attrs: dict[str, Hashable], origin_scope: Any, extracted: Extracted
    ) -> tuple[int, Any]:
        """The number and message of the output scope for an item (numbers are unique)."""
        attrs = origin_attrs
        if extracted:
            attrs = dict(origin_attrs)
            attrs.update((key, value_key(value)) for key, value in extracted)
        identity = tuple(sorted(attrs.items()))
        resource = self._resources.get(identity)
        if resource is None:
            resource = self._resources[identity] = (len(self._resources), self._new_resource(origin, extracted))
        scope = origin_scope.scope
        scope_id = (resource[0], scope.name, scope.version)
        found = self._scopes.get(scope_id)
        if found is None:
            target = getattr(resource[1], self._scope_field).add()
            target.scope.CopyFrom(scope)
            target.schema_url = origin_scope.schema_url
            found = self._scopes[scope_id] = (len(self._scopes), target)
        return found

    def _new_resource(self, origin: Any, extracted: Extracted) -> Any:
        target = self._out.add()
        target.resource.CopyFrom(origin.resource)
        target.schema_url = origin.schema_url
        attributes = target.resource.attributes
        for key, value in extracted:
            slot = next((kv for kv in attributes if kv.key == key), None)
            if slot is None:
                slot = attributes.add(key=key)
            slot.value.CopyFrom(value)
        return target


def _first_values(attributes: Any) -> dict[str, Hashable]:
    out: dict[str, Hashable] = {}
    for kv in attributes:
        if kv.key not in out:
            out[kv.key] = value_key(kv.value)
    return out


def _group_records(msg: Any, out: Any, fields: tuple[str, str, str], keys: list[str], obs: _Telemetry) -> None:
    resource_field, scope_field, item_field = fields
    groups = _Resources(getattr(out, resource_field), scope_field)
    grouped = non_grouped = 0
    for origin in getattr(msg, resource_field):
        origin_attrs = _first_values(origin.resource.attributes)
        for origin_scope in getattr(origin, scope_field):
            for item in getattr(origin_scope, item_field):
                extracted = _extract(item.attributes, keys)
                _, scope = groups.scope(origin, origin_attrs, origin_scope, extracted)
                target = getattr(scope, item_field).add()
                target.CopyFrom(item)
                if extracted:
                    grouped += 1
                    _remove(target.attributes, extracted)
                else:
                    non_grouped += 1
    obs.record(grouped, non_grouped, len(groups))


def _group_metrics(msg: Any, out: Any, keys: list[str], obs: _Telemetry) -> None:
    groups = _Resources(out.resource_metrics, "scope_metrics")
    metrics: dict[tuple[int, str, str], metrics_pb2.Metric] = {}
    grouped = non_grouped = 0
    for origin in msg.resource_metrics:
        origin_attrs = _first_values(origin.resource.attributes)
        for origin_scope in origin.scope_metrics:
            for metric in origin_scope.metrics:
                kind = metric.WhichOneof("data")
                if kind is None:
                    continue  # a metric without data has no points to carry over
                for point in getattr(metric, kind).data_points:
                    extracted = _extract(point.attributes, keys)
                    scope_number, scope = groups.scope(origin, origin_attrs, origin_scope, extracted)
                    metric_id = (scope_number, metric.name, kind)
                    target = metrics.get(metric_id)
                    if target is None:
                        target = metrics[metric_id] = _new_metric(scope, metric, kind)
                    copy = getattr(target, kind).data_points.add()
                    copy.CopyFrom(point)
                    if extracted:
                        grouped += 1
                        _remove(copy.attributes, extracted)
                    else:
                        non_grouped += 1
    obs.record(grouped, non_grouped, len(groups))


def _new_metric(scope: Any, origin: metrics_pb2.Metric, kind: str) -> metrics_pb2.Metric:
    """An empty metric like ``origin``: name, description, unit, metadata, kind and its settings."""
    metric: metrics_pb2.Metric = scope.metrics.add(name=origin.name, description=origin.description, unit=origin.unit)
    metric.metadata.extend(origin.metadata)
    data = getattr(origin, kind)
    target = getattr(metric, kind)
    target.SetInParent()
    if kind in ("sum", "histogram", "exponential_histogram"):
        target.aggregation_temporality = data.aggregation_temporality
    if kind == "sum":
        target.is_monotonic = data.is_monotonic
    return metric
