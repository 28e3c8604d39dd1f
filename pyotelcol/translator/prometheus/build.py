"""One target's scrape → one OTLP ``ResourceMetrics``, as Go's receiver transaction builds it.

- Resource: ``service.name`` = job, ``service.instance.id`` = instance, ``server.address`` (only
  when the host is discernible: not loopback, unspecified or ``localhost``), ``server.port``,
  ``url.scheme``.
- Scope: the receiver's own unless the series carries ``otel_scope_name`` / ``_version`` /
  ``_schema_url``; other ``otel_scope_<k>`` labels become scope attributes.
- Types: counter → cumulative monotonic Sum, gauge / unknown → Gauge, histogram (and gaugehistogram)
  → cumulative Histogram from ``_bucket{le}``, ``_sum`` and ``_count``; summary → Summary. Other
  OpenMetrics types (info, stateset) → Gauge.
- Names: counters, gauges and unknowns keep the exposed series name (``_total`` stays); histograms
  and summaries take the family name.
- Point attributes: every label but ``__name__``, ``job``, ``instance``, ``otel_scope_*``
  (and ``le`` / ``quantile``). Start time only from OpenMetrics ``_created`` (Go no longer adjusts
  it). A staleness marker gives a point flagged ``FLAG_NO_RECORDED_VALUE``.
- ``target_info``: its labels (but job, instance) become resource attributes; no metric.
- ``trim_suffixes`` (the receiver's ``trim_metric_suffixes``): Go's ``TrimPromSuffixes`` on names.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, field

from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.proto.resource.v1 import resource_pb2

from .exposition import is_stale_nan
from .normalize import trim_prom_suffixes

SCOPE_PREFIX = "otel_scope_"
_NO_RECORDED_VALUE = metrics_pb2.DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK
_CUMULATIVE = metrics_pb2.AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
_SUFFIXES = {
    "histogram": ("_bucket", "_sum", "_count"),
    "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
    "summary": ("_sum", "_count"),
}


def _kv(key: str, value: str) -> common_pb2.KeyValue:
    return common_pb2.KeyValue(key=key, value=common_pb2.AnyValue(string_value=value))


def _discernible(host: str) -> bool:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host != "localhost"
    return not (ip.is_loopback or ip.is_unspecified)


def target_resource(job: str, instance: str, scheme: str) -> resource_pb2.Resource:
    """Go's ``CreateResource`` (without the ``UseTargetURLForServerAddress`` gate)."""
    host, port = instance, ""
    if instance.startswith("["):
        end = instance.find("]")
        if end > 0 and instance[end + 1 : end + 2] == ":":
            host, port = instance[1:end], instance[end + 2 :]
    elif instance.count(":") == 1:
        host, port = instance.split(":")
    attrs = [_kv("service.name", job), _kv("service.instance.id", instance)]
    if _discernible(host):
        attrs.append(_kv("server.address", host))
    attrs += [_kv("server.port", port), _kv("url.scheme", scheme)]
    return resource_pb2.Resource(attributes=attrs)


@dataclass
class _Group:
    """The samples of one series group (one data point)."""

    attrs: dict[str, str]
    ts_ms: int
    value: float = math.nan
    has_value: bool = False
    created: float | None = None
    count: float = 0.0
    has_count: bool = False
    total: float = 0.0
    has_sum: bool = False
    stale: bool = False
    bounds: dict[float, float] = field(default_factory=dict)


@dataclass
class _Family:
    name: str
    kind: str
    unit: str
    help: str
    groups: dict[tuple[tuple[str, str], ...], _Group] = field(default_factory=dict)


class MetricsBuilder:
    """Collects one scrape's (relabeled) samples; ``build`` returns the ``ResourceMetrics``."""

    def __init__(
        self, resource: resource_pb2.Resource, scope_name: str, scope_version: str, trim_suffixes: bool = False
    ) -> None:
        self._resource = resource_pb2.Resource()
        self._resource.CopyFrom(resource)
        self._trim = trim_suffixes
        self._default_scope = (scope_name, scope_version, "")
        # scope key → (scope attributes, family name → family)
        self._scopes: dict[tuple[str, str, str, tuple[tuple[str, str], ...]], dict[str, _Family]] = {}

    def add(
        self,
        *,
        family: str,
        kind: str,
        name: str,
        labels: dict[str, str],
        value: float,
        ts_ms: int,
        unit: str = "",
        help: str = "",
        created: float | None = None,
    ) -> None:
        """One series value. ``labels`` are the final labels (``__name__`` is ignored)."""
        if name == "target_info":
            self._target_info(labels)
            return
        scope_key, attrs, boundary = self._split(kind, labels)
        fam_name, merged = self._family_name(family, kind, name)
        families = self._scopes.setdefault(scope_key, {})
        fam = families.get(f"{kind}:{fam_name}")
        if fam is None:
            fam = families[f"{kind}:{fam_name}"] = _Family(fam_name, kind, unit, help)
        key = tuple(sorted(attrs.items()))
        group = fam.groups.get(key)
        if group is None:
            group = fam.groups[key] = _Group(attrs, ts_ms)
        if created is not None:
            group.created = created
        if is_stale_nan(value):
            group.stale = True
        if not merged:
            group.value, group.has_value, group.ts_ms = value, True, ts_ms
            return
        suffix = name[len(fam_name) :]
        if suffix in ("_sum", "_gsum"):
            group.total, group.has_sum = value, True
        elif suffix in ("_count", "_gcount"):
            group.count, group.has_count = value, True
        elif boundary is not None:
            group.bounds[boundary] = value
        group.ts_ms = ts_ms

    def _target_info(self, labels: dict[str, str]) -> None:
        attrs = self._resource.attributes
        for k, v in labels.items():
            if k in ("__name__", "job", "instance"):
                continue
            for kv in attrs:
                if kv.key == k:
                    kv.value.string_value = v
                    break
            else:
                attrs.append(_kv(k, v))

    @staticmethod
    def _family_name(family: str, kind: str, name: str) -> tuple[str, bool]:
        suffixes = _SUFFIXES.get(kind)
        if suffixes is None:
            return name, False
        if name == family or any(name == family + s for s in suffixes):
            return family, True
        return name, False

    @staticmethod
    def _split(
        kind: str, labels: dict[str, str]
    ) -> tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], dict[str, str], float | None]:
        scope = {"name": "", "version": "", "schema_url": ""}
        scope_attrs: dict[str, str] = {}
        attrs: dict[str, str] = {}
        boundary: float | None = None
        for k, v in labels.items():
            if k.startswith(SCOPE_PREFIX):
                sub = k[len(SCOPE_PREFIX) :]
                if sub in scope:
                    scope[sub] = v
                else:
                    scope_attrs[sub] = v
                continue
            if k in ("__name__", "job", "instance"):
                continue
            if kind in ("histogram", "gaugehistogram") and k == "le":
                boundary = _float(v)
                continue
            if kind == "summary" and k == "quantile":
                boundary = _float(v)
                continue
            attrs[k] = v
        key = (scope["name"], scope["version"], scope["schema_url"], tuple(sorted(scope_attrs.items())))
        return key, attrs, boundary

    def build(self) -> metrics_pb2.ResourceMetrics:
        rm = metrics_pb2.ResourceMetrics(resource=self._resource)
        for (name, version, schema_url, attrs), families in self._scopes.items():
            if not (name or version or schema_url or attrs):
                name, version, _ = self._default_scope
            sm = rm.scope_metrics.add(schema_url=schema_url)
            sm.scope.name, sm.scope.version = name, version
            sm.scope.attributes.extend(_kv(k, v) for k, v in attrs)
            for fam in families.values():
                self._append(sm.metrics, fam)
        return rm

    def _append(self, dest: object, fam: _Family) -> None:
        name = fam.name
        if self._trim:
            otlp_type = {"counter": "sum", "histogram": "histogram", "gaugehistogram": "histogram"}.get(fam.kind)
            name = trim_prom_suffixes(name, otlp_type or ("summary" if fam.kind == "summary" else "gauge"), fam.unit)
        metric = dest.add(name=name, description=fam.help, unit=fam.unit)  # type: ignore[attr-defined]
        if fam.kind == "counter":
            metric.sum.aggregation_temporality = _CUMULATIVE
            metric.sum.is_monotonic = True
            for g in fam.groups.values():
                self._number(metric.sum.data_points.add(), g, with_start=True)
        elif fam.kind in ("histogram", "gaugehistogram"):
            metric.histogram.aggregation_temporality = _CUMULATIVE
            for g in fam.groups.values():
                self._histogram(metric.histogram.data_points.add(), g)
        elif fam.kind == "summary":
            for g in fam.groups.values():
                self._summary(metric.summary.data_points.add(), g)
        else:
            for g in fam.groups.values():
                self._number(metric.gauge.data_points.add(), g, with_start=False)

    @staticmethod
    def _common(point: object, g: _Group, with_start: bool) -> None:
        point.time_unix_nano = g.ts_ms * 1_000_000  # type: ignore[attr-defined]
        if with_start and g.created:
            point.start_time_unix_nano = int(g.created * 1e9)  # type: ignore[attr-defined]
        point.attributes.extend(_kv(k, v) for k, v in g.attrs.items())  # type: ignore[attr-defined]
        if g.stale:
            point.flags = _NO_RECORDED_VALUE  # type: ignore[attr-defined]

    def _number(self, point: metrics_pb2.NumberDataPoint, g: _Group, with_start: bool) -> None:
        self._common(point, g, with_start)
        if not g.stale:
            point.as_double = g.value

    def _histogram(self, point: metrics_pb2.HistogramDataPoint, g: _Group) -> None:
        self._common(point, g, with_start=True)
        if g.stale:
            return
        bounds = sorted(g.bounds)
        # Cumulative bucket counts → per-bucket counts; +Inf is the implicit last bucket.
        prev = 0.0
        counts: list[int] = []
        for b in bounds:
            counts.append(int(max(g.bounds[b] - prev, 0)))
            prev = g.bounds[b]
        explicit = [b for b in bounds if not math.isinf(b)]
        if bounds and math.isinf(bounds[-1]):
            point.explicit_bounds.extend(explicit)
            point.bucket_counts.extend(counts)
        elif bounds:
            point.explicit_bounds.extend(explicit)
            point.bucket_counts.extend([*counts, int(max(g.count - prev, 0))])
        point.count = int(g.count) if g.has_count else int(prev)
        if g.has_sum:
            point.sum = g.total

    def _summary(self, point: metrics_pb2.SummaryDataPoint, g: _Group) -> None:
        self._common(point, g, with_start=True)
        if g.stale:
            return
        point.count = int(g.count)
        point.sum = g.total
        for q in sorted(g.bounds):
            point.quantile_values.add(quantile=q, value=g.bounds[q])


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan
