"""The pieces of Go's generated (mdatagen) metrics code that scraper receivers share: the
``metrics`` config section (``<metric>: {enabled: bool}`` entries declared as dataclass fields
that carry the metric's name, and the set of enabled names), and ``metric_message``, one OTLP
metric from a spec and its points.

    @dataclass
    class MetricsConfig:
        commands: MetricConfig = field(default_factory=metric_on, metadata=metric_key("redis.commands"))
        maxmemory: MetricConfig = field(default_factory=MetricConfig, metadata=metric_key("redis.maxmemory"))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, make_dataclass
from typing import Any, Protocol

from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2

__all__ = [
    "MetricConfig",
    "MetricShape",
    "MetricsSection",
    "enabled_metric_keys",
    "metric_key",
    "metric_message",
    "metric_on",
    "metrics_section",
]


@dataclass
class MetricConfig:
    enabled: bool = False


def metric_on() -> MetricConfig:
    """The default of a metric that is enabled by default."""
    return MetricConfig(enabled=True)


def metric_key(name: str) -> dict[str, str]:
    """Field metadata naming the metric an entry configures."""
    return {"key": name}


def enabled_metric_keys(section: Any) -> set[str]:
    """The names of the enabled metrics of a ``metrics`` section dataclass."""
    return {str(f.metadata["key"]) for f in fields(section) if getattr(section, f.name).enabled}


class MetricsSection:
    """What a generated ``metrics`` section offers (the static type of ``metrics_section``'s classes)."""

    def enabled(self) -> set[str]:
        return enabled_metric_keys(self)


def metrics_section(name: str, defaults: Mapping[str, bool]) -> type[MetricsSection]:
    """The ``metrics`` section dataclass of a receiver whose metric specs say which metrics are on
    by default (``{"redis.commands": True, ...}``): one ``MetricConfig`` field per metric, its YAML
    key the metric's name, so the specs stay the one place that lists the metrics."""
    entries = [
        (
            metric.split(".", 1)[-1].replace(".", "_"),
            MetricConfig,
            field(default_factory=metric_on if on else MetricConfig, metadata=metric_key(metric)),
        )
        for metric, on in defaults.items()
    ]
    doc = "Go's generated ``metrics`` section: ``<metric>: {enabled: bool}``."
    return make_dataclass(name, entries, bases=(MetricsSection,), namespace={"__doc__": doc})


class MetricShape(Protocol):
    """What ``metric_message`` reads of a receiver's metric spec."""

    @property
    def description(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def is_sum(self) -> bool: ...
    @property
    def monotonic(self) -> bool: ...
    @property
    def is_double(self) -> bool: ...


Point = tuple[int, float, Iterable[tuple[str, str]]]


def metric_message(name: str, spec: MetricShape, points: Iterable[Point], start_ns: int) -> metrics_pb2.Metric:
    """A cumulative sum or a gauge of ``points`` (time, value, string attributes), every point
    starting at ``start_ns``, as mdatagen's builders record them."""
    metric = metrics_pb2.Metric(name=name, description=spec.description, unit=spec.unit)
    if spec.is_sum:
        metric.sum.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
        metric.sum.is_monotonic = spec.monotonic
        dps = metric.sum.data_points
    else:
        dps = metric.gauge.data_points
    for time_ns, value, attrs in points:
        dp = dps.add(start_time_unix_nano=start_ns, time_unix_nano=time_ns)
        if spec.is_double:
            dp.as_double = float(value)
        else:
            dp.as_int = int(value)
        for key, attr in attrs:
            dp.attributes.add(key=key, value=common_pb2.AnyValue(string_value=attr))
    return metric
