"""Configuration of the ``otlp`` receiver: ``protocols.grpc`` and ``protocols.http``.

Both protocol sections are configoptional "default" sections: off unless the key appears in
the YAML (``grpc:`` with a null value is enough), and ``enabled: false`` turns one off again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from pyotelcol.config import OptionalSection, configgrpc, confighttp

DEFAULT_GRPC_ENDPOINT = "localhost:4317"
DEFAULT_HTTP_ENDPOINT = "localhost:4318"
DEFAULT_TRACES_URL_PATH = "/v1/traces"
DEFAULT_METRICS_URL_PATH = "/v1/metrics"
DEFAULT_LOGS_URL_PATH = "/v1/logs"

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})(.{0,2})", re.S)


def sanitize_url_path(text: str) -> str:
    """Go's SanitizedURLPath: the URL's path, with a leading ``/`` added when missing."""
    bad = _BAD_ESCAPE.search(text)
    if bad is not None:
        raise ValueError(f'invalid HTTP URL path set for signal: parse "{text}": invalid URL escape "%{bad.group(1)}"')
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise ValueError(
            f'invalid HTTP URL path set for signal: parse "{text}": net/url: invalid control character in URL'
        )
    path = unquote(urlsplit(text).path)
    return path if path.startswith("/") else "/" + path


@dataclass
class GRPCConfig(configgrpc.ServerConfig):
    endpoint: str = DEFAULT_GRPC_ENDPOINT
    read_buffer_size: int = 512 * 1024


@dataclass
class HTTPConfig(confighttp.ServerConfig):
    endpoint: str = DEFAULT_HTTP_ENDPOINT
    # The otlp receiver turns these server timeouts off (Go: "for backward compatibility").
    read_header_timeout: timedelta = timedelta(0)
    write_timeout: timedelta = timedelta(0)
    idle_timeout: timedelta = timedelta(0)
    traces_url_path: str = DEFAULT_TRACES_URL_PATH
    metrics_url_path: str = DEFAULT_METRICS_URL_PATH
    logs_url_path: str = DEFAULT_LOGS_URL_PATH

    def validate(self) -> None:
        super().validate()
        for path in (self.traces_url_path, self.metrics_url_path, self.logs_url_path):
            sanitize_url_path(path)


@dataclass
class Protocols:
    grpc: OptionalSection[GRPCConfig] = field(default_factory=lambda: OptionalSection.default(GRPCConfig()))
    http: OptionalSection[HTTPConfig] = field(default_factory=lambda: OptionalSection.default(HTTPConfig()))


@dataclass
class Config:
    protocols: Protocols = field(default_factory=Protocols)

    def validate(self) -> None:
        if not self.protocols.grpc.enabled and not self.protocols.http.enabled:
            raise ValueError("must specify at least one protocol when using the OTLP receiver")
