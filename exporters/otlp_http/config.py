"""Configuration of the ``otlp_http`` exporter: confighttp client settings plus exporterhelper's.

Go's otlphttpexporter defaults: ``timeout`` 30s (the HTTP client's; there is no exporterhelper
timeout), gzip compression, 512 KiB write buffer, ``encoding: proto``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from pyotelcol.component import Signal
from pyotelcol.config import OptionalSection
from pyotelcol.config.confighttp import ClientConfig
from pyotelcol.helpers.exporterhelper import CircuitBreakerConfig, QueueConfig, RetryConfig, default_queue

ENCODING_PROTO = "proto"
ENCODING_JSON = "json"

_SIGNAL_PATHS = {Signal.TRACES: "v1/traces", Signal.METRICS: "v1/metrics", Signal.LOGS: "v1/logs"}


@dataclass
class Config(ClientConfig):
    timeout: timedelta = timedelta(seconds=30)
    compression: str = "gzip"
    write_buffer_size: int = 512 * 1024
    sending_queue: OptionalSection[QueueConfig] = field(default_factory=default_queue)
    retry_on_failure: RetryConfig = field(default_factory=RetryConfig)
    circuit_breaker: CircuitBreakerConfig = field(default_factory=CircuitBreakerConfig)
    traces_endpoint: str = ""
    metrics_endpoint: str = ""
    logs_endpoint: str = ""
    profiles_endpoint: str = ""
    encoding: str = ENCODING_PROTO

    def validate(self) -> None:
        errors: list[str] = []
        if self.encoding not in (ENCODING_PROTO, ENCODING_JSON):
            errors.append(f"invalid encoding type: {self.encoding}")
        try:
            super().validate()
        except ValueError as exc:
            errors.append(str(exc))
        if not (
            self.endpoint
            or self.traces_endpoint
            or self.metrics_endpoint
            or self.logs_endpoint
            or self.profiles_endpoint
        ):
            errors.append("at least one endpoint must be specified")
        if errors:
            raise ValueError("\n".join(errors))

    def signal_url(self, signal: Signal) -> str:
        """Go's composeSignalURL: the per-signal URL verbatim, else endpoint + ``/v1/<signal>``."""
        name = signal.value
        override = {
            Signal.TRACES: self.traces_endpoint,
            Signal.METRICS: self.metrics_endpoint,
            Signal.LOGS: self.logs_endpoint,
        }.get(signal, "")
        if override:
            if not _valid_url(override):
                raise ValueError(f"{name}_endpoint must be a valid URL")
            return override
        if not self.endpoint:
            raise ValueError(f"either endpoint or {name}_endpoint must be specified")
        if not _valid_url(self.endpoint):
            raise ValueError("endpoint must be a valid URL")
        path = _SIGNAL_PATHS.get(signal)
        if path is None:
            raise ValueError(f"otlp_http exporter: unsupported signal {name}")
        sep = "" if self.endpoint.endswith("/") else "/"
        return self.endpoint + sep + path


def _valid_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return False
    return not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text)
