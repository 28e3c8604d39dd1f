"""Configuration of the ``span_metrics`` connector: Go's keys, defaults and validation messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from pyotelcol.config import OptionalSection
from pyotelcol.config.duration import format_duration

from . import gates
from .globs import GlobError, compile_glob

DELTA = "AGGREGATION_TEMPORALITY_DELTA"
CUMULATIVE = "AGGREGATION_TEMPORALITY_CUMULATIVE"
DEFAULT_NAMESPACE = "traces.span.metrics"
DEFAULT_RESOURCE_METRICS_CACHE_SIZE = 1000
DEFAULT_MAX_PER_DATA_POINT = 5
UNITS = ("ms", "s")

SERVICE_NAME = "service.name"
SPAN_NAME = "span.name"
SPAN_KIND = "span.kind"
STATUS_CODE = "status.code"
COLLECTOR_INSTANCE_ID = "collector.instance.id"


def _default_unit() -> str:
    return "s" if gates.is_enabled(gates.USE_SECOND_AS_DEFAULT_UNIT) else "ms"


@dataclass
class Dimension:
    """Exactly one of ``name`` (with an optional ``default``) or ``glob``."""

    name: str = ""
    default: str | None = None
    glob: str = ""


@dataclass
class ExplicitHistogramConfig:
    # Bucket bounds as durations; unset means a histogram with a single bucket, as in Go.
    buckets: list[timedelta] | None = None


@dataclass
class ExponentialHistogramConfig:
    max_size: int = 0  # 0: go-expohisto's default, 160


def _no_explicit() -> OptionalSection[ExplicitHistogramConfig]:
    return OptionalSection.none(ExplicitHistogramConfig)


def _no_exponential() -> OptionalSection[ExponentialHistogramConfig]:
    return OptionalSection.none(ExponentialHistogramConfig)


@dataclass
class HistogramConfig:
    disable: bool = False
    unit: str = field(default_factory=_default_unit)
    exponential: OptionalSection[ExponentialHistogramConfig] = field(default_factory=_no_exponential)
    explicit: OptionalSection[ExplicitHistogramConfig] = field(default_factory=_no_explicit)
    dimensions: list[Dimension] = field(default_factory=list)


@dataclass
class ExemplarsConfig:
    enabled: bool = False
    max_per_data_point: int = DEFAULT_MAX_PER_DATA_POINT


@dataclass
class EventsConfig:
    enabled: bool = False
    dimensions: list[Dimension] = field(default_factory=list)


@dataclass
class Config:
    dimensions: list[Dimension] = field(default_factory=list)
    calls_dimensions: list[Dimension] = field(default_factory=list)
    exclude_dimensions: list[str] = field(default_factory=list)
    # Deprecated in Go (v0.130) in favour of aggregation_cardinality_limit: accepted, warned about, unused.
    dimensions_cache_size: int = 0
    resource_metrics_cache_size: int = DEFAULT_RESOURCE_METRICS_CACHE_SIZE
    resource_metrics_key_attributes: list[str] = field(default_factory=list)
    aggregation_temporality: str = CUMULATIVE
    histogram: HistogramConfig = field(default_factory=HistogramConfig)
    metrics_flush_interval: timedelta = timedelta(seconds=60)
    metrics_expiration: timedelta = timedelta(0)
    series_expiration: timedelta = timedelta(0)
    metric_timestamp_cache_size: int | None = None
    namespace: str = DEFAULT_NAMESPACE
    exemplars: ExemplarsConfig = field(default_factory=ExemplarsConfig)
    events: EventsConfig = field(default_factory=EventsConfig)
    include_instrumentation_scope: list[str] = field(default_factory=list)
    aggregation_cardinality_limit: int = 0
    add_resource_attributes: bool = False
    enable_metrics_sampling_method: bool = False

    @property
    def delta(self) -> bool:
        """Anything but the delta constant means cumulative, as in Go."""
        return self.aggregation_temporality == DELTA

    def delta_timestamp_cache_size(self) -> int:
        if self.metric_timestamp_cache_size is not None:
            return self.metric_timestamp_cache_size
        return max(1000, self.resource_metrics_cache_size * 10)

    def validate(self) -> None:
        if self.histogram.unit.lower() not in UNITS:
            # Go rejects it while decoding (metrics.Unit's UnmarshalText), before any other check.
            raise ValueError(f'unknown Unit "{self.histogram.unit.lower()}", allowed units are "ms" and "s"')
        for label, dims in (
            ("dimensions", self.dimensions),
            ("calls dimensions", self.calls_dimensions),
            ("histogram dimensions", self.histogram.dimensions),
        ):
            try:
                validate_dimensions(dims)
            except ValueError as exc:
                raise ValueError(f"failed validating {label}: {exc}") from None
        if self.events.enabled:
            try:
                if not self.events.dimensions:
                    raise ValueError("no dimensions configured for events")
                validate_dimensions(self.events.dimensions)
            except ValueError as exc:
                raise ValueError(f"failed validating event dimensions: {exc}") from None
        if self.histogram.explicit.enabled and self.histogram.exponential.enabled:
            raise ValueError("use either `explicit` or `exponential` buckets histogram")
        for key in ("metrics_flush_interval", "metrics_expiration", "series_expiration"):
            value: timedelta = getattr(self, key)
            if value < timedelta(0):
                raise ValueError(f"invalid {key}: {format_duration(value)}, the duration should be positive")
        if self.delta and self.delta_timestamp_cache_size() <= 0:
            raise ValueError(
                f"invalid delta timestamp cache size: {self.delta_timestamp_cache_size()}, "
                "the maximum number of the items in the cache should be positive"
            )
        if self.aggregation_cardinality_limit < 0:
            raise ValueError(
                f"invalid aggregation_cardinality_limit: {self.aggregation_cardinality_limit}, the limit should be positive"
            )
        if self.exemplars.enabled and self.exemplars.max_per_data_point < 0:
            raise ValueError(
                f"invalid max_per_data_point: {self.exemplars.max_per_data_point}, the value should be positive"
            )
        # Go fails creating its LRU caches with these (a start error there; a config error here).
        if self.resource_metrics_cache_size <= 0:
            raise ValueError("must provide a positive size")
        if self.metrics_flush_interval == timedelta(0):
            raise ValueError("invalid metrics_flush_interval: 0s, the duration should be positive")


def validate_dimensions(dimensions: list[Dimension]) -> None:
    """Go's checks: one of name/glob per entry, no name twice or equal to a built-in dimension,
    globs that compile and match no configured or built-in name."""
    names = [SERVICE_NAME, SPAN_KIND, STATUS_CODE, SPAN_NAME]
    if gates.is_enabled(gates.INCLUDE_COLLECTOR_INSTANCE_ID):
        names.append(COLLECTOR_INSTANCE_ID)
    seen = set(names)
    globs: list[tuple[str, re.Pattern[str]]] = []
    for d in dimensions:
        if d.name and d.glob:
            raise ValueError(
                f'dimension entry must set only one of `name` or `glob`, got both: name="{d.name}" glob="{d.glob}"'
            )
        if not d.name and not d.glob:
            raise ValueError("dimension entry must set one of `name` or `glob`")
        if d.name:
            if d.name in seen:
                raise ValueError(f'duplicate dimension name "{d.name}"')
            seen.add(d.name)
            names.append(d.name)
            continue
        if d.default is not None:
            raise ValueError(f'`default` is not supported on `glob` dimension "{d.glob}"')
        try:
            globs.append((d.glob, compile_glob(d.glob)))
        except GlobError as exc:
            raise ValueError(f'invalid dimension glob "{d.glob}": {exc}') from None
    for name in names:
        for text, compiled in globs:
            if compiled.match(name):
                raise ValueError(f'duplicate dimension name "{name}" conflicting with glob "{text}"')
