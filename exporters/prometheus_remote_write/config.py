"""Configuration of the ``prometheus_remote_write`` exporter (Go's prometheusremotewriteexporter
Config): confighttp client keys at the top level or under ``http``, ``timeout``,
``retry_on_failure`` (first interval 50ms), ``remote_write_queue``, naming and label settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from pyotelcol.config import OptionalSection
from pyotelcol.config.confighttp import ClientConfig
from pyotelcol.helpers.exporterhelper import RetryConfig
from pyotelcol.translator.prometheus.from_otlp import ResourceLabelsConfig, validate_resource_labels
from pyotelcol.translator.prometheus.naming import (
    NO_TRANSLATION,
    NO_UTF8_ESCAPING_WITH_SUFFIXES,
    STRATEGIES,
    LabelNamer,
    NamingError,
)

WRITE_V1 = "prometheus.WriteRequest"
WRITE_V2 = "io.prometheus.write.v2.Request"
_RESERVED_HEADERS = frozenset({"content-encoding", "content-type", "user-agent", "x-prometheus-remote-write-version"})


def _retry() -> RetryConfig:
    return RetryConfig(initial_interval=timedelta(milliseconds=50))


@dataclass
class HTTPClientConfig(ClientConfig):
    """The ``http`` block: confighttp client settings with the exporter's defaults."""

    timeout: timedelta = timedelta(seconds=5)
    write_buffer_size: int = 512 * 1024


@dataclass
class RemoteWriteQueue:
    enabled: bool = True
    queue_size: int = 10000
    num_consumers: int = 5


@dataclass
class TargetInfo:
    enabled: bool = True


@dataclass
class WALConfig:
    directory: str = ""
    buffer_size: int = 300
    truncate_frequency: timedelta = timedelta(minutes=1)
    lag_record_frequency: int = 0


@dataclass
class Config(HTTPClientConfig):
    retry_on_failure: RetryConfig = field(default_factory=_retry)
    http: OptionalSection[HTTPClientConfig] = field(default_factory=lambda: OptionalSection.none(HTTPClientConfig))
    namespace: str = ""
    remote_write_queue: RemoteWriteQueue = field(default_factory=RemoteWriteQueue)
    external_labels: dict[str, str] = field(default_factory=dict)
    max_batch_size_bytes: int = 3_000_000
    max_batch_request_parallelism: int | None = None
    resource_to_telemetry_conversion: ResourceLabelsConfig = field(default_factory=ResourceLabelsConfig)
    resource_constant_labels: ResourceLabelsConfig = field(default_factory=ResourceLabelsConfig)
    wal: OptionalSection[WALConfig] = field(default_factory=lambda: OptionalSection.none(WALConfig))
    target_info: TargetInfo = field(default_factory=TargetInfo)
    disable_scope_info: bool = False
    add_metric_suffixes: bool = True
    translation_strategy: str = ""
    send_metadata: bool = False
    protobuf_message: str = WRITE_V1
    include_metadata_keys: list[str] = field(default_factory=list)
    convert_explicit_histograms_to_nhcb: bool = False
    keep_classic_histograms: bool = False

    def client(self) -> ClientConfig:
        """The HTTP client settings in use: the ``http`` block when present, else the top level."""
        http = self.http.get()
        return http if http is not None else self

    def attempt_timeout(self) -> float | None:
        """Seconds one POST may take: the client's ``timeout`` (and the top-level one when an
        ``http`` block has its own), ``None`` for no limit."""
        limits = [t.total_seconds() for t in (self.timeout, self.client().timeout) if t > timedelta(0)]
        return min(limits) if limits else None

    def validate(self) -> None:
        validate_resource_labels(self.resource_to_telemetry_conversion, self.resource_constant_labels)
        if self.max_batch_request_parallelism is not None and self.max_batch_request_parallelism < 1:
            raise ValueError("max_batch_request_parallelism can't be set to below 1")
        queue = self.remote_write_queue
        if queue.queue_size < 0:
            raise ValueError("remote write queue size can't be negative")
        if queue.enabled and queue.queue_size == 0:
            raise ValueError("a 0 size queue will drop all the data")
        if queue.num_consumers < 0:
            raise ValueError("remote write consumer number can't be negative")
        if self.max_batch_size_bytes < 0:
            raise ValueError("max_batch_size_bytes must be greater than 0")
        client = self.client()
        if client.compression and client.compression != "snappy":
            raise ValueError("compression type must be snappy")
        if self.protobuf_message not in (WRITE_V1, WRITE_V2):
            raise ValueError(
                f"unknown type for remote write protobuf message {self.protobuf_message}, "
                f"supported: {WRITE_V1}, {WRITE_V2}"
            )
        if self.protobuf_message == WRITE_V2:
            raise ValueError(
                "remote write v2 is only supported with the feature gate "
                "exporter.prometheusremotewritexporter.enableSendingRW2"
            )
        if self.translation_strategy:
            if self.translation_strategy not in STRATEGIES:
                raise ValueError(f"invalid translation_strategy: {self.translation_strategy}")
            if self.translation_strategy in (NO_UTF8_ESCAPING_WITH_SUFFIXES, NO_TRANSLATION):
                raise ValueError(
                    f"translation strategy {self.translation_strategy} requires Prometheus Remote Write 2.0 "
                    "(UTF-8 support)"
                )
        for key in self.include_metadata_keys:
            if key.lower() in _RESERVED_HEADERS:
                raise ValueError(f'include_metadata_keys entry "{key}" collides with a reserved remote write header')
        # Beyond Go's Validate (Go fails these at creation or has them): refused here so that
        # `validate` reports them rather than the collector failing later.
        self.sanitized_external_labels()
        if self.wal.enabled:
            raise ValueError("wal: the write-ahead log is not supported by pyotelcol; remove the wal section")
        if self.convert_explicit_histograms_to_nhcb:
            raise ValueError("convert_explicit_histograms_to_nhcb is not supported by pyotelcol")
        if self.include_metadata_keys:
            raise ValueError("include_metadata_keys is not supported by pyotelcol yet")
        super().validate()
        endpoint = client.endpoint
        if not endpoint:
            raise ValueError("endpoint must be specified")
        parts = urlsplit(endpoint)
        if not parts.scheme or not parts.netloc:
            raise ValueError("invalid endpoint")

    def sanitized_external_labels(self) -> dict[str, str]:
        """Go's validateAndSanitizeExternalLabels (an error there fails the exporter's creation)."""
        namer = LabelNamer(utf8_allowed=self.translation_strategy in (NO_UTF8_ESCAPING_WITH_SUFFIXES, NO_TRANSLATION))
        out: dict[str, str] = {}
        for key, value in self.external_labels.items():
            if not key or not value:
                raise ValueError(
                    "prometheus remote write: external labels configuration contains an empty key or value"
                )
            try:
                out[namer.build(key)] = value
            except NamingError as exc:
                raise ValueError(str(exc)) from None
        return out
