"""OpenTelemetry Python SDK objects for the push exporters of ``service.telemetry`` (see pushconfig.py).

Go (otelconf) maps the same settings onto its SDK exporters; the mapping here follows it:

- ``grpc``: ``endpoint`` ``http://h:p`` / ``https://h:p`` / ``h:p``; plain text for ``http://``, or for
  a scheme-less endpoint with ``insecure: true``; TLS otherwise (``certificate`` etc. when given).
- ``http/protobuf``: ``endpoint`` is a URL; a URL without path gets ``/v1/<signal>`` as Go's SDK does.
- ``compression`` ``gzip``/``none``; ``timeout`` in ms; ``headers`` + ``headers_list``.
- ``temporality_preference``: ``cumulative`` (default), ``delta`` (counters, histograms and
  observable counters delta), ``lowmemory`` (synchronous counters and histograms delta).
- ``console``: the SDK console exporters writing to stdout (Go pretty-prints JSON there too).

The SDK exporters retry and log their failures on the ``opentelemetry.exporter`` loggers; nothing
here blocks the event loop except a ``simple`` processor, which exports inside the logging or
span-ending call (as Go's simple processor does).
"""

from __future__ import annotations

import sys
from typing import Any

from opentelemetry.sdk._logs import LogRecordProcessor
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    ConsoleLogRecordExporter,
    LogRecordExporter,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    ConsoleMetricExporter,
    MetricExporter,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, SpanExporter

from .pushconfig import (
    PROTOCOL_GRPC,
    BatchLimits,
    LogRecordExporterConfig,
    LogRecordProcessorConfig,
    OTLPConfig,
    OTLPMetricConfig,
    PeriodicMetricReaderConfig,
    SpanExporterConfig,
    SpanProcessorConfig,
    parse_request_uri,
)

_DELTA = AggregationTemporality.DELTA
_CUMULATIVE = AggregationTemporality.CUMULATIVE


def temporality(preference: str | None) -> dict[type, AggregationTemporality]:
    """Go's otelconf temporality selectors per instrument kind."""
    delta_kinds: tuple[type, ...] = ()
    if preference == "delta":
        delta_kinds = (Counter, Histogram, ObservableCounter)
    elif preference == "lowmemory":
        delta_kinds = (Counter, Histogram)
    kinds = (Counter, UpDownCounter, Histogram, ObservableCounter, ObservableUpDownCounter, ObservableGauge)
    return {kind: (_DELTA if kind in delta_kinds else _CUMULATIVE) for kind in kinds}


def _read(path: str | None) -> bytes | None:
    if path is None:
        return None
    with open(path, "rb") as fh:
        return fh.read()


def _grpc_args(cfg: OTLPConfig) -> dict[str, Any]:
    import grpc

    args: dict[str, Any] = {"headers": cfg.header_map() or None}
    secure = True
    if cfg.endpoint is not None:
        ep = parse_request_uri(cfg.endpoint)
        args["endpoint"] = ep.host or cfg.endpoint
        secure = not (ep.scheme == "http" or (ep.scheme != "https" and bool(cfg.insecure)))
    args["insecure"] = not secure
    if secure and (cfg.certificate or cfg.client_certificate or cfg.client_key):
        args["credentials"] = grpc.ssl_channel_credentials(
            root_certificates=_read(cfg.certificate),
            private_key=_read(cfg.client_key),
            certificate_chain=_read(cfg.client_certificate),
        )
    if cfg.compression is not None:
        args["compression"] = grpc.Compression.Gzip if cfg.compression == "gzip" else grpc.Compression.NoCompression
    if cfg.timeout is not None and cfg.timeout > 0:
        args["timeout"] = cfg.timeout / 1000
    return args


def _http_args(cfg: OTLPConfig, signal_path: str) -> dict[str, Any]:
    from opentelemetry.exporter.otlp.proto.http import Compression

    args: dict[str, Any] = {"headers": cfg.header_map() or None}
    if cfg.endpoint is not None:
        ep = parse_request_uri(cfg.endpoint)
        path = ep.path or signal_path
        args["endpoint"] = f"{ep.scheme}://{ep.host}{path}"
        if ep.scheme == "https":
            args["certificate_file"] = cfg.certificate
            args["client_certificate_file"] = cfg.client_certificate
            args["client_key_file"] = cfg.client_key
    if cfg.compression is not None:
        args["compression"] = Compression.Gzip if cfg.compression == "gzip" else Compression.NoCompression
    if cfg.timeout is not None and cfg.timeout > 0:
        args["timeout"] = cfg.timeout / 1000
    return args


# -- metrics -------------------------------------------------------------------------------------


def metric_exporter(cfg: OTLPMetricConfig | None) -> MetricExporter:
    if cfg is None:
        return ConsoleMetricExporter(out=sys.stdout)
    preferred = temporality(cfg.temporality_preference)
    if cfg.protocol == PROTOCOL_GRPC:
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as GRPCMetricExporter

        return GRPCMetricExporter(preferred_temporality=preferred, **_grpc_args(cfg))
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as HTTPMetricExporter

    return HTTPMetricExporter(preferred_temporality=preferred, **_http_args(cfg, "/v1/metrics"))


def periodic_reader(cfg: PeriodicMetricReaderConfig) -> PeriodicExportingMetricReader:
    """A reader that collects and pushes every ``interval`` ms on its own thread."""
    return PeriodicExportingMetricReader(
        metric_exporter(cfg.exporter.otlp),
        export_interval_millis=cfg.interval_ms,
        export_timeout_millis=cfg.timeout_ms,
    )


# -- logs ----------------------------------------------------------------------------------------


def log_exporter(cfg: LogRecordExporterConfig) -> LogRecordExporter:
    otlp = cfg.otlp
    if otlp is None:
        return ConsoleLogRecordExporter(out=sys.stdout)
    if otlp.protocol == PROTOCOL_GRPC:
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GRPCLogExporter

        return GRPCLogExporter(**_grpc_args(otlp))
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HTTPLogExporter

    return HTTPLogExporter(**_http_args(otlp, "/v1/logs"))


def _batch_args(cfg: BatchLimits) -> dict[str, Any]:
    def positive(value: int | None) -> int | None:
        return value if value is not None and value > 0 else None

    return {
        "schedule_delay_millis": positive(cfg.schedule_delay),
        "max_export_batch_size": positive(cfg.max_export_batch_size),
        "export_timeout_millis": positive(cfg.export_timeout),
        "max_queue_size": positive(cfg.max_queue_size),
    }


def log_processor(cfg: LogRecordProcessorConfig) -> LogRecordProcessor:
    if cfg.batch is not None:
        return BatchLogRecordProcessor(log_exporter(cfg.batch.exporter), **_batch_args(cfg.batch))
    assert cfg.simple is not None  # validate() guarantees one of them
    return SimpleLogRecordProcessor(log_exporter(cfg.simple.exporter))


# -- traces --------------------------------------------------------------------------------------


def span_exporter(cfg: SpanExporterConfig) -> SpanExporter:
    otlp = cfg.otlp
    if otlp is None:
        return ConsoleSpanExporter(out=sys.stdout)
    if otlp.protocol == PROTOCOL_GRPC:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GRPCSpanExporter

        return GRPCSpanExporter(**_grpc_args(otlp))
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HTTPSpanExporter

    return HTTPSpanExporter(**_http_args(otlp, "/v1/traces"))


def span_processor(cfg: SpanProcessorConfig) -> SpanProcessor:
    if cfg.batch is not None:
        return BatchSpanProcessor(span_exporter(cfg.batch.exporter), **_batch_args(cfg.batch))
    assert cfg.simple is not None  # validate() guarantees one of them
    return SimpleSpanProcessor(span_exporter(cfg.simple.exporter))


__all__ = [
    "log_exporter",
    "log_processor",
    "metric_exporter",
    "periodic_reader",
    "span_exporter",
    "span_processor",
    "temporality",
]
