"""The count connector at work: per resource of each request, one delta Sum per configured metric,
one data point per distinct set of counted attribute values (Go's ``count`` and ``counter``)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol import client
from pyotelcol.component import Host
from pyotelcol.consumer import Capabilities, Consumer, ConsumerError
from pyotelcol.ottl import DataPointContext, ExecutionError, LogContext, MetricContext, SpanContext, SpanEventContext
from pyotelcol.pdata import AnyData, Metrics

from .config import MetricDef

SCOPE_NAME = "github.com/open-telemetry/opentelemetry-collector-contrib/connector/countconnector"
_CAPABILITIES = Capabilities(mutates_data=False)
_DELTA = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA


class _EmptyMetricError(ValueError):
    """A metric without a data type: Go refuses the whole request."""


def _lookup(key: str, *layers: Iterable[KeyValue]) -> AnyValue | None:
    """The first layer holding ``key`` wins (item > scope > resource)."""
    for layer in layers:
        for kv in layer:
            if kv.key == key:
                return kv.value
    return None


class Counter:
    """The counts of one resource for a group of metric definitions, and their time range."""

    def __init__(self, defs: list[MetricDef]) -> None:
        self.defs = defs
        # metric name -> attribute key -> (attributes, count)
        self.counts: dict[str, dict[tuple[Any, ...], tuple[list[KeyValue], int]]] = {}
        self.start = 0
        self.end = 0

    def stamp(self, timestamp: int) -> None:
        if timestamp == 0:
            return
        if self.start == 0 or timestamp < self.start:
            self.start = timestamp
        if timestamp > self.end:
            self.end = timestamp

    def update(self, tctx: Any, item_attrs: Iterable[KeyValue], scope_attrs: Any, resource_attrs: Any) -> None:
        """Count the item for every definition it satisfies. A failing condition raises (Go
        compiles them with the propagate error mode)."""
        for md in self.defs:
            attrs: list[KeyValue] = []
            for key, default in md.attributes:
                value = _lookup(key, item_attrs, scope_attrs, resource_attrs)
                if value is None:
                    value = default
                if value is None:
                    break  # lacks a counted attribute: not counted by this metric
                kv = KeyValue(key=key)
                kv.value.CopyFrom(value)
                attrs.append(kv)
            else:
                if md.condition is not None and not md.condition.matches(tctx):
                    continue
                series = self.counts.setdefault(md.name, {})
                ident = tuple((kv.key, kv.value.SerializeToString(deterministic=True)) for kv in attrs)
                found = series.get(ident)
                series[ident] = (attrs, 1) if found is None else (found[0], found[1] + 1)

    def append_to(self, metrics: Any) -> None:
        start, end = (self.start, self.end) if self.start else (time.time_ns(),) * 2
        for md in self.defs:
            series = self.counts.get(md.name)
            if not series:
                continue
            metric = metrics.add(name=md.name, description=md.description)
            metric.sum.is_monotonic = True
            metric.sum.aggregation_temporality = _DELTA
            for attrs, count in series.values():
                point = metric.sum.data_points.add(start_time_unix_nano=start, time_unix_nano=end, as_int=count)
                point.attributes.extend(attrs)


class CountConnector:
    """Counts what one signal's pipelines export into metrics for the receiver-side pipelines."""

    def __init__(self, defs: dict[str, list[MetricDef]], next_consumer: Consumer) -> None:
        self._defs = defs
        self._next = next_consumer

    @property
    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    async def start(self, host: Host) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def consume(self, data: AnyData) -> None:
        info = client.from_context()
        out = Metrics.empty()
        resource_metrics = out.mutable().resource_metrics
        for rc in getattr(data, data.resource_field):
            try:
                counters = list(self._count_resource(data, rc, info))
            except (ExecutionError, _EmptyMetricError) as exc:  # not permanent, as in Go
                raise ConsumerError(str(exc)) from exc
            if not any(c.counts for c in counters):
                continue  # no resource without counts, as in Go
            rm = resource_metrics.add()
            rm.resource.attributes.extend(rc.proto.resource.attributes)
            sm = rm.scope_metrics.add()
            sm.scope.name = SCOPE_NAME
            for counter in counters:
                counter.append_to(sm.metrics)
        if len(resource_metrics):
            await self._next.consume(out)

    def _count_resource(self, data: AnyData, rc: Any, info: Any) -> Iterator[Counter]:
        resource_attrs = rc.proto.resource.attributes
        if data.resource_field == "resource_spans":
            spans, events = Counter(self._defs["spans"]), Counter(self._defs["spanevents"])
            for ss in rc.scope_spans:
                scope_attrs = ss.proto.scope.attributes
                for span in ss.spans:
                    pb = span.proto
                    spans.stamp(pb.start_time_unix_nano)
                    spans.stamp(pb.end_time_unix_nano)
                    spans.update(SpanContext(rc, ss, span, info), pb.attributes, scope_attrs, resource_attrs)
                    for index, event in enumerate(span.events):
                        events.stamp(event.proto.time_unix_nano)
                        tctx = SpanEventContext(rc, ss, span, event, index, info)
                        events.update(tctx, event.proto.attributes, scope_attrs, resource_attrs)
            yield from (spans, events)
        elif data.resource_field == "resource_metrics":
            metrics, points = Counter(self._defs["metrics"]), Counter(self._defs["datapoints"])
            for sm in rc.scope_metrics:
                scope_attrs = sm.proto.scope.attributes
                for metric in sm.metrics:
                    metrics.update(MetricContext(rc, sm, metric, info), (), scope_attrs, resource_attrs)
                    kind = metric.proto.WhichOneof("data")
                    if kind is None:
                        raise _EmptyMetricError(f'metric "{metric.proto.name}": invalid metric type: Empty')
                    for point in getattr(metric, kind).data_points:
                        points.stamp(point.proto.time_unix_nano)
                        dctx = DataPointContext(rc, sm, metric, point, info)
                        points.update(dctx, point.proto.attributes, scope_attrs, resource_attrs)
            yield from (metrics, points)
        else:
            logs = Counter(self._defs["logs"])
            for sl in rc.scope_logs:
                scope_attrs = sl.proto.scope.attributes
                for record in sl.log_records:
                    logs.stamp(record.proto.time_unix_nano)
                    logs.update(LogContext(rc, sl, record, info), record.proto.attributes, scope_attrs, resource_attrs)
            yield logs
