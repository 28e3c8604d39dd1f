"""Push exporters of the collector's own telemetry: the OTel declarative configuration shapes
(otelconf v0.3.0) that Go's ``service.telemetry`` embeds.

- ``metrics.readers[].periodic: {interval, timeout, exporter: {otlp: {...}} | {console: {}}}``
- ``logs.processors[]: {batch: {exporter, schedule_delay, ...}} | {simple: {exporter}}``
- ``traces.processors[]``: the same shapes for spans; ``traces.propagators``.

Go builds these SDK objects when the service starts and fails then (``failed to create meter
provider: unsupported protocol "x"``); pyotelcol checks the same things in ``validate()`` so that
``pyotelcol validate`` already reports them, with Go's wording after the key path. Durations are
integers of milliseconds, as in the schema.
"""

from __future__ import annotations

import importlib.util
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

PROTOCOL_GRPC = "grpc"
PROTOCOL_HTTP = "http/protobuf"
SUPPORTED_PROPAGATORS = ("tracecontext", "b3")
_COMPRESSIONS = ("gzip", "none")
_TEMPORALITIES = ("cumulative", "delta", "lowmemory")
#: The OpenTelemetry Python SDK exporter package behind each protocol (module, distribution).
_EXPORTER_PACKAGES = {
    PROTOCOL_GRPC: ("opentelemetry.exporter.otlp.proto.grpc", "opentelemetry-exporter-otlp-proto-grpc"),
    PROTOCOL_HTTP: ("opentelemetry.exporter.otlp.proto.http", "opentelemetry-exporter-otlp-proto-http"),
}
#: Go's periodic reader defaults (sdk/metric): 60 s interval, 30 s timeout.
DEFAULT_INTERVAL_MS = 60_000
DEFAULT_TIMEOUT_MS = 30_000


@dataclass
class HeaderConfig:
    name: str = ""
    value: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """What Go's ``url.ParseRequestURI`` makes of an exporter ``endpoint``."""

    scheme: str
    host: str
    path: str


def parse_request_uri(text: str) -> Endpoint:
    """Go's url.ParseRequestURI, as far as the exporters look at it: ``localhost:4317`` parses
    (scheme ``localhost``, no host), ``127.0.0.1:4317`` does not (no scheme, not a path)."""
    if text == "":
        raise ValueError('parse "": empty url')
    scheme, rest = "", text
    for i, ch in enumerate(text):
        if ch.isascii() and ch.isalpha():
            continue
        if i > 0 and (ch.isdigit() or ch in "+-."):
            continue
        if ch == ":" and i > 0:
            scheme, rest = text[:i].lower(), text[i + 1 :]
        break
    if not rest.startswith("/"):
        if scheme:
            return Endpoint(scheme, "", "")  # opaque: Go keeps the endpoint as written
        raise ValueError(f'parse "{text}": invalid URI for request')
    if rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        return Endpoint(scheme, authority, slash + path if slash else "")
    return Endpoint(scheme, "", rest)


def parse_headers_list(text: str) -> dict[str, str]:
    """``headers_list``: W3C baggage syntax ``k1=v1,k2=v2`` (values percent-decoded)."""
    out: dict[str, str] = {}
    for member in text.split(","):
        member = member.split(";", 1)[0].strip()
        if not member:
            continue
        key, eq, value = member.partition("=")
        if not eq or not key.strip():
            raise ValueError(f'invalid headers list: invalid baggage list-member: "{member}"')
        out[key.strip()] = urllib.parse.unquote(value.strip())
    return out


@dataclass
class OTLPConfig:
    """``otlp`` exporter of spans and log records."""

    protocol: str | None = None
    endpoint: str | None = None
    headers: list[HeaderConfig] = field(default_factory=list)
    headers_list: str | None = None
    compression: str | None = None
    #: milliseconds
    timeout: int | None = None
    insecure: bool | None = None
    certificate: str | None = None
    client_certificate: str | None = None
    client_key: str | None = None

    def check(self) -> None:
        """Go's errors, in Go's order; called by the enclosing exporter's validate()."""
        if self.protocol is None:
            raise _NoProtocol()
        if self.protocol not in (PROTOCOL_GRPC, PROTOCOL_HTTP):
            raise ValueError(f'unsupported protocol "{self.protocol}"')
        if self.endpoint is not None:
            ep = parse_request_uri(self.endpoint)
            if self.protocol == PROTOCOL_HTTP and (ep.scheme not in ("http", "https") or not ep.host):
                # Go accepts this and fails on every export; refusing it here is kinder.
                raise ValueError(
                    f'endpoint "{self.endpoint}" of protocol http/protobuf must be an http(s)://host:port URL'
                )
        if self.compression is not None and self.compression not in _COMPRESSIONS:
            raise ValueError(f'unsupported compression "{self.compression}"')
        self.header_map()
        module, package = _EXPORTER_PACKAGES[self.protocol]
        if not _importable(module):
            raise ValueError(f'protocol "{self.protocol}" needs the Python package {package}, which is not installed')

    def header_map(self) -> dict[str, str]:
        """``headers_list`` first, then ``headers`` (they win); entries with a null value are skipped."""
        result = parse_headers_list(self.headers_list) if self.headers_list is not None else {}
        for header in self.headers:
            if header.value is not None:
                if header.name == "":
                    raise ValueError("invalid header: empty name")
                result[header.name] = header.value
        return result


@dataclass
class OTLPMetricConfig(OTLPConfig):
    """``otlp`` exporter of a periodic metric reader."""

    temporality_preference: str | None = None
    default_histogram_aggregation: str | None = None

    def check(self) -> None:
        super().check()
        if self.temporality_preference is not None and self.temporality_preference not in _TEMPORALITIES:
            raise ValueError(f'unsupported temporality preference "{self.temporality_preference}"')


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class _NoProtocol(ValueError):
    """An ``otlp`` exporter without ``protocol``: Go reports it as 'no valid ... exporter'."""


def _check_exporter(console: dict[str, Any] | None, otlp: OTLPConfig | None, what: str) -> None:
    if console is not None and otlp is not None:
        raise ValueError("must not specify multiple exporters")
    if console is not None:
        return
    if otlp is None:
        raise ValueError(f"no valid {what} exporter")
    try:
        otlp.check()
    except _NoProtocol:
        raise ValueError(f"no valid {what} exporter") from None


@dataclass
class PushMetricExporterConfig:
    console: dict[str, Any] | None = None
    otlp: OTLPMetricConfig | None = None

    def validate(self) -> None:
        _check_exporter(self.console, self.otlp, "metric")


@dataclass
class PeriodicMetricReaderConfig:
    exporter: PushMetricExporterConfig = field(default_factory=PushMetricExporterConfig)
    #: milliseconds between exports
    interval: int | None = None
    #: milliseconds an export may take
    timeout: int | None = None
    producers: list[Any] | None = None
    cardinality_limits: Any = None

    @property
    def interval_ms(self) -> int:
        return self.interval if self.interval is not None and self.interval > 0 else DEFAULT_INTERVAL_MS

    @property
    def timeout_ms(self) -> int:
        return self.timeout if self.timeout is not None and self.timeout > 0 else DEFAULT_TIMEOUT_MS


@dataclass
class LogRecordExporterConfig:
    console: dict[str, Any] | None = None
    otlp: OTLPConfig | None = None

    def validate(self) -> None:
        _check_exporter(self.console, self.otlp, "log")


@dataclass
class SpanExporterConfig:
    console: dict[str, Any] | None = None
    otlp: OTLPConfig | None = None

    def validate(self) -> None:
        _check_exporter(self.console, self.otlp, "span")


@dataclass
class BatchLimits:
    """The batch processor knobs (milliseconds / counts); unset or 0 keeps the SDK default."""

    export_timeout: int | None = None
    max_export_batch_size: int | None = None
    max_queue_size: int | None = None
    schedule_delay: int | None = None

    def check_limits(self) -> None:
        checks = (
            (self.export_timeout, "invalid export timeout"),
            (self.max_export_batch_size, "invalid batch size"),
            (self.max_queue_size, "invalid queue size"),
            (self.schedule_delay, "invalid schedule delay"),
        )
        for value, message in checks:
            if value is not None and value < 0:
                raise ValueError(f"{message} {value}")


@dataclass
class BatchLogRecordProcessorConfig(BatchLimits):
    exporter: LogRecordExporterConfig = field(default_factory=LogRecordExporterConfig)

    def validate(self) -> None:
        self.check_limits()


@dataclass
class SimpleLogRecordProcessorConfig:
    exporter: LogRecordExporterConfig = field(default_factory=LogRecordExporterConfig)


@dataclass
class LogRecordProcessorConfig:
    batch: BatchLogRecordProcessorConfig | None = None
    simple: SimpleLogRecordProcessorConfig | None = None

    def validate(self) -> None:
        if self.batch is not None and self.simple is not None:
            raise ValueError("must not specify multiple log processor type")
        if self.batch is None and self.simple is None:
            raise ValueError("unsupported log processor type, must be one of simple or batch")


@dataclass
class BatchSpanProcessorConfig(BatchLimits):
    exporter: SpanExporterConfig = field(default_factory=SpanExporterConfig)

    def validate(self) -> None:
        self.check_limits()


@dataclass
class SimpleSpanProcessorConfig:
    exporter: SpanExporterConfig = field(default_factory=SpanExporterConfig)


@dataclass
class SpanProcessorConfig:
    batch: BatchSpanProcessorConfig | None = None
    simple: SimpleSpanProcessorConfig | None = None

    def validate(self) -> None:
        if self.batch is not None and self.simple is not None:
            raise ValueError("must not specify multiple span processor type")
        if self.batch is None and self.simple is None:
            raise ValueError("unsupported span processor type, must be one of simple or batch")


__all__ = [
    "DEFAULT_INTERVAL_MS",
    "DEFAULT_TIMEOUT_MS",
    "PROTOCOL_GRPC",
    "PROTOCOL_HTTP",
    "SUPPORTED_PROPAGATORS",
    "BatchLimits",
    "BatchLogRecordProcessorConfig",
    "BatchSpanProcessorConfig",
    "Endpoint",
    "HeaderConfig",
    "LogRecordExporterConfig",
    "LogRecordProcessorConfig",
    "OTLPConfig",
    "OTLPMetricConfig",
    "PeriodicMetricReaderConfig",
    "PushMetricExporterConfig",
    "SimpleLogRecordProcessorConfig",
    "SimpleSpanProcessorConfig",
    "SpanExporterConfig",
    "SpanProcessorConfig",
    "parse_headers_list",
    "parse_request_uri",
]
