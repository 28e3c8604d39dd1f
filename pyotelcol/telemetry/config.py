"""``service.telemetry``: the collector's own logs, metrics, traces and resource (Go: service/telemetry/otelconftelemetry).

Decoded strictly with :func:`pyotelcol.config.decode` like every other config section. Checks that
Go runs while unmarshalling (log level, metrics level) run in ``validate()`` here, with Go's words.

Deliberate difference from Go: ``metrics.address`` (deprecated in v0.111, removed in v0.128, where it
fails with ``has invalid keys: address``) is still ACCEPTED. Many deployed Helm values carry
``address: ${env:MY_POD_IP}:8888``; pyotelcol logs a deprecation warning and serves a Prometheus
pull reader on that host:port instead (see :meth:`TelemetryConfig.effective_readers`).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .pushconfig import (
    SUPPORTED_PROPAGATORS,
    LogRecordProcessorConfig,
    PeriodicMetricReaderConfig,
    SpanProcessorConfig,
)

DEFAULT_METRICS_HOST = "localhost"
DEFAULT_METRICS_PORT = 8888

#: zap level names (any case) -> Python logging levels. dpanic/panic/fatal map to CRITICAL.
LOG_LEVELS: dict[str, int] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "dpanic": logging.CRITICAL,
    "panic": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}

_TRANSLATION_STRATEGIES = {
    # strategy -> adds unit/type suffixes?
    "UnderscoreEscapingWithSuffixes": True,
    "UnderscoreEscapingWithoutSuffixes": False,
    "NoUTF8EscapingWithSuffixes": True,
    "NoTranslation": False,
}

ADDRESS_DEPRECATION = (
    "service::telemetry::metrics::address is deprecated and was removed from the Go collector in v0.128; "
    "pyotelcol translates it to service::telemetry::metrics::readers "
    "[{pull: {exporter: {prometheus: {host: %s, port: %s}}}}]. Please migrate your configuration."
)


class MetricsLevel(enum.IntEnum):
    """configtelemetry.Level: ordered, so ``level >= MetricsLevel.NORMAL`` reads naturally."""

    NONE = 0
    BASIC = 1
    NORMAL = 2
    DETAILED = 3

    def __str__(self) -> str:
        return self.name.lower()


def parse_metrics_level(text: str) -> MetricsLevel:
    try:
        return MetricsLevel[text.upper()]
    except KeyError:
        raise ValueError(f'unknown metrics level "{text}"') from None


def parse_log_level(text: str) -> int:
    level = LOG_LEVELS.get(text.lower())
    if level is None:
        raise ValueError(f'unrecognized level: "{text}"')
    return level


# -- logs ----------------------------------------------------------------------------------------


@dataclass
class LogsSamplingConfig:
    enabled: bool = True
    tick: timedelta = timedelta(seconds=10)
    initial: int = 10
    thereafter: int = 100


@dataclass
class LogsConfig:
    level: str = "info"
    development: bool = False
    encoding: str = "console"
    disable_caller: bool = False
    disable_stacktrace: bool = False
    sampling: LogsSamplingConfig = field(default_factory=LogsSamplingConfig)
    output_paths: list[str] = field(default_factory=lambda: ["stderr"])
    error_output_paths: list[str] = field(default_factory=lambda: ["stderr"])
    initial_fields: dict[str, Any] = field(default_factory=dict)
    #: OTel declarative log record processors: own log records also exported (``batch``/``simple``).
    processors: list[LogRecordProcessorConfig] = field(default_factory=list)
    disable_zap_resource: bool = False

    def validate(self) -> None:
        parse_log_level(self.level)
        if self.encoding not in ("console", "json"):
            raise ValueError(f'no encoder registered for name "{self.encoding}"')

    @property
    def python_level(self) -> int:
        return parse_log_level(self.level)


# -- metrics -------------------------------------------------------------------------------------


@dataclass
class IncludeExclude:
    included: list[str] | None = None
    excluded: list[str] | None = None


@dataclass
class PrometheusConfig:
    """``pull.exporter.prometheus`` (otelconf v0.3) and ``prometheus/development`` (otelconf v1)."""

    host: str | None = None
    port: int | None = None
    without_units: bool | None = None
    without_type_suffix: bool | None = None
    without_scope_info: bool | None = None
    without_target_info: bool | None = None
    with_resource_constant_labels: IncludeExclude | None = None
    translation_strategy: str | None = None

    def validate(self) -> None:
        if self.port is None:
            raise ValueError("port must be specified")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is out of range")
        if self.translation_strategy is not None and self.translation_strategy not in _TRANSLATION_STRATEGIES:
            raise ValueError(f'invalid translation strategy "{self.translation_strategy}"')

    def options(self) -> PrometheusOptions:
        """Effective options: Go forces the ``without_*`` defaults to true unless set explicitly."""
        suffixes_default = False
        if self.translation_strategy is not None:
            suffixes_default = _TRANSLATION_STRATEGIES.get(self.translation_strategy, False)
        return PrometheusOptions(
            host=_strip_brackets(DEFAULT_METRICS_HOST if self.host is None else self.host),
            port=DEFAULT_METRICS_PORT if self.port is None else self.port,
            without_units=(not suffixes_default) if self.without_units is None else self.without_units,
            without_type_suffix=(
                (not suffixes_default) if self.without_type_suffix is None else self.without_type_suffix
            ),
            without_scope_info=True if self.without_scope_info is None else self.without_scope_info,
            without_target_info=bool(self.without_target_info),
            resource_labels_included=(
                tuple(self.with_resource_constant_labels.included or ()) if self.with_resource_constant_labels else ()
            ),
            resource_labels_excluded=(
                tuple(self.with_resource_constant_labels.excluded or ()) if self.with_resource_constant_labels else ()
            ),
        )


@dataclass(frozen=True)
class PrometheusOptions:
    host: str
    port: int
    without_units: bool = True
    without_type_suffix: bool = True
    without_scope_info: bool = True
    without_target_info: bool = False
    resource_labels_included: tuple[str, ...] = ()
    resource_labels_excluded: tuple[str, ...] = ()


@dataclass
class PullMetricExporterConfig:
    prometheus: PrometheusConfig | None = None
    prometheus_development: PrometheusConfig | None = field(default=None, metadata={"key": "prometheus/development"})

    def validate(self) -> None:
        if self.prometheus is None and self.prometheus_development is None:
            raise ValueError("no valid metric exporter")
        if self.prometheus is not None and self.prometheus_development is not None:
            raise ValueError("must not specify multiple metric exporter types")

    def selected(self) -> PrometheusConfig | None:
        return self.prometheus if self.prometheus is not None else self.prometheus_development


@dataclass
class PullMetricReaderConfig:
    exporter: PullMetricExporterConfig = field(default_factory=PullMetricExporterConfig)
    producers: list[Any] | None = None
    cardinality_limits: Any = None


@dataclass
class MetricReaderConfig:
    pull: PullMetricReaderConfig | None = None
    #: Pushes own metrics every ``interval`` ms to an OTLP (or console) exporter.
    periodic: PeriodicMetricReaderConfig | None = None

    def validate(self) -> None:
        if self.pull is None and self.periodic is None:
            raise ValueError("no valid metric reader")
        if self.pull is not None and self.periodic is not None:
            raise ValueError("must not specify multiple metric reader type")

    def prometheus_options(self) -> PrometheusOptions | None:
        if self.pull is None:
            return None
        prom = self.pull.exporter.selected()
        return prom.options() if prom is not None else None


def pull_reader(host: str, port: int) -> MetricReaderConfig:
    """A Prometheus pull reader with Go's default options."""
    return MetricReaderConfig(
        pull=PullMetricReaderConfig(
            exporter=PullMetricExporterConfig(prometheus=PrometheusConfig(host=host, port=port))
        )
    )


@dataclass
class MetricsConfig:
    level: str = "normal"
    #: ``None`` (key absent or null) means Go's default: one pull reader on localhost:8888.
    readers: list[MetricReaderConfig] | None = None
    views: list[Any] | None = None
    #: Removed from Go in v0.128; accepted here as a compatibility shim (module docstring).
    address: str | None = None

    def validate(self) -> None:
        parse_metrics_level(self.level)
        if self.address:
            parse_address(self.address)

    @property
    def level_value(self) -> MetricsLevel:
        return parse_metrics_level(self.level)


def _strip_brackets(host: str) -> str:
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def parse_address(address: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` too) as Go's net.SplitHostPort reads it, with a numeric port."""
    host, sep, port = address.rpartition(":")
    if not sep:
        raise ValueError(f"address {address}: missing port in address")
    if ":" in host and not (host.startswith("[") and host.endswith("]")):
        raise ValueError(f"address {address}: too many colons in address")
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f'address {address}: invalid port "{port}"') from None
    if not 0 <= number <= 65535:
        raise ValueError(f'address {address}: invalid port "{port}"')
    return _strip_brackets(host), number


# -- traces --------------------------------------------------------------------------------------


@dataclass
class TracesConfig:
    level: str = "basic"
    propagators: list[str] = field(default_factory=list)
    #: OTel declarative span processors; none means no own spans (Go's no-op tracer).
    processors: list[SpanProcessorConfig] = field(default_factory=list)
    sampler: Any = None
    limits: Any = None

    def validate(self) -> None:
        parse_metrics_level(self.level)
        for name in self.propagators:
            if name not in SUPPORTED_PROPAGATORS:
                raise ValueError("error creating propagator: unsupported trace propagator")


# -- resource ------------------------------------------------------------------------------------

_DECLARATIVE_RESOURCE_KEYS = ("attributes", "attributes_list", "schema_url", "detectors", "detection/development")


@dataclass(frozen=True)
class ResourceSpec:
    """Resource attributes to set (on top of the defaults) and default attributes to remove."""

    attributes: dict[str, Any]
    removed: frozenset[str]
    schema_url: str | None = None


def parse_resource(raw: dict[str, Any]) -> ResourceSpec:
    """Both forms of ``service.telemetry.resource`` with Go's validation messages."""
    if "attributes_list" in raw and raw["attributes_list"] is not None:
        raise ValueError("resource::attributes_list is not currently supported, please use resource::attributes")
    legacy = {k: v for k, v in raw.items() if k not in _DECLARATIVE_RESOURCE_KEYS}
    for key, value in legacy.items():
        if value is not None and not isinstance(value, str):
            raise ValueError(f'legacy resource attribute "{key}" must be string or null')
    declared = raw.get("attributes")
    if declared is None:
        declared = []
    if not isinstance(declared, list):
        raise ValueError("resource::attributes must be a list of {name, value}")
    if declared and any(v is not None for v in legacy.values()):
        raise ValueError("resource::attributes cannot be used together with legacy inline resource attributes")
    attrs: dict[str, Any] = {}
    removed: set[str] = set()
    for item in declared:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ValueError("resource::attributes entries must have a string 'name'")
        unknown = sorted(str(k) for k in item if k not in ("name", "value", "type"))
        if unknown:
            raise ValueError(f"resource::attributes has invalid keys: {', '.join(unknown)}")
        if item.get("value") is None:
            removed.add(item["name"])
        else:
            attrs[item["name"]] = item["value"]
    for key, value in legacy.items():
        if value is None:
            removed.add(key)
        else:
            attrs[key] = value
    schema = raw.get("schema_url")
    return ResourceSpec(attrs, frozenset(removed - attrs.keys()), schema if isinstance(schema, str) else None)


# -- top level -----------------------------------------------------------------------------------


@dataclass
class TelemetryConfig:
    logs: LogsConfig = field(default_factory=LogsConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    traces: TracesConfig = field(default_factory=TracesConfig)
    #: Free-form on purpose: legacy inline ``attr: value`` map or ``attributes: [{name, value}]``.
    resource: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        level = _level_or_none(self.metrics.level)
        if level is not MetricsLevel.NONE and not self.effective_readers(ignore_level=True):
            raise ValueError("collector telemetry metrics reader should exist when metric level is not none")
        if self.metrics.views is not None and level is not MetricsLevel.DETAILED:
            raise ValueError(
                "service::telemetry::metrics::views can only be set when service::telemetry::metrics::level is detailed"
            )
        parse_resource(self.resource)

    def metrics_level(self) -> MetricsLevel:
        return self.metrics.level_value

    def effective_readers(self, ignore_level: bool = False) -> list[MetricReaderConfig]:
        """The readers to run: the default pull reader, the configured ones, plus the ``address`` shim."""
        if not ignore_level and _level_or_none(self.metrics.level) is MetricsLevel.NONE:
            return []
        readers = list(self.metrics.readers) if self.metrics.readers is not None else None
        if self.metrics.address:
            try:
                host, port = parse_address(self.metrics.address)
            except ValueError:
                host, port = None, None
            if host is not None and port is not None:
                readers = (readers or []) + [pull_reader(host, port)]
        if readers is None:
            readers = [pull_reader(DEFAULT_METRICS_HOST, DEFAULT_METRICS_PORT)]
        return readers

    def deprecation_warnings(self) -> list[str]:
        if self.metrics.address is None:
            return []
        try:
            host, port = parse_address(self.metrics.address)
        except ValueError:
            return []
        return [ADDRESS_DEPRECATION % (host or '""', port)]

    def resource_spec(self) -> ResourceSpec:
        return parse_resource(self.resource)


def _level_or_none(text: str) -> MetricsLevel | None:
    try:
        return parse_metrics_level(text)
    except ValueError:
        return None


__all__ = [
    "DEFAULT_METRICS_HOST",
    "DEFAULT_METRICS_PORT",
    "SUPPORTED_PROPAGATORS",
    "IncludeExclude",
    "LogRecordProcessorConfig",
    "LogsConfig",
    "LogsSamplingConfig",
    "MetricReaderConfig",
    "MetricsConfig",
    "MetricsLevel",
    "PeriodicMetricReaderConfig",
    "PrometheusConfig",
    "PrometheusOptions",
    "PullMetricExporterConfig",
    "PullMetricReaderConfig",
    "ResourceSpec",
    "SpanProcessorConfig",
    "TelemetryConfig",
    "TracesConfig",
    "parse_address",
    "parse_log_level",
    "parse_metrics_level",
    "parse_resource",
    "pull_reader",
]
