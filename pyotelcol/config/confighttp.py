"""confighttp (server side): the settings an HTTP server component embeds (collector-core §7.1).

Keys and defaults are Go's ``confighttp.ServerConfig`` (plus ``confignet.AddrConfig``'s
``endpoint``/``transport``/``dialer``, squashed in). The server TLS settings
(``configtls.ServerConfig``) live here too until a shared ``configtls`` module exists;
``configgrpc`` re-uses them.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .decode import OptionalSection

__all__ = [
    "DEFAULT_MAX_REQUEST_BODY_SIZE",
    "TRANSPORTS",
    "AuthConfig",
    "CORSConfig",
    "DialerConfig",
    "MiddlewareConfig",
    "ServerConfig",
    "TLSServerConfig",
    "TPMConfig",
    "response_header_pairs",
    "split_host_port",
    "validate_transport",
]

DEFAULT_MAX_REQUEST_BODY_SIZE = 20 * 1024 * 1024

# confignet.AddrConfig.Validate accepts these (npipe is Windows-only).
TRANSPORTS = frozenset(
    {"tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "ip", "ip4", "ip6", "unix", "unixgram", "unixpacket"}
)
_TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")


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
        raise ValueError(f'address {endpoint}: invalid port "{port_text}"' if port_text else
                         f"address {endpoint}: missing port in address")
    return host, int(port_text)


@dataclass
class TPMConfig:
    auth: str = ""
    enabled: bool = False
    owner_auth: str = ""
    path: str = ""


@dataclass
class TLSServerConfig:
    """configtls.ServerConfig: certificate and key for the server, optional client CA (mTLS)."""

    ca_file: str = ""
    ca_pem: str = ""
    cert_file: str = ""
    cert_pem: str = ""
    key_file: str = ""
    key_pem: str = ""
    include_system_ca_certs_pool: bool = False
    min_version: str = ""
    max_version: str = ""
    cipher_suites: list[str] = field(default_factory=list)
    curve_preferences: list[str] = field(default_factory=list)
    include_insecure_cipher_suites: bool = False
    reload_interval: timedelta = timedelta(0)
    tpm: TPMConfig = field(default_factory=TPMConfig)
    client_ca_file: str = ""
    client_ca_file_reload: bool = False

    def validate(self) -> None:
        if self.ca_file and self.ca_pem:
            raise ValueError("provide either a CA file or the PEM-encoded string, but not both")
        if self.cert_file and self.cert_pem:
            raise ValueError("provide either certificate file or PEM, but not both")
        if self.key_file and self.key_pem:
            raise ValueError("provide either key file or PEM, but not both")
        has_cert = bool(self.cert_file or self.cert_pem)
        has_key = bool(self.key_file or self.key_pem)
        if has_cert != has_key:
            raise ValueError(
                "TLS configuration must include both certificate and key (CertFile/CertPem and KeyFile/KeyPem)"
            )
        for name, value in (("min_version", self.min_version), ("max_version", self.max_version)):
            if value and value not in _TLS_VERSIONS:
                raise ValueError(f'invalid TLS {name}: unsupported TLS version: "{value}"')
        if self.min_version and self.max_version and self.max_version < self.min_version:
            raise ValueError("invalid TLS configuration: min_version cannot be greater than max_version")
        if not has_cert:
            raise ValueError("TLS configuration must include both certificate and key for server connections")

    def ssl_context(self) -> ssl.SSLContext:
        """A server SSLContext (TLS 1.2 minimum unless configured; client certs required when
        ``client_ca_file`` is set). Raises ValueError with Go's wording on load failures."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        versions = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
                    "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
        ctx.minimum_version = versions.get(self.min_version, ssl.TLSVersion.TLSv1_2)
        if self.max_version:
            ctx.maximum_version = versions[self.max_version]
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = self.cert_file, self.key_file
            if self.cert_pem:
                cert = os.path.join(tmp, "cert.pem")
                with open(cert, "w") as fh:
                    fh.write(self.cert_pem)
            if self.key_pem:
                key = os.path.join(tmp, "key.pem")
                with open(key, "w") as fh:
                    fh.write(self.key_pem)
            try:
                ctx.load_cert_chain(cert, key)
            except (OSError, ssl.SSLError) as exc:
                raise ValueError(f"failed to load TLS config: failed to load TLS cert and key: {exc}") from None
        if self.client_ca_file:
            try:
                ctx.load_verify_locations(self.client_ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise ValueError(f"failed to load TLS config: failed to load CA {self.client_ca_file}: {exc}") from None
            ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx


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
