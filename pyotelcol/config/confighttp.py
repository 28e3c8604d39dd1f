"""confighttp: the settings HTTP server and client components embed (Go: config/confighttp ServerConfig, ClientConfig).

Keys and defaults are Go's ``confighttp.ServerConfig`` (plus ``confignet.AddrConfig``'s
``endpoint``/``transport``/``dialer``, squashed in). The TLS settings live in ``configtls``;
``TLSServerConfig`` and ``TPMConfig`` are re-exported here for existing imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from .configtls import TLSClientConfig, TLSServerConfig, TPMConfig
from .decode import OptionalSection

__all__ = [
    "COMPRESSION_TYPES",
    "DEFAULT_MAX_REQUEST_BODY_SIZE",
    "TRANSPORTS",
    "AuthConfig",
    "CORSConfig",
    "ClientConfig",
    "CompressionParams",
    "CookiesConfig",
    "DialerConfig",
    "MiddlewareConfig",
    "ServerConfig",
    "TLSClientConfig",
    "TLSServerConfig",
    "TPMConfig",
    "is_compressed",
    "response_header_pairs",
    "split_host_port",
    "validate_compression",
    "validate_transport",
]

DEFAULT_MAX_REQUEST_BODY_SIZE = 20 * 1024 * 1024

# confignet.AddrConfig.Validate accepts these (npipe is Windows-only).
TRANSPORTS = frozenset(
    {"tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "ip", "ip4", "ip6", "unix", "unixgram", "unixpacket"}
)


def validate_transport(transport: str) -> None:
    if transport not in TRANSPORTS:
        raise ValueError(f'invalid transport type "{transport}"')


def split_host_port(endpoint: str) -> tuple[str, int]:
    """Go's net.SplitHostPort plus a numeric port: ``"h:4317"``, ``"[::1]:4317"``, ``":4317"``."""
    if endpoint.startswith("["):
        end = endpoint.find("]")
        if end < 0:
            raise ValueError(f"address {endpoint}: missing ']' in address")
        host, rest = endpoint[1:end], endpoint[end + 1 :]
        if not rest.startswith(":"):
            raise ValueError(f"address {endpoint}: missing port in address")
        port_text = rest[1:]
    else:
        host, sep, port_text = endpoint.rpartition(":")
        if not sep:
            raise ValueError(f"address {endpoint}: missing port in address")
        if ":" in host:
            raise ValueError(f"address {endpoint}: too many colons in address")
    if not port_text.isdigit() or int(port_text) > 65535:
        raise ValueError(
            f'address {endpoint}: invalid port "{port_text}"'
            if port_text
            else f"address {endpoint}: missing port in address"
        )
    return host, int(port_text)


@dataclass
class CORSConfig:
    allowed_origins: list[str] = field(default_factory=list)
    allowed_headers: list[str] = field(default_factory=list)
    exposed_headers: list[str] = field(default_factory=list)
    max_age: int = 0


@dataclass
class AuthConfig:
    """configauth: the ID of a server authenticator extension (``request_params``: HTTP only)."""

    authenticator: str = ""
    request_params: list[str] = field(default_factory=list)


@dataclass
class MiddlewareConfig:
    id: str = ""


@dataclass
class DialerConfig:
    timeout: timedelta = timedelta(0)


def response_header_pairs(value: Any) -> list[tuple[str, str]]:
    """configopaque.MapList: a map, or a list of ``{name, value}``; sorted by name for maps."""
    if value is None:
        return []
    if isinstance(value, dict):
        return sorted((str(k), "" if v is None else str(v)) for k, v in value.items())
    if isinstance(value, list):
        out: list[tuple[str, str]] = []
        for item in value:
            if not isinstance(item, dict) or set(item) - {"name", "value"}:
                raise ValueError("response_headers: expected a map or a list of {name, value} pairs")
            out.append((str(item.get("name", "")), "" if item.get("value") is None else str(item["value"])))
        return out
    raise ValueError("response_headers: expected a map or a list of {name, value} pairs")


@dataclass
class ServerConfig:
    """confighttp.ServerConfig. ``compression_algorithms: None`` means Go's default list."""

    endpoint: str = ""
    transport: str = "tcp"
    dialer: DialerConfig = field(default_factory=DialerConfig)
    tls: OptionalSection[TLSServerConfig] = field(default_factory=lambda: OptionalSection.none(TLSServerConfig))
    cors: OptionalSection[CORSConfig] = field(default_factory=lambda: OptionalSection.none(CORSConfig))
    auth: OptionalSection[AuthConfig] = field(default_factory=lambda: OptionalSection.none(AuthConfig))
    max_request_body_size: int = 0
    include_metadata: bool = False
    response_headers: Any = field(default_factory=dict)
    compression_algorithms: list[str] | None = None
    read_timeout: timedelta = timedelta(0)
    read_header_timeout: timedelta = timedelta(minutes=1)
    write_timeout: timedelta = timedelta(seconds=30)
    idle_timeout: timedelta = timedelta(minutes=1)
    middlewares: list[MiddlewareConfig] = field(default_factory=list)
    keep_alives_enabled: bool = True

    def validate(self) -> None:
        validate_transport(self.transport)
        pairs = response_header_pairs(self.response_headers)
        names = [name for name, _ in pairs]
        dups = sorted({n for n in names if names.count(n) > 1})
        if dups:
            raise ValueError(f"duplicate keys in map-style list: [{' '.join(dups)}]")

    def effective_max_request_body_size(self) -> int:
        return self.max_request_body_size if self.max_request_body_size > 0 else DEFAULT_MAX_REQUEST_BODY_SIZE

    def cors_config(self) -> CORSConfig | None:
        """The CORS settings when CORS is active (a section with non-empty ``allowed_origins``)."""
        cors = self.cors.get()
        return cors if cors is not None and cors.allowed_origins else None


# -- client side (Go's confighttp.ClientConfig) ----------------------------------

# configcompression.Type: the values a client may send (exact, lower-case).
COMPRESSION_TYPES = ("gzip", "zlib", "deflate", "snappy", "x-snappy-framed", "zstd", "lz4", "none", "")
_ZLIB_LEVELS = frozenset({-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})


def is_compressed(compression: str) -> bool:
    return compression not in ("", "none")


def validate_compression(compression: str, level: int = 0) -> None:
    """configcompression's checks: the type (Go: while decoding) and ``compression_params.level``."""
    if compression not in COMPRESSION_TYPES:
        raise ValueError(f'unsupported compression type "{compression}"')
    if not is_compressed(compression):
        return
    if compression in ("gzip", "zlib", "deflate") and level in _ZLIB_LEVELS:
        return
    if compression == "zstd" or level == 0:
        return
    raise ValueError(f'unsupported parameters {{Level:{level:+d}}} for compression type "{compression}"')


@dataclass
class CompressionParams:
    level: int = 0


@dataclass
class CookiesConfig:
    """``cookies``: present (configoptional) = keep a cookie jar; no keys of its own."""


@dataclass
class ClientConfig:
    """confighttp.ClientConfig (generic defaults; exporters override some of them)."""

    endpoint: str = ""
    proxy_url: str = ""
    tls: TLSClientConfig = field(default_factory=TLSClientConfig)
    read_buffer_size: int = 0
    write_buffer_size: int = 0
    timeout: timedelta = timedelta(0)
    headers: dict[str, str] = field(default_factory=dict, metadata={"opaque": True})
    auth: OptionalSection[AuthConfig] = field(default_factory=lambda: OptionalSection.none(AuthConfig))
    compression: str = ""
    compression_params: CompressionParams = field(default_factory=CompressionParams)
    max_idle_conns: int = 100
    max_idle_conns_per_host: int = 0
    max_conns_per_host: int = 0
    idle_conn_timeout: timedelta = timedelta(seconds=90)
    disable_keep_alives: bool = False
    http2_read_idle_timeout: timedelta = timedelta(0)
    http2_ping_timeout: timedelta = timedelta(0)
    cookies: OptionalSection[CookiesConfig] = field(default_factory=lambda: OptionalSection.none(CookiesConfig))
    force_attempt_http2: bool = True
    middlewares: list[MiddlewareConfig] = field(default_factory=list)

    def validate(self) -> None:
        validate_compression(self.compression, self.compression_params.level)
        if self.proxy_url:
            parsed = urlsplit(self.proxy_url)
            if not parsed.scheme or not (parsed.netloc or parsed.path.startswith("/")):
                raise ValueError(f'parse "{self.proxy_url}": invalid URI for request')

    def header_pairs(self) -> list[tuple[str, str]]:
        """Configured headers, sorted by name as configopaque.MapList keeps them."""
        return sorted(self.headers.items())
