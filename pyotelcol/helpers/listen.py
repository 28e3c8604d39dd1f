"""Opening a server's listening address the way Go's ``net.Listen`` does, with Go's error texts.

Used by the HTTP and gRPC server builders (``confighttp.start_http_server``,
``configgrpc.start_grpc_server``). Outside ``--workers`` mode the port is exclusive, so a second
collector on a taken port is a startup error (``bind: address already in use``) instead of
silently taking half the traffic. The supervisor (``pyotelcol.cli.workers``) marks its workers
with ``PYOTELCOL_WORKER_ID``; only then do the servers turn SO_REUSEPORT on, and the kernel
spreads new connections across the workers.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import socket

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]

WORKER_ID_ENV = "PYOTELCOL_WORKER_ID"
SERVED_TRANSPORTS = frozenset({"tcp", "tcp4", "tcp6", "unix"})


class ListenError(OSError):
    """A server could not listen; the message follows Go's ``listen tcp <addr>: bind: ...``."""

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno
        self.message = message

    def __str__(self) -> str:
        return self.message


def reuse_port_allowed() -> bool:
    """SO_REUSEPORT only in a worker process of ``--workers`` mode."""
    return bool(os.environ.get(WORKER_ID_ENV))


def grpc_server_options(options: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """The configured channel options with ``grpc.so_reuseport`` set for this process's mode."""
    value = 1 if reuse_port_allowed() else 0
    return [(k, v) for k, v in options if k != "grpc.so_reuseport"] + [("grpc.so_reuseport", value)]


def check_transport(transport: str) -> None:
    """Stream servers listen on tcp, tcp4, tcp6 or unix; anything else fails at start."""
    if transport not in SERVED_TRANSPORTS:
        raise ListenError(f"listen {transport}: transport not supported by this server (use tcp or unix)")


def format_addr(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def os_error_text(exc: OSError) -> str:
    """Go's lower-case rendering of an OS error (``address already in use``)."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


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


async def resolve_listen_address(host: str, port: int, transport: str) -> tuple[str | None, int]:
    """Pick the one address Go's net.Listen would bind: ``None`` (all interfaces) for an empty
    host, the literal for an IP, else the first IPv4 (then IPv6) address the name resolves to."""
    if host == "":
        return None, port
    try:
        ipaddress.ip_address(host)
        return host, port
    except ValueError:
        pass
    family = {"tcp4": socket.AF_INET, "tcp6": socket.AF_INET6}.get(transport, socket.AF_UNSPEC)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, family=family, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        raise ListenError(f"listen {transport}: lookup {host}: {os_error_text(exc)}") from None
    infos.sort(key=lambda info: 0 if info[0] == socket.AF_INET else 1)
    return str(infos[0][4][0]), port


async def resolve_endpoint(endpoint: str, transport: str) -> tuple[str | None, int]:
    """``host:port`` to the address to bind (see ``resolve_listen_address``); ListenError with
    Go's ``listen tcp: address ...`` text when the endpoint does not parse."""
    try:
        host, port = split_host_port(endpoint)
    except ValueError as exc:
        raise ListenError(f"listen {transport}: {exc}") from None
    return await resolve_listen_address(host, port, transport)


def bind_error(transport: str, shown: str, exc: OSError) -> ListenError:
    """``listen tcp <addr>: bind: <errno text>``; asyncio's own wording is replaced by the errno's."""
    text = os.strerror(exc.errno) if exc.errno and exc.errno > 0 else os_error_text(exc)
    return ListenError(f"listen {transport} {shown}: bind: {text[:1].lower() + text[1:]}", exc.errno)


def probe_bind_error(host: str | None, port: int, transport: str) -> ListenError | None:
    """Bind a plain socket like Go does (SO_REUSEADDR, no SO_REUSEPORT) to explain a failure."""
    family = socket.AF_INET6 if host and ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host or "", port))
    except OSError as exc:
        return bind_error(transport, format_addr(host if host is not None else "::", port), exc)
    finally:
        sock.close()
    return None


__all__ = [
    "SERVED_TRANSPORTS",
    "WORKER_ID_ENV",
    "ListenError",
    "Logger",
    "bind_error",
    "check_transport",
    "format_addr",
    "grpc_server_options",
    "os_error_text",
    "probe_bind_error",
    "resolve_endpoint",
    "resolve_listen_address",
    "reuse_port_allowed",
    "split_host_port",
]
