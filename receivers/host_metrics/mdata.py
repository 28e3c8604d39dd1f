"""What Go's mdatagen generates for each hostmetrics scraper, built at run time from the scraper's
metadata (``scraper_metadata/<scraper>.yaml``, trimmed from Go's metadata.yaml).

- ``ScraperSpec``: the scraper's metrics (name, unit, description, sum/gauge, value type,
  monotonicity, attributes), attributes (``name_override``, opt-in ones) and resource attributes.
- ``metrics_config_class`` / ``resource_attributes_config_class``: the strict config sections
  ``metrics.<name>.{enabled, attributes, aggregation_strategy}`` and
  ``resource_attributes.<name>.{enabled, metrics_include, metrics_exclude}``. As in Go, only a
  metric that has attributes takes ``attributes`` (the ones to keep; opt-in ones are off by
  default) and ``aggregation_strategy`` (how points that become equal once attributes are dropped
  merge: ``sum`` by default for sums, ``avg`` for gauges, or ``min`` / ``max``).
- ``MetricsBuilder``: records data points and emits one resource per ``emit_for_resource`` with
  Go's scope name, the pyotelcol version as scope version and the semconv schema URL.

Metric keys ending in ``@v1`` are the process scraper's next-semconv metrics: Go emits them only
under alpha feature gates, which pyotelcol does not have, so they are accepted in config and never
emitted.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.pdata import Metrics

__all__ = [
    "AttributedMetricConfig",
    "MetricConfig",
    "MetricsBuilder",
    "ResourceAttributeConfig",
    "ScraperSpec",
    "load_spec",
]

SCOPE_PREFIX = (
    "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/"
)
AGGREGATION_STRATEGIES = ("sum", "avg", "min", "max")


@dataclass(frozen=True)
class AttributeSpec:
    key: str  # the key metrics list it under
    name: str  # the attribute name on data points (``name_override`` or the key)
    opt_in: bool


@dataclass(frozen=True)
class MetricSpec:
    key: str  # config key (``process.cpu.time@v1``)
    name: str  # emitted name
    description: str
    unit: str
    is_sum: bool
    is_double: bool
    monotonic: bool
    enabled: bool
    attributes: tuple[AttributeSpec, ...]

    @property
    def emittable(self) -> bool:
        return not self.key.endswith("@v1")


@dataclass(frozen=True)
class ScraperSpec:
    type: str
    schema_url: str
    metrics: Mapping[str, MetricSpec]
    resource_attributes: Mapping[str, tuple[bool, str]]  # name → (enabled by default, type)

    @property
    def scope_name(self) -> str:
        return f"{SCOPE_PREFIX}{self.type}scraper"


@cache
def load_spec(scraper: str) -> ScraperSpec:
    text = resources.files(f"{__package__}.scraper_metadata").joinpath(f"{scraper}.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    attrs = {
        key: AttributeSpec(key, body.get("name_override", key), body.get("requirement_level") == "opt_in")
        for key, body in (raw.get("attributes") or {}).items()
    }
    metrics = {}
    for key, body in raw["metrics"].items():
        is_sum = "sum" in body
        data = body["sum"] if is_sum else body["gauge"]
        metrics[key] = MetricSpec(
            key=key,
            name=key.removesuffix("@v1"),
            description=body.get("description", "").strip(),
            unit=body.get("unit", ""),
            is_sum=is_sum,
            is_double=data["value_type"] == "double",
            monotonic=bool(data.get("monotonic", False)),
            enabled=bool(body["enabled"]),
            attributes=tuple(attrs[a] for a in body.get("attributes") or ()),
        )
    resource_attributes = {
        name: (bool(body.get("enabled")), str(body.get("type", "string")))
        for name, body in (raw.get("resource_attributes") or {}).items()
    }
    return ScraperSpec(
        type=raw["type"],
        schema_url=f"https://opentelemetry.io/schemas/{raw['sem_conv_version']}",
        metrics=metrics,
        resource_attributes=resource_attributes,
    )


# -- config sections ------------------------------------------------------------------------------


@dataclass
class MetricConfig:
    enabled: bool = False


@dataclass
class AttributedMetricConfig:
    enabled: bool = False
    aggregation_strategy: str = "sum"
    attributes: list[str] = field(default_factory=list)


@dataclass
class AttributeValueFilter:
    """``metrics_include`` / ``metrics_exclude`` entries (Go's ``filter.Config``): one of them."""

    strict: str = ""
    regexp: str = ""


@dataclass
class ResourceAttributeConfig:
    enabled: bool = False
    metrics_include: list[AttributeValueFilter] = field(default_factory=list)
    metrics_exclude: list[AttributeValueFilter] = field(default_factory=list)


def _ident(key: str) -> str:
    return "f_" + re.sub(r"\W", "_", key)


def _copier(default: Any) -> Callable[[], Any]:
    return lambda: dataclasses.replace(default)


def _section_class(name: str, entries: list[tuple[str, type[Any], Any]]) -> type[Any]:
    fields = [
        (_ident(key), tp, field(default_factory=_copier(default), metadata={"key": key}))
        for key, tp, default in entries
    ]
    return dataclasses.make_dataclass(name, fields)


_section_classes: dict[str, type[Any]] = {}


def metrics_config_class(spec: ScraperSpec) -> type[Any]:
    key = f"{spec.type}.metrics"
    if key not in _section_classes:
        _section_classes[key] = _metrics_config_class(spec)
    return _section_classes[key]


def _metrics_config_class(spec: ScraperSpec) -> type[Any]:
    entries: list[tuple[str, type[Any], Any]] = []
    for m in spec.metrics.values():
        if m.attributes:
            default: Any = AttributedMetricConfig(
                enabled=m.enabled,
                aggregation_strategy="sum" if m.is_sum else "avg",
                attributes=[a.key for a in m.attributes if not a.opt_in],
            )
            entries.append((m.key, AttributedMetricConfig, default))
        else:
            entries.append((m.key, MetricConfig, MetricConfig(enabled=m.enabled)))
    return _section_class(f"{spec.type.title()}MetricsConfig", entries)


def resource_attributes_config_class(spec: ScraperSpec) -> type[Any]:
    key = f"{spec.type}.resource_attributes"
    if key not in _section_classes:
        entries: list[tuple[str, type[Any], Any]] = [
            (name, ResourceAttributeConfig, ResourceAttributeConfig(enabled=enabled))
            for name, (enabled, _) in spec.resource_attributes.items()
        ]
        _section_classes[key] = _section_class(f"{spec.type.title()}ResourceAttributesConfig", entries)
    return _section_classes[key]


def section_items(section: Any) -> dict[str, Any]:
    """Config key → value of a generated ``metrics`` / ``resource_attributes`` section."""
    return {str(f.metadata["key"]): getattr(section, f.name) for f in dataclasses.fields(section)}


def check_metrics_config(spec: ScraperSpec, section: Any) -> list[str]:
    """Go's per-metric Validate: known attribute keys and aggregation strategies."""
    errors = []
    for key, cfg in section_items(section).items():
        if not isinstance(cfg, AttributedMetricConfig):
            continue
        valid = [a.key for a in spec.metrics[key].attributes]
        for attr in cfg.attributes:
            if attr not in valid:
                errors.append(f"metric {key} doesn't have an attribute {attr}, valid attributes: [{', '.join(valid)}]")
                break
        if cfg.aggregation_strategy not in AGGREGATION_STRATEGIES:
            errors.append(
                f'invalid aggregation strategy "{cfg.aggregation_strategy}", valid strategies: [sum, avg, min, max]'
            )
    return errors


def check_resource_attributes_config(section: Any) -> list[str]:
    errors = []
    for name, cfg in section_items(section).items():
        for entry in [*cfg.metrics_include, *cfg.metrics_exclude]:
            if bool(entry.strict) == bool(entry.regexp):
                errors.append(f"resource_attributes.{name}: a filter needs exactly one of strict or regexp")
            elif entry.regexp:
                try:
                    re.compile(entry.regexp)
                except re.error as exc:
                    errors.append(f"resource_attributes.{name}: invalid regexp {entry.regexp!r}: {exc}")
    return errors


# -- the builder ----------------------------------------------------------------------------------


def _any_value(value: Any) -> common_pb2.AnyValue:
    if isinstance(value, bool):
        return common_pb2.AnyValue(bool_value=value)
    if isinstance(value, int):
        return common_pb2.AnyValue(int_value=value)
    if isinstance(value, float):
        return common_pb2.AnyValue(double_value=value)
    return common_pb2.AnyValue(string_value=str(value))


class _MetricBuffer:
    """One metric's points of the current resource, merged per Go's aggregation strategy."""

    __slots__ = ("cfg", "counts", "keep", "points", "spec")

    def __init__(self, spec: MetricSpec, cfg: Any) -> None:
        self.spec = spec
        self.cfg = cfg
        kept = set(cfg.attributes) if isinstance(cfg, AttributedMetricConfig) else set()
        self.keep = [a for a in spec.attributes if a.key in kept]
        self.points: dict[tuple[Any, ...], list[Any]] = {}  # key → [start, ts, value, attrs]
        self.counts: dict[tuple[Any, ...], int] = {}

    def record(self, start: int, ts: int, value: float, attrs: Mapping[str, Any]) -> None:
        kept = tuple((a.name, attrs[a.key]) for a in self.keep)
        key = (kept, start, ts)
        point = self.points.get(key)
        if point is None:
            self.points[key] = [start, ts, value, kept]
            self.counts[key] = 1
            return
        strategy = self.cfg.aggregation_strategy
        if strategy in ("sum", "avg"):
            point[2] += value
            self.counts[key] += 1
        elif strategy == "min":
            point[2] = min(point[2], value)
        elif strategy == "max":
            point[2] = max(point[2], value)

    def emit(self, start_override: int | None) -> metrics_pb2.Metric | None:
        if not self.points:
            return None
        spec = self.spec
        metric = metrics_pb2.Metric(name=spec.name, description=spec.description, unit=spec.unit)
        if spec.is_sum:
            metric.sum.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
            metric.sum.is_monotonic = spec.monotonic
            dps = metric.sum.data_points
        else:
            dps = metric.gauge.data_points
        avg = isinstance(self.cfg, AttributedMetricConfig) and self.cfg.aggregation_strategy == "avg"
        for key, (start, ts, value, kept) in self.points.items():
            dp = dps.add()
            dp.start_time_unix_nano = start if start_override is None else start_override
            dp.time_unix_nano = ts
            if avg:
                value = value / self.counts[key]
            if spec.is_double:
                dp.as_double = float(value)
            else:
                dp.as_int = int(value)
            for name, attr_value in kept:
                dp.attributes.add(key=name, value=_any_value(attr_value))
        self.points = {}
        self.counts = {}
        return metric


class _ValueFilter:
    def __init__(self, entries: list[AttributeValueFilter]) -> None:
        self._strict = {e.strict for e in entries if e.strict}
        self._regexps = [re.compile(e.regexp) for e in entries if e.regexp]

    def matches(self, value: str) -> bool:
        return value in self._strict or any(r.search(value) for r in self._regexps)


class MetricsBuilder:
    """Records a scraper's data points and emits them grouped by resource, as mdatagen's builder."""

    def __init__(self, spec: ScraperSpec, scraper_cfg: Any, version: str, start_time_ns: int = 0) -> None:
        self.spec = spec
        self.start_time_ns = start_time_ns
        self._version = version
        configs = section_items(scraper_cfg.metrics)
        self._enabled = {key for key, cfg in configs.items() if cfg.enabled}
        self._buffers = {
            key: _MetricBuffer(spec.metrics[key], cfg)
            for key, cfg in configs.items()
            if cfg.enabled and spec.metrics[key].emittable
        }
        res_cfg = section_items(scraper_cfg.resource_attributes) if hasattr(scraper_cfg, "resource_attributes") else {}
        self._resource_enabled = {name for name, cfg in res_cfg.items() if cfg.enabled}
        self._include = {n: _ValueFilter(c.metrics_include) for n, c in res_cfg.items() if c.metrics_include}
        self._exclude = {n: _ValueFilter(c.metrics_exclude) for n, c in res_cfg.items() if c.metrics_exclude}
        self._out = metrics_service_pb2.ExportMetricsServiceRequest()

    def enabled(self, key: str) -> bool:
        return key in self._enabled

    def resource_attribute_enabled(self, name: str) -> bool:
        return name in self._resource_enabled

    def record(self, key: str, ts: int, value: float, attrs: Mapping[str, Any] | None = None) -> None:
        """A point of metric ``key``; ``attrs`` by the attribute keys the metadata lists."""
        buffer = self._buffers.get(key)
        if buffer is not None:
            buffer.record(self.start_time_ns, ts, value, attrs or {})

    def emit_for_resource(self, resource: Mapping[str, Any] | None = None, start_override: int | None = None) -> None:
        """Close the current resource: its enabled resource attributes and every buffered metric."""
        attrs = {k: v for k, v in (resource or {}).items() if k in self._resource_enabled}
        rm = metrics_pb2.ResourceMetrics(schema_url=self.spec.schema_url)
        for name, value in attrs.items():
            rm.resource.attributes.add(key=name, value=_any_value(value))
        sm = rm.scope_metrics.add()
        sm.scope.name = self.spec.scope_name
        sm.scope.version = self._version
        for buffer in self._buffers.values():
            metric = buffer.emit(start_override)
            if metric is not None:
                sm.metrics.append(metric)
        if not sm.metrics or not self._resource_kept(attrs):
            return
        self._out.resource_metrics.append(rm)

    def _resource_kept(self, attrs: Mapping[str, Any]) -> bool:
        for name, flt in self._include.items():
            if name in attrs and not flt.matches(str(attrs[name])):
                return False
        return not any(name in attrs and flt.matches(str(attrs[name])) for name, flt in self._exclude.items())

    def emit(self) -> Metrics:
        """Everything emitted so far (closing the pending resource first, with no attributes)."""
        self.emit_for_resource()
        out, self._out = self._out, metrics_service_pb2.ExportMetricsServiceRequest()
        return Metrics(out)
