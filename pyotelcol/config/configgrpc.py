"""configgrpc (server side): the settings a gRPC server component embeds (collector-core §7.3).

Keys and defaults are Go's ``configgrpc.ServerConfig``. ``keepalive`` is on by default with
both sub-sections present and all-zero (zero = gRPC's own default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .confighttp import (
    AuthConfig,
    DialerConfig,
    MiddlewareConfig,
    TLSServerConfig,
    validate_transport,
)
from .decode import OptionalSection

__all__ = [
    "DEFAULT_MAX_RECV_MSG_SIZE_MIB",
    "KeepaliveEnforcementPolicy",
    "KeepaliveServerConfig",
    "KeepaliveServerParameters",
    "ServerConfig",
    "TLSServerConfig",
]

DEFAULT_MAX_RECV_MSG_SIZE_MIB = 4  # grpc-go's (and grpcio's) default
_MAX_MIB = (2**63 - 1) // 1024 // 1024
_IDENTITY_AND_GZIP = (1 << 0) | (1 << 2)  # grpc_compression_algorithm: 0 none, 1 deflate, 2 gzip


@dataclass
class KeepaliveServerParameters:
    max_connection_idle: timedelta = timedelta(0)
    max_connection_age: timedelta = timedelta(0)
    max_connection_age_grace: timedelta = timedelta(0)
    time: timedelta = timedelta(0)
    timeout: timedelta = timedelta(0)


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
            policy = keepalive.enforcement_policy.get()
            if policy is not None:
                if policy.min_time > timedelta(0):
                    opts.append(("grpc.http2.min_ping_interval_without_data_ms", _ms(policy.min_time)))
                if policy.permit_without_stream:
                    opts.append(("grpc.keepalive_permit_without_calls", 1))
        return opts
