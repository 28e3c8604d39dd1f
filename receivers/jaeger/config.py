"""Configuration of the ``jaeger`` receiver: ``protocols.grpc``, ``thrift_http``, ``thrift_compact``, ``thrift_binary``.

As in Go every protocol section is a configoptional "default" section: off unless its key
appears in the YAML (``grpc:`` with a null value is enough); ``enabled: false`` turns it off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyotelcol.config import OptionalSection, configgrpc, confighttp

DEFAULT_GRPC_ENDPOINT = "localhost:14250"
DEFAULT_HTTP_ENDPOINT = "localhost:14268"
DEFAULT_THRIFT_COMPACT_ENDPOINT = "localhost:6831"
DEFAULT_THRIFT_BINARY_ENDPOINT = "localhost:6832"

DEFAULT_QUEUE_SIZE = 1_000
DEFAULT_MAX_PACKET_SIZE = 65_000
DEFAULT_WORKERS = 10

_MAX_INT64 = 2**63 - 1


@dataclass
class GRPCConfig(configgrpc.ServerConfig):
    endpoint: str = DEFAULT_GRPC_ENDPOINT


@dataclass
class ThriftHTTPConfig(confighttp.ServerConfig):
    endpoint: str = DEFAULT_HTTP_ENDPOINT


@dataclass
class UDPConfig:
    """One agent port (Go's ProtocolUDP with ServerConfigUDP squashed in)."""

    endpoint: str = ""
    queue_size: int = DEFAULT_QUEUE_SIZE
    max_packet_size: int = DEFAULT_MAX_PACKET_SIZE
    workers: int = DEFAULT_WORKERS
    socket_buffer_size: int = 0

    def validate(self) -> None:
        # Go creates the channel with make(chan, queue_size), which panics when negative.
        if self.queue_size < 0:
            raise ValueError(f"queue_size must not be negative: {self.queue_size}")


def _udp(endpoint: str) -> OptionalSection[UDPConfig]:
    return OptionalSection.default(UDPConfig(endpoint=endpoint))


@dataclass
class Protocols:
    grpc: OptionalSection[GRPCConfig] = field(default_factory=lambda: OptionalSection.default(GRPCConfig()))
    thrift_http: OptionalSection[ThriftHTTPConfig] = field(
        default_factory=lambda: OptionalSection.default(ThriftHTTPConfig())
    )
    thrift_binary: OptionalSection[UDPConfig] = field(default_factory=lambda: _udp(DEFAULT_THRIFT_BINARY_ENDPOINT))
    thrift_compact: OptionalSection[UDPConfig] = field(default_factory=lambda: _udp(DEFAULT_THRIFT_COMPACT_ENDPOINT))


def _split_host_port(endpoint: str) -> str:
    """Go's net.SplitHostPort, returning the port text (errors carry Go's wording)."""
    if endpoint.startswith("["):
        end = endpoint.find("]")
        if end < 0:
            raise ValueError(f"address {endpoint}: missing ']' in address")
        rest = endpoint[end + 1 :]
        if not rest.startswith(":"):
            raise ValueError(f"address {endpoint}: missing port in address")
        if "[" in endpoint[1:end] or "]" in rest:
            raise ValueError(f"address {endpoint}: unexpected '[' in address")
        return rest[1:]
    host, sep, port = endpoint.rpartition(":")
    if not sep:
        raise ValueError(f"address {endpoint}: missing port in address")
    if ":" in host:
        raise ValueError(f"address {endpoint}: too many colons in address")
    if "[" in host or "]" in host:
        raise ValueError(f"address {endpoint}: unexpected '[' in address")
    return port


def check_port(endpoint: str) -> None:
    """Go's checkPortFromEndpoint, except that port 0 (an ephemeral port) is accepted."""
    try:
        port_text = _split_host_port(endpoint)
    except ValueError as exc:
        raise ValueError(f"endpoint is not formatted correctly: {exc}") from None
    digits = port_text[1:] if port_text[:1] in ("+", "-") else port_text
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f'endpoint port is not a number: strconv.ParseInt: parsing "{port_text}": invalid syntax')
    port = int(port_text)
    if abs(port) > _MAX_INT64:
        raise ValueError(f'endpoint port is not a number: strconv.ParseInt: parsing "{port_text}": value out of range')
    if port < 0 or port > 65535:
        raise ValueError("port number must be between 1 and 65535")


@dataclass
class Config:
    protocols: Protocols = field(default_factory=Protocols)
    # Removed in Go: any value is an error pointing at the jaegerremotesampling extension.
    remote_sampling: Any = None

    def validate(self) -> None:
        p = self.protocols
        if not (p.grpc.enabled or p.thrift_http.enabled or p.thrift_binary.enabled or p.thrift_compact.enabled):
            raise ValueError("must specify at least one protocol when using the Jaeger receiver")
        checks: list[tuple[str, OptionalSection[Any]]] = [
            ("gRPC", p.grpc),
            ("Thrift HTTP", p.thrift_http),
            ("Thrift UDP Binary", p.thrift_binary),
            ("Thrift UDP Compact", p.thrift_compact),
        ]
        for name, section in checks:
            value = section.get()
            if value is not None:
                try:
                    check_port(value.endpoint)
                except ValueError as exc:
                    raise ValueError(f"invalid port number for the {name} endpoint: {exc}") from None
        if self.remote_sampling is not None:
            raise ValueError(
                "remote sampling config detected in the Jaeger receiver; use the `jaegerremotesampling` extension instead"
            )
