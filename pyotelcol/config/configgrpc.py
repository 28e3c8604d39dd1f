"""configgrpc: the settings gRPC servers and clients embed.

Keys and defaults are Go's ``configgrpc.ServerConfig`` / ``ClientConfig``. Server ``keepalive`` is
on by default with both sub-sections present, as in Go. A zero duration means gRPC's own default,
as in Go, but where grpc-go's default never closes a silent connection (no idle or age limit, a
first keepalive ping only after 2 h) the server parameters default to bounds of minutes instead
(the ``DEFAULT_MAX_CONNECTION_*`` and ``DEFAULT_KEEPALIVE_*`` constants).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from .confighttp import (
    COMPRESSION_TYPES,
    AuthConfig,
    DialerConfig,
    MiddlewareConfig,
    TLSClientConfig,
    TLSServerConfig,
    split_host_port,
    validate_transport,
)
from .decode import OptionalSection

__all__ = [
    "BALANCERS",
    "DEFAULT_BALANCER_NAME",
    "DEFAULT_KEEPALIVE_TIME",
    "DEFAULT_KEEPALIVE_TIMEOUT",
    "DEFAULT_MAX_CONNECTION_AGE",
    "DEFAULT_MAX_CONNECTION_AGE_GRACE",
    "DEFAULT_MAX_CONNECTION_IDLE",
    "DEFAULT_MAX_RECV_MSG_SIZE_MIB",
    "ClientConfig",
    "KeepaliveClientConfig",
    "KeepaliveEnforcementPolicy",
    "KeepaliveServerConfig",
    "KeepaliveServerParameters",
    "ServerConfig",
    "TLSClientConfig",
    "TLSServerConfig",
]

DEFAULT_MAX_RECV_MSG_SIZE_MIB = 4  # grpc-go's (and grpcio's) default
_MAX_MIB = (2**63 - 1) // 1024 // 1024
_IDENTITY_AND_GZIP = (1 << 0) | (1 << 2)  # grpc_compression_algorithm: 0 none, 1 deflate, 2 gzip


# Defaults of ``keepalive.server_parameters`` (Go's are all zero: no idle or age limit, pings after
# 2 h of silence). With these a connection without calls closes after 5 minutes, a peer that stops
# answering pings during a call is dropped after 2m20s, and any connection, even one whose call
# never completes, is closed within 11 minutes; clients reconnect on the GOAWAY. 0 keeps Go's value.
DEFAULT_MAX_CONNECTION_IDLE = timedelta(minutes=5)
DEFAULT_MAX_CONNECTION_AGE = timedelta(minutes=10)
DEFAULT_MAX_CONNECTION_AGE_GRACE = timedelta(minutes=1)
DEFAULT_KEEPALIVE_TIME = timedelta(minutes=2)
DEFAULT_KEEPALIVE_TIMEOUT = timedelta(seconds=20)  # gRPC's own


@dataclass
class KeepaliveServerParameters:
    max_connection_idle: timedelta = DEFAULT_MAX_CONNECTION_IDLE
    max_connection_age: timedelta = DEFAULT_MAX_CONNECTION_AGE
    max_connection_age_grace: timedelta = DEFAULT_MAX_CONNECTION_AGE_GRACE
    time: timedelta = DEFAULT_KEEPALIVE_TIME
    timeout: timedelta = DEFAULT_KEEPALIVE_TIMEOUT


@dataclass
class KeepaliveEnforcementPolicy:
    min_time: timedelta = timedelta(0)
    permit_without_stream: bool = False


@dataclass
class KeepaliveServerConfig:
    server_parameters: OptionalSection[KeepaliveServerParameters] = field(
        default_factory=lambda: OptionalSection.some(KeepaliveServerParameters())
    )
    enforcement_policy: OptionalSection[KeepaliveEnforcementPolicy] = field(
        default_factory=lambda: OptionalSection.some(KeepaliveEnforcementPolicy())
    )


def _ms(value: timedelta) -> int:
    return int(value.total_seconds() * 1000)


@dataclass
class ServerConfig:
    endpoint: str = ""
    transport: str = "tcp"
    dialer: DialerConfig = field(default_factory=DialerConfig)
    tls: OptionalSection[TLSServerConfig] = field(default_factory=lambda: OptionalSection.none(TLSServerConfig))
    max_recv_msg_size_mib: int = 0
    max_concurrent_streams: int = 0
    read_buffer_size: int = 0
    write_buffer_size: int = 0
    keepalive: OptionalSection[KeepaliveServerConfig] = field(
        default_factory=lambda: OptionalSection.some(KeepaliveServerConfig())
    )
    auth: OptionalSection[AuthConfig] = field(default_factory=lambda: OptionalSection.none(AuthConfig))
    include_metadata: bool = False
    middlewares: list[MiddlewareConfig] = field(default_factory=list)

    def validate(self) -> None:
        validate_transport(self.transport)
        if self.max_recv_msg_size_mib < 0 or self.max_recv_msg_size_mib > _MAX_MIB:
            raise ValueError(
                f"invalid max_recv_msg_size_mib value, must be between 1 and {_MAX_MIB}: {self.max_recv_msg_size_mib}"
            )
        if self.max_concurrent_streams < 0 or self.max_concurrent_streams > 0xFFFFFFFF:
            raise ValueError(f"invalid max_concurrent_streams value: {self.max_concurrent_streams}")
        if self.read_buffer_size < 0:
            raise ValueError(f"invalid read_buffer_size value: {self.read_buffer_size}")
        if self.write_buffer_size < 0:
            raise ValueError(f"invalid write_buffer_size value: {self.write_buffer_size}")

    def max_recv_msg_size(self) -> int:
        """Bytes; 0 in the config means gRPC's default of 4 MiB."""
        mib = self.max_recv_msg_size_mib if self.max_recv_msg_size_mib > 0 else DEFAULT_MAX_RECV_MSG_SIZE_MIB
        return min(mib * 1024 * 1024, 2**31 - 1)

    def grpc_options(self) -> list[tuple[str, Any]]:
        """grpcio server arguments for this config (SO_REUSEPORT off: a taken port must fail)."""
        opts: list[tuple[str, Any]] = [
            ("grpc.so_reuseport", 0),
            ("grpc.max_receive_message_length", self.max_recv_msg_size()),
            # identity + gzip, like grpc-go with configgrpc's codecs (grpcio has no snappy/zstd);
            # anything else (deflate) is answered UNIMPLEMENTED, as Go does.
            ("grpc.compression_enabled_algorithms_bitset", _IDENTITY_AND_GZIP),
        ]
        if self.max_concurrent_streams > 0:
            opts.append(("grpc.max_concurrent_streams", self.max_concurrent_streams))
        if self.write_buffer_size > 0:
            opts.append(("grpc.http2.write_buffer_size", self.write_buffer_size))
        keepalive = self.keepalive.get()
        if keepalive is not None:
            params = keepalive.server_parameters.get()
            if params is not None:
                for key, value in (
                    ("grpc.max_connection_idle_ms", params.max_connection_idle),
                    ("grpc.max_connection_age_ms", params.max_connection_age),
                    ("grpc.max_connection_age_grace_ms", params.max_connection_age_grace),
                    ("grpc.keepalive_time_ms", params.time),
                    ("grpc.keepalive_timeout_ms", params.timeout),
                ):
                    if value > timedelta(0):
                        opts.append((key, _ms(value)))
                if params.timeout > timedelta(0):
                    # grpcio waits for a ping's ack for the longer of the two (60 s by default)
                    opts.append(("grpc.http2.ping_timeout_ms", _ms(params.timeout)))
            policy = keepalive.enforcement_policy.get()
            if policy is not None:
                if policy.min_time > timedelta(0):
                    opts.append(("grpc.http2.min_ping_interval_without_data_ms", _ms(policy.min_time)))
                if policy.permit_without_stream:
                    opts.append(("grpc.keepalive_permit_without_calls", 1))
        return opts


# -- client side ------------------------------------------------------------------------------

DEFAULT_BALANCER_NAME = "round_robin"
# Load-balancing policies grpcio has registered under the names grpc-go uses.
BALANCERS = frozenset({"round_robin", "pick_first"})
# What grpcio can send: gzip (deflate exists in grpcio but not in Go's client).
_GRPCIO_COMPRESSORS = {"gzip"}


@dataclass
class KeepaliveClientConfig:
    time: timedelta = timedelta(seconds=10)
    timeout: timedelta = timedelta(seconds=10)
    permit_without_stream: bool = False


@dataclass
class ClientConfig:
    """configgrpc.ClientConfig (generic defaults; exporters override some of them)."""

    endpoint: str = ""
    compression: str = ""
    tls: TLSClientConfig = field(default_factory=TLSClientConfig)
    keepalive: OptionalSection[KeepaliveClientConfig] = field(
        default_factory=lambda: OptionalSection.some(KeepaliveClientConfig())
    )
    read_buffer_size: int = 0
    write_buffer_size: int = 0
    wait_for_ready: bool = False
    headers: dict[str, str] = field(default_factory=dict, metadata={"opaque": True})
    user_agent: str = ""
    balancer_name: str = DEFAULT_BALANCER_NAME
    authority: str = ""
    auth: OptionalSection[AuthConfig] = field(default_factory=lambda: OptionalSection.none(AuthConfig))
    middlewares: list[MiddlewareConfig] = field(default_factory=list)

    # -- endpoint -------------------------------------------------------------------------------
    def sanitized_endpoint(self) -> str:
        """host:port without ``http(s)://`` or a gRPC resolver scheme and authority."""
        ep = self.endpoint
        if ep.startswith("http://"):
            return ep[len("http://") :]
        if ep.startswith("https://"):
            return ep[len("https://") :]
        if "://" not in ep:
            return ep
        parsed = urlsplit(ep)
        return parsed.path.removeprefix("/")

    def dial_target(self) -> str:
        """What the channel connects to: ``http(s)://`` stripped, other schemes kept for grpcio."""
        if self.endpoint.startswith(("http://", "https://")):
            return self.sanitized_endpoint()
        return self.endpoint

    def is_https(self) -> bool:
        return self.endpoint.startswith("https://")

    def validate(self) -> None:
        if self.endpoint.startswith("unix://"):
            if self.endpoint == "unix://":
                raise ValueError("unix socket path cannot be empty")
        else:
            endpoint = self.sanitized_endpoint()
            if endpoint.endswith(":") and endpoint.count(":") == 1:
                raise ValueError('invalid port ""')  # net.SplitHostPort accepts it, strconv.Atoi does not
            if endpoint:
                try:
                    split_host_port(endpoint)
                except ValueError as exc:
                    text = str(exc)
                    if "invalid port" in text:
                        port = endpoint.rpartition(":")[2]
                        raise ValueError(f'invalid port "{port}"') from None
                    raise
        if self.balancer_name and self.balancer_name not in BALANCERS:
            raise ValueError(f"invalid balancer_name: {self.balancer_name}")
        if self.compression not in COMPRESSION_TYPES:
            raise ValueError(f'unsupported compression type "{self.compression}"')
        if self.compression in ("zstd", "snappy"):
            raise ValueError(
                f'unsupported compression type "{self.compression}": grpcio has no {self.compression} '
                "compressor (use gzip or none)"
            )
        if self.read_buffer_size < 0:
            raise ValueError(f"invalid read_buffer_size value: {self.read_buffer_size}")
        if self.write_buffer_size < 0:
            raise ValueError(f"invalid write_buffer_size value: {self.write_buffer_size}")

    # -- what grpcio gets -----------------------------------------------------------------------
    def grpc_compression(self) -> Any:
        """The grpc.Compression for calls; Go's start-time error for types gRPC cannot send."""
        import grpc

        if self.compression in ("", "none"):
            return grpc.Compression.NoCompression
        if self.compression not in _GRPCIO_COMPRESSORS:
            raise ValueError(f'unsupported compression type "{self.compression}"')
        return grpc.Compression.Gzip

    def uses_tls(self) -> bool:
        """TLS unless ``tls.insecure`` (without a CA); ``https://`` forces it."""
        return self.tls.uses_tls() or self.is_https()

    def channel_options(self, user_agent: str) -> list[tuple[str, Any]]:
        opts: list[tuple[str, Any]] = [("grpc.primary_user_agent", self.user_agent or user_agent)]
        if self.balancer_name:
            opts.append(("grpc.lb_policy_name", self.balancer_name))
        keepalive = self.keepalive.get()
        if keepalive is not None:
            if keepalive.time > timedelta(0):
                opts.append(("grpc.keepalive_time_ms", _ms(keepalive.time)))
            if keepalive.timeout > timedelta(0):
                opts.append(("grpc.keepalive_timeout_ms", _ms(keepalive.timeout)))
            opts.append(("grpc.http2.max_pings_without_data", 0))
            if keepalive.permit_without_stream:
                opts.append(("grpc.keepalive_permit_without_calls", 1))
        if self.write_buffer_size > 0:
            opts.append(("grpc.http2.write_buffer_size", self.write_buffer_size))
        if self.authority:
            opts.append(("grpc.default_authority", self.authority))
        if self.tls.server_name_override and self.uses_tls():
            opts.append(("grpc.ssl_target_name_override", self.tls.server_name_override))
        return opts

    def metadata(self) -> list[tuple[str, str | bytes]]:
        """``headers`` as gRPC metadata: lower-case keys; ``-bin`` keys carry bytes."""
        out: list[tuple[str, str | bytes]] = []
        for key, value in sorted(self.headers.items()):
            name = key.lower()
            out.append((name, value.encode() if name.endswith("-bin") else value))
        return out
